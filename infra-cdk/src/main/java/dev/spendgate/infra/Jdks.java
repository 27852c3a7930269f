package dev.spendgate.infra;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import software.amazon.awscdk.services.lambda.Architecture;

/**
 * Finds a JDK on this machine that can link the proxy's runtime: JDK {@value #PROXY_FEATURE}+ (its ahead-of-time
 * cache), built for the function's architecture, and whose native libraries need no newer glibc than Amazon Linux
 * 2023's {@value #LAMBDA_GLIBC} (Temurin and Corretto are built against an old glibc; a distribution JDK may not be,
 * and its linked JRE would not start on Lambda). Looked for in {@code SPENDGATE_JLINK_JAVA_HOME}, {@code JAVA_HOME},
 * then {@code /usr/lib/jvm/*}.
 */
final class Jdks {
    static final int PROXY_FEATURE = 25;
    static final String LAMBDA_GLIBC = "2.34";
    private static final Pattern GLIBC = Pattern.compile("GLIBC_2\\.(\\d+)");

    private Jdks() {}

    /** A JDK home with what its {@code release} file says. */
    record Jdk(Path home, int feature, String arch) {}

    static Optional<Jdk> forProxy(Architecture architecture, Map<String, String> env, Path jvmDir) {
        for (Path home : candidates(env, jvmDir)) {
            Optional<Jdk> jdk = read(home);
            if (jdk.isPresent() && problem(jdk.get(), architecture).isEmpty()) {
                return jdk;
            }
        }
        return Optional.empty();
    }

    /** Why each candidate cannot link the proxy's runtime, for the message when none can. */
    static List<String> rejected(Architecture architecture, Map<String, String> env, Path jvmDir) {
        List<String> out = new ArrayList<>();
        for (Path home : candidates(env, jvmDir)) {
            Optional<Jdk> jdk = read(home);
            String why = jdk.isEmpty() ? "not a JDK (no release file or jlink)" : problem(jdk.get(), architecture);
            if (!why.isEmpty()) {
                out.add(home + ": " + why);
            }
        }
        return out;
    }

    static List<Path> candidates(Map<String, String> env, Path jvmDir) {
        List<Path> out = new ArrayList<>();
        for (String name : List.of("SPENDGATE_JLINK_JAVA_HOME", "JAVA_HOME")) {
            String value = env.get(name);
            if (value != null && !value.isBlank()) {
                out.add(Path.of(value));
            }
        }
        if (Files.isDirectory(jvmDir)) {
            try (Stream<Path> dirs = Files.list(jvmDir)) {
                dirs.filter(Files::isDirectory).sorted().forEach(out::add);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return out;
    }

    static Optional<Jdk> read(Path home) {
        Path release = home.resolve("release");
        if (!Files.isRegularFile(release) || !Files.isExecutable(home.resolve("bin/jlink"))) {
            return Optional.empty();
        }
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(release)) {
            p.load(in);
        } catch (IOException e) {
            return Optional.empty();
        }
        String version = unquote(p.getProperty("JAVA_VERSION", "0"));
        int feature;
        try {
            feature = Integer.parseInt(version.split("[.+-]")[0]);
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        return Optional.of(new Jdk(home, feature, unquote(p.getProperty("OS_ARCH", ""))));
    }

    /** Empty when the JDK can link the proxy's runtime for {@code architecture}, else the reason it cannot. */
    static String problem(Jdk jdk, Architecture architecture) {
        if (jdk.feature() < PROXY_FEATURE) {
            return "JDK " + jdk.feature() + ", the proxy's runtime needs " + PROXY_FEATURE + "+";
        }
        boolean arm = Architecture.ARM_64.getName().equals(architecture.getName());
        boolean matches = arm
                ? List.of("aarch64", "arm64").contains(jdk.arch())
                : List.of("x86_64", "amd64").contains(jdk.arch());
        if (!matches) {
            return "built for " + jdk.arch() + ", the function runs on " + architecture.getName();
        }
        int glibc = glibcNeeded(jdk.home());
        if (glibc > Integer.parseInt(LAMBDA_GLIBC.substring(2))) {
            return "needs glibc 2." + glibc + ", Lambda's provided.al2023 has " + LAMBDA_GLIBC;
        }
        return "";
    }

    /** The newest {@code GLIBC_2.N} symbol version any of the JDK's native libraries refers to (minor N). */
    static int glibcNeeded(Path home) {
        int max = 0;
        try (Stream<Path> files = Files.walk(home.resolve("lib"))) {
            for (Path so : files.filter(f -> f.toString().endsWith(".so")).toList()) {
                Matcher m = GLIBC.matcher(new String(Files.readAllBytes(so), StandardCharsets.ISO_8859_1));
                while (m.find()) {
                    max = Math.max(max, Integer.parseInt(m.group(1)));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return max;
    }

    private static String unquote(String s) {
        return s.replace("\"", "").trim();
    }
}
