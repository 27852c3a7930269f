package dev.spendgate.infra;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.lambda.Architecture;

/**
 * What varies between deployments: where the three functions' code is, the proxy's processor architecture (it must
 * match the JRE bundled beside the streaming bootstrap), and the structural options that cannot be CloudFormation
 * parameters (an existing provider-key secret, a custom domain).
 */
public final class SpendgateStackProps {
    private final StackProps stackProps;
    private final FunctionCode code;
    private final Architecture proxyArchitecture;
    private final String providerKeySecretArn;
    private final String customDomainName;
    private final String certificateArn;
    private final List<String> bedrockResourceArns;
    private final Map<String, String> proxyEnvironment;
    private final String reconcileAdminKeySecretArn;
    private final String reconcileExportBucket;
    private final String reconcileExportPrefix;
    private final String reconcileThresholdPercent;
    private final int usageBufferSeconds;
    private final double apiRateLimit;
    private final int apiBurstLimit;
    private final int proxyMaxConcurrency;
    private final int proxyMemoryMb;

    /** Defaults: the usage stream's time buffer, the API stage's steady rate and burst, the proxy's concurrency. */
    static final int DEFAULT_USAGE_BUFFER_SECONDS = 900;

    static final double DEFAULT_API_RATE_LIMIT = 50;
    static final int DEFAULT_API_BURST_LIMIT = 100;
    static final int DEFAULT_PROXY_MAX_CONCURRENCY = 200;
    /**
     * The proxy's memory. 1024 MB keeps the cold start as it was (0.89 s emulated at its CPU share, with the AOT
     * cache); the gateway's own cost at a 4 s call stays within $25 per million calls only up to about 330 MB on
     * arm64, where the same package's emulated cold start took 3.3-3.9 s (bench/RESULTS.md, "Right-sizing, part 2"),
     * so the cheaper size is a choice ({@code -c proxyArchitecture=arm64 -c proxyMemoryMb=256}), not the default.
     */
    static final int DEFAULT_PROXY_MEMORY_MB = 1024;
    /**
     * x86_64 by default, so that {@code cdk deploy} on the usual x86_64 workstation links the proxy's JRE without an
     * emulated Docker build; {@code -c proxyArchitecture=arm64} prices Graviton's GB-second 20 % lower.
     */
    static final Architecture DEFAULT_PROXY_ARCHITECTURE = Architecture.X86_64;

    private SpendgateStackProps(Builder b) {
        this.stackProps = b.stackProps == null ? StackProps.builder().build() : b.stackProps;
        this.code = b.code != null ? b.code : FunctionCode.prebuilt(b.proxyCode, b.wasteDetectorJar, b.reportRunnerJar);
        this.proxyArchitecture = b.proxyArchitecture == null ? DEFAULT_PROXY_ARCHITECTURE : b.proxyArchitecture;
        Path prebuiltProxy = code.prebuiltPath(FunctionCode.Function.PROXY);
        if (prebuiltProxy != null) {
            checkBundledJre(prebuiltProxy, proxyArchitecture);
        }
        this.providerKeySecretArn = blankToNull(b.providerKeySecretArn);
        this.customDomainName = blankToNull(b.customDomainName);
        this.certificateArn = blankToNull(b.certificateArn);
        this.bedrockResourceArns = b.bedrockResourceArns == null
                ? List.of()
                : b.bedrockResourceArns.stream()
                        .map(String::trim)
                        .filter(a -> !a.isEmpty())
                        .toList();
        this.proxyEnvironment = b.proxyEnvironment == null ? Map.of() : Map.copyOf(b.proxyEnvironment);
        proxyEnvironment.keySet().forEach(SpendgateStackProps::checkProxySetting);
        for (String arn : bedrockResourceArns) {
            if (!arn.startsWith("arn:") || !arn.contains(":bedrock:")) {
                throw new IllegalArgumentException("bedrockResourceArns must be Bedrock ARNs, got '" + arn + "'");
            }
        }
        this.reconcileAdminKeySecretArn = blankToNull(b.reconcileAdminKeySecretArn);
        this.reconcileExportBucket = blankToNull(b.reconcileExportBucket);
        String prefix = blankToNull(b.reconcileExportPrefix);
        this.reconcileExportPrefix = prefix == null ? "" : prefix.endsWith("/") ? prefix : prefix + "/";
        this.reconcileThresholdPercent =
                blankToNull(b.reconcileThresholdPercent) == null ? "2" : b.reconcileThresholdPercent.trim();
        if (new java.math.BigDecimal(reconcileThresholdPercent).signum() < 0) {
            throw new IllegalArgumentException("reconcileThresholdPercent must not be negative");
        }
        this.usageBufferSeconds = b.usageBufferSeconds == null ? DEFAULT_USAGE_BUFFER_SECONDS : b.usageBufferSeconds;
        if (usageBufferSeconds < 60 || usageBufferSeconds > 900) {
            throw new IllegalArgumentException(
                    "usageBufferSeconds must be 60 to 900 (Firehose's range), was " + usageBufferSeconds);
        }
        this.apiRateLimit = b.apiRateLimit == null ? DEFAULT_API_RATE_LIMIT : b.apiRateLimit;
        this.apiBurstLimit = b.apiBurstLimit == null ? DEFAULT_API_BURST_LIMIT : b.apiBurstLimit;
        if (apiRateLimit <= 0 || apiBurstLimit < 1) {
            throw new IllegalArgumentException("apiRateLimit must be above 0 and apiBurstLimit at least 1, were "
                    + apiRateLimit + " and " + apiBurstLimit);
        }
        this.proxyMaxConcurrency =
                b.proxyMaxConcurrency == null ? DEFAULT_PROXY_MAX_CONCURRENCY : b.proxyMaxConcurrency;
        if (proxyMaxConcurrency < 0) {
            throw new IllegalArgumentException(
                    "proxyMaxConcurrency must be 0 (no limit) or more, was " + proxyMaxConcurrency);
        }
        this.proxyMemoryMb = b.proxyMemoryMb == null ? DEFAULT_PROXY_MEMORY_MB : b.proxyMemoryMb;
        if (proxyMemoryMb < 128 || proxyMemoryMb > 10240) {
            throw new IllegalArgumentException(
                    "proxyMemoryMb must be within Lambda's 128-10240 MB, was " + proxyMemoryMb);
        }
        if ((customDomainName == null) != (certificateArn == null)) {
            throw new IllegalArgumentException(
                    "a custom domain needs both customDomainName and certificateArn (an ACM certificate in the stack's region)");
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    public StackProps stackProps() {
        return stackProps;
    }

    /**
     * The functions' code: built while synthesising ({@link FunctionCode#built}), or built beforehand (the proxy's
     * custom-runtime package holding {@code bootstrap}, the proxy jar and a JRE, see
     * {@code infra-cdk/package-proxy.sh}, and the two shaded jars).
     */
    public FunctionCode code() {
        return code;
    }

    public Architecture proxyArchitecture() {
        return proxyArchitecture;
    }

    /** The proxy function's memory in MB; Lambda gives it CPU in proportion (1,769 MB = one vCPU). */
    public int proxyMemoryMb() {
        return proxyMemoryMb;
    }

    /** An existing Secrets Manager secret with the provider keys, or null to create an empty one. */
    public String providerKeySecretArn() {
        return providerKeySecretArn;
    }

    public String customDomainName() {
        return customDomainName;
    }

    public String certificateArn() {
        return certificateArn;
    }

    /**
     * Foundation models and inference profiles the proxy may invoke on Bedrock (its {@code /model/...} routes); empty
     * means no Bedrock permission at all.
     */
    public List<String> bedrockResourceArns() {
        return bedrockResourceArns;
    }

    /**
     * Extra settings for the proxy (README, "Configuration"), e.g. {@code SPENDGATE_DEGRADE_CHAINS} or the velocity
     * limits. Only {@code SPENDGATE_*} names, and none that is a secret or that the stack sets itself.
     */
    public Map<String, String> proxyEnvironment() {
        return proxyEnvironment;
    }

    /** An existing secret with the reconciliation admin keys, or null for a new placeholder secret. */
    public String reconcileAdminKeySecretArn() {
        return reconcileAdminKeySecretArn;
    }

    /** The bucket AWS Data Exports writes the CUR 2.0 or FOCUS CSV to, or null to reconcile without AWS. */
    public String reconcileExportBucket() {
        return reconcileExportBucket;
    }

    /** The export's key prefix in that bucket, ending in '/', or empty. */
    public String reconcileExportPrefix() {
        return reconcileExportPrefix;
    }

    /** The unexplained share of a provider's bill, in percent, above which the job notifies (default 2). */
    public String reconcileThresholdPercent() {
        return reconcileThresholdPercent;
    }

    /** Seconds the usage stream buffers before writing (60 to 900): at most this many objects' worth of delay. */
    public int usageBufferSeconds() {
        return usageBufferSeconds;
    }

    /** The API stage's steady request rate per second, across all callers (API Gateway answers 429 above it). */
    public double apiRateLimit() {
        return apiRateLimit;
    }

    /** The API stage's burst: requests API Gateway lets through at once above the steady rate. */
    public int apiBurstLimit() {
        return apiBurstLimit;
    }

    /**
     * Reserved concurrency of the proxy function: the most calls it serves at once, and the share of the account's
     * Lambda concurrency it can never exceed; 0 sets no limit.
     */
    public int proxyMaxConcurrency() {
        return proxyMaxConcurrency;
    }

    private static void checkProxySetting(String name) {
        if (!name.startsWith("SPENDGATE_")) {
            throw new IllegalArgumentException("proxyEnvironment takes SPENDGATE_* settings only, got " + name
                    + " (provider keys belong in the Secrets Manager secret)");
        }
        if (SECRET_SETTINGS.contains(name)) {
            throw new IllegalArgumentException(name + " is a secret and would be readable in the template;"
                    + " admin routes use IAM behind API Gateway, provider keys go in the Secrets Manager secret");
        }
        if (STACK_SETTINGS.contains(name)) {
            throw new IllegalArgumentException(name + " is set by the stack itself");
        }
    }

    /** Settings that hold secrets: never in a CloudFormation template. */
    static final java.util.Set<String> SECRET_SETTINGS =
            java.util.Set.of("SPENDGATE_ADMIN_TOKEN", "SPENDGATE_SMTP_PASSWORD", "SPENDGATE_ALERT_WEBHOOK_URL");

    /** Settings the stack derives from the resources it creates. */
    static final java.util.Set<String> STACK_SETTINGS = java.util.Set.of(
            "SPENDGATE_KEYS_TABLE",
            "SPENDGATE_SPOOL_TABLE",
            "SPENDGATE_BUDGETS_TABLE",
            "SPENDGATE_USAGE_BUCKET",
            "SPENDGATE_USAGE_FIREHOSE_STREAM",
            "SPENDGATE_PROVIDER_SECRET_ID",
            "SPENDGATE_ALERT_TOPIC_ARN",
            "SPENDGATE_AWS_ENDPOINT_URL");

    /**
     * A package whose bundled JRE was linked for the other processor would fail every cold start ("exec format
     * error"); its {@code jre/release} file names the architecture, so the mismatch is caught at synthesis.
     */
    private static void checkBundledJre(Path proxyCode, Architecture architecture) {
        Path release = proxyCode.resolve("jre/release");
        if (!Files.isDirectory(proxyCode) || !Files.isRegularFile(release)) {
            return;
        }
        String arch;
        try {
            arch = Files.readAllLines(release).stream()
                    .filter(line -> line.startsWith("OS_ARCH="))
                    .map(line -> line.substring("OS_ARCH=".length())
                            .replace("\"", "")
                            .trim())
                    .findFirst()
                    .orElse(null);
        } catch (java.io.IOException e) {
            return;
        }
        if (arch == null) {
            return;
        }
        boolean arm = arch.equals("aarch64") || arch.equals("arm64");
        boolean wantArm = architecture.getName().equals(Architecture.ARM_64.getName());
        if (arm != wantArm) {
            throw new IllegalArgumentException("proxyArchitecture is " + architecture.getName() + " but the JRE in "
                    + proxyCode + " is built for " + arch + ": package the proxy with a JDK for "
                    + (wantArm ? "aarch64 (SPENDGATE_JLINK_JAVA_HOME)" : "x86_64")
                    + ", or deploy with -c proxyArchitecture=" + (arm ? "arm64" : "x86_64"));
        }
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.trim();
    }

    public static final class Builder {
        private StackProps stackProps;
        private Path proxyCode;
        private Path wasteDetectorJar;
        private Path reportRunnerJar;
        private FunctionCode code;
        private Architecture proxyArchitecture;
        private String providerKeySecretArn;
        private String customDomainName;
        private String certificateArn;
        private List<String> bedrockResourceArns;
        private Map<String, String> proxyEnvironment;
        private String reconcileAdminKeySecretArn;
        private String reconcileExportBucket;
        private String reconcileExportPrefix;
        private String reconcileThresholdPercent;
        private Integer usageBufferSeconds;
        private Double apiRateLimit;
        private Integer apiBurstLimit;
        private Integer proxyMaxConcurrency;
        private Integer proxyMemoryMb;

        private Builder() {}

        public Builder usageBufferSeconds(Integer value) {
            this.usageBufferSeconds = value;
            return this;
        }

        public Builder apiThrottling(Double rateLimit, Integer burstLimit) {
            this.apiRateLimit = rateLimit;
            this.apiBurstLimit = burstLimit;
            return this;
        }

        public Builder proxyMaxConcurrency(Integer value) {
            this.proxyMaxConcurrency = value;
            return this;
        }

        public Builder proxyMemoryMb(Integer value) {
            this.proxyMemoryMb = value;
            return this;
        }

        public Builder reconcileAdminKeySecretArn(String value) {
            this.reconcileAdminKeySecretArn = value;
            return this;
        }

        public Builder reconcileExport(String bucket, String prefix) {
            this.reconcileExportBucket = bucket;
            this.reconcileExportPrefix = prefix;
            return this;
        }

        public Builder reconcileThresholdPercent(String value) {
            this.reconcileThresholdPercent = value;
            return this;
        }

        public Builder stackProps(StackProps value) {
            this.stackProps = value;
            return this;
        }

        /** Code built while synthesising, or any other {@link FunctionCode}; wins over the three paths. */
        public Builder code(FunctionCode value) {
            this.code = value;
            return this;
        }

        public Builder proxyCode(Path value) {
            this.proxyCode = value;
            return this;
        }

        public Builder wasteDetectorJar(Path value) {
            this.wasteDetectorJar = value;
            return this;
        }

        public Builder reportRunnerJar(Path value) {
            this.reportRunnerJar = value;
            return this;
        }

        public Builder proxyArchitecture(Architecture value) {
            this.proxyArchitecture = value;
            return this;
        }

        public Builder providerKeySecretArn(String value) {
            this.providerKeySecretArn = value;
            return this;
        }

        public Builder customDomain(String domainName, String certificateArn) {
            this.customDomainName = domainName;
            this.certificateArn = certificateArn;
            return this;
        }

        public Builder bedrockResourceArns(List<String> value) {
            this.bedrockResourceArns = value;
            return this;
        }

        public Builder proxyEnvironment(Map<String, String> value) {
            this.proxyEnvironment = value;
            return this;
        }

        public SpendgateStackProps build() {
            return new SpendgateStackProps(this);
        }
    }
}
