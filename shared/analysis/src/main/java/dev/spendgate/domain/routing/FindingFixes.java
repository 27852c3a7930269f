package dev.spendgate.domain.routing;

import dev.spendgate.domain.pricing.ModelPrice;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.waste.BedrockGeography;
import dev.spendgate.domain.waste.CacheMissFix;
import dev.spendgate.domain.waste.Finding;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The ready policy change of a waste finding whose fix is a gateway feature: a model mismatch becomes a routing rule
 * (the feature's calls of at most 2,000 prompt tokens, the detector's "simple" bound, move to the cheaper model, with
 * that move added to the allow-list), a cache miss a response cache rule for the feature (semantic when reworded
 * repeats outnumber exact ones, {@link CacheMissFix}; TTL 60 minutes as the detector assumed), an uncached long prefix or unread cache
 * writes on Anthropic or Bedrock a prompt caching rule. Other findings (retries, batch, ungoverned keys, a prefix that
 * changes every call, an uncached prefix on another provider) need a change outside the gateway policy and have no fix
 * here.
 */
public final class FindingFixes {
    /** The prompt size the model-mismatch detector calls simple. */
    static final long SIMPLE_PROMPT_TOKENS = 2_000;
    /** The providers whose requests the gateway marks for prompt caching (Anthropic Messages; Bedrock Converse, Claude's InvokeModel). */
    static final Set<String> MARKED_PROVIDERS = Set.of("anthropic", "bedrock");

    private FindingFixes() {}

    /**
     * A finding's change.
     *
     * @param change {@code route}, {@code cache} or {@code prompt_caching}
     * @param ruleId the route id, or the feature of a cache or prompt caching rule
     * @param policyWithOnlyIt the change alone (what the simulator replays to say what it would have saved)
     */
    public record Fix(
            String findingId, String change, String ruleId, String description, GatewayPolicy policyWithOnlyIt) {
        /** The policy with this change added (replacing an earlier rule with the same id or feature). */
        public GatewayPolicy applyTo(GatewayPolicy policy) {
            GatewayPolicy next = policy;
            for (var e : policyWithOnlyIt.allowedMoves().entrySet()) {
                for (List<String> chain : e.getValue()) {
                    next = next.withAllowedMove(e.getKey(), chain);
                }
            }
            for (RouteRule r : policyWithOnlyIt.routes()) {
                next = next.withRoute(r);
            }
            for (CacheRule c : policyWithOnlyIt.cache()) {
                next = next.withCache(c);
            }
            for (PromptCachingRule p : policyWithOnlyIt.promptCaching()) {
                next = next.withPromptCaching(p);
            }
            return next;
        }
    }

    /** Thrown when a finding has no gateway fix; the message says what to do instead. */
    public static final class NoFixException extends RuntimeException {
        public NoFixException(String message) {
            super(message);
        }
    }

    /**
     * @param sharePercent for a routing rule, the share of matching calls to move (null: all); ignored otherwise
     */
    public static Fix forFinding(Finding f, PricingCatalog catalog, BigDecimal sharePercent) {
        Objects.requireNonNull(f, "finding");
        if (f.feature() == null) {
            throw new NoFixException("finding " + f.id() + " has no feature to scope a gateway rule to");
        }
        if (Finding.UNATTRIBUTED.equals(f.feature())) {
            // a rule scoped to the placeholder would match no call: the calls it counted carry no feature
            throw new NoFixException("finding " + f.id() + " is about calls sent without a feature, and a gateway rule"
                    + " is scoped to one: set a feature on these calls first (the X-Cost-Feature header, or --feature on"
                    + " their API key), then apply the finding the next report gives for it");
        }
        return switch (f.category()) {
            case MODEL_MISMATCH -> route(f, catalog, sharePercent);
            case CACHE_MISS -> cache(f);
            case CONTEXT_BLOAT -> promptCaching(f, catalog);
            case PROMPT_CACHE -> {
                if (f.kind().equals("unstable_prefix")) {
                    throw new NoFixException("finding " + f.id() + " needs an application change: move the part of"
                            + " the system prompt that changes (a timestamp, a name) after the stable part; a"
                            + " breakpoint on a prefix that changes every call is never read");
                }
                yield promptCaching(f, catalog);
            }
            default ->
                throw new NoFixException("finding " + f.id() + " ("
                        + f.category().label() + ") is not fixed by a gateway policy: " + f.recommendation());
        };
    }

    private static Fix route(Finding f, PricingCatalog catalog, BigDecimal sharePercent) {
        String model = f.model();
        String cheaper = f.evidence().details().get("cheaper_model");
        if (model == null || cheaper == null) {
            throw new NoFixException("finding " + f.id() + " names no cheaper model");
        }
        // calls through a Bedrock geographic profile ask for it by the profile's name, and go to the cheaper model
        // in the same geography (Bedrock refuses the bare id of newer Claude models on demand)
        String prefix = BedrockGeography.of(f)
                .orElseThrow(() -> new NoFixException("finding " + f.id() + ": feature " + f.feature()
                        + "'s calls ask for " + model + " through more than one inference profile ("
                        + f.evidence().details().get(BedrockGeography.REQUESTED_MODELS) + "), and a route"
                        + " sends its calls to one model: write one route per profile in the policy file, each to "
                        + cheaper + " under the same profile"));
        String from = prefix + model;
        String to = prefix + cheaper;
        Optional<ModelPrice> price = catalogEntry(catalog, model);
        if (price.map(ModelPrice::family).filter("embeddings"::equals).isPresent()) {
            throw new NoFixException("finding " + f.id() + " is not fixed by a route: vectors of " + from + " and " + to
                    + " are not comparable, so moving feature " + f.feature() + "'s queries breaks its search;"
                    + " switching embedding models means embedding the whole index again");
        }
        String provider = price.map(ModelPrice::provider).orElse("any");
        // the finding names the catalog model; calls pinned to a snapshot or alias of it ask for that name
        List<String> aliases = price.map(ModelPrice::aliases).orElse(List.of()).stream()
                .map(a -> prefix + a)
                .filter(a -> !a.equals(from))
                .distinct()
                .toList();
        String id = "advisor-" + f.feature() + "-" + from;
        RouteRule rule = new RouteRule(
                id,
                from,
                to,
                f.feature(),
                null,
                null,
                null,
                SIMPLE_PROMPT_TOKENS,
                null,
                null,
                null,
                sharePercent,
                f.id(),
                aliases);
        GatewayPolicy only =
                GatewayPolicy.EMPTY.withAllowedMove(provider, List.of(from, to)).withRoute(rule);
        return new Fix(
                f.id(),
                "route",
                id,
                "route feature " + f.feature() + "'s calls of at most " + SIMPLE_PROMPT_TOKENS + " prompt tokens from "
                        + from + " to " + to + " (" + rule.sharePercent().toPlainString() + " % of them), and allow"
                        + " the move " + from + " > " + to + " for " + provider
                        + (aliases.isEmpty() ? "" : " (calls to " + String.join(", ", aliases) + " too)"),
                only);
    }

    private static Fix cache(Finding f) {
        long exact = parse(f.evidence().details().get("exact_duplicates"));
        long near = parse(f.evidence().details().get("hits_at_0.90"));
        // the same rule the finding's headline savings follow
        CacheRule.Mode mode =
                CacheMissFix.semantic(f.evidence().details()) ? CacheRule.Mode.SEMANTIC : CacheRule.Mode.EXACT;
        CacheRule rule = new CacheRule(
                f.feature(),
                mode,
                Duration.ofMinutes(60),
                GatewayPolicy.DEFAULT_MAX_ENTRIES,
                GatewayPolicy.DEFAULT_MAX_ENTRY_BYTES,
                CacheRule.DEFAULT_THRESHOLD,
                CacheRule.Share.KEY,
                null,
                false,
                f.id());
        return new Fix(
                f.id(),
                "cache",
                f.feature(),
                "cache feature " + f.feature() + "'s answers for 60 minutes, "
                        + mode.name().toLowerCase(java.util.Locale.ROOT) + " match (" + exact + " exact repeats, "
                        + near + " near-repeats at 0.90), shared per key; it answers only calls sent with"
                        + " temperature <= " + CacheRule.DEFAULT_MAX_TEMPERATURE.toPlainString() + " (records hold no"
                        + " temperature, and a call without one counts as 1, the providers' default): set it in the"
                        + " app, or any_temperature: true on the rule where varied answers are not wanted",
                GatewayPolicy.EMPTY.withCache(rule));
    }

    private static Fix promptCaching(Finding f, PricingCatalog catalog) {
        String provider =
                catalogEntry(catalog, f.model()).map(ModelPrice::provider).orElse(null);
        if (provider == null || !MARKED_PROVIDERS.contains(provider)) {
            throw new NoFixException("finding " + f.id() + " needs an application change: the gateway marks prompt"
                    + " caches on Anthropic Messages and Bedrock (Converse, Claude's InvokeModel) only, not on "
                    + f.model()
                    + (provider == null ? "" : " (" + provider + ")") + "; keep the stable part of feature "
                    + f.feature() + "'s prompt byte-identical and first in every request (OpenAI then caches it by"
                    + " itself)");
        }
        PromptCachingRule rule =
                new PromptCachingRule(f.feature(), PromptCachingRule.DEFAULT_MIN_PREFIX_TOKENS, f.id());
        return new Fix(
                f.id(),
                "prompt_caching",
                f.feature(),
                "mark the stable system prompt and tools of feature " + f.feature()
                        + " for the provider's prompt cache (Anthropic and Bedrock Claude; TTL from the reuse gap)",
                GatewayPolicy.EMPTY.withPromptCaching(rule));
    }

    /** The catalog entry of a model by its catalog name (findings name models as the catalog does). */
    private static Optional<ModelPrice> catalogEntry(PricingCatalog catalog, String model) {
        return catalog.models().stream().filter(m -> m.model().equals(model)).findFirst();
    }

    private static long parse(String v) {
        try {
            return v == null ? 0 : Long.parseLong(v);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
