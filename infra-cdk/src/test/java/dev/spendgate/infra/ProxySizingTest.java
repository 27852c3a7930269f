package dev.spendgate.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.services.lambda.Architecture;

/**
 * The proxy function's size: x86_64 at 1024 MB by default (cold start kept; the right-sizing in bench/RESULTS.md), both context
 * parameters, the report runner's cost estimate following them, and a bundled JRE for the other processor refused.
 */
class ProxySizingTest {
    @TempDir
    Path dir;

    @Test
    void defaults_proxyIsX86At1024MbAndTheReportEstimatesThat() {
        Synth synth = Synth.of(b -> {});

        synth.template.hasResourceProperties(
                "AWS::Lambda::Function",
                Match.objectLike(
                        Map.of("Runtime", "provided.al2023", "Architectures", List.of("x86_64"), "MemorySize", 1024)));
        synth.template.hasResourceProperties(
                "AWS::Lambda::Function",
                Match.objectLike(Map.of(
                        "Environment",
                        Map.of(
                                "Variables",
                                Match.objectLike(Map.of(
                                        "SPENDGATE_PROXY_MEMORY_MB", "1024",
                                        "SPENDGATE_PROXY_ARCHITECTURE", "x86_64"))))));
        // the estimate's Secrets Manager fee counts the secrets the template creates
        synth.template.resourceCountIs("AWS::SecretsManager::Secret", 2);
        synth.template.hasResourceProperties(
                "AWS::Lambda::Function",
                Match.objectLike(Map.of(
                        "Environment",
                        Map.of("Variables", Match.objectLike(Map.of("SPENDGATE_GATEWAY_COST_SECRETS", "2"))))));
    }

    @Test
    void proxyMemoryAndArchitecture_given_appliedToTheFunctionAndTheEstimate() {
        Synth synth = Synth.of(b -> b.proxyMemoryMb(256).proxyArchitecture(Architecture.ARM_64));

        synth.template.hasResourceProperties(
                "AWS::Lambda::Function",
                Match.objectLike(
                        Map.of("Runtime", "provided.al2023", "Architectures", List.of("arm64"), "MemorySize", 256)));
        synth.template.hasResourceProperties(
                "AWS::Lambda::Function",
                Match.objectLike(Map.of(
                        "Environment",
                        Map.of(
                                "Variables",
                                Match.objectLike(Map.of(
                                        "SPENDGATE_PROXY_MEMORY_MB", "256",
                                        "SPENDGATE_PROXY_ARCHITECTURE", "arm64"))))));
    }

    @Test
    void proxyMemory_outsideLambdasRange_isRefused() {
        assertThatThrownBy(() -> props(Path.of(".")).proxyMemoryMb(64).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("proxyMemoryMb");
    }

    @Test
    void bundledJre_forTheOtherProcessor_isRefusedAtSynthesis() throws IOException {
        Path code = packageWithJre("aarch64");

        assertThatThrownBy(() -> props(code).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("proxyArchitecture")
                .hasMessageContaining("aarch64");
        assertThat(props(code)
                        .proxyArchitecture(Architecture.ARM_64)
                        .build()
                        .proxyArchitecture()
                        .getName())
                .isEqualTo("arm64");
        assertThat(props(packageWithJre("x86_64")).build().proxyArchitecture()).isEqualTo(Architecture.X86_64);
    }

    @Test
    void architectureContext_unknownValue_isRefused() {
        assertThat(SpendgateApp.architecture(null)).isNull();
        assertThat(SpendgateApp.architecture("x86_64")).isEqualTo(Architecture.X86_64);
        assertThatThrownBy(() -> SpendgateApp.architecture("arm"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("proxyArchitecture");
    }

    private Path packageWithJre(String arch) throws IOException {
        Path code = Files.createTempDirectory(dir, "proxy");
        Files.createDirectories(code.resolve("jre"));
        Files.writeString(code.resolve("jre/release"), "JAVA_VERSION=\"25\"\nOS_ARCH=\"" + arch + "\"\n");
        return code;
    }

    private static SpendgateStackProps.Builder props(Path proxyCode) {
        return SpendgateStackProps.builder()
                .proxyCode(proxyCode)
                .wasteDetectorJar(Path.of("."))
                .reportRunnerJar(Path.of("."));
    }
}
