package dev.spendgate.infra;

import dev.spendgate.infra.FunctionCode.Function;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import software.amazon.awscdk.services.lambda.Architecture;

/**
 * The local side of {@link FunctionCode}'s bundling: one Maven build of the three functions (and the bench module,
 * whose cold-start run trains the proxy's ahead-of-time cache), then {@code package-proxy.sh} for the proxy's
 * runtime and a copy of each shaded jar. Runs Maven at most once per synthesis, however many assets ask.
 */
final class MavenBuild {
    private final Path root;
    private final Optional<Path> mvn;
    private final Optional<Jdks.Jdk> jdk;
    private final String jdkMissing;
    private final List<String> extraArgs;
    private boolean built;

    MavenBuild(Path root, Optional<Path> mvn, Optional<Jdks.Jdk> jdk, String jdkMissing, List<String> extraArgs) {
        this.root = root;
        this.mvn = mvn;
        this.jdk = jdk;
        this.jdkMissing = jdkMissing;
        this.extraArgs = List.copyOf(extraArgs);
    }

    /**
     * Maven from {@code PATH}; the JDK from {@link Jdks}; extra Maven arguments (e.g. {@code -o}) from
     * {@code SPENDGATE_MAVEN_ARGS}.
     */
    static MavenBuild fromEnvironment(Path root, Architecture proxyArchitecture) {
        Map<String, String> env = System.getenv();
        Path jvms = Path.of("/usr/lib/jvm");
        Optional<Jdks.Jdk> jdk = Jdks.forProxy(proxyArchitecture, env, jvms);
        String why = jdk.isPresent()
                ? ""
                : "no JDK " + Jdks.PROXY_FEATURE + "+ for " + proxyArchitecture.getName() + " needing at most glibc "
                        + Jdks.LAMBDA_GLIBC + " (set SPENDGATE_JLINK_JAVA_HOME; looked at: "
                        + String.join("; ", Jdks.rejected(proxyArchitecture, env, jvms)) + ")";
        String args = env.getOrDefault("SPENDGATE_MAVEN_ARGS", "").trim();
        return new MavenBuild(
                root,
                onPath("mvn", env.getOrDefault("PATH", "")),
                jdk,
                why,
                args.isEmpty() ? List.of() : List.of(args.split("\\s+")));
    }

    /** Empty when {@code function} can be built here, else what is missing. */
    String missing(Function function) {
        if (mvn.isEmpty()) {
            return "no mvn on PATH";
        }
        if (function == Function.PROXY && jdk.isEmpty()) {
            return jdkMissing;
        }
        return "";
    }

    /** Builds (once) and leaves {@code function}'s deployable code in {@code out}. */
    synchronized void bundle(Function function, Path out) {
        buildOnce();
        try {
            if (function == Function.PROXY) {
                Map<String, String> env = new HashMap<>();
                env.put("SPENDGATE_PROXY_RUNTIME_OUT", out.toString());
                env.put("SPENDGATE_JLINK_JAVA_HOME", jdk.orElseThrow().home().toString());
                run(List.of("sh", root.resolve("infra-cdk/package-proxy.sh").toString()), env);
            } else {
                Path jar = lambdaJar(root.resolve(function.module).resolve("target"));
                Files.copy(jar, out.resolve(jar.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The Maven command line of the one build. */
    List<String> mavenCommand() {
        List<String> modules = new ArrayList<>();
        for (Function f : Function.values()) {
            modules.add(f.module);
        }
        if (jdk.isPresent()) {
            modules.add("bench"); // its ColdStart run trains the proxy's AOT cache
        }
        List<String> cmd = new ArrayList<>(List.of(mvn.orElseThrow().toString(), "-B", "-q", "-Pquick"));
        cmd.addAll(extraArgs);
        cmd.addAll(List.of("package", "-pl", String.join(",", modules), "-am"));
        return cmd;
    }

    private void buildOnce() {
        if (built) {
            return;
        }
        Map<String, String> env = new HashMap<>();
        jdk.ifPresent(j -> {
            env.put("JAVA_HOME", j.home().toString());
            env.put(
                    "PATH",
                    j.home().resolve("bin")
                            + File.pathSeparator
                            + System.getenv().getOrDefault("PATH", ""));
        });
        run(mavenCommand(), env);
        built = true;
    }

    private void run(List<String> command, Map<String, String> env) {
        System.err.println("Spendgate: " + String.join(" ", command));
        ProcessBuilder pb = new ProcessBuilder(command).directory(root.toFile()).redirectErrorStream(true);
        pb.environment().putAll(env);
        try {
            Process p = pb.start();
            p.getInputStream().transferTo(System.err); // stdout is the CDK CLI's
            int code = p.waitFor();
            if (code != 0) {
                throw new IllegalStateException("building the functions failed (exit " + code + "): "
                        + String.join(" ", command) + " in " + root);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while building the functions", e);
        }
    }

    static Path lambdaJar(Path target) {
        try (Stream<Path> files = Files.list(target)) {
            return files.filter(p -> p.getFileName().toString().endsWith("-lambda.jar"))
                    .sorted()
                    .reduce((a, b) -> b)
                    .orElseThrow(() -> new IllegalStateException("the build left no *-lambda.jar in " + target));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Optional<Path> onPath(String program, String path) {
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
                return Optional.of(Path.of(dir, program));
            }
        }
        return Optional.empty();
    }
}
