package dev.spendgate.domain.usage;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.pricing.TokenUsage;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.Objects;

/**
 * One proxied call, as written to the raw usage log (schema {@value #SCHEMA_VERSION}, or
 * {@value #VARYING_PART_SCHEMA_VERSION} when it carries the fingerprints of the request's varying part; documented in
 * the README).
 * Carries no prompt or completion text: only token counts, cost and fingerprints.
 *
 * @param costUsd exact cost, or null when the model is unpriced ({@code pricingStatus} says why)
 * @param degradedFrom the model the client asked for when a {@code degrade} budget moved the call to a cheaper one
 * @param unenforced a budget applied but its store could not be reached and the budget is fail-open
 * @param pricingProvider the catalog provider whose prices were used when it is not {@code provider} (a configured
 *     provider such as Azure OpenAI priced as {@code openai}); null otherwise
 * @param billing how the provider billed the call beyond tokens: the service tier asked for and served, the batch and
 *     the inference profile; {@link Billing#NONE} when nothing of it is known
 * @param costBasis where {@code costUsd} comes from when it is not the catalog price of reported or counted tokens:
 *     {@link CostBasis#RESERVED_WORST_CASE} for a call that never settled (schema {@value #COST_BASIS_SCHEMA_VERSION});
 *     null otherwise
 */
public record UsageRecord(
        int schemaVersion,
        String requestId,
        Instant tsStart,
        Instant tsEnd,
        String keyId,
        Attribution attribution,
        String provider,
        String endpoint,
        String modelRequested,
        String modelServed,
        boolean stream,
        int statusCode,
        TokenUsage tokens,
        BigDecimal costUsd,
        PricingStatus pricingStatus,
        String pricingVersion,
        UsageSource usageSource,
        long latencyMs,
        long upstreamMs,
        long overheadMs,
        Long maxOutputTokens,
        String errorType,
        Fingerprints fingerprints,
        String degradedFrom,
        boolean unenforced,
        String pricingProvider,
        Billing billing,
        Optimization optimization,
        CostBasis costBasis) {

    public static final int SCHEMA_VERSION = 1;
    /** Records whose fingerprints carry the varying part ({@link Fingerprints#hasVaryingPart()}). */
    public static final int VARYING_PART_SCHEMA_VERSION = 2;
    /** Records that carry routing, response cache or prompt caching fields ({@link Optimization}). */
    public static final int OPTIMIZATION_SCHEMA_VERSION = 3;
    /** Records that carry {@code cost_basis} ({@link CostBasis}): a cost that is not a provider-reported amount. */
    public static final int COST_BASIS_SCHEMA_VERSION = 4;

    /** Whether a reader of this build understands records of {@code version}. */
    public static boolean readableSchema(int version) {
        return version == SCHEMA_VERSION
                || version == VARYING_PART_SCHEMA_VERSION
                || version == OPTIMIZATION_SCHEMA_VERSION
                || version == COST_BASIS_SCHEMA_VERSION;
    }

    /**
     * Where a record's cost comes from when it is not the catalog price of the call's tokens (field {@code cost_basis},
     * schema 4, written only when set).
     */
    public enum CostBasis {
        /**
         * The call never settled (the gateway died between forwarding it and recording it): the cost is the worst case
         * reserved before it was forwarded, charged to its budgets by the sweeper; its tokens are unknown (zero). A
         * settled record with the same request id, if one exists, replaces it.
         */
        RESERVED_WORST_CASE;

        /** The field's value, e.g. {@code reserved_worst_case}. */
        public String value() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        /** The constant for a field value; throws {@link IllegalArgumentException} for an unknown one. */
        public static CostBasis of(String value) {
            for (CostBasis b : values()) {
                if (b.value().equals(value)) {
                    return b;
                }
            }
            throw new IllegalArgumentException("unknown cost_basis '" + value + "'");
        }
    }

    /** A record whose cost is the catalog price of its tokens (schemas 1 to 3). */
    public UsageRecord(
            int schemaVersion,
            String requestId,
            Instant tsStart,
            Instant tsEnd,
            String keyId,
            Attribution attribution,
            String provider,
            String endpoint,
            String modelRequested,
            String modelServed,
            boolean stream,
            int statusCode,
            TokenUsage tokens,
            BigDecimal costUsd,
            PricingStatus pricingStatus,
            String pricingVersion,
            UsageSource usageSource,
            long latencyMs,
            long upstreamMs,
            long overheadMs,
            Long maxOutputTokens,
            String errorType,
            Fingerprints fingerprints,
            String degradedFrom,
            boolean unenforced,
            String pricingProvider,
            Billing billing,
            Optimization optimization) {
        this(
                schemaVersion,
                requestId,
                tsStart,
                tsEnd,
                keyId,
                attribution,
                provider,
                endpoint,
                modelRequested,
                modelServed,
                stream,
                statusCode,
                tokens,
                costUsd,
                pricingStatus,
                pricingVersion,
                usageSource,
                latencyMs,
                upstreamMs,
                overheadMs,
                maxOutputTokens,
                errorType,
                fingerprints,
                degradedFrom,
                unenforced,
                pricingProvider,
                billing,
                optimization,
                null);
    }

    /** Whether the cost is an estimate standing in for a call that never settled (see {@link CostBasis}). */
    public boolean worstCaseEstimate() {
        return costBasis == CostBasis.RESERVED_WORST_CASE;
    }

    /**
     * What the gateway did to make the call cheaper (schema 3; every field optional and written only when set).
     *
     * @param routedBy the routing rule that moved the call from {@code model_requested} to another model
     * @param cache the response cache's outcome, {@code hit}, {@code miss} or {@code bypass}, on features with a cache
     * @param savedUsd on a cache hit, what the call would have cost at the served price (the answer's original cost)
     * @param promptCache the prompt-cache breakpoint the gateway added, {@code 5m} or {@code 1h}
     */
    public record Optimization(String routedBy, String cache, BigDecimal savedUsd, String promptCache) {
        public static final Optimization NONE = new Optimization(null, null, null, null);

        public boolean isEmpty() {
            return routedBy == null && cache == null && savedUsd == null && promptCache == null;
        }
    }

    public UsageRecord {
        if (requestId == null || requestId.isBlank()) {
            throw new IllegalArgumentException("requestId must not be blank");
        }
        Objects.requireNonNull(tsStart, "tsStart");
        Objects.requireNonNull(tsEnd, "tsEnd");
        attribution = attribution == null ? Attribution.NONE : attribution;
        tokens = tokens == null ? TokenUsage.ZERO : tokens;
        Objects.requireNonNull(pricingStatus, "pricingStatus");
        Objects.requireNonNull(usageSource, "usageSource");
        fingerprints = fingerprints == null ? Fingerprints.NONE : fingerprints;
        billing = billing == null ? Billing.NONE : billing;
        optimization = optimization == null ? Optimization.NONE : optimization;
        if (pricingStatus == PricingStatus.PRICED && costUsd == null) {
            throw new IllegalArgumentException("a priced record needs costUsd");
        }
    }

    /** A record without {@link Billing} details (the schema-1 fields before them). */
    public UsageRecord(
            int schemaVersion,
            String requestId,
            Instant tsStart,
            Instant tsEnd,
            String keyId,
            Attribution attribution,
            String provider,
            String endpoint,
            String modelRequested,
            String modelServed,
            boolean stream,
            int statusCode,
            TokenUsage tokens,
            BigDecimal costUsd,
            PricingStatus pricingStatus,
            String pricingVersion,
            UsageSource usageSource,
            long latencyMs,
            long upstreamMs,
            long overheadMs,
            Long maxOutputTokens,
            String errorType,
            Fingerprints fingerprints,
            String degradedFrom,
            boolean unenforced,
            String pricingProvider) {
        this(
                schemaVersion,
                requestId,
                tsStart,
                tsEnd,
                keyId,
                attribution,
                provider,
                endpoint,
                modelRequested,
                modelServed,
                stream,
                statusCode,
                tokens,
                costUsd,
                pricingStatus,
                pricingVersion,
                usageSource,
                latencyMs,
                upstreamMs,
                overheadMs,
                maxOutputTokens,
                errorType,
                fingerprints,
                degradedFrom,
                unenforced,
                pricingProvider,
                Billing.NONE,
                Optimization.NONE);
    }

    /** A record without {@link Optimization} fields (schema 1 and 2). */
    public UsageRecord(
            int schemaVersion,
            String requestId,
            Instant tsStart,
            Instant tsEnd,
            String keyId,
            Attribution attribution,
            String provider,
            String endpoint,
            String modelRequested,
            String modelServed,
            boolean stream,
            int statusCode,
            TokenUsage tokens,
            BigDecimal costUsd,
            PricingStatus pricingStatus,
            String pricingVersion,
            UsageSource usageSource,
            long latencyMs,
            long upstreamMs,
            long overheadMs,
            Long maxOutputTokens,
            String errorType,
            Fingerprints fingerprints,
            String degradedFrom,
            boolean unenforced,
            String pricingProvider,
            Billing billing) {
        this(
                schemaVersion,
                requestId,
                tsStart,
                tsEnd,
                keyId,
                attribution,
                provider,
                endpoint,
                modelRequested,
                modelServed,
                stream,
                statusCode,
                tokens,
                costUsd,
                pricingStatus,
                pricingVersion,
                usageSource,
                latencyMs,
                upstreamMs,
                overheadMs,
                maxOutputTokens,
                errorType,
                fingerprints,
                degradedFrom,
                unenforced,
                pricingProvider,
                billing,
                Optimization.NONE);
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * A builder holding this record's fields, to change one or two of them. The built record keeps this record's
     * schema version unless the fields set need a later one.
     */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.keptSchemaVersion = schemaVersion;
        b.requestId = requestId;
        b.tsStart = tsStart;
        b.tsEnd = tsEnd;
        b.keyId = keyId;
        b.attribution = attribution;
        b.provider = provider;
        b.endpoint = endpoint;
        b.modelRequested = modelRequested;
        b.modelServed = modelServed;
        b.stream = stream;
        b.statusCode = statusCode;
        b.tokens = tokens;
        b.costUsd = costUsd;
        b.pricingStatus = pricingStatus;
        b.pricingVersion = pricingVersion;
        b.usageSource = usageSource;
        b.latencyMs = latencyMs;
        b.upstreamMs = upstreamMs;
        b.overheadMs = overheadMs;
        b.maxOutputTokens = maxOutputTokens;
        b.errorType = errorType;
        b.fingerprints = fingerprints;
        b.degradedFrom = degradedFrom;
        b.unenforced = unenforced;
        b.pricingProvider = pricingProvider;
        b.billing = billing;
        b.optimization = optimization;
        b.costBasis = costBasis;
        return b;
    }

    /** The catalog provider the cost was computed with: {@code pricingProvider} when set, else {@code provider}. */
    public String pricedProvider() {
        return pricingProvider != null ? pricingProvider : provider;
    }

    /**
     * The model the cost was computed for: the one the provider says it served, else the one requested. A Bedrock
     * InvokeModel record written before the gateway kept the path's id as {@code model_served} holds Anthropic's name
     * from Bedrock's body there ({@code claude-haiku-4-5-20251001}); the gateway priced it as the path's id in
     * {@code model_requested} ({@code global.anthropic.claude-haiku-4-5-20251001-v1:0}, what Bedrock bills), and so
     * does this, whenever that id names the same model.
     */
    public String pricedModel() {
        if (modelServed == null || anthropicNameOfBedrockPath()) {
            return modelRequested;
        }
        return modelServed;
    }

    private boolean anthropicNameOfBedrockPath() {
        return modelRequested != null
                && "bedrock".equals(pricedProvider())
                && modelServed.regionMatches(true, 0, "claude-", 0, "claude-".length())
                && modelRequested
                        .toLowerCase(java.util.Locale.ROOT)
                        .contains("anthropic." + modelServed.toLowerCase(java.util.Locale.ROOT));
    }

    /**
     * How the provider billed the call beyond its tokens. All fields optional (absent in records written before
     * them).
     *
     * @param serviceTierRequested the tier the client asked for, as sent ({@code flex}, {@code priority},
     *     {@code auto}, ...); null when it asked for none
     * @param serviceTierServed the tier the provider says it served, as it spelled it ({@code default}, {@code flex},
     *     {@code priority}, {@code standard}, {@code batch}); null when the response did not say
     * @param batchId the provider's batch id when the call is one result of a batch
     * @param inferenceProfileArn the Bedrock application inference profile the call was sent to
     * @param inferenceGeo where the provider says it ran the call when it bills by it (Anthropic
     *     {@code usage.inference_geo}, e.g. {@code us}: a region multiplier of the catalog applies)
     * @param batchCreatedAt when the batch a result line belongs to was created; the line itself is dated at the
     *     batch's end ({@code ts_start} and {@code ts_end}), the instant its budgets are charged at. Null on other
     *     calls, and on batch lines recorded before it was kept (dated at the creation then)
     */
    public record Billing(
            String serviceTierRequested,
            String serviceTierServed,
            String batchId,
            String inferenceProfileArn,
            String inferenceGeo,
            Instant batchCreatedAt) {
        public static final Billing NONE = new Billing(null, null, null, null, null, null);

        public Billing(
                String serviceTierRequested,
                String serviceTierServed,
                String batchId,
                String inferenceProfileArn,
                String inferenceGeo) {
            this(serviceTierRequested, serviceTierServed, batchId, inferenceProfileArn, inferenceGeo, null);
        }

        public Billing(
                String serviceTierRequested, String serviceTierServed, String batchId, String inferenceProfileArn) {
            this(serviceTierRequested, serviceTierServed, batchId, inferenceProfileArn, null, null);
        }

        /** The tier the call was priced at: the served one, else the requested one, else standard (canonical). */
        public String pricedServiceTier() {
            return dev.spendgate.domain.pricing.ServiceTiers.canonical(
                    serviceTierServed != null ? serviceTierServed : serviceTierRequested);
        }
    }

    /** Whether {@code costUsd} holds a figure. */
    public enum PricingStatus {
        /** Priced from the catalog. */
        PRICED,
        /** The catalog does not know the model: the cost is unknown, not zero. */
        UNPRICED,
        /** Nothing billable happened (rejected before forwarding, upstream error without usage). */
        NOT_BILLABLE
    }

    /** Where the token counts came from. */
    public enum UsageSource {
        /** The provider's own usage figures. */
        PROVIDER,
        /** Counted by Spendgate from what was sent and streamed (the stream was cut before its usage event). */
        ESTIMATED,
        /** No tokens: the call never reached a model. */
        NONE
    }

    /**
     * Prompt fingerprints, so waste can be found without storing prompt text. Hashes are hex; {@code simhash} is a
     * 64-bit similarity sketch in hex (near-identical prompts differ in few bits).
     *
     * @param varyingHash hash of the part of the request that varies from call to call: the last turn (schema 2)
     * @param varyingSimhash similarity sketch of that part alone, so a long shared prefix does not dominate (schema 2)
     * @param systemSimhash similarity sketch of the system prompt: a system prompt whose hash changes while this stays
     *     put is unstable (a timestamp or name in an otherwise fixed prompt) (schema 2)
     */
    public record Fingerprints(
            String systemHash,
            String prefixHash,
            String requestHash,
            String simhash,
            String varyingHash,
            String varyingSimhash,
            String systemSimhash) {
        public static final Fingerprints NONE = new Fingerprints(null, null, null, null);

        /** Schema-1 fingerprints: no varying part. */
        public Fingerprints(String systemHash, String prefixHash, String requestHash, String simhash) {
            this(systemHash, prefixHash, requestHash, simhash, null, null, null);
        }

        /** Whether the varying-part fields are present (the record is then written as schema 2). */
        public boolean hasVaryingPart() {
            return varyingHash != null || varyingSimhash != null || systemSimhash != null;
        }
    }

    /** Builder for {@link UsageRecord}; defaults: schema 1 (2 with varying-part fingerprints), not streamed, not billable, no usage. */
    public static final class Builder {
        private String requestId;
        private Instant tsStart;
        private Instant tsEnd;
        private String keyId;
        private Attribution attribution = Attribution.NONE;
        private String provider;
        private String endpoint;
        private String modelRequested;
        private String modelServed;
        private boolean stream;
        private int statusCode;
        private TokenUsage tokens = TokenUsage.ZERO;
        private BigDecimal costUsd;
        private PricingStatus pricingStatus = PricingStatus.NOT_BILLABLE;
        private String pricingVersion;
        private UsageSource usageSource = UsageSource.NONE;
        private long latencyMs;
        private long upstreamMs;
        private long overheadMs;
        private Long maxOutputTokens;
        private String errorType;
        private Fingerprints fingerprints = Fingerprints.NONE;
        private String degradedFrom;
        private String pricingProvider;
        private boolean unenforced;
        private Billing billing = Billing.NONE;
        private Optimization optimization = Optimization.NONE;
        private CostBasis costBasis;
        private int keptSchemaVersion;

        private Builder() {}

        public Builder costBasis(CostBasis v) {
            costBasis = v;
            return this;
        }

        public Builder optimization(Optimization v) {
            optimization = v == null ? Optimization.NONE : v;
            return this;
        }

        public Builder requestId(String v) {
            requestId = v;
            return this;
        }

        public Builder tsStart(Instant v) {
            tsStart = v;
            return this;
        }

        public Builder tsEnd(Instant v) {
            tsEnd = v;
            return this;
        }

        public Builder keyId(String v) {
            keyId = v;
            return this;
        }

        public Builder attribution(Attribution v) {
            attribution = v;
            return this;
        }

        public Builder provider(String v) {
            provider = v;
            return this;
        }

        public Builder endpoint(String v) {
            endpoint = v;
            return this;
        }

        public Builder modelRequested(String v) {
            modelRequested = v;
            return this;
        }

        public Builder modelServed(String v) {
            modelServed = v;
            return this;
        }

        public Builder stream(boolean v) {
            stream = v;
            return this;
        }

        public Builder statusCode(int v) {
            statusCode = v;
            return this;
        }

        public Builder tokens(TokenUsage v) {
            tokens = v;
            return this;
        }

        public Builder costUsd(BigDecimal v) {
            costUsd = v;
            return this;
        }

        public Builder pricingStatus(PricingStatus v) {
            pricingStatus = v;
            return this;
        }

        public Builder pricingVersion(String v) {
            pricingVersion = v;
            return this;
        }

        public Builder usageSource(UsageSource v) {
            usageSource = v;
            return this;
        }

        public Builder latencyMs(long v) {
            latencyMs = v;
            return this;
        }

        public Builder upstreamMs(long v) {
            upstreamMs = v;
            return this;
        }

        public Builder overheadMs(long v) {
            overheadMs = v;
            return this;
        }

        public Builder maxOutputTokens(Long v) {
            maxOutputTokens = v;
            return this;
        }

        public Builder errorType(String v) {
            errorType = v;
            return this;
        }

        public Builder fingerprints(Fingerprints v) {
            fingerprints = v;
            return this;
        }

        public Builder degradedFrom(String v) {
            degradedFrom = v;
            return this;
        }

        public Builder unenforced(boolean v) {
            unenforced = v;
            return this;
        }

        public Builder pricingProvider(String v) {
            pricingProvider = v;
            return this;
        }

        public Builder serviceTierRequested(String v) {
            billing = new Billing(
                    v,
                    billing.serviceTierServed(),
                    billing.batchId(),
                    billing.inferenceProfileArn(),
                    billing.inferenceGeo(),
                    billing.batchCreatedAt());
            return this;
        }

        public Builder serviceTierServed(String v) {
            billing = new Billing(
                    billing.serviceTierRequested(),
                    v,
                    billing.batchId(),
                    billing.inferenceProfileArn(),
                    billing.inferenceGeo(),
                    billing.batchCreatedAt());
            return this;
        }

        public Builder batchId(String v) {
            billing = new Billing(
                    billing.serviceTierRequested(),
                    billing.serviceTierServed(),
                    v,
                    billing.inferenceProfileArn(),
                    billing.inferenceGeo(),
                    billing.batchCreatedAt());
            return this;
        }

        /** When the batch of a result line was created (its {@code ts_start} is the batch's end). */
        public Builder batchCreatedAt(Instant v) {
            billing = new Billing(
                    billing.serviceTierRequested(),
                    billing.serviceTierServed(),
                    billing.batchId(),
                    billing.inferenceProfileArn(),
                    billing.inferenceGeo(),
                    v);
            return this;
        }

        public Builder inferenceProfileArn(String v) {
            billing = new Billing(
                    billing.serviceTierRequested(),
                    billing.serviceTierServed(),
                    billing.batchId(),
                    v,
                    billing.inferenceGeo(),
                    billing.batchCreatedAt());
            return this;
        }

        public Builder inferenceGeo(String v) {
            billing = new Billing(
                    billing.serviceTierRequested(),
                    billing.serviceTierServed(),
                    billing.batchId(),
                    billing.inferenceProfileArn(),
                    v,
                    billing.batchCreatedAt());
            return this;
        }

        public UsageRecord build() {
            int needed = costBasis != null
                    ? COST_BASIS_SCHEMA_VERSION
                    : !optimization.isEmpty()
                            ? OPTIMIZATION_SCHEMA_VERSION
                            : fingerprints != null && fingerprints.hasVaryingPart()
                                    ? VARYING_PART_SCHEMA_VERSION
                                    : SCHEMA_VERSION;
            return new UsageRecord(
                    Math.max(needed, keptSchemaVersion),
                    requestId,
                    tsStart,
                    tsEnd,
                    keyId,
                    attribution,
                    provider,
                    endpoint,
                    modelRequested,
                    modelServed,
                    stream,
                    statusCode,
                    tokens,
                    costUsd,
                    pricingStatus,
                    pricingVersion,
                    usageSource,
                    latencyMs,
                    upstreamMs,
                    overheadMs,
                    maxOutputTokens,
                    errorType,
                    fingerprints,
                    degradedFrom,
                    unenforced,
                    pricingProvider,
                    billing,
                    optimization,
                    costBasis);
        }
    }
}
