package dev.spendgate.infra;

import io.github.cdklabs.cdknag.AwsSolutionsChecks;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import software.amazon.awscdk.App;
import software.amazon.awscdk.AppProps;
import software.amazon.awscdk.Aspects;
import software.amazon.awscdk.Environment;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.Tags;
import software.amazon.awscdk.services.lambda.Architecture;

/**
 * {@code npx cdk deploy} runs this (see {@code cdk.json}). Context values ({@code -c name=value}):
 * {@code providerKeySecretArn} (use an existing secret; {@code providerKeySecretKmsKeyArn} when a customer-managed
 * key encrypts it), {@code customDomainName} + {@code certificateArn},
 * {@code bedrockResourceArns} (comma-separated models and inference profiles the proxy may invoke, guardrails it may
 * apply),
 * {@code reconcileAdminKeySecretArn}, {@code reconcileExportBucket} + {@code reconcileExportPrefix} and
 * {@code reconcileThresholdPercent} (the daily reconciliation with provider bills),
 * {@code proxyEnvironment} (a JSON object of extra {@code SPENDGATE_*} settings for the proxy),
 * {@code providersFile} and {@code pricingOverrides} (files on this machine, shipped to the functions in a layer),
 * {@code wasteEnvironment} (the same, {@code SPENDGATE_WASTE_*} settings for the daily waste function),
 * {@code reportEnvironment} (the same, the monthly report's FOCUS account and version and other report settings),
 * {@code proxyArchitecture} ({@code x86_64}, the default, or {@code arm64}: the JRE bundled by
 * {@code package-proxy.sh} must match), {@code proxyMemoryMb} (default 1024, 128-10240; see
 * {@link SpendgateStackProps} for why),
 * {@code usageBufferSeconds} (the usage stream's time buffer, 60-900, default 900), {@code athenaScanCapGib} (the
 * most one Athena query may scan, default 1024, 0 for no cap), {@code apiRateLimit} and
 * {@code apiBurstLimit} (the API stage's throttling, default 50 requests per second, burst 100),
 * {@code proxyMaxConcurrency} (the proxy's reserved concurrency, default 200, 0 for none),
 * {@code proxyCompute} ({@code lambda}, the default, or {@code managed-instances}: Lambda Managed Instances, with
 * {@code proxySubnetIds} and {@code proxySecurityGroupIds} (comma-separated, required), optional
 * {@code proxyInstanceTypes} (comma-separated), {@code proxyMaxVCpus} (default 24) and
 * {@code proxyConcurrencyPerEnvironment}; README, "The gateway's own AWS cost"), and
 * {@code prebuilt=true} (deploy what was built beforehand instead of building while synthesising) or
 * {@code proxyCode}, {@code wasteDetectorJar}, {@code reportRunnerJar} to point at other builds.
 */
public final class SpendgateApp {
    /**
     * CDK feature flags the stack relies on, set here rather than in {@code cdk.json} so tests synthesize the same
     * template as {@code cdk deploy}.
     */
    public static final Map<String, Object> FEATURE_FLAGS = Map.of(
            "@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy", true,
            "@aws-cdk/aws-lambda:recognizeVersionProps", true,
            "@aws-cdk/core:checkSecretUsage", true);

    private SpendgateApp() {}

    public static void main(String[] args) {
        App app = new App(AppProps.builder().context(FEATURE_FLAGS).build());
        Path root = Path.of("..").toAbsolutePath().normalize();
        Architecture chosen = architecture(context(app, "proxyArchitecture"));
        Architecture architecture = chosen == null ? SpendgateStackProps.DEFAULT_PROXY_ARCHITECTURE : chosen;
        SpendgateStackProps props = SpendgateStackProps.builder()
                .stackProps(StackProps.builder()
                        .description("Spendgate AI FinOps gateway")
                        .env(Environment.builder()
                                .account(System.getenv("CDK_DEFAULT_ACCOUNT"))
                                .region(System.getenv("CDK_DEFAULT_REGION"))
                                .build())
                        .build())
                .code(code(app, root, architecture))
                .proxyArchitecture(architecture)
                .proxyMemoryMb(integer(app, "proxyMemoryMb"))
                .providerKeySecretArn(context(app, "providerKeySecretArn"))
                .providerKeySecretKmsKeyArn(context(app, "providerKeySecretKmsKeyArn"))
                .customDomain(context(app, "customDomainName"), context(app, "certificateArn"))
                .reconcileAdminKeySecretArn(context(app, "reconcileAdminKeySecretArn"))
                .reconcileExport(context(app, "reconcileExportBucket"), context(app, "reconcileExportPrefix"))
                .reconcileThresholdPercent(context(app, "reconcileThresholdPercent"))
                .proxyEnvironment(settings(app, "proxyEnvironment"))
                .providersFile(path(app, "providersFile", null))
                .pricingOverridesFile(path(app, "pricingOverrides", null))
                .wasteEnvironment(settings(app, "wasteEnvironment"))
                .reportEnvironment(settings(app, "reportEnvironment"))
                .usageBufferSeconds(integer(app, "usageBufferSeconds"))
                .athenaScanCapGib(integer(app, "athenaScanCapGib"))
                .apiThrottling(decimal(app, "apiRateLimit"), integer(app, "apiBurstLimit"))
                .proxyMaxConcurrency(integer(app, "proxyMaxConcurrency"))
                .proxyCompute(SpendgateStackProps.ProxyCompute.fromContext(context(app, "proxyCompute")))
                .managedInstances(list(app, "proxySubnetIds"), list(app, "proxySecurityGroupIds"))
                .proxyInstanceTypes(list(app, "proxyInstanceTypes"))
                .proxyMaxVCpus(integer(app, "proxyMaxVCpus"))
                .proxyConcurrencyPerEnvironment(integer(app, "proxyConcurrencyPerEnvironment"))
                .bedrockResourceArns(
                        context(app, "bedrockResourceArns") == null
                                ? List.of()
                                : List.of(context(app, "bedrockResourceArns").split(",")))
                .build();
        SpendgateStack stack = new SpendgateStack(app, "Spendgate", props);
        Tags.of(stack).add("application", "spendgate");
        Aspects.of(app).add(AwsSolutionsChecks.Builder.create().verbose(true).build());
        app.synth();
    }

    /**
     * Built while synthesising (the default: what {@code npx cdk deploy} deploys is what this tree builds), unless
     * {@code -c prebuilt=true} or a code path is given: then the files built beforehand.
     */
    static FunctionCode code(App app, Path root, Architecture architecture) {
        boolean prebuilt = "true".equals(context(app, "prebuilt"))
                || context(app, "proxyCode") != null
                || context(app, "wasteDetectorJar") != null
                || context(app, "reportRunnerJar") != null;
        if (!prebuilt) {
            return FunctionCode.built(root, architecture);
        }
        return FunctionCode.prebuilt(
                path(app, "proxyCode", root.resolve("infra-cdk/target/proxy-runtime")),
                path(app, "wasteDetectorJar", lambdaJar(root, "functions/waste-detector")),
                path(app, "reportRunnerJar", lambdaJar(root, "functions/report-runner")));
    }

    /** {@code -c proxyArchitecture=}: {@code arm64} or {@code x86_64}; unset takes the stack's default. */
    static Architecture architecture(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        return switch (value.trim()) {
            case "arm64" -> Architecture.ARM_64;
            case "x86_64" -> Architecture.X86_64;
            default ->
                throw new IllegalArgumentException("proxyArchitecture must be arm64 or x86_64, was '" + value + "'");
        };
    }

    private static String context(App app, String name) {
        Object value = app.getNode().tryGetContext(name);
        return value == null ? null : value.toString();
    }

    /** A JSON object of settings, from {@code cdk.json} context or {@code -c name='{"K":"v"}'}. */
    static Map<String, String> settings(App app, String name) {
        Object value = app.getNode().tryGetContext(name);
        if (value == null) {
            return Map.of();
        }
        Map<?, ?> raw;
        if (value instanceof Map<?, ?> map) {
            raw = map;
        } else {
            try {
                raw = new com.fasterxml.jackson.databind.ObjectMapper().readValue(value.toString(), Map.class);
            } catch (IOException e) {
                throw new IllegalArgumentException(name + " must be a JSON object of settings, e.g. "
                        + "{\"SPENDGATE_KEY_CALLS_PER_MINUTE\": \"600\"}");
            }
        }
        Map<String, String> out = new java.util.LinkedHashMap<>();
        raw.forEach((k, v) -> out.put(String.valueOf(k), String.valueOf(v)));
        return out;
    }

    /** A comma-separated list from context, or null when not given. */
    static List<String> list(App app, String name) {
        String value = context(app, name);
        return value == null ? null : List.of(value.split(","));
    }

    /** A whole number from context, or null when not given; anything else fails naming the setting. */
    static Integer integer(App app, String name) {
        String value = context(app, name);
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return Integer.valueOf(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a whole number, was '" + value + "'");
        }
    }

    static Double decimal(App app, String name) {
        String value = context(app, name);
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return Double.valueOf(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a number, was '" + value + "'");
        }
    }

    private static Path path(App app, String name, Path fallback) {
        String value = context(app, name);
        return value == null ? fallback : Path.of(value);
    }

    /** The shaded jar a function module builds: {@code target/<artifact>-<version>-lambda.jar}. */
    static Path lambdaJar(Path root, String module) {
        Path target = root.resolve(module).resolve("target");
        if (!Files.isDirectory(target)) {
            return target.resolve("missing-lambda.jar");
        }
        try (Stream<Path> files = Files.list(target)) {
            return files.filter(p -> p.getFileName().toString().endsWith("-lambda.jar"))
                    .sorted()
                    .reduce((a, b) -> b)
                    .orElse(target.resolve("missing-lambda.jar"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
