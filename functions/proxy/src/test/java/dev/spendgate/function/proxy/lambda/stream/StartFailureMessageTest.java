package dev.spendgate.function.proxy.lambda.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchRuntimeException;

import dev.spendgate.function.proxy.ProxyConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A deployed proxy whose settings the proxy refuses fails every cold start. The operator reads why in CloudWatch (the
 * log line and Lambda's init error): the refused setting by name, not only "IllegalArgumentException"; a webhook URL,
 * a secret, is still not shown.
 */
class StartFailureMessageTest {

    @Test
    void refusedSetting_isNamedInTheStartFailure() {
        RuntimeException refused =
                catchRuntimeException(() -> ProxyConfig.fromEnv(Map.of("SPENDGATE_FSYNC", "sometimes")));

        assertThat(StreamingBootstrap.startFailure(refused)).contains("SPENDGATE_FSYNC");
    }

    @Test
    void refusedWebhookUrl_isNamedButNotShown() {
        String secretUrl = "hxxps://hooks.example.com/services/T000/B000/s3cr3tT0k3n";
        RuntimeException refused =
                catchRuntimeException(() -> ProxyConfig.fromEnv(Map.of("SPENDGATE_ALERT_WEBHOOK_URL", secretUrl)));

        assertThat(StreamingBootstrap.startFailure(refused))
                .contains("SPENDGATE_ALERT_WEBHOOK_URL")
                .doesNotContain("s3cr3tT0k3n");
    }

    @Test
    void otherFailure_showsItsClassOnly() {
        assertThat(StreamingBootstrap.startFailure(
                        new IllegalStateException("token=abc123 in a stack we did not write")))
                .isEqualTo("IllegalStateException");
    }
}
