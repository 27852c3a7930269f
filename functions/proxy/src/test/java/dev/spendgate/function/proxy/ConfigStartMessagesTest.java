package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Settings refused at start name what is wrong, and never repeat a secret (reviewer's suspicions, session 19). */
class ConfigStartMessagesTest {
    @Test
    void upstreamTimeoutPastWhatTheClientHolds_isRefusedNamingTheVariable() {
        // accepted before, then the runtime failed with an ArithmeticException ("long overflow") naming nothing
        assertThatThrownBy(() -> ProxyConfig.fromEnv(
                        Map.of("SPENDGATE_UPSTREAM_TIMEOUT_SECONDS", Long.toString(Long.MAX_VALUE))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("SPENDGATE_UPSTREAM_TIMEOUT_SECONDS");
    }
}
