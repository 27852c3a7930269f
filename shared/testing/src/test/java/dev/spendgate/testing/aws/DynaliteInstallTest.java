package dev.spendgate.testing.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DynaliteInstallTest {

    @Test
    void repoRoot_fromNestedModule_findsDirectoryWhosePackageJsonDeclaresDynalite(@TempDir Path dir)
            throws IOException {
        Files.writeString(dir.resolve("package.json"), "{\"devDependencies\":{\"dynalite\":\"4.0.0\"}}");
        Path module = Files.createDirectories(dir.resolve("shared/testing"));
        Files.writeString(dir.resolve("shared/package.json"), "{\"devDependencies\":{\"aws-cdk\":\"2\"}}");

        assertThat(DynaliteInstall.repoRoot(module)).isEqualTo(dir);
    }

    @Test
    void repoRoot_outsideAnyRepository_throwsWithNpmCiHint(@TempDir Path dir) {
        assertThatThrownBy(() -> DynaliteInstall.repoRoot(dir))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("npm ci");
    }
}
