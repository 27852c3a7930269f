package dev.spendgate.infra;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * README "Deploy to AWS", proxy settings: {@code -c proxyEnvironment} takes "extra SPENDGATE_* settings from
 * Configuration". The proxy refuses a malformed value when it starts (ProxyConfig), i.e. at every cold start after the
 * deploy succeeded: every call then fails. The report settings are already "refused at synth ... a value the report
 * would refuse"; the proxy's must be too, before the stack goes out.
 */
class ProxyEnvironmentValuesReviewTest {

    @Test
    void proxyEnvironment_valueTheProxyRefuses_isRefusedAtSynthNamingIt() {
        for (Map.Entry<String, String> bad : Map.of(
                        "SPENDGATE_RESERVATION_TTL_SECONDS", "15m",
                        "SPENDGATE_KEY_CALLS_PER_MINUTE", "-1",
                        "SPENDGATE_FSYNC", "sometimes",
                        "SPENDGATE_DEGRADE_CHAINS", "gpt-4o")
                .entrySet()) {
            assertThatThrownBy(() -> SpendgateStackProps.builder()
                            .proxyCode(Path.of("."))
                            .wasteDetectorJar(Path.of("."))
                            .reportRunnerJar(Path.of("."))
                            .proxyEnvironment(Map.of(bad.getKey(), bad.getValue()))
                            .build())
                    .as(bad.getKey() + "=" + bad.getValue())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(bad.getKey());
        }
    }
}
