package dev.spendgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./spendgate local} started with a misspelt setting or a guessable admin token says so at start (naming the
 * setting meant), and still starts.
 */
class LocalStartWarningsIT {
    @TempDir
    Path dataDir;

    private Process gateway;

    @AfterEach
    void tearDown() {
        if (gateway != null && gateway.isAlive()) {
            gateway.destroyForcibly();
        }
    }

    @Test
    void aMisspeltSetting_isWarnedAboutAtStart() throws Exception {
        String seen = startWith("SPENDGATE_FLUSH_INTERVAL", "500");

        assertThat(seen)
                .contains("Spendgate listening on")
                .contains("spendgate: warning: SPENDGATE_FLUSH_INTERVAL is set, but Spendgate reads no setting of"
                        + " that name: it is ignored; did you mean SPENDGATE_FLUSH_INTERVAL_MS?");
    }

    @Test
    void aShortAdminToken_isWarnedAbout_aLongOneIsNot() throws Exception {
        assertThat(startWith("SPENDGATE_ADMIN_TOKEN", "admin123"))
                .contains("Spendgate listening on")
                .contains("spendgate: warning: SPENDGATE_ADMIN_TOKEN has 8 characters");
        gateway.destroyForcibly().waitFor();

        assertThat(startWith("SPENDGATE_ADMIN_TOKEN", "3f9a0c4e7b21d8f65a0e9c3b7d14f2a8"))
                .contains("Spendgate listening on")
                .doesNotContain("SPENDGATE_ADMIN_TOKEN has");
    }

    private String startWith(String name, String value) throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        ProcessBuilder pb = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        SpendgateCli.class.getName(),
                        "local",
                        "--port",
                        Integer.toString(port),
                        "--data-dir",
                        dataDir.toString())
                .redirectErrorStream(true);
        pb.environment().put(name, value);
        gateway = pb.start();

        StringBuilder seen = new StringBuilder();
        try (BufferedReader out =
                new BufferedReader(new InputStreamReader(gateway.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                seen.append(line).append('\n');
                if (line.startsWith("Ctrl-C stops it")) {
                    break;
                }
            }
        }
        return seen.toString();
    }
}
