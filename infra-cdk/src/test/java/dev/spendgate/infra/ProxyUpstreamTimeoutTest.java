package dev.spendgate.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.assertions.Capture;
import software.amazon.awscdk.assertions.Match;

/**
 * The deployed proxy's wait for a silent provider ({@code SPENDGATE_UPSTREAM_TIMEOUT_SECONDS}) stays below API
 * Gateway's idle timeout on a streamed response from a Regional endpoint (5 minutes), so the proxy ends such a call
 * itself, with its own error and a record saying so, instead of API Gateway answering the client 504 while the
 * function waits on.
 */
class ProxyUpstreamTimeoutTest {

    @Test
    void proxyEnvironment_upstreamTimeoutAtOrAboveApiGatewaysIdleTimeout_isRefusedAtSynthNamingIt() {
        for (String value : new String[] {"300", "600"}) {
            assertThatThrownBy(() -> props(Map.of("SPENDGATE_UPSTREAM_TIMEOUT_SECONDS", value)))
                    .as("SPENDGATE_UPSTREAM_TIMEOUT_SECONDS=" + value)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("SPENDGATE_UPSTREAM_TIMEOUT_SECONDS")
                    .hasMessageContaining("API Gateway")
                    .hasMessageContaining("below 300");
        }
    }

    @Test
    void proxyEnvironment_lowerUpstreamTimeout_isDeployedAsGiven() {
        Synth synth = Synth.of(b -> b.proxyEnvironment(Map.of("SPENDGATE_UPSTREAM_TIMEOUT_SECONDS", "120")));
        Capture env = new Capture();
        synth.template.hasResourceProperties(
                "AWS::Lambda::Function",
                Match.objectLike(Map.of("Runtime", "provided.al2023", "Environment", Map.of("Variables", env))));
        assertThat(env.asObject()).containsEntry("SPENDGATE_UPSTREAM_TIMEOUT_SECONDS", "120");
    }

    private static SpendgateStackProps props(Map<String, String> proxyEnvironment) {
        return SpendgateStackProps.builder()
                .proxyCode(Path.of("."))
                .wasteDetectorJar(Path.of("."))
                .reportRunnerJar(Path.of("."))
                .proxyEnvironment(proxyEnvironment)
                .build();
    }
}
