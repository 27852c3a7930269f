package dev.spendgate.infra;

import dev.spendgate.function.proxy.SettingNames;
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
    private final String providerKeySecretKmsKeyArn;
    private final String customDomainName;
    private final String certificateArn;
    private final List<String> bedrockResourceArns;
    private final Map<String, String> proxyEnvironment;
    private final Path providersFile;
    private final Path pricingOverridesFile;
    private final Map<String, String> wasteEnvironment;
    private final Map<String, String> reportEnvironment;
    private final String reconcileAdminKeySecretArn;
    private final String reconcileExportBucket;
    private final String reconcileExportPrefix;
    private final String reconcileThresholdPercent;
    private final int usageBufferSeconds;
    private final int athenaScanCapGib;
    private final double apiRateLimit;
    private final int apiBurstLimit;
    private final int proxyMaxConcurrency;
    private final int proxyMemoryMb;
    private final ProxyCompute proxyCompute;
    private final List<String> proxySubnetIds;
    private final List<String> proxySecurityGroupIds;
    private final List<String> proxyInstanceTypes;
    private final int proxyMaxVCpus;
    private final Integer proxyConcurrencyPerEnvironment;

    /**
     * Where the proxy function runs. {@link #LAMBDA} (the default): standard Lambda, one call per execution
     * environment, billed for its whole wall time. {@link #MANAGED_INSTANCES}: Lambda Managed Instances, EC2 instances
     * in the customer's VPC that Lambda runs and scales, each execution environment serving many calls at once, billed
     * as EC2 on-demand plus a 15 % management fee (README, "The gateway's own AWS cost").
     */
    public enum ProxyCompute {
        LAMBDA("lambda"),
        MANAGED_INSTANCES("managed-instances");

        private final String contextValue;

        ProxyCompute(String contextValue) {
            this.contextValue = contextValue;
        }

        /** The value of {@code -c proxyCompute=}. */
        public String contextValue() {
            return contextValue;
        }

        /** From {@code -c proxyCompute=}; null or blank is the default. */
        public static ProxyCompute fromContext(String value) {
            if (value == null || value.isBlank()) {
                return LAMBDA;
            }
            for (ProxyCompute c : values()) {
                if (c.contextValue.equals(value.trim())) {
                    return c;
                }
            }
            throw new IllegalArgumentException("proxyCompute must be lambda or managed-instances, was '" + value + "'");
        }
    }

    /** Lambda Managed Instances' smallest function: 2 GB (and one vCPU). */
    static final int MANAGED_INSTANCES_MIN_MEMORY_MB = 2048;
    /**
     * The capacity provider's default ceiling: 24 vCPUs, e.g. 12 two-vCPU instances, four times the three Lambda starts
     * for AZ resiliency; it bounds the gateway's EC2 bill as reserved concurrency bounds it on standard Lambda.
     */
    static final int DEFAULT_PROXY_MAX_VCPUS = 24;

    /** Defaults: the usage stream's time buffer, the API stage's steady rate and burst, the proxy's concurrency. */
    static final int DEFAULT_USAGE_BUFFER_SECONDS = 900;

    /**
     * The Athena workgroup's cap on the bytes one query may scan, in GiB: 1 TiB. The monthly report's queries read the
     * month's compressed usage log whole (JSON SerDe), about 58 GB for a 1B-call month of lean records (57 bytes a
     * record gzip) and 140 GB at the 138 bytes a record of bench/RESULTS.md's simulated month; 1 TiB covers about
     * 7.9B such calls a month and bounds one runaway query at about $5.50 ($5 per TB scanned). The 10 GiB cap before
     * stopped the report at about 78-187M calls a month.
     */
    static final int DEFAULT_ATHENA_SCAN_CAP_GIB = 1024;

    static final double DEFAULT_API_RATE_LIMIT = 50;
    static final int DEFAULT_API_BURST_LIMIT = 100;
    static final int DEFAULT_PROXY_MAX_CONCURRENCY = 200;
    /**
     * The proxy's memory. 1024 MB keeps the cold start as it was (0.56-0.60 s emulated with the init phase on a full
     * vCPU, 0.95-1.0 s held to its CPU share throughout). The gateway's own cost at a 4 s call stays within $25 per
     * million calls only at 256 MB on x86_64 (up to about 330 MB on arm64), whose emulated cold start is 0.69-0.78 s
     * if Lambda's init phase gets a full vCPU, as AWS's Java guide states, and 4.6-4.7 s if not (bench/RESULTS.md,
     * "Cold start with Lambda's init burst"). Until a deployed function's Init Duration shows which, the cheaper size
     * is a choice ({@code -c proxyMemoryMb=256}), not the default.
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
        this.providerKeySecretKmsKeyArn = blankToNull(b.providerKeySecretKmsKeyArn);
        if (providerKeySecretKmsKeyArn != null) {
            if (providerKeySecretArn == null) {
                throw new IllegalArgumentException("providerKeySecretKmsKeyArn needs providerKeySecretArn: the secret"
                        + " the stack creates is encrypted with Secrets Manager's own key");
            }
            if (!providerKeySecretKmsKeyArn.matches("arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+")) {
                throw new IllegalArgumentException("providerKeySecretKmsKeyArn must be a KMS key ARN"
                        + " (arn:aws:kms:REGION:ACCOUNT:key/ID, not an alias), got '" + providerKeySecretKmsKeyArn
                        + "'");
            }
        }
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
        this.providersFile = configFile(b.providersFile, "providersFile", "SPENDGATE_PROVIDERS_FILE");
        this.pricingOverridesFile =
                configFile(b.pricingOverridesFile, "pricingOverrides", "SPENDGATE_PRICING_OVERRIDES");
        checkProxyValues(proxyEnvironment, providersFile, pricingOverridesFile);
        this.wasteEnvironment = b.wasteEnvironment == null ? Map.of() : Map.copyOf(b.wasteEnvironment);
        wasteEnvironment.keySet().forEach(SpendgateStackProps::checkWasteSetting);
        this.reportEnvironment = b.reportEnvironment == null ? Map.of() : Map.copyOf(b.reportEnvironment);
        reportEnvironment.forEach(SpendgateStackProps::checkReportSetting);
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
        this.athenaScanCapGib = b.athenaScanCapGib == null ? DEFAULT_ATHENA_SCAN_CAP_GIB : b.athenaScanCapGib;
        if (athenaScanCapGib < 0) {
            throw new IllegalArgumentException("athenaScanCapGib must be 0 (no cap) or more, was " + athenaScanCapGib);
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
        this.proxyMemoryMb = b.proxyMemoryMb != null
                ? b.proxyMemoryMb
                : b.proxyCompute == ProxyCompute.MANAGED_INSTANCES
                        ? MANAGED_INSTANCES_MIN_MEMORY_MB
                        : DEFAULT_PROXY_MEMORY_MB;
        if (proxyMemoryMb < 128 || proxyMemoryMb > 10240) {
            throw new IllegalArgumentException(
                    "proxyMemoryMb must be within Lambda's 128-10240 MB, was " + proxyMemoryMb);
        }
        this.proxyCompute = b.proxyCompute == null ? ProxyCompute.LAMBDA : b.proxyCompute;
        this.proxySubnetIds = ids(b.proxySubnetIds);
        this.proxySecurityGroupIds = ids(b.proxySecurityGroupIds);
        this.proxyInstanceTypes = ids(b.proxyInstanceTypes);
        this.proxyMaxVCpus = b.proxyMaxVCpus == null ? DEFAULT_PROXY_MAX_VCPUS : b.proxyMaxVCpus;
        this.proxyConcurrencyPerEnvironment = b.proxyConcurrencyPerEnvironment;
        if (proxyCompute == ProxyCompute.MANAGED_INSTANCES) {
            checkManagedInstances();
        } else if (!proxySubnetIds.isEmpty()
                || !proxySecurityGroupIds.isEmpty()
                || !proxyInstanceTypes.isEmpty()
                || b.proxyMaxVCpus != null
                || proxyConcurrencyPerEnvironment != null) {
            throw new IllegalArgumentException("proxySubnetIds, proxySecurityGroupIds, proxyInstanceTypes,"
                    + " proxyMaxVCpus and proxyConcurrencyPerEnvironment apply only with"
                    + " proxyCompute=managed-instances");
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

    /**
     * The customer-managed KMS key that encrypts {@link #providerKeySecretArn()}, or null when Secrets Manager's own
     * key does: the proxy may then decrypt with it, through Secrets Manager only.
     */
    public String providerKeySecretKmsKeyArn() {
        return providerKeySecretKmsKeyArn;
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

    /** The customer's providers file ({@code -c providersFile=}), shipped in a layer ({@link ConfigFiles}), or null. */
    public Path providersFile() {
        return providersFile;
    }

    /** The customer's price overrides ({@code -c pricingOverrides=}), shipped in a layer, or null. */
    public Path pricingOverridesFile() {
        return pricingOverridesFile;
    }

    /**
     * Extra settings for the daily waste function, e.g. {@code SPENDGATE_WASTE_THREADS} or the window merge's bounds
     * ({@code SPENDGATE_WASTE_MERGE_MAX_*}). Only {@code SPENDGATE_WASTE_*} names: the stack sets the rest itself.
     */
    public Map<String, String> wasteEnvironment() {
        return wasteEnvironment;
    }

    /**
     * Extra settings for the monthly report function ({@link #REPORT_SETTINGS}): the FOCUS billing account and version,
     * the accounts the gateway's calls go through for the reconciliation split, the download links' lifetime and the
     * attachment limit. Without them the FOCUS {@code BillingAccountId} reads {@code spendgate}.
     */
    public Map<String, String> reportEnvironment() {
        return reportEnvironment;
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

    /**
     * The most bytes one query in the stack's Athena workgroup may scan (Athena cancels it above), or null for no cap
     * ({@code -c athenaScanCapGib=0}). The monthly report's queries each scan the month's compressed usage log.
     */
    public Long athenaScanCapBytes() {
        return athenaScanCapGib == 0 ? null : (long) athenaScanCapGib << 30;
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

    /** Standard Lambda (the default) or Lambda Managed Instances. */
    public ProxyCompute proxyCompute() {
        return proxyCompute;
    }

    /**
     * Managed instances only: the subnets the capacity provider launches instances in (at least two Availability
     * Zones; each with a route to the internet through a NAT gateway, since the proxy calls the LLM providers).
     */
    public List<String> proxySubnetIds() {
        return proxySubnetIds;
    }

    /** Managed instances only: security groups of the instances (outbound HTTPS to the providers and AWS APIs). */
    public List<String> proxySecurityGroupIds() {
        return proxySecurityGroupIds;
    }

    /** Managed instances only: allowed EC2 instance types, or empty to let Lambda choose (AWS's recommendation). */
    public List<String> proxyInstanceTypes() {
        return proxyInstanceTypes;
    }

    /** Managed instances only: the most vCPUs the capacity provider runs at once (bounds the EC2 bill). */
    public int proxyMaxVCpus() {
        return proxyMaxVCpus;
    }

    /**
     * Managed instances only: calls one execution environment serves at once (Lambda's
     * {@code PerExecutionEnvironmentMaxConcurrency}, 1-1600), or null for 32 per vCPU
     * ({@link #concurrencyPerEnvironment}).
     */
    public Integer proxyConcurrencyPerEnvironment() {
        return proxyConcurrencyPerEnvironment;
    }

    /** Calls in flight per vCPU of a managed-instances environment unless set: Lambda's documented Java default. */
    static final int CALLS_PER_VCPU = 32;
    /** Memory a managed-instances environment gets per vCPU unless set (Lambda's default, 2 GiB). */
    static final int MEMORY_MB_PER_VCPU = 2048;

    /**
     * The concurrency each managed-instances execution environment takes: {@code proxyConcurrencyPerEnvironment}, else
     * 32 per vCPU of the function's memory (2 GiB a vCPU). Always set in the template: Lambda's default is documented for
     * Java's managed runtime, not for the OS-only runtime the proxy runs on, and the gateway's own-cost estimate sizes
     * the fleet by this figure.
     */
    public int concurrencyPerEnvironment() {
        if (proxyConcurrencyPerEnvironment != null) {
            return proxyConcurrencyPerEnvironment;
        }
        return CALLS_PER_VCPU * Math.max(1, proxyMemoryMb / MEMORY_MB_PER_VCPU);
    }

    private void checkManagedInstances() {
        if (proxySubnetIds.isEmpty() || proxySecurityGroupIds.isEmpty()) {
            throw new IllegalArgumentException("proxyCompute=managed-instances needs proxySubnetIds (subnets in at"
                    + " least two Availability Zones, with a NAT route to the internet) and proxySecurityGroupIds");
        }
        for (String id : proxySubnetIds) {
            if (!id.startsWith("subnet-")) {
                throw new IllegalArgumentException("proxySubnetIds must be subnet IDs (subnet-...), got '" + id + "'");
            }
        }
        for (String id : proxySecurityGroupIds) {
            if (!id.startsWith("sg-")) {
                throw new IllegalArgumentException(
                        "proxySecurityGroupIds must be security group IDs (sg-...), got '" + id + "'");
            }
        }
        if (proxyMemoryMb < MANAGED_INSTANCES_MIN_MEMORY_MB) {
            throw new IllegalArgumentException("proxyMemoryMb must be at least " + MANAGED_INSTANCES_MIN_MEMORY_MB
                    + " with proxyCompute=managed-instances (Lambda Managed Instances' smallest function), was "
                    + proxyMemoryMb);
        }
        if (proxyMaxVCpus < 2) {
            throw new IllegalArgumentException("proxyMaxVCpus must be at least 2, was " + proxyMaxVCpus);
        }
        if (proxyConcurrencyPerEnvironment != null
                && (proxyConcurrencyPerEnvironment < 1 || proxyConcurrencyPerEnvironment > 1600)) {
            throw new IllegalArgumentException(
                    "proxyConcurrencyPerEnvironment must be 1-1600, was " + proxyConcurrencyPerEnvironment);
        }
        boolean arm = proxyArchitecture.getName().equals(Architecture.ARM_64.getName());
        for (String type : proxyInstanceTypes) {
            String family = type.contains(".") ? type.substring(0, type.indexOf('.')) : type;
            // Graviton families end in g, gd, gn or ge (m7g, c7gn, r8gd); x86_64 ones do not.
            boolean graviton = family.matches("[a-z]+[0-9]+g[a-z]*");
            if (graviton != arm) {
                throw new IllegalArgumentException("proxyInstanceTypes: " + type + " is "
                        + (graviton ? "arm64 (Graviton)" : "x86_64") + " but proxyArchitecture is "
                        + proxyArchitecture.getName());
            }
        }
    }

    private static List<String> ids(List<String> values) {
        return values == null
                ? List.of()
                : values.stream().map(String::trim).filter(v -> !v.isEmpty()).toList();
    }

    private static void checkWasteSetting(String name) {
        if (!name.startsWith("SPENDGATE_WASTE_")) {
            throw new IllegalArgumentException("wasteEnvironment takes SPENDGATE_WASTE_* settings only, got " + name
                    + " (the stack sets the waste function's bucket, tables and topic itself)");
        }
    }

    private static void checkProxySetting(String name) {
        if (!name.startsWith("SPENDGATE_")) {
            throw new IllegalArgumentException("proxyEnvironment takes SPENDGATE_* settings only, got " + name
                    + " (provider keys belong in the Secrets Manager secret)");
        }
        if (isSecret(name)) {
            throw new IllegalArgumentException(name + " is a secret and would be readable in the template;"
                    + " admin routes use IAM behind API Gateway, provider keys go in the Secrets Manager secret");
        }
        if (STACK_SETTINGS.contains(name)) {
            throw new IllegalArgumentException(name + " is set by the stack itself");
        }
        if (!SettingNames.known().contains(name)) {
            // misspelt, the proxy would ignore it and run on the default the operator meant to change
            throw new IllegalArgumentException("proxyEnvironment names " + name + ", a setting Spendgate does not read"
                    + SettingNames.closest(name)
                            .map(k -> "; did you mean " + k + "?")
                            .orElse("")
                    + " (README \"Configuration\" lists the settings)");
        }
    }

    /**
     * The values of {@code proxyEnvironment}, with the providers file and price overrides given here, read by the
     * proxy's own parsers ({@code ProxyConfig}, the price catalog's, the degradation chains'): what the proxy would
     * refuse at every cold start is refused at synth, naming the setting. A file named in {@code proxyEnvironment} is
     * a path on the function, not here: then the files are checked when the proxy starts.
     */
    private static void checkProxyValues(Map<String, String> values, Path providers, Path overrides) {
        Map<String, String> env = new java.util.HashMap<>(values);
        boolean filesOnFunction =
                env.remove("SPENDGATE_PROVIDERS_FILE") != null | env.remove("SPENDGATE_PRICING_OVERRIDES") != null;
        if (providers != null) {
            env.put("SPENDGATE_PROVIDERS_FILE", providers.toString());
        }
        if (overrides != null) {
            env.put("SPENDGATE_PRICING_OVERRIDES", overrides.toString());
        }
        String named = providers == null && overrides == null ? "proxyEnvironment" : "proxy settings";
        try {
            var config = dev.spendgate.function.proxy.ProxyConfig.fromEnv(env);
            if (env.containsKey(UPSTREAM_TIMEOUT)) {
                checkUpstreamTimeout(config.upstreamTimeout());
            }
            var chains =
                    dev.spendgate.function.proxy.budget.DegradationChains.parse(env.get("SPENDGATE_DEGRADE_CHAINS"));
            if (!filesOnFunction) {
                var pricing = dev.spendgate.function.proxy.ConfiguredPricing.load(config);
                dev.spendgate.function.proxy.ConfiguredPricing.requireChainsPriced(chains, config, pricing);
            }
        } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
            throw new IllegalArgumentException(named + ": " + e.getMessage(), e);
        }
    }

    private static final String UPSTREAM_TIMEOUT = "SPENDGATE_UPSTREAM_TIMEOUT_SECONDS";

    /**
     * The deployed proxy must give up on a silent provider before API Gateway gives up on the silent stream ({@link
     * ProxyApi#API_GATEWAY_STREAM_IDLE_TIMEOUT}): else the client gets API Gateway's 504 (no provider's error shape, no
     * request id; its SDK retries, and the provider is called and billed again) while the function waits on and
     * records the call as answered.
     */
    private static void checkUpstreamTimeout(java.time.Duration timeout) {
        long idle = ProxyApi.API_GATEWAY_STREAM_IDLE_TIMEOUT.toSeconds();
        if (timeout.toSeconds() >= idle) {
            throw new IllegalArgumentException(UPSTREAM_TIMEOUT + " must be below " + idle + " on AWS, was "
                    + timeout.toSeconds() + ": API Gateway closes a streamed response idle for " + idle
                    + " s (Regional endpoint) and answers the client 504 while the proxy still waits for the"
                    + " provider; the stack's default is " + ProxyApi.UPSTREAM_TIMEOUT_SECONDS);
        }
    }

    /**
     * A file given with {@code -c providersFile=} or {@code -c pricingOverrides=}: it must be there to be shipped,
     * and not also named, as a path on the function, in {@code proxyEnvironment}.
     */
    private Path configFile(Path file, String context, String setting) {
        if (file == null) {
            return null;
        }
        if (proxyEnvironment.containsKey(setting)) {
            throw new IllegalArgumentException(context + " and proxyEnvironment's " + setting + " both name the file;"
                    + " give it once, with " + context + " (the stack ships it to the functions)");
        }
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw new IllegalArgumentException(
                    context + ": no readable file at " + file.toAbsolutePath().normalize());
        }
        return file;
    }

    /**
     * What {@code reportEnvironment} may set: the rest of the report function's settings are the stack's own (bucket,
     * tables, Athena, sender and recipients as parameters) or secrets (the SMTP password, the narrative's key).
     */
    static final java.util.Set<String> REPORT_SETTINGS = java.util.Set.of(
            "SPENDGATE_FOCUS_BILLING_ACCOUNT_ID",
            "SPENDGATE_FOCUS_BILLING_ACCOUNT_NAME",
            "SPENDGATE_FOCUS_VERSION",
            "SPENDGATE_RECONCILE_GATEWAY_ACCOUNTS",
            "SPENDGATE_REPORT_LINK_TTL_HOURS",
            "SPENDGATE_REPORT_ATTACH_MAX_BYTES");

    /** Refused at synth, naming the setting, rather than by the report function on the 2nd of the month. */
    private static void checkReportSetting(String name, String value) {
        if (!REPORT_SETTINGS.contains(name)) {
            throw new IllegalArgumentException("reportEnvironment takes " + new java.util.TreeSet<>(REPORT_SETTINGS)
                    + " only, got " + name + " (the stack sets the report function's storage, Athena and email"
                    + " itself; secrets never go in the template)");
        }
        String v = value == null ? "" : value.trim();
        boolean ok =
                switch (name) {
                    case "SPENDGATE_FOCUS_VERSION" -> v.equals("1.1") || v.equals("1.3");
                    case "SPENDGATE_REPORT_LINK_TTL_HOURS" -> dev.spendgate.aws.s3.PresignedLinkTtl.valid(v);
                    case "SPENDGATE_REPORT_ATTACH_MAX_BYTES" -> v.matches("[0-9]{1,10}");
                    default -> !v.isEmpty();
                };
        if (!ok) {
            throw new IllegalArgumentException("reportEnvironment's " + name + " cannot be '" + value + "': "
                    + switch (name) {
                        case "SPENDGATE_FOCUS_VERSION" -> "1.1 or 1.3";
                        case "SPENDGATE_REPORT_LINK_TTL_HOURS" -> dev.spendgate.aws.s3.PresignedLinkTtl.RULE;
                        case "SPENDGATE_REPORT_ATTACH_MAX_BYTES" -> "a whole number of bytes";
                        default -> "it must not be blank";
                    });
        }
    }

    /** Settings that hold secrets: never in a CloudFormation template. */
    static final java.util.Set<String> SECRET_SETTINGS = java.util.Set.of(
            "SPENDGATE_ADMIN_TOKEN",
            "SPENDGATE_SMTP_PASSWORD",
            "SPENDGATE_ALERT_WEBHOOK_URL",
            "SPENDGATE_TLS_KEYSTORE_PASSWORD");

    /** How the name of a setting holding a secret ends, for settings added after this list was written. */
    static final java.util.List<String> SECRET_SUFFIXES = java.util.List.of("_PASSWORD", "_TOKEN", "_SECRET", "_KEY");

    /**
     * Names with such an ending that hold no secret: an S3 object key ({@code config/chargeback-rules.json}) and the
     * id of a Secrets Manager secret (its value stays in Secrets Manager).
     */
    static final java.util.Set<String> NOT_SECRETS =
            java.util.Set.of("SPENDGATE_CHARGEBACK_RULES_KEY", "SPENDGATE_RECONCILE_ADMIN_KEYS_SECRET");

    static boolean isSecret(String name) {
        return SECRET_SETTINGS.contains(name)
                || (!NOT_SECRETS.contains(name) && SECRET_SUFFIXES.stream().anyMatch(name::endsWith));
    }

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
        private String providerKeySecretKmsKeyArn;
        private String customDomainName;
        private String certificateArn;
        private List<String> bedrockResourceArns;
        private Map<String, String> proxyEnvironment;
        private Path providersFile;
        private Path pricingOverridesFile;
        private Map<String, String> wasteEnvironment;
        private Map<String, String> reportEnvironment;
        private String reconcileAdminKeySecretArn;
        private String reconcileExportBucket;
        private String reconcileExportPrefix;
        private String reconcileThresholdPercent;
        private Integer usageBufferSeconds;
        private Integer athenaScanCapGib;
        private Double apiRateLimit;
        private Integer apiBurstLimit;
        private Integer proxyMaxConcurrency;
        private Integer proxyMemoryMb;
        private ProxyCompute proxyCompute;
        private List<String> proxySubnetIds;
        private List<String> proxySecurityGroupIds;
        private List<String> proxyInstanceTypes;
        private Integer proxyMaxVCpus;
        private Integer proxyConcurrencyPerEnvironment;

        private Builder() {}

        public Builder proxyCompute(ProxyCompute value) {
            this.proxyCompute = value;
            return this;
        }

        /** Lambda Managed Instances in these subnets with these security groups (both required for that mode). */
        public Builder managedInstances(List<String> subnetIds, List<String> securityGroupIds) {
            this.proxySubnetIds = subnetIds;
            this.proxySecurityGroupIds = securityGroupIds;
            return this;
        }

        public Builder proxyInstanceTypes(List<String> value) {
            this.proxyInstanceTypes = value;
            return this;
        }

        public Builder proxyMaxVCpus(Integer value) {
            this.proxyMaxVCpus = value;
            return this;
        }

        public Builder proxyConcurrencyPerEnvironment(Integer value) {
            this.proxyConcurrencyPerEnvironment = value;
            return this;
        }

        public Builder usageBufferSeconds(Integer value) {
            this.usageBufferSeconds = value;
            return this;
        }

        /** GiB one Athena query may scan (default 1024), 0 for no cap. */
        public Builder athenaScanCapGib(Integer value) {
            this.athenaScanCapGib = value;
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

        public Builder providerKeySecretKmsKeyArn(String value) {
            this.providerKeySecretKmsKeyArn = value;
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

        /** A providers file ({@code SPENDGATE_PROVIDERS_FILE}'s format) on this machine, for the proxy. */
        public Builder providersFile(Path value) {
            this.providersFile = value;
            return this;
        }

        /** A price override file ({@code SPENDGATE_PRICING_OVERRIDES}'s format), for the proxy and the reports. */
        public Builder pricingOverridesFile(Path value) {
            this.pricingOverridesFile = value;
            return this;
        }

        public Builder wasteEnvironment(Map<String, String> value) {
            this.wasteEnvironment = value;
            return this;
        }

        public Builder reportEnvironment(Map<String, String> value) {
            this.reportEnvironment = value;
            return this;
        }

        public SpendgateStackProps build() {
            return new SpendgateStackProps(this);
        }
    }
}
