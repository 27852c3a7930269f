package dev.spendgate.infra;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpendgateAppTest {
    @TempDir
    Path root;

    @Test
    void lambdaJar_moduleBuilt_picksTheShadedJarNotThePlainOne() throws Exception {
        Path target = Files.createDirectories(root.resolve("functions/waste-detector/target"));
        Files.writeString(target.resolve("spendgate-waste-detector-0.1.0-SNAPSHOT.jar"), "plain");
        Files.writeString(target.resolve("spendgate-waste-detector-0.1.0-SNAPSHOT-lambda.jar"), "shaded");
        Files.createDirectories(target.resolve("classes"));

        assertThat(SpendgateApp.lambdaJar(root, "functions/waste-detector"))
                .isEqualTo(target.resolve("spendgate-waste-detector-0.1.0-SNAPSHOT-lambda.jar"));
    }

    @Test
    void lambdaJar_moduleNotBuilt_namesAMissingFileSoPropsExplain() {
        Path jar = SpendgateApp.lambdaJar(root, "functions/report-runner");

        assertThat(jar).doesNotExist();
        assertThat(jar.toString()).contains("functions/report-runner/target");
    }
}
