package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Settings refused at start name what is wrong, and never repeat a secret (reviewer's suspicions, session 19). */
class ConfigStartMessagesTest {
    @TempDir
    Path dir;

    @Test
    void upstreamTimeoutPastWhatTheClientHolds_isRefusedNamingTheVariable() {
        // accepted before, then the runtime failed with an ArithmeticException ("long overflow") naming nothing
        assertThatThrownBy(() -> ProxyConfig.fromEnv(
                        Map.of("SPENDGATE_UPSTREAM_TIMEOUT_SECONDS", Long.toString(Long.MAX_VALUE))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("SPENDGATE_UPSTREAM_TIMEOUT_SECONDS");
    }

    @Test
    void providersFileThatIsNotJson_isRefusedWithoutRepeatingItsContent() throws Exception {
        // a key pasted in place of api_key_env, unquoted: Jackson's own message quotes the token
        Path file = dir.resolve("providers.json");
        Files.writeString(file, "[{\"name\": \"groq\", \"api_key_env\": gsk_SECRETKEY123}]");
        Throwable refused = org.assertj.core.api.Assertions.catchThrowable(
                () -> ProxyConfig.fromEnv(Map.of("SPENDGATE_PROVIDERS_FILE", file.toString())));
        assertThat(refused).isNotNull().hasMessageContaining("SPENDGATE_PROVIDERS_FILE");
        for (Throwable t = refused; t != null; t = t.getCause()) {
            assertThat(String.valueOf(t.getMessage())).doesNotContain("SECRETKEY123");
        }
    }
}
