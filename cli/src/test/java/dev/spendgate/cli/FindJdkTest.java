package dev.spendgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/find-jdk}, the JDK search {@code ./spendgate}, {@code .ci/run} and the bench scripts share, run as they
 * run it, over fake Java homes (a {@code release} file, {@code bin/java}, and {@code bin/javac} for a JDK). The
 * {@code java} on the {@code PATH} is a fake one too, so the machine's own Java does not matter.
 */
class FindJdkTest {
    @TempDir
    Path tmp;

    private Path jdk11;
    private Path jdk17;
    private Path jdk21;
    private Path jre21;
    private Path jdk25;
    private Path pathBin;

    @BeforeEach
    void setUp() throws IOException {
        jdk11 = home("jdk-11", "11.0.25", true);
        jdk17 = home("jdk-17", "17.0.15", true);
        jdk21 = home("jdk-21", "21.0.9", true);
        jre21 = home("jre-21", "21.0.9", false);
        jdk25 = home("jdk-25", "25.0.3", true);
        pathBin = Files.createDirectories(tmp.resolve("path-bin"));
        onPath(jdk17); // as on a fresh Debian 12 machine
    }

    @Test
    void findJdk_javaOnPathIs17_picksTheNewestJdkInTheInstallDirectories() throws Exception {
        Result r = run(Map.of(), jdk11, jre21, jdk25, jdk21);

        assertThat(r.exit).as(r.err).isZero();
        assertThat(r.out.strip()).isEqualTo(jdk25.toString());
        assertThat(r.err).isEmpty();
    }

    @Test
    void findJdk_javaHomeIs21_keepsItOverANewerInstalledJdk() throws Exception {
        Result r = run(Map.of("JAVA_HOME", jdk21.toString()), jdk25);

        assertThat(r.exit).as(r.err).isZero();
        assertThat(r.out.strip()).isEqualTo(jdk21.toString());
    }

    @Test
    void findJdk_javaHomeIs17_skipsItWithANote() throws Exception {
        Result r = run(Map.of("JAVA_HOME", jdk17.toString()), jdk25);

        assertThat(r.exit).as(r.err).isZero();
        assertThat(r.out.strip()).isEqualTo(jdk25.toString());
        assertThat(r.err).contains("skipping JAVA_HOME=" + jdk17 + ": Java 17").contains("using " + jdk25);
    }

    @Test
    void findJdk_javaOnPathIs21_isPickedBeforeTheInstallDirectories() throws Exception {
        onPath(jdk21);

        Result r = run(Map.of(), jdk25);

        assertThat(r.out.strip()).isEqualTo(jdk21.toString());
    }

    @Test
    void findJdk_spendgateJavaIs17_refusedWithExit2() throws Exception {
        Result r = run(Map.of("SPENDGATE_JAVA", jdk17.resolve("bin/java").toString()), jdk25);

        assertThat(r.exit).isEqualTo(2);
        assertThat(r.out).isEmpty();
        assertThat(r.err)
                .contains("SPENDGATE_JAVA=" + jdk17.resolve("bin/java") + " is Java 17")
                .contains("needs Java 21 or newer");
    }

    @Test
    void findJdk_spendgateJavaIsAJre21_runsWithItButBuildsWithAJdk() throws Exception {
        Map<String, String> env =
                Map.of("SPENDGATE_JAVA", jre21.resolve("bin/java").toString());

        assertThat(run(env, jdk25).out.strip()).as("a JDK to build with").isEqualTo(jdk25.toString());
        assertThat(run(env, "--runtime", jdk25).out.strip()).as("running only").isEqualTo(jre21.toString());
    }

    @Test
    void findJdk_noJava21Anywhere_exit2NamingEachJavaFound() throws Exception {
        Path java8 = home("jdk-8", "1.8.0_292", true);

        Result r = run(Map.of("JAVA_HOME", jdk11.toString()), java8, jre21, jdk17);

        assertThat(r.exit).isEqualTo(2);
        assertThat(r.out).isEmpty();
        assertThat(r.err)
                .contains("no JDK 21 or newer found")
                .contains("JAVA_HOME=" + jdk11 + ": Java 11")
                .contains("java on the PATH (" + pathBin.resolve("java") + "): Java 17")
                .contains(java8 + ": Java 8")
                .contains(jre21 + ": Java 21, a runtime without javac");
    }

    /** A fake Java home whose {@code release} file says {@code version}; a JDK has {@code javac} too. */
    private Path home(String name, String version, boolean jdk) throws IOException {
        Path home = Files.createDirectories(tmp.resolve(name));
        Files.writeString(home.resolve("release"), "IMPLEMENTOR=\"Test\"\nJAVA_VERSION=\"" + version + "\"\n");
        executable(home.resolve("bin/java"));
        if (jdk) {
            executable(home.resolve("bin/javac"));
        }
        return home;
    }

    private static void executable(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, "#!/bin/sh\necho 'not a real java' >&2\nexit 1\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /** Makes {@code home}'s java the one on the PATH, through a symbolic link as distributions do. */
    private void onPath(Path home) throws IOException {
        Files.deleteIfExists(pathBin.resolve("java"));
        Files.createSymbolicLink(pathBin.resolve("java"), home.resolve("bin/java"));
    }

    private Result run(Map<String, String> env, Object... args) throws Exception {
        List<String> command = new ArrayList<>(
                List.of("bash", repoRoot().resolve("bin/find-jdk").toString()));
        for (Object a : args) {
            command.add(a.toString());
        }
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().remove("JAVA_HOME");
        pb.environment().remove("SPENDGATE_JAVA");
        pb.environment().put("PATH", pathBin + ":/usr/bin:/bin");
        pb.environment().putAll(env);
        pb.redirectError(tmp.resolve("err.txt").toFile());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return new Result(p.exitValue(), out, Files.readString(tmp.resolve("err.txt")));
    }

    private record Result(int exit, String out, String err) {}

    private static Path repoRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve("bin/find-jdk"))) {
            dir = dir.getParent();
        }
        assertThat(dir).as("bin/find-jdk above " + Path.of("").toAbsolutePath()).isNotNull();
        return dir;
    }
}
