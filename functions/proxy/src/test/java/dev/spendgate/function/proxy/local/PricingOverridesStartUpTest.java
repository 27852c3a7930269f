package dev.spendgate.function.proxy.local;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spendgate.function.proxy.ProxyConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The gateway refuses to start on an override file it would not apply, naming the variable (R19A-6). */
class PricingOverridesStartUpTest {
    @TempDir
    Path dir;

    @Test
    void start_overrideFileWithAMisspeltSection_refusedNamingTheVariableAndTheKey() throws Exception {
        Path overrides = dir.resolve("contract.json");
        // "discount" for "discounts": started anyway, the gateway would charge list prices, not the contract's
        Files.writeString(overrides, "{\"discount\": [{\"provider\": \"openai\", \"percent\": 10}]}");
        ProxyConfig config = ProxyConfig.fromEnv(Map.of("SPENDGATE_PRICING_OVERRIDES", overrides.toString()));

        assertThatThrownBy(() -> LocalGatewayRuntime.create(config, dir.resolve("data")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("SPENDGATE_PRICING_OVERRIDES: ")
                .hasMessageContaining("unknown section 'discount'");
    }
}
