package dev.spendgate.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spendgate.infra.FunctionCode.Function;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awscdk.App;
import software.amazon.awscdk.AppProps;
import software.amazon.awscdk.BundlingOptions;
import software.amazon.awscdk.BundlingOutput;
import software.amazon.awscdk.services.lambda.Architecture;

/**
 * How {@code npx cdk deploy} gets the functions' code: built by default (locally, else in Docker), or taken as built
 * beforehand. No build runs here: {@code FunctionCodeBundlingIT} runs the local build once.
 */
class FunctionCodeTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    @TempDir
    Path tmp;

    @Test
    void code_noPrebuiltContext_isBuiltWhileSynthesising() {
        App app = new App(AppProps.builder().build());

        assertThat(SpendgateApp.code(app, ROOT, Architecture.X86_64).bundled()).isTrue();
    }

    @Test
    void code_prebuiltTrue_takesTheBuiltFilesAndNamesAMissingOne() throws Exception {
        Files.createDirectories(tmp.resolve("proxy"));
        Files.write(tmp.resolve("waste.jar"), new byte[] {'P', 'K'});
        App withFiles = new App(AppProps.builder()
                .context(Map.of(
                        "prebuilt", "true",
                        "proxyCode", tmp.resolve("proxy").toString(),
                        "wasteDetectorJar", tmp.resolve("waste.jar").toString(),
                        "reportRunnerJar", tmp.resolve("waste.jar").toString()))
                .build());
        App missing = new App(AppProps.builder()
                .context(Map.of(
                        "proxyCode", tmp.resolve("proxy").toString(),
                        "wasteDetectorJar", tmp.resolve("waste.jar").toString(),
                        "reportRunnerJar", tmp.resolve("nope.jar").toString()))
                .build());

        assertThat(SpendgateApp.code(withFiles, ROOT, Architecture.X86_64).bundled())
                .isFalse();
        assertThatThrownBy(() -> SpendgateApp.code(missing, ROOT, Architecture.X86_64))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("reportRunnerJar")
                .hasMessageContaining("nope.jar");
    }

    @Test
    void built_notTheRepository_failsNamingTheRoot() {
        assertThatThrownBy(() -> FunctionCode.built(tmp, Architecture.X86_64))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(tmp.toString())
                .hasMessageContaining("infra-cdk");
    }

    @Test
    void bundling_proxy_dockerFallbackBuildsAndPackagesInTemurin25ForTheFunctionsArchitecture() {
        FunctionCode arm = FunctionCode.built(ROOT, Architecture.ARM_64, noMaven());
        FunctionCode x86 = FunctionCode.built(ROOT, Architecture.X86_64, noMaven());

        BundlingOptions options = arm.bundling(Function.PROXY);

        assertThat(options.getImage().getImage()).isEqualTo("maven:3.9-eclipse-temurin-25");
        assertThat(options.getPlatform()).isEqualTo("linux/arm64");
        assertThat(x86.bundling(Function.PROXY).getPlatform()).isEqualTo("linux/amd64");
        assertThat(options.getOutputType()).isEqualTo(BundlingOutput.NOT_ARCHIVED);
        assertThat(String.join(" ", options.getCommand()))
                .contains("mvn -B -q -Pquick")
                .contains("package -pl functions/proxy -am")
                .contains("SPENDGATE_PROXY_RUNTIME_OUT=/asset-output")
                .contains("infra-cdk/package-proxy.sh");
        assertThat(options.getVolumes()).singleElement().satisfies(v -> assertThat(v.getContainerPath())
                .isEqualTo("/tmp/.m2/repository"));
    }

    @Test
    void bundling_jobs_dockerFallbackCopiesTheShadedJarAsTheAsset() {
        FunctionCode code = FunctionCode.built(ROOT, Architecture.X86_64, noMaven());

        for (Function f : List.of(Function.WASTE_DETECTOR, Function.REPORT_RUNNER)) {
            BundlingOptions options = code.bundling(f);
            assertThat(options.getOutputType()).isEqualTo(BundlingOutput.ARCHIVED);
            assertThat(String.join(" ", options.getCommand()))
                    .contains("package -pl " + f.module + " -am")
                    .contains("cp " + f.module + "/target/*-lambda.jar /asset-output/");
        }
    }

    @Test
    void tryBundle_noMavenHere_answersFalseSoCdkBuildsInDocker() {
        FunctionCode code = FunctionCode.built(ROOT, Architecture.X86_64, noMaven());

        for (Function f : Function.values()) {
            BundlingOptions options = code.bundling(f);
            assertThat(options.getLocal().tryBundle(tmp.toString(), options)).isFalse();
        }
        assertThat(tmp).isEmptyDirectory();
    }

    @Test
    void missing_mavenButNoJdk25_buildsTheJobsHereAndTheProxyInDocker() {
        MavenBuild build = new MavenBuild(
                ROOT, Optional.of(Path.of("/usr/bin/mvn")), Optional.empty(), "no JDK 25+", List.of("-o"));

        assertThat(build.missing(Function.WASTE_DETECTOR)).isEmpty();
        assertThat(build.missing(Function.REPORT_RUNNER)).isEmpty();
        assertThat(build.missing(Function.PROXY)).isEqualTo("no JDK 25+");
        assertThat(build.mavenCommand())
                .containsExactly(
                        "/usr/bin/mvn",
                        "-B",
                        "-q",
                        "-Pquick",
                        "-o",
                        "package",
                        "-pl",
                        "functions/proxy,functions/waste-detector,functions/report-runner",
                        "-am");
    }

    @Test
    void mavenCommand_withJdk25_alsoBuildsBenchToTrainTheProxysAotCache() {
        MavenBuild build = new MavenBuild(
                ROOT,
                Optional.of(Path.of("/usr/bin/mvn")),
                Optional.of(new Jdks.Jdk(tmp, 25, "x86_64")),
                "",
                List.of());

        assertThat(build.missing(Function.PROXY)).isEmpty();
        assertThat(build.mavenCommand())
                .contains("functions/proxy,functions/waste-detector,functions/report-runner,bench");
    }

    @Test
    void forProxy_jdks_picksTheFirstJdk25ForTheArchitectureWithAnOldEnoughGlibc() throws Exception {
        Path jvm = tmp.resolve("jvm");
        jdk(jvm.resolve("a-openjdk-17"), "17.0.15", "x86_64", "GLIBC_2.17");
        jdk(jvm.resolve("b-distro-25"), "25.0.1", "x86_64", "GLIBC_2.38");
        jdk(jvm.resolve("c-temurin-25-arm"), "25.0.3", "aarch64", "GLIBC_2.17");
        Path temurin = jdk(jvm.resolve("d-temurin-25"), "25.0.3", "x86_64", "GLIBC_2.17");

        assertThat(Jdks.forProxy(Architecture.X86_64, Map.of(), jvm))
                .hasValueSatisfying(j -> assertThat(j.home()).isEqualTo(temurin));
        assertThat(Jdks.forProxy(Architecture.ARM_64, Map.of(), jvm))
                .hasValueSatisfying(j -> assertThat(j.home().getFileName()).hasToString("c-temurin-25-arm"));
        assertThat(Jdks.rejected(Architecture.X86_64, Map.of(), jvm))
                .anySatisfy(r -> assertThat(r).contains("a-openjdk-17").contains("JDK 17"))
                .anySatisfy(r -> assertThat(r).contains("b-distro-25").contains("needs glibc 2.38"))
                .anySatisfy(r -> assertThat(r).contains("c-temurin-25-arm").contains("built for aarch64"));
    }

    @Test
    void forProxy_javaHomeSet_isPreferredOverUsrLibJvm() throws Exception {
        Path jvm = tmp.resolve("jvm");
        jdk(jvm.resolve("temurin-25"), "25.0.3", "x86_64", "GLIBC_2.17");
        Path home = jdk(tmp.resolve("corretto-25"), "25.0.2", "amd64", "GLIBC_2.34");

        assertThat(Jdks.forProxy(Architecture.X86_64, Map.of("JAVA_HOME", home.toString()), jvm))
                .hasValueSatisfying(j -> assertThat(j.home()).isEqualTo(home));
    }

    /** A JDK-shaped directory: release file, executable jlink, a native library naming a glibc symbol version. */
    private static Path jdk(Path home, String version, String arch, String glibc) throws Exception {
        Files.createDirectories(home.resolve("bin"));
        Files.createDirectories(home.resolve("lib/server"));
        Files.writeString(
                home.resolve("release"),
                "JAVA_VERSION=\"" + version + "\"\nOS_ARCH=\"" + arch + "\"\nOS_NAME=\"Linux\"\n");
        Path jlink = Files.writeString(home.resolve("bin/jlink"), "#!/bin/sh\n");
        Files.setPosixFilePermissions(jlink, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.write(
                home.resolve("lib/server/libjvm.so"),
                ("\u007fELF...memcpy\0" + glibc + "\0GLIBC_2.2.5\0").getBytes(StandardCharsets.ISO_8859_1));
        return home;
    }

    private static MavenBuild noMaven() {
        return new MavenBuild(ROOT, Optional.empty(), Optional.empty(), "no JDK", List.of());
    }
}
