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

/** {@code ./spendgate local} started with a misspelt setting says so, naming the setting meant, and still starts. */
class LocalSettingTypoIT {
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
        pb.environment().put("SPENDGATE_FLUSH_INTERVAL", "500");
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

        assertThat(seen.toString())
                .contains("Spendgate listening on")
                .contains("spendgate: warning: SPENDGATE_FLUSH_INTERVAL is set, but Spendgate reads no setting of"
                        + " that name: it is ignored; did you mean SPENDGATE_FLUSH_INTERVAL_MS?");
    }
}
