package dev.spendgate.function.proxy.cache;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.cache.CacheableCalls;
import dev.spendgate.domain.cache.CachedAnswer;
import dev.spendgate.domain.cache.PromptCachePlanner;
import dev.spendgate.domain.cache.ResponseCache;
import dev.spendgate.domain.pricing.BedrockPromptCaching;
import dev.spendgate.domain.pricing.PromptCacheMinimums;
import dev.spendgate.domain.routing.CacheRule;
import dev.spendgate.domain.routing.GatewayPolicy;
import dev.spendgate.domain.routing.PromptCachingRule;
import dev.spendgate.domain.routing.RequestTraits;
import dev.spendgate.function.proxy.http.Headers;
import dev.spendgate.function.proxy.usage.TokenCounter;
import java.math.BigDecimal;
import java.time.Clock;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * What the request path asks about routing and caching, in one place: which model a call goes to, whether its answer
 * is in the response cache, how a kept answer is served (as JSON or replayed as a stream), and whether the request
 * gets a prompt-cache breakpoint. Each stage of the gateway calls one method; the policy is read per call from
 * {@link ReloadingPolicy}.
 */
public final class Optimizations {
    public static final String ROUTED_HEADER = "X-Spendgate-Routed";
    public static final String CACHE_HEADER = "X-Spendgate-Cache";
    /**
     * On a bypass, why: {@code no-cache}, {@code temperature}, {@code endpoint}, {@code stream}, {@code background},
     * {@code conversation} or {@code prompt} (a stored prompt without a version).
     */
    public static final String CACHE_REASON_HEADER = "X-Spendgate-Cache-Reason";

    /** Events of recently replayed streamed hits with the answers they came from, at most 8 MB of both. */
    private final ReplayMemo replays = new ReplayMemo(8L * 1024 * 1024);

    private final Supplier<GatewayPolicy> policy;
    private final ResponseCache cache;
    private final PromptCachePlanner planner = new PromptCachePlanner();
    private final Clock clock;

    public Optimizations(Supplier<GatewayPolicy> policy, ResponseCache cache, Clock clock) {
        this.policy = Objects.requireNonNull(policy, "policy");
        this.cache = Objects.requireNonNull(cache, "cache");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** No rules: every call keeps its model, nothing is cached or marked. */
    public static Optimizations none(Clock clock) {
        return new Optimizations(() -> GatewayPolicy.EMPTY, new ResponseCache(new NoStore(), clock), clock);
    }

    /**
     * {@code X-Spendgate-Routed}: {@code gpt-4o -> gpt-4o-mini (rule triage-mini)}, the model the rule sent the call
     * to, even when a degrade budget then moved it on ({@code X-Spendgate-Degraded} says that step).
     */
    public static String routedHeader(dev.spendgate.function.proxy.pipeline.CallContext ctx) {
        CallOptimization o = ctx.optimization();
        String to = o.routedTo() != null ? o.routedTo() : ctx.modelForwarded();
        return ctx.modelRequested() + " -> " + to + " (rule " + o.routedBy() + ")";
    }

    /** The policy as it is re-read, when it is one the admin API may write (through its store, after its checks). */
    public Optional<ReloadingPolicy> reloadingPolicy() {
        return policy instanceof ReloadingPolicy r ? Optional.of(r) : Optional.empty();
    }

    /**
     * Checks the policy in force, and each one loaded from now on, against the gateway's providers and prices. A reloading
     * policy in force that fails is logged and set aside ({@link ReloadingPolicy#checkWith}); a fixed one throws {@link
     * dev.spendgate.domain.routing.PolicyFileException} naming the field.
     */
    public void checkPolicyWith(PolicyTargets targets) {
        if (policy instanceof ReloadingPolicy r) {
            r.checkWith(targets::check);
        } else {
            targets.check(policy.get());
        }
    }

    /** The model a call goes to when a routing rule takes it. */
    public Optional<GatewayPolicy.Routed> route(RequestTraits call) {
        return policy.get().route(call);
    }

    /** The cache rule of the call's feature, when its endpoint's answers can be cached and replayed. */
    public Optional<CacheRule> cacheRule(String feature, String endpoint) {
        if (feature == null) {
            return Optional.empty();
        }
        return policy.get().cacheRule(feature);
    }

    /**
     * Looks the call up: bypassed for {@code Cache-Control: no-cache}/{@code no-store} and hot temperatures, for
     * endpoints whose answers are not kept ({@code endpoint}), and for streamed calls of an endpoint whose answers
     * cannot be replayed as its stream ({@code stream}), both as {@link CacheableCalls} says.
     */
    public ResponseCache.Lookup lookup(
            CacheRule rule,
            String endpoint,
            boolean stream,
            JsonNode body,
            Attribution attribution,
            String keyId,
            String keyDepartment,
            Headers headers) {
        Optional<String> bypass = CacheableCalls.bypass(endpoint, stream);
        if (bypass.isPresent()) {
            return ResponseCache.Lookup.bypass(bypass.get());
        }
        if (body.path("background").asBoolean(false)) {
            return ResponseCache.Lookup.bypass("background"); // a Responses call answered later: nothing to keep now
        }
        if (body.hasNonNull("conversation")) {
            // answered in the conversation's current state, and the turn is appended to it: the same body later in
            // the conversation is another question, and a hit would leave the turn out of the conversation
            // (previous_response_id names a stored response, which never changes: that key stays cacheable)
            return ResponseCache.Lookup.bypass("conversation");
        }
        JsonNode prompt = body.get("prompt");
        if (prompt != null && prompt.isObject() && !prompt.hasNonNull("version")) {
            // a stored prompt named without a version is its current version at OpenAI, which changes whenever a
            // new one is published: the key (its id) would serve the old version's answers for the rest of the TTL
            return ResponseCache.Lookup.bypass("prompt");
        }
        String control = headers.first("cache-control");
        boolean noCache = control != null
                && (control.toLowerCase(Locale.ROOT).contains("no-cache")
                        || control.toLowerCase(Locale.ROOT).contains("no-store"));
        return cache.lookup(rule, endpoint, body, attribution, keyId, keyDepartment, noCache, temperature(body));
    }

    public ResponseCache responseCache() {
        return cache;
    }

    /** How a kept answer is sent: its bytes and content type, replayed as events for a streamed call. */
    public record Served(byte[] body, String contentType) {}

    /**
     * {@code usageChunk}: a replayed Chat Completions stream ends with its usage chunk (the client asked for it). None
     * for a streamed call when the answer has a part its stream replay cannot send ({@link StreamReplay}).
     */
    public Optional<Served> serve(CachedAnswer answer, boolean stream, boolean usageChunk) {
        if (stream) {
            // an answer without a replay is remembered as no events, so repeated hits on it parse it once (counted at
            // its body's bytes, dropped in its turn)
            byte[] events =
                    replays.events(answer, usageChunk, a -> StreamReplay.replay(a.endpoint(), a.body(), usageChunk)
                            .orElse(NO_REPLAY));
            return events.length == 0
                    ? Optional.empty()
                    : Optional.of(new Served(events, "text/event-stream; charset=utf-8"));
        }
        return Optional.of(new Served(answer.body(), "application/json"));
    }

    private static final byte[] NO_REPLAY = new byte[0];

    /** Whether the feature has a prompt caching rule (checked before a request is parsed for one). */
    public boolean promptCaches(String feature) {
        return feature != null && policy.get().promptCachingRule(feature).isPresent();
    }

    /** A request with a prompt-cache breakpoint added, and the TTL chosen. */
    public record Marked(ObjectNode body, PromptCachePlanner.Ttl ttl) {}

    /**
     * The breakpoint for Anthropic Messages and Bedrock Converse calls of a feature with prompt caching, when the
     * leading prefix is long enough (the rule's {@code min_prefix_tokens} and the model's own minimum, {@link
     * PromptCacheMinimums}) and was seen before (see {@link PromptCachePlanner}); on Bedrock only for models
     * it caches, at the TTLs and fields it caches for them ({@link BedrockPromptCaching}).
     */
    public Optional<Marked> promptCache(String feature, String endpoint, String model, ObjectNode body) {
        Optional<Fit> fit = fit(feature, endpoint, model, body);
        if (fit.isEmpty()) {
            return Optional.empty();
        }
        Optional<PromptCachePlanner.Ttl> ttl = planner.plan(
                fit.get().prefix().hash(), fit.get().tokens(), fit.get().minTokens(), clock.instant());
        return ttl.flatMap(t -> mark(fit.get(), endpoint, body, t));
    }

    /**
     * The breakpoint of {@code ttl}, already decided for the model the call asked for, on a call a degrade budget then
     * moved to {@code model}: kept only where that model caches the prefix that way (its minimum prefix; on Bedrock a
     * model Bedrock caches, the hour TTL only where it has one, never after Nova's tools), else none. Notes no reuse:
     * the prefix was noted when the call was first marked.
     */
    public Optional<Marked> remark(
            String feature, String endpoint, String model, ObjectNode body, PromptCachePlanner.Ttl ttl) {
        return fit(feature, endpoint, model, body)
                .filter(f -> f.tokens() >= f.minTokens())
                .flatMap(f -> mark(f, endpoint, body, ttl));
    }

    /** What a model can cache of a request's prefix: the prefix, its tokens, the minimum it caches, Bedrock's rules. */
    private record Fit(
            PromptCacheRewrite.Prefix prefix, long tokens, long minTokens, BedrockPromptCaching.Support bedrock) {}

    private Optional<Fit> fit(String feature, String endpoint, String model, ObjectNode body) {
        if (feature == null) {
            return Optional.empty();
        }
        Optional<PromptCachingRule> rule = policy.get().promptCachingRule(feature);
        if (rule.isEmpty()) {
            return Optional.empty();
        }
        // Anthropic caches no prefix shorter than the model's minimum (Haiku 4.5: 4,096 tokens), on every API: a mark
        // below it is ignored, while the reservation would price a cache write that never happens
        long minTokens = Math.max(
                rule.get().minPrefixTokens(),
                PromptCacheMinimums.minimumTokens(model).orElse(0));
        BedrockPromptCaching.Support bedrock = null;
        if (endpoint.startsWith("bedrock.")) {
            Optional<BedrockPromptCaching.Support> support = BedrockPromptCaching.of(model);
            if (support.isEmpty()) {
                return Optional.empty(); // Bedrock refuses a cachePoint for a model it cannot cache (Llama, Mistral)
            }
            bedrock = support.get();
            minTokens = Math.max(minTokens, bedrock.minTokens());
        }
        Optional<PromptCacheRewrite.Prefix> prefix = PromptCacheRewrite.prefix(endpoint, model, body);
        if (prefix.isEmpty()) {
            return Optional.empty();
        }
        long tokens = TokenCounter.count(model, prefix.get().text());
        return Optional.of(new Fit(prefix.get(), tokens, minTokens, bedrock));
    }

    private static Optional<Marked> mark(Fit fit, String endpoint, ObjectNode body, PromptCachePlanner.Ttl ttl) {
        if (fit.bedrock() != null
                && ttl == PromptCachePlanner.Ttl.ONE_HOUR
                && !fit.bedrock().hourTtl()) {
            return Optional.empty(); // no hour cache for this model, and a 5-minute one would expire before reuse
        }
        boolean tools = fit.bedrock() == null || fit.bedrock().tools();
        return PromptCacheRewrite.withBreakpoint(endpoint, body, ttl, tools).map(b -> new Marked(b, ttl));
    }

    private static BigDecimal temperature(JsonNode body) {
        JsonNode t = body.get("temperature");
        if (t == null) {
            t = body.path("inferenceConfig").get("temperature");
        }
        return t != null && t.isNumber() ? t.decimalValue() : null;
    }

    private static final class NoStore implements dev.spendgate.domain.cache.ResponseCacheStore {
        @Override
        public Optional<CachedAnswer> get(String key, java.time.Instant now) {
            return Optional.empty();
        }

        @Override
        public void put(CachedAnswer answer, int maxEntries) {}

        @Override
        public java.util.List<dev.spendgate.domain.cache.SemanticEntry> similar(
                String prefixKey, java.time.Instant now) {
            return java.util.List.of();
        }

        @Override
        public void index(
                String prefixKey,
                dev.spendgate.domain.cache.SemanticEntry entry,
                int maxPerPrefix,
                java.time.Instant now) {}
    }
}
