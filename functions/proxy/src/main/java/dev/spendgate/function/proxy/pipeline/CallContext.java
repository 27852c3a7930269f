package dev.spendgate.function.proxy.pipeline;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.budget.BudgetDecision;
import dev.spendgate.domain.keys.ProxyKey;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.usage.UsageRecord.PricingStatus;
import dev.spendgate.domain.usage.UsageRecord.UsageSource;
import dev.spendgate.function.proxy.http.BodyMemory;
import dev.spendgate.function.proxy.http.GatewayRequest;
import dev.spendgate.function.proxy.upstream.ApiFormat;
import dev.spendgate.function.proxy.upstream.Provider;
import dev.spendgate.function.proxy.upstream.ProviderApi;
import dev.spendgate.function.proxy.usage.PromptText;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Everything known about one call, as an immutable value: each stage reads it and hands on a copy with what it
 * learned ({@link #with}). What no stage has set yet is null, zero or the field's starting value.
 */
public final class CallContext {
    private final String requestId;
    private final Instant start;
    private final long startNanos;
    private final GatewayRequest request;
    private final ApiFormat format;
    private final ProviderApi api;
    private final ProxyKey key;
    private final Attribution attribution;
    private final ObjectNode body;
    private final ObjectNode markedBody;
    private final PromptText prompt;
    private final String modelRequested;
    private final boolean stream;
    private final Provider provider;
    private final String modelForwarded;
    private final String degradedFrom;
    private final BudgetDecision budget;
    private final boolean unenforced;
    private final byte[] outgoing;
    private final boolean hidesUsageChunk;
    private final int statusCode;
    private final long upstreamNanos;
    private final String errorType;
    private final TokenUsage tokens;
    private final BigDecimal cost;
    private final PricingStatus pricingStatus;
    private final UsageSource usageSource;
    private final String modelServed;
    private final String serviceTierRequested;
    private final String serviceTierServed;
    private final String inferenceGeo;
    private final dev.spendgate.function.proxy.cache.CallOptimization optimization;
    private final BodyMemory.Lease bodyLease;

    private CallContext(Builder b) {
        this.requestId = b.requestId;
        this.start = b.start;
        this.startNanos = b.startNanos;
        this.request = b.request;
        this.format = b.format;
        this.api = b.api;
        this.key = b.key;
        this.attribution = b.attribution;
        this.body = b.body;
        this.markedBody = b.markedBody;
        this.prompt = b.prompt;
        this.modelRequested = b.modelRequested;
        this.stream = b.stream;
        this.provider = b.provider;
        this.modelForwarded = b.modelForwarded;
        this.degradedFrom = b.degradedFrom;
        this.budget = b.budget;
        this.unenforced = b.unenforced;
        this.outgoing = b.outgoing;
        this.hidesUsageChunk = b.hidesUsageChunk;
        this.statusCode = b.statusCode;
        this.upstreamNanos = b.upstreamNanos;
        this.errorType = b.errorType;
        this.tokens = b.tokens;
        this.cost = b.cost;
        this.pricingStatus = b.pricingStatus;
        this.usageSource = b.usageSource;
        this.modelServed = b.modelServed;
        this.serviceTierRequested = b.serviceTierRequested;
        this.serviceTierServed = b.serviceTierServed;
        this.inferenceGeo = b.inferenceGeo;
        this.optimization = b.optimization;
        this.bodyLease = b.bodyLease;
    }

    /** A new call on {@code request}: nothing known but its id, start and the format its path implies. */
    public static CallContext start(String requestId, Instant start, long startNanos, GatewayRequest request) {
        return start(requestId, start, startNanos, request, BodyMemory.UNBOUNDED.lease());
    }

    /** A new call whose large body is held on {@code bodyLease}. */
    public static CallContext start(
            String requestId, Instant start, long startNanos, GatewayRequest request, BodyMemory.Lease bodyLease) {
        Builder b = new Builder();
        b.bodyLease = Objects.requireNonNull(bodyLease, "bodyLease");
        b.requestId = Objects.requireNonNull(requestId, "requestId");
        b.start = Objects.requireNonNull(start, "start");
        b.startNanos = startNanos;
        b.request = Objects.requireNonNull(request, "request");
        b.api = ProviderApi.forPath(request.path()).orElse(null);
        b.format = b.api != null ? b.api.format() : ProviderApi.formatOf(request.path());
        return new CallContext(b);
    }

    /** A copy with the changes {@code change} makes to a builder holding this context's values. */
    public CallContext with(Consumer<Builder> change) {
        Builder b = new Builder();
        b.requestId = requestId;
        b.start = start;
        b.startNanos = startNanos;
        b.request = request;
        b.format = format;
        b.api = api;
        b.key = key;
        b.attribution = attribution;
        b.body = body;
        b.markedBody = markedBody;
        b.prompt = prompt;
        b.modelRequested = modelRequested;
        b.stream = stream;
        b.provider = provider;
        b.modelForwarded = modelForwarded;
        b.degradedFrom = degradedFrom;
        b.budget = budget;
        b.unenforced = unenforced;
        b.outgoing = outgoing;
        b.hidesUsageChunk = hidesUsageChunk;
        b.statusCode = statusCode;
        b.upstreamNanos = upstreamNanos;
        b.errorType = errorType;
        b.tokens = tokens;
        b.cost = cost;
        b.pricingStatus = pricingStatus;
        b.usageSource = usageSource;
        b.modelServed = modelServed;
        b.serviceTierRequested = serviceTierRequested;
        b.serviceTierServed = serviceTierServed;
        b.inferenceGeo = inferenceGeo;
        b.optimization = optimization;
        b.bodyLease = bodyLease;
        change.accept(b);
        return new CallContext(b);
    }

    /** True once a valid, enabled Spendgate key is known: from then on the call leaves one usage record. */
    public boolean authenticated() {
        return key != null;
    }

    /** The call's id, sent back as X-Spendgate-Request-Id. */
    public String requestId() {
        return requestId;
    }

    public Instant start() {
        return start;
    }

    public long startNanos() {
        return startNanos;
    }

    public GatewayRequest request() {
        return request;
    }

    /** The wire format refusals are written in. */
    public ApiFormat format() {
        return format;
    }

    /** The provider API the path names; null for an unknown path. */
    public ProviderApi api() {
        return api;
    }

    /** The authenticated Spendgate key; null until authenticated (then no record is written). */
    public ProxyKey key() {
        return key;
    }

    public Attribution attribution() {
        return attribution;
    }

    /** The parsed request body. */
    public ObjectNode body() {
        return body;
    }

    /**
     * The body with the gateway's own prompt-cache breakpoint, decided before admission so that the reservation
     * prices the cache write the provider will bill; null when the gateway adds none. {@link #body} stays the
     * request as the client sent it (cache keys, fingerprints).
     */
    public ObjectNode markedBody() {
        return markedBody;
    }

    /** The body reserved and forwarded: {@link #markedBody} when the gateway marks the call, else {@link #body}. */
    public ObjectNode bodyForwarded() {
        return markedBody != null ? markedBody : body;
    }

    public PromptText prompt() {
        return prompt;
    }

    public String modelRequested() {
        return modelRequested;
    }

    public boolean stream() {
        return stream;
    }

    public Provider provider() {
        return provider;
    }

    public String modelForwarded() {
        return modelForwarded;
    }

    public String degradedFrom() {
        return degradedFrom;
    }

    /** The admitted call's reservations, settled once when the call is recorded. */
    public BudgetDecision budget() {
        return budget;
    }

    public boolean unenforced() {
        return unenforced;
    }

    /** The bytes forwarded upstream. */
    public byte[] outgoing() {
        return outgoing;
    }

    /**
     * True when the forwarded body asks for a stream's usage chunk the client did not ask for: the relay reads it but
     * keeps it from the client.
     */
    public boolean hidesUsageChunk() {
        return hidesUsageChunk;
    }

    public int statusCode() {
        return statusCode;
    }

    public long upstreamNanos() {
        return upstreamNanos;
    }

    public String errorType() {
        return errorType;
    }

    public TokenUsage tokens() {
        return tokens;
    }

    public BigDecimal cost() {
        return cost;
    }

    public PricingStatus pricingStatus() {
        return pricingStatus;
    }

    public UsageSource usageSource() {
        return usageSource;
    }

    public String modelServed() {
        return modelServed;
    }

    public String serviceTierRequested() {
        return serviceTierRequested;
    }

    public String serviceTierServed() {
        return serviceTierServed;
    }

    /** Where the provider says it ran the call when it bills by it (Anthropic {@code usage.inference_geo}). */
    public String inferenceGeo() {
        return inferenceGeo;
    }

    /** What routing and caching did to the call (routing rule, cache lookup, prompt-cache breakpoint). */
    public dev.spendgate.function.proxy.cache.CallOptimization optimization() {
        return optimization;
    }

    /** The call's share of the memory large bodies may hold; given back when the call ends. */
    public BodyMemory.Lease bodyLease() {
        return bodyLease;
    }

    /** The mutable side of {@link #with}: set what changed. */
    public static final class Builder {
        public String requestId;
        public Instant start;
        public long startNanos;
        public GatewayRequest request;
        public ApiFormat format;
        public ProviderApi api;
        public ProxyKey key;
        public Attribution attribution = Attribution.NONE;
        public ObjectNode body;
        public ObjectNode markedBody;
        public PromptText prompt;
        public String modelRequested;
        public boolean stream;
        public Provider provider;
        public String modelForwarded;
        public String degradedFrom;
        public BudgetDecision budget;
        public boolean unenforced;
        public byte[] outgoing;
        public boolean hidesUsageChunk;
        public int statusCode;
        public long upstreamNanos;
        public String errorType;
        public TokenUsage tokens = TokenUsage.ZERO;
        public BigDecimal cost;
        public PricingStatus pricingStatus = PricingStatus.NOT_BILLABLE;
        public UsageSource usageSource = UsageSource.NONE;
        public String modelServed;
        public String serviceTierRequested;
        public String serviceTierServed;
        public String inferenceGeo;
        public dev.spendgate.function.proxy.cache.CallOptimization optimization =
                dev.spendgate.function.proxy.cache.CallOptimization.NONE;
        public BodyMemory.Lease bodyLease;

        private Builder() {}
    }
}
