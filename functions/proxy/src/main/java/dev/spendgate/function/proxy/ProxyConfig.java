package dev.spendgate.function.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.function.proxy.http.BodyMemory;
import dev.spendgate.function.proxy.upstream.ApiFormat;
import dev.spendgate.function.proxy.upstream.AwsSigV4Signer;
import dev.spendgate.function.proxy.upstream.Provider;
import dev.spendgate.function.proxy.upstream.UpstreamAuth;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.UnaryOperator;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * The proxy's configuration, read once from environment variables (see the README's configuration table). Provider
 * keys may be replaced later by the ones in Secrets Manager ({@link #withProviderKeys}).
 */
public record ProxyConfig(
        List<Provider> providers,
        Path pricingOverrides,
        long maxBodyBytes,
        long bodyMemoryBytes,
        Duration upstreamTimeout,
        int flushMaxRecords,
        Duration flushInterval,
        Budgets budgets,
        String adminToken,
        String allowedHosts,
        boolean fsyncEachCommit,
        String alertWebhookUrl,
        Aws aws) {

    public static final String DEFAULT_OPENAI_BASE_URL = "https://api.openai.com/v1";
    public static final String DEFAULT_ANTHROPIC_BASE_URL = "https://api.anthropic.com";
    public static final String DEFAULT_BEDROCK_REGION = "us-east-1";
    /** Ten years: the longest {@code SPENDGATE_RESERVATION_TTL_SECONDS} (a reservation's expiry must be a date). */
    public static final long MAX_RESERVATION_TTL_SECONDS = 10L * 365 * 24 * 60 * 60;

    /** The longest {@code SPENDGATE_UPSTREAM_TIMEOUT_SECONDS}: a socket timeout is an int of milliseconds (24 days). */
    public static final long MAX_UPSTREAM_TIMEOUT_SECONDS = Integer.MAX_VALUE / 1000;

    private static final ObjectMapper JSON = new ObjectMapper();

    public ProxyConfig {
        providers = List.copyOf(providers);
        Objects.requireNonNull(budgets, "budgets");
        Objects.requireNonNull(aws, "aws");
    }

    /**
     * Budget enforcement: how long a reservation lives ({@code SPENDGATE_RESERVATION_TTL_SECONDS}), the output a call
     * without {@code max_tokens} is estimated at ({@code SPENDGATE_DEFAULT_MAX_OUTPUT_TOKENS}), the degradation chains
     * ({@code SPENDGATE_DEGRADE_CHAINS}) and the velocity breakers ({@code SPENDGATE_SESSION_CALLS_PER_MINUTE},
     * {@code SPENDGATE_KEY_CALLS_PER_MINUTE}; 0 is off), and from what amount a sweep that charges calls at their
     * worst case sends an alert ({@code SPENDGATE_WORST_CASE_ALERT_USD}, default 0: every such sweep; null: never),
     * and at which tier a call naming none is reserved ({@code SPENDGATE_RESERVE_UNASKED_TIER}: {@code standard}, the
     * default, or {@code dearest} for a provider project whose default tier is priority).
     */
    public record Budgets(
            Duration reservationTtl,
            long defaultMaxOutputTokens,
            String degradeChains,
            long sessionCallsPerMinute,
            long keyCallsPerMinute,
            java.math.BigDecimal worstCaseAlertUsd,
            boolean reserveUnaskedAtDearest) {
        /** A call naming no tier reserved at standard rates. */
        public Budgets(
                Duration reservationTtl,
                long defaultMaxOutputTokens,
                String degradeChains,
                long sessionCallsPerMinute,
                long keyCallsPerMinute,
                java.math.BigDecimal worstCaseAlertUsd) {
            this(
                    reservationTtl,
                    defaultMaxOutputTokens,
                    degradeChains,
                    sessionCallsPerMinute,
                    keyCallsPerMinute,
                    worstCaseAlertUsd,
                    false);
        }

        /** Worst-case charges alert from any amount. */
        public Budgets(
                Duration reservationTtl,
                long defaultMaxOutputTokens,
                String degradeChains,
                long sessionCallsPerMinute,
                long keyCallsPerMinute) {
            this(
                    reservationTtl,
                    defaultMaxOutputTokens,
                    degradeChains,
                    sessionCallsPerMinute,
                    keyCallsPerMinute,
                    java.math.BigDecimal.ZERO);
        }
    }

    /**
     * The AWS wiring's names: the provider-key secret ({@code SPENDGATE_PROVIDER_SECRET_ID}), the key cache
     * ({@code SPENDGATE_KEY_CACHE_SECONDS}), the tables and bucket ({@code SPENDGATE_KEYS_TABLE},
     * {@code SPENDGATE_USAGE_BUCKET}, {@code SPENDGATE_SPOOL_TABLE}, {@code SPENDGATE_BUDGETS_TABLE}), the alert
     * topic ({@code SPENDGATE_ALERT_TOPIC_ARN}) and the Firehose stream usage records go to
     * ({@code SPENDGATE_USAGE_FIREHOSE_STREAM}; without it, one S3 object per flush). Null when unset; the AWS wiring
     * says which it requires.
     */
    /**
     * @param providerKeyRefresh how often warm instances re-read {@code providerSecretId}
     *     ({@code SPENDGATE_PROVIDER_KEY_REFRESH_SECONDS}, default 300; 0: read at start only)
     */
    public record Aws(
            String providerSecretId,
            Duration providerKeyRefresh,
            Duration keyCache,
            String keysTable,
            String usageBucket,
            String spoolTable,
            String budgetsTable,
            String alertTopicArn,
            String usageFirehoseStream) {}

    public static ProxyConfig fromEnv(Map<String, String> env) {
        UnaryOperator<String> get = name -> {
            String v = env.get(name);
            return v == null || v.isBlank() ? null : v.trim();
        };
        List<Provider> providers = new ArrayList<>();
        String providersFile = get.apply("SPENDGATE_PROVIDERS_FILE");
        if (providersFile != null) {
            providers.addAll(readProviders(Path.of(providersFile), env));
        }
        providers.add(new Provider(
                "openai",
                ApiFormat.OPENAI,
                orDefault(get.apply("SPENDGATE_OPENAI_BASE_URL"), DEFAULT_OPENAI_BASE_URL),
                get.apply("OPENAI_API_KEY"),
                List.of("*"),
                "openai"));
        providers.add(new Provider(
                "anthropic",
                ApiFormat.ANTHROPIC,
                orDefault(get.apply("SPENDGATE_ANTHROPIC_BASE_URL"), DEFAULT_ANTHROPIC_BASE_URL),
                get.apply("ANTHROPIC_API_KEY"),
                List.of("*"),
                "anthropic"));
        String region = bedrockRegion(env, null);
        providers.add(new Provider(
                "bedrock",
                ApiFormat.BEDROCK,
                orDefault(get.apply("SPENDGATE_BEDROCK_BASE_URL"), bedrockBaseUrl(region)),
                null,
                List.of("*"),
                "bedrock",
                UpstreamAuth.SIGV4,
                null,
                new AwsSigV4Signer("bedrock", region, awsCredentials(env))));
        String overrides = get.apply("SPENDGATE_PRICING_OVERRIDES");
        return new ProxyConfig(
                providers,
                overrides == null ? null : Path.of(overrides),
                positiveLong(get.apply("SPENDGATE_MAX_BODY_BYTES"), 10L * 1024 * 1024, "SPENDGATE_MAX_BODY_BYTES"),
                positiveLong(
                        get.apply("SPENDGATE_BODY_MEMORY_BYTES"),
                        BodyMemory.defaultCapacity(),
                        "SPENDGATE_BODY_MEMORY_BYTES"),
                Duration.ofSeconds(wholeNumber(
                        get.apply("SPENDGATE_UPSTREAM_TIMEOUT_SECONDS"),
                        600,
                        1,
                        MAX_UPSTREAM_TIMEOUT_SECONDS,
                        "SPENDGATE_UPSTREAM_TIMEOUT_SECONDS")),
                (int) wholeNumber(
                        get.apply("SPENDGATE_FLUSH_MAX_RECORDS"),
                        500,
                        1,
                        Integer.MAX_VALUE,
                        "SPENDGATE_FLUSH_MAX_RECORDS"),
                Duration.ofMillis(
                        positiveLong(get.apply("SPENDGATE_FLUSH_INTERVAL_MS"), 1000, "SPENDGATE_FLUSH_INTERVAL_MS")),
                new Budgets(
                        Duration.ofSeconds(wholeNumber(
                                get.apply("SPENDGATE_RESERVATION_TTL_SECONDS"),
                                900,
                                1,
                                MAX_RESERVATION_TTL_SECONDS,
                                "SPENDGATE_RESERVATION_TTL_SECONDS")),
                        positiveLong(
                                get.apply("SPENDGATE_DEFAULT_MAX_OUTPUT_TOKENS"),
                                4096,
                                "SPENDGATE_DEFAULT_MAX_OUTPUT_TOKENS"),
                        get.apply("SPENDGATE_DEGRADE_CHAINS"),
                        number(get, "SPENDGATE_SESSION_CALLS_PER_MINUTE", 0),
                        number(get, "SPENDGATE_KEY_CALLS_PER_MINUTE", 0),
                        worstCaseAlertUsd(get.apply("SPENDGATE_WORST_CASE_ALERT_USD")),
                        reserveUnaskedAtDearest(get.apply("SPENDGATE_RESERVE_UNASKED_TIER"))),
                get.apply("SPENDGATE_ADMIN_TOKEN"),
                allowedHosts(get.apply("SPENDGATE_ALLOWED_HOSTS")),
                syncEachCommit(get.apply("SPENDGATE_FSYNC")),
                alertWebhookUrl(get.apply("SPENDGATE_ALERT_WEBHOOK_URL")),
                new Aws(
                        get.apply("SPENDGATE_PROVIDER_SECRET_ID"),
                        Duration.ofSeconds(number(get, "SPENDGATE_PROVIDER_KEY_REFRESH_SECONDS", 300)),
                        Duration.ofSeconds(number(get, "SPENDGATE_KEY_CACHE_SECONDS", 30)),
                        get.apply("SPENDGATE_KEYS_TABLE"),
                        get.apply("SPENDGATE_USAGE_BUCKET"),
                        get.apply("SPENDGATE_SPOOL_TABLE"),
                        get.apply("SPENDGATE_BUDGETS_TABLE"),
                        get.apply("SPENDGATE_ALERT_TOPIC_ARN"),
                        get.apply("SPENDGATE_USAGE_FIREHOSE_STREAM")));
    }

    /**
     * {@code SPENDGATE_RESERVE_UNASKED_TIER}: {@code standard} (default) reserves a call naming no service tier (or
     * {@code auto}) at standard rates; {@code dearest} at the dearest tier the catalog prices that the provider may apply
     * unasked (priority, scale), for a project or organisation whose default tier is priority.
     */
    static boolean reserveUnaskedAtDearest(String value) {
        if (value == null || value.isBlank()) {
            return false;
        }
        return switch (value.strip().toLowerCase(java.util.Locale.ROOT)) {
            case "standard" -> false;
            case "dearest" -> true;
            default ->
                throw new IllegalArgumentException(
                        "SPENDGATE_RESERVE_UNASKED_TIER must be standard or dearest, got '" + value + "'");
        };
    }

    /**
     * Never prints a credential: the admin token only as set or not, the alert webhook only as its scheme and host
     * (its path is the webhook's credential), the providers by their own masked {@link Provider#toString}.
     */
    @Override
    public String toString() {
        return "ProxyConfig[providers=" + providers + ", pricingOverrides=" + pricingOverrides + ", maxBodyBytes="
                + maxBodyBytes + ", bodyMemoryBytes=" + bodyMemoryBytes + ", upstreamTimeout=" + upstreamTimeout
                + ", flushMaxRecords=" + flushMaxRecords + ", flushInterval=" + flushInterval + ", budgets=" + budgets
                + ", adminToken=" + (adminToken == null ? "(none)" : "(set)") + ", allowedHosts=" + allowedHosts
                + ", fsyncEachCommit=" + fsyncEachCommit + ", alertWebhookUrl=" + webhookShown(alertWebhookUrl)
                + ", aws=" + aws + "]";
    }

    private static String webhookShown(String url) {
        if (url == null) {
            return "(none)";
        }
        java.net.URI uri = java.net.URI.create(url); // validated at the start
        return uri.getScheme() + "://" + uri.getHost() + "/(hidden)";
    }

    /** The same configuration with provider keys taken from {@code keys} (names like {@code OPENAI_API_KEY}). */
    public ProxyConfig withProviderKeys(Map<String, String> keys) {
        List<Provider> updated = new ArrayList<>();
        for (Provider p : providers) {
            String key = keys.get(p.keyName());
            updated.add(key == null ? p : p.withApiKey(key));
        }
        return new ProxyConfig(
                updated,
                pricingOverrides,
                maxBodyBytes,
                bodyMemoryBytes,
                upstreamTimeout,
                flushMaxRecords,
                flushInterval,
                budgets,
                adminToken,
                allowedHosts,
                fsyncEachCommit,
                alertWebhookUrl,
                aws);
    }

    /** {@code SPENDGATE_ALLOWED_HOSTS} as given, once each entry is known to be a host name (else the start fails). */
    static String allowedHosts(String value) {
        dev.spendgate.function.proxy.admin.LocalAdminGuard.of(null, value, java.time.Clock.systemUTC());
        return value;
    }

    /** A whole-number setting, 0 or more; {@code fallback} when unset. */
    /** {@code SPENDGATE_WORST_CASE_ALERT_USD}: a decimal of at least 0 (default 0), or {@code off}. */
    static java.math.BigDecimal worstCaseAlertUsd(String value) {
        if (value == null || value.isBlank()) {
            return java.math.BigDecimal.ZERO;
        }
        if (value.trim().equalsIgnoreCase("off")) {
            return null;
        }
        try {
            java.math.BigDecimal usd = new java.math.BigDecimal(value.trim());
            if (usd.signum() >= 0) {
                return usd;
            }
        } catch (NumberFormatException e) {
            // the message below names the variable
        }
        throw new IllegalArgumentException(
                "SPENDGATE_WORST_CASE_ALERT_USD must be an amount in USD of at least 0, or off, got '" + value + "'");
    }

    private static long number(UnaryOperator<String> get, String name, long fallback) {
        String value = get.apply(name);
        if (value == null) {
            return fallback;
        }
        try {
            long v = Long.parseLong(value);
            if (v < 0) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a whole number of 0 or more, got '" + value + "'");
        }
    }

    /**
     * {@code SPENDGATE_ALERT_WEBHOOK_URL}: an absolute {@code http} or {@code https} URL with a host, else the start
     * fails. The message never repeats the value: a webhook URL carries its own credential.
     */
    static String alertWebhookUrl(String value) {
        if (value == null) {
            return null;
        }
        String problem = HttpUrls.problem(value);
        if (problem == null) {
            return value;
        }
        throw new IllegalArgumentException("SPENDGATE_ALERT_WEBHOOK_URL must be an absolute http(s) URL, such as"
                + " https://hooks.slack.com/services/...: " + problem + " (the value is not shown: it is a secret)");
    }

    /** {@code SPENDGATE_FSYNC}: {@code interval} (the default) or {@code always}. */
    static boolean syncEachCommit(String fsync) {
        if (fsync == null || fsync.equals("interval")) {
            return false;
        }
        if (fsync.equals("always")) {
            return true;
        }
        throw new IllegalArgumentException("SPENDGATE_FSYNC must be interval or always, not '" + fsync + "'");
    }

    /**
     * Extra providers: a JSON array of {@code {"name", "format": "openai"|"anthropic"|"bedrock", "base_url",
     * "api_key_env", "models": ["mistral-*"], "pricing_provider", "auth": "bearer"|"x-api-key"|"api-key"|"sigv4"|"none",
     * "azure_api_version", "deployments": {"model": "deployment"}, "region", "stream_usage_option": true|false}}. They
     * are tried before the built-in OpenAI, Anthropic and Bedrock ones. {@code azure_api_version} turns on Azure OpenAI
     * deployment URLs (and {@code api-key} authentication unless {@code auth} says otherwise); Bedrock providers sign
     * with SigV4 for their {@code region} and default {@code base_url} to that region's runtime endpoint.
     * {@code stream_usage_option} defaults to {@link Provider#streamUsageOptionByDefault}.
     */
    static List<Provider> readProviders(Path file, Map<String, String> env) {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readAllBytes(file));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            // Jackson's message quotes the text it could not read: it may be a key pasted in the wrong place
            com.fasterxml.jackson.core.JsonLocation at = e.getLocation();
            throw new IllegalArgumentException("SPENDGATE_PROVIDERS_FILE " + file + " is not valid JSON"
                    + (at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read SPENDGATE_PROVIDERS_FILE " + file, e);
        }
        if (!root.isArray()) {
            throw new IllegalArgumentException("SPENDGATE_PROVIDERS_FILE must hold a JSON array of providers");
        }
        List<Provider> providers = new ArrayList<>();
        Map<String, String> keyNames = new LinkedHashMap<>();
        for (JsonNode p : root) {
            String name = required(p, "name");
            knownFieldsOnly(p, name);
            String keyName = Provider.keyName(name);
            if (BUILT_IN_PROVIDERS.contains(name.toLowerCase(Locale.ROOT).replace('-', '_'))) {
                throw new IllegalArgumentException("provider '" + name + "' in SPENDGATE_PROVIDERS_FILE: the name is"
                        + " a built-in provider's (openai, anthropic, bedrock); name it for what it is, such as"
                        + " bedrock-eu or azure");
            }
            String clash = keyNames.putIfAbsent(keyName, name);
            if (clash != null) {
                throw new IllegalArgumentException("providers '" + clash + "' and '" + name
                        + "' in SPENDGATE_PROVIDERS_FILE: two providers with one name (or one key name, " + keyName
                        + ") would share a key and be recorded alike; give each its own name");
            }
            String keyEnv = p.path("api_key_env").asText(null);
            String formatName = required(p, "format").toUpperCase(Locale.ROOT);
            ApiFormat format;
            try {
                format = ApiFormat.valueOf(formatName);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("provider '" + name + "' in SPENDGATE_PROVIDERS_FILE: format must"
                        + " be openai, anthropic or bedrock, got '"
                        + p.path("format").asText() + "'");
            }
            String apiVersion = p.path("azure_api_version").asText(null);
            Provider.AzureDeployments azure = null;
            if (apiVersion != null) {
                Map<String, String> deployments = new LinkedHashMap<>();
                p.path("deployments")
                        .properties()
                        .forEach(e -> deployments.put(e.getKey(), e.getValue().asText()));
                azure = new Provider.AzureDeployments(apiVersion, deployments);
            }
            UpstreamAuth auth = p.hasNonNull("auth")
                    ? UpstreamAuth.parse(p.get("auth").asText())
                    : azure != null ? UpstreamAuth.API_KEY : UpstreamAuth.defaultFor(format);
            String baseUrl = p.path("base_url").asText(null);
            AwsSigV4Signer signer = null;
            if (format == ApiFormat.BEDROCK || auth == UpstreamAuth.SIGV4) {
                String region = bedrockRegion(env, p.path("region").asText(null));
                signer = new AwsSigV4Signer("bedrock", region, awsCredentials(env));
                baseUrl = baseUrl == null ? bedrockBaseUrl(region) : baseUrl;
            }
            if (baseUrl == null || baseUrl.isBlank()) {
                required(p, "base_url");
            }
            baseUrl = baseUrl(name, baseUrl);
            JsonNode streamUsage = p.get("stream_usage_option");
            if (streamUsage != null && !streamUsage.isNull() && !streamUsage.isBoolean()) {
                throw new IllegalArgumentException("provider '" + name + "' in SPENDGATE_PROVIDERS_FILE:"
                        + " stream_usage_option must be true or false, got " + streamUsage);
            }
            List<String> models = models(p, name);
            providers.add(new Provider(
                    name,
                    format,
                    baseUrl,
                    keyEnv == null ? null : env.get(keyEnv),
                    models,
                    p.path("pricing_provider").asText(null),
                    auth,
                    azure,
                    signer,
                    streamUsage != null && streamUsage.isBoolean()
                            ? streamUsage.booleanValue()
                            : Provider.streamUsageOptionByDefault(name, baseUrl, azure)));
        }
        return providers;
    }

    /**
     * {@code base_url}, trimmed: an absolute http(s) URL with a host, else the start stops naming the provider (one
     * without {@code https://}, as pasted from a provider's docs, would fail every call routed to it).
     */
    private static String baseUrl(String name, String value) {
        String url = value.trim();
        String problem = HttpUrls.problem(url);
        if (problem != null) {
            throw new IllegalArgumentException("provider '" + name + "' in SPENDGATE_PROVIDERS_FILE: base_url must be"
                    + " an absolute http(s) URL, such as https://api.mistral.ai/v1: " + problem);
        }
        return url;
    }

    /** The fields a provider may have; any other is a misspelling that would be silently ignored. */
    private static final java.util.Set<String> PROVIDER_FIELDS = java.util.Set.of(
            "name",
            "format",
            "base_url",
            "api_key_env",
            "models",
            "pricing_provider",
            "auth",
            "azure_api_version",
            "deployments",
            "region",
            "stream_usage_option");

    /** The built-in providers' names, as {@link Provider#keyName()} spells them before {@code _API_KEY}. */
    private static final java.util.Set<String> BUILT_IN_PROVIDERS = java.util.Set.of("openai", "anthropic", "bedrock");

    private static void knownFieldsOnly(JsonNode provider, String name) {
        for (java.util.Iterator<String> names = provider.fieldNames(); names.hasNext(); ) {
            String field = names.next();
            if (!PROVIDER_FIELDS.contains(field)) {
                throw new IllegalArgumentException(
                        "provider '" + name + "' in SPENDGATE_PROVIDERS_FILE: unknown field '" + field
                                + "' (the fields are " + new java.util.TreeSet<>(PROVIDER_FIELDS) + ")");
            }
        }
    }

    /** {@code models}: a non-empty array of glob patterns (a provider without them would serve nothing). */
    private static List<String> models(JsonNode provider, String name) {
        JsonNode models = provider.get("models");
        List<String> patterns = new ArrayList<>();
        if (models != null && models.isArray()) {
            for (JsonNode m : models) {
                if (!m.isTextual() || m.asText().isBlank()) {
                    patterns.clear();
                    break;
                }
                patterns.add(m.asText().trim());
            }
        }
        if (patterns.isEmpty()) {
            throw new IllegalArgumentException("provider '" + name + "' in SPENDGATE_PROVIDERS_FILE: models must be a"
                    + " non-empty array of model name patterns, such as [\"mistral-*\"], got "
                    + (models == null ? "none" : models.getNodeType().toString().toLowerCase(Locale.ROOT)));
        }
        return patterns;
    }

    /** {@code explicit}, else {@code SPENDGATE_BEDROCK_REGION}, {@code AWS_REGION}, {@code AWS_DEFAULT_REGION}. */
    private static String bedrockRegion(Map<String, String> env, String explicit) {
        for (String candidate : new String[] {
            explicit, env.get("SPENDGATE_BEDROCK_REGION"), env.get("AWS_REGION"), env.get("AWS_DEFAULT_REGION")
        }) {
            if (candidate != null && !candidate.isBlank()) {
                return candidate.trim();
            }
        }
        return DEFAULT_BEDROCK_REGION;
    }

    private static String bedrockBaseUrl(String region) {
        return "https://bedrock-runtime." + region + ".amazonaws.com";
    }

    /**
     * The gateway's own AWS credentials for signing Bedrock calls: the configuration's {@code AWS_ACCESS_KEY_ID} /
     * {@code AWS_SECRET_ACCESS_KEY} / {@code AWS_SESSION_TOKEN} when set, else the SDK's default chain (Lambda role,
     * container or instance profile, SSO, profile files), resolved lazily at the first Bedrock call.
     */
    private static AwsCredentialsProvider awsCredentials(Map<String, String> env) {
        String id = env.get("AWS_ACCESS_KEY_ID");
        String secret = env.get("AWS_SECRET_ACCESS_KEY");
        if (id != null && !id.isBlank() && secret != null && !secret.isBlank()) {
            String token = env.get("AWS_SESSION_TOKEN");
            return StaticCredentialsProvider.create(
                    token == null || token.isBlank()
                            ? AwsBasicCredentials.create(id.trim(), secret.trim())
                            : AwsSessionCredentials.create(id.trim(), secret.trim(), token.trim()));
        }
        return DefaultCredentialsProvider.builder().build();
    }

    private static String required(JsonNode node, String field) {
        String v = node.path(field).asText(null);
        if (v == null || v.isBlank()) {
            throw new IllegalArgumentException("a provider in SPENDGATE_PROVIDERS_FILE is missing '" + field + "'");
        }
        return v;
    }

    private static String orDefault(String value, String fallback) {
        return value == null ? fallback : value;
    }

    private static long positiveLong(String value, long fallback, String name) {
        if (value == null) {
            return fallback;
        }
        try {
            long v = Long.parseLong(value);
            if (v <= 0) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a positive whole number, got '" + value + "'");
        }
    }

    /** A whole number from {@code min} to {@code max}; {@code fallback} when unset. */
    static long wholeNumber(String value, long fallback, long min, long max, String name) {
        if (value == null) {
            return fallback;
        }
        try {
            long v = Long.parseLong(value);
            if (v >= min && v <= max) {
                return v;
            }
        } catch (NumberFormatException e) {
            // the message below names the variable
        }
        throw new IllegalArgumentException(
                name + " must be a whole number from " + min + " to " + max + ", got '" + value + "'");
    }
}
