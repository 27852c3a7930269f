package dev.spendgate.infra;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import software.amazon.awscdk.AssetHashType;
import software.amazon.awscdk.BundlingOptions;
import software.amazon.awscdk.BundlingOutput;
import software.amazon.awscdk.DockerImage;
import software.amazon.awscdk.DockerVolume;
import software.amazon.awscdk.IgnoreMode;
import software.amazon.awscdk.services.lambda.Architecture;
import software.amazon.awscdk.services.lambda.Code;
import software.amazon.awscdk.services.s3.assets.AssetOptions;

/**
 * The three functions' code: either built while the app synthesises (CDK asset bundling, what {@code npx cdk deploy}
 * does by default), or files built beforehand (tests, {@code -c prebuilt=true}, or explicit paths).
 *
 * <p>Bundling builds locally when Maven and a JDK that can link the proxy's runtime are on this machine (see
 * {@link Jdks}), and otherwise in the {@value #BUILD_IMAGE} Docker image. Each asset's hash is its sources' (the
 * repository without build output), so an unchanged tree is not built again on the next deploy.
 */
public final class FunctionCode {
    /** A Docker image with Maven and a Temurin JDK 25 (built against an old glibc, as Lambda needs). */
    public static final String BUILD_IMAGE = "maven:3.9-eclipse-temurin-25";

    /** What the source hash leaves out: build output, installed tools, editor files. */
    static final List<String> EXCLUDE =
            List.of("target", "node_modules", "cdk.out", ".git", ".idea", ".vscode", "*.iml", ".DS_Store");

    /** A function's module, the asset it becomes, and where its build leaves it. */
    public enum Function {
        PROXY("functions/proxy"),
        WASTE_DETECTOR("functions/waste-detector"),
        REPORT_RUNNER("functions/report-runner");

        final String module;

        Function(String module) {
            this.module = module;
        }
    }

    private final Map<Function, Path> prebuilt;
    private final Path root;
    private final Architecture proxyArchitecture;
    private final MavenBuild localBuild;
    private final Map<Function, Code> codes = new EnumMap<>(Function.class);

    private FunctionCode(
            Map<Function, Path> prebuilt, Path root, Architecture proxyArchitecture, MavenBuild localBuild) {
        this.prebuilt = prebuilt;
        this.root = root;
        this.proxyArchitecture = proxyArchitecture;
        this.localBuild = localBuild;
    }

    /**
     * Code built beforehand: the proxy's runtime directory ({@code bootstrap}, jar, JRE; see
     * {@code package-proxy.sh}) and the two shaded jars. Each must exist.
     */
    public static FunctionCode prebuilt(Path proxyRuntime, Path wasteDetectorJar, Path reportRunnerJar) {
        Map<Function, Path> paths = new EnumMap<>(Function.class);
        paths.put(Function.PROXY, existing(proxyRuntime, "proxyCode"));
        paths.put(Function.WASTE_DETECTOR, existing(wasteDetectorJar, "wasteDetectorJar"));
        paths.put(Function.REPORT_RUNNER, existing(reportRunnerJar, "reportRunnerJar"));
        return new FunctionCode(paths, null, null, null);
    }

    /** Code built from the repository at {@code root} while the app synthesises. */
    public static FunctionCode built(Path root, Architecture proxyArchitecture) {
        return built(root, proxyArchitecture, MavenBuild.fromEnvironment(root, proxyArchitecture));
    }

    static FunctionCode built(Path root, Architecture proxyArchitecture, MavenBuild localBuild) {
        Objects.requireNonNull(root, "root");
        Objects.requireNonNull(proxyArchitecture, "proxyArchitecture");
        if (!Files.isRegularFile(root.resolve("pom.xml"))
                || !Files.isRegularFile(root.resolve(Function.PROXY.module).resolve("pom.xml"))) {
            throw new IllegalArgumentException("root " + root + " is not the Spendgate repository (no pom.xml, or no "
                    + Function.PROXY.module + "): run cdk from infra-cdk/");
        }
        return new FunctionCode(null, root, proxyArchitecture, localBuild);
    }

    /** The directory or jar built beforehand for {@code function}, or null when the code is built while synthesising. */
    public Path prebuiltPath(Function function) {
        return prebuilt == null ? null : prebuilt.get(function);
    }

    /** Whether the code is built while synthesising. */
    public boolean bundled() {
        return prebuilt == null;
    }

    /** The asset for {@code function}: one per function, shared by every construct that deploys it. */
    public Code code(Function function) {
        return codes.computeIfAbsent(
                function,
                f -> prebuilt != null
                        ? Code.fromAsset(prebuilt.get(f).toString())
                        : Code.fromAsset(root.toString(), assetOptions(f)));
    }

    AssetOptions assetOptions(Function function) {
        return AssetOptions.builder()
                .assetHashType(AssetHashType.SOURCE)
                .exclude(EXCLUDE)
                .ignoreMode(IgnoreMode.GLOB)
                .bundling(bundling(function))
                .build();
    }

    /** How {@code function} is built: locally when possible, in {@link #BUILD_IMAGE} otherwise. */
    BundlingOptions bundling(Function function) {
        boolean proxy = function == Function.PROXY;
        String maven =
                "mvn -B -q -Pquick -Dmaven.repo.local=/tmp/.m2/repository package -pl " + function.module + " -am";
        String copy = proxy
                ? "SPENDGATE_PROXY_RUNTIME_OUT=/asset-output SPENDGATE_JLINK_JAVA_HOME=\"$JAVA_HOME\" "
                        + "sh infra-cdk/package-proxy.sh"
                : "cp " + function.module + "/target/*-lambda.jar /asset-output/";
        var options = BundlingOptions.builder()
                .image(DockerImage.fromRegistry(BUILD_IMAGE))
                .command(List.of("bash", "-c", maven + " && " + copy))
                .environment(Map.of("HOME", "/tmp", "SPENDGATE_SKIP_TRAINING", "1"))
                .volumes(List.of(DockerVolume.builder()
                        .hostPath(mavenRepository().toString())
                        .containerPath("/tmp/.m2/repository")
                        .build()))
                .outputType(proxy ? BundlingOutput.NOT_ARCHIVED : BundlingOutput.ARCHIVED)
                .local(new LocalBundling(localBuild, function));
        if (proxy) {
            // The JRE is linked for the architecture the container runs on (QEMU emulates it where it differs).
            options.platform(
                    Architecture.ARM_64.getName().equals(proxyArchitecture.getName()) ? "linux/arm64" : "linux/amd64");
        }
        return options.build();
    }

    /** The user's Maven repository, shared with the container so a build there downloads nothing twice. */
    private static Path mavenRepository() {
        Path repo = Path.of(System.getProperty("user.home"), ".m2", "repository");
        try {
            Files.createDirectories(repo);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return repo;
    }

    /**
     * CDK calls this first; answering false sends the build to Docker. Public: the jsii runtime calls it back from
     * the CDK's JavaScript side by reflection.
     */
    public static final class LocalBundling implements software.amazon.awscdk.ILocalBundling {
        private final MavenBuild build;
        private final Function function;

        LocalBundling(MavenBuild build, Function function) {
            this.build = build;
            this.function = function;
        }

        @Override
        public Boolean tryBundle(String outputDir, BundlingOptions options) {
            String missing = build.missing(function);
            if (!missing.isEmpty()) {
                System.err.println(
                        "Spendgate: building " + function.module + " in Docker (" + BUILD_IMAGE + "): " + missing);
                return false;
            }
            build.bundle(function, Path.of(outputDir));
            return true;
        }
    }

    private static Path existing(Path path, String name) {
        Objects.requireNonNull(path, name);
        if (!Files.exists(path)) {
            throw new IllegalArgumentException(name + " " + path
                    + " does not exist: build the functions first, or deploy without -c prebuilt=true to build them"
                    + " while deploying (see the README section 'Deploy to AWS')");
        }
        return path;
    }
}
