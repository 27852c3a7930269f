package dev.spendgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Review round 26 (area c): the {@code ./spendgate} launcher as an ops team installs it for cron, on an install with
 * the CLI already built (a jar and its build stamp) and a fake Java 21 that prints what it was asked to run, so
 * neither Maven nor the machine's own Java matters.
 */
class LauncherReviewTest {
    @TempDir
    Path tmp;

    /** A copy of the launcher and bin/find-jdk under {@code root}, with a built CLI; returns the launcher. */
    private Path install(Path root) throws IOException {
        Path repo = repoRoot();
        for (String dir : new String[] {"bin", "shared", "functions", "reports", "cli/target/lib"}) {
            Files.createDirectories(root.resolve(dir));
        }
        Files.writeString(root.resolve("pom.xml"), "<project/>");
        Path launcher = root.resolve("spendgate");
        Files.copy(repo.resolve("spendgate"), launcher, StandardCopyOption.COPY_ATTRIBUTES);
        Files.copy(repo.resolve("bin/find-jdk"), root.resolve("bin/find-jdk"), StandardCopyOption.COPY_ATTRIBUTES);
        Files.writeString(root.resolve("cli/target/spendgate-cli.jar"), "");
        Path stamp = Files.writeString(root.resolve("cli/target/.built"), "");
        // built after every source: no rebuild
        Files.setLastModifiedTime(stamp, FileTime.from(Instant.now().plusSeconds(3600)));
        return launcher;
    }

    /** A fake Java 21 JDK whose java prints its arguments. */
    private Path jdk21() throws IOException {
        Path home = Files.createDirectories(tmp.resolve("jdk-21"));
        Files.writeString(home.resolve("release"), "JAVA_VERSION=\"21.0.9\"\n");
        for (String tool : new String[] {"java", "javac"}) {
            Path bin = home.resolve("bin/" + tool);
            Files.createDirectories(bin.getParent());
            Files.writeString(bin, "#!/bin/sh\necho \"ran: $*\"\n");
            Files.setPosixFilePermissions(bin, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        return home;
    }

    private record Result(int exit, String out, String err) {}

    private Result run(Path command, Path jdk) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command.toString(), "usage", "--from", "2026-11-01");
        pb.directory(tmp.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("SPENDGATE_"));
        pb.environment().put("JAVA_HOME", jdk.toString());
        pb.environment().put("PATH", "/usr/bin:/bin");
        pb.redirectError(tmp.resolve("err.txt").toFile());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return new Result(p.exitValue(), out, Files.readString(tmp.resolve("err.txt")));
    }

    @Test
    void launcher_runDirectly_runsTheBuiltCliWithTheJdkFound() throws Exception {
        Path launcher = install(tmp.resolve("opt/spendgate"));

        Result r = run(launcher, jdk21());

        assertThat(r.exit).as(r.err).isZero();
        assertThat(r.out).contains("dev.spendgate.cli.SpendgateCli usage --from 2026-11-01");
    }

    @Test
    void launcher_runThroughASymlinkOnThePath_runsTheSameCli() throws Exception {
        Path launcher = install(tmp.resolve("opt/spendgate"));
        // `ln -s /opt/spendgate/spendgate /usr/local/bin/spendgate`, as tools are put on a cron job's PATH
        Path link = Files.createDirectories(tmp.resolve("usr/local/bin")).resolve("spendgate");
        Files.createSymbolicLink(link, launcher);

        Result r = run(link, jdk21());

        // today: exit 2, "usr/local/bin/bin/find-jdk: No such file or directory"
        assertThat(r.exit).as(r.err).isZero();
        assertThat(r.out).contains("dev.spendgate.cli.SpendgateCli usage --from 2026-11-01");
    }

    @Test
    void launcher_runThroughARelativeLinkToALink_findsItsCheckout() throws Exception {
        Path launcher = install(tmp.resolve("opt/spendgate"));
        // ~/bin/spendgate -> ../tools/spendgate -> ../opt/spendgate/spendgate: relative targets, resolved from the
        // folder of the link that names them, not from the working directory
        Path tools = Files.createDirectories(tmp.resolve("tools"));
        Files.createSymbolicLink(tools.resolve("spendgate"), tools.relativize(launcher));
        Path bin = Files.createDirectories(tmp.resolve("home/bin"));
        Path link = bin.resolve("spendgate");
        Files.createSymbolicLink(link, bin.relativize(tools.resolve("spendgate")));

        Result r = run(link, jdk21());

        assertThat(r.exit).as(r.err).isZero();
        assertThat(r.out).contains("dev.spendgate.cli.SpendgateCli usage --from 2026-11-01");
    }

    private static Path repoRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve("bin/find-jdk"))) {
            dir = dir.getParent();
        }
        assertThat(dir).as("the repository root, holding bin/find-jdk").isNotNull();
        return dir;
    }
}
