package dev.spendgate.domain.simulate;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.cache.CacheableCalls;
import dev.spendgate.domain.pricing.CallPricer;
import dev.spendgate.domain.pricing.ModelPrice;
import dev.spendgate.domain.pricing.OutputLimits;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.pricing.PromptCacheMinimums;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.routing.CacheRule;
import dev.spendgate.domain.routing.GatewayPolicy;
import dev.spendgate.domain.routing.RequestTraits;
import dev.spendgate.domain.usage.UsageRecord;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Replays recorded calls under a gateway policy's routing and response-cache rules: what each call would have been
 * recorded as ({@link #apply}), and per rule how many calls it took and what it would have saved. A routed call costs
 * its recorded tokens at the target model's prices for the tier it was served at, its region and its time ({@link CallPricer}),
 * a prompt-cache prefix shorter than the target's minimum ({@link PromptCacheMinimums}) billed as plain input; a
 * cache hit costs nothing, has no tokens (as the gateway records one) and saves what it cost. The cache is
 * emulated from the records' fingerprints ({@link ReplayedResponseCache}: an answer is kept from the end of the call
 * that made it, its TTL counted from its start; semantic hits by the waste detector's SimHash measure, where the
 * gateway itself compares content words). Feed the calls in {@code ts_start} order ({@link HourlyTimeOrder}). What
 * records do not hold is assumed:
 * calls have no tools and send no routing header (a rule that needs one never matches here) and their temperature is
 * within the cache rule's bound. Calls the gateway's cache never answers ({@link CacheableCalls}: embeddings, streamed
 * Responses and Bedrock calls) are recorded as a bypass, and a provider batch's result lines, which never pass the
 * request path, are left alone. Deterministic for the same records and policy.
 */
public final class GatewayPolicyReplay {
    private final PricingCatalog catalog;
    private final CallPricer pricer;
    private final GatewayPolicy policy;
    private final ReplayedResponseCache cache = new ReplayedResponseCache();
    private final Map<String, RuleTally> tallies = new TreeMap<>();
    private BigDecimal spendBefore = BigDecimal.ZERO;
    private BigDecimal spendAfter = BigDecimal.ZERO;
    private long seen;

    private GatewayPolicyReplay(PricingCatalog catalog, GatewayPolicy policy) {
        this.catalog = Objects.requireNonNull(catalog, "catalog");
        this.pricer = CallPricer.create(catalog);
        this.policy = Objects.requireNonNull(policy, "policy");
    }

    public static GatewayPolicyReplay create(PricingCatalog catalog, GatewayPolicy policy) {
        return new GatewayPolicyReplay(catalog, policy);
    }

    /** What one rule did over the replay: calls it took, what they cost as recorded and under the rule. */
    public record RuleResult(
            String rule, String change, String findingId, long calls, BigDecimal before, BigDecimal after) {
        public BigDecimal savedUsd() {
            return before.subtract(after);
        }
    }

    public record Result(BigDecimal spendBeforeUsd, BigDecimal spendAfterUsd, List<RuleResult> rules) {
        public BigDecimal savedUsd() {
            return spendBeforeUsd.subtract(spendAfterUsd);
        }

        /** The rule results of one finding. */
        public List<RuleResult> forFinding(String findingId) {
            return rules.stream().filter(r -> findingId.equals(r.findingId())).toList();
        }
    }

    private static final class RuleTally {
        final String change;
        final String findingId;
        long calls;
        BigDecimal before = BigDecimal.ZERO;
        BigDecimal after = BigDecimal.ZERO;

        RuleTally(String change, String findingId) {
            this.change = change;
            this.findingId = findingId;
        }
    }

    /** The call as the gateway would have recorded it under the policy (the record itself when nothing applies). */
    public UsageRecord apply(UsageRecord r) {
        BigDecimal cost = r.costUsd();
        if (cost == null || cost.signum() <= 0 || r.statusCode() < 200 || r.statusCode() >= 300) {
            return r;
        }
        seen++;
        spendBefore = spendBefore.add(cost);
        if (r.billing().batchId() != null) {
            // a provider batch's result line never passed the request path: neither routed nor cached
            spendAfter = spendAfter.add(cost);
            return r;
        }
        Attribution a = r.attribution();
        String asked = r.degradedFrom() != null
                ? r.degradedFrom()
                : r.modelRequested() != null ? r.modelRequested() : r.pricedModel();
        String model = asked;
        BigDecimal after = cost;
        String routedBy = null;
        TokenUsage tokens = r.tokens();
        Optional<GatewayPolicy.Routed> routed = policy.route(new RequestTraits(
                a,
                r.keyId(),
                r.endpoint(),
                asked,
                () -> r.tokens().inputTokens(),
                r.maxOutputTokens(),
                false,
                h -> null,
                r.requestId()));
        // as RouteStage: a call asking more output than the rule's model gives keeps its model
        if (routed.isPresent() && OutputLimits.answers(routed.get().model(), r.maxOutputTokens())) {
            // a cached prefix shorter than the routed model's minimum is neither read nor written there: plain input
            TokenUsage onTarget = PromptCacheMinimums.onModel(routed.get().model(), r.tokens());
            Optional<BigDecimal> moved = price(r, routed.get().model(), onTarget);
            if (moved.isPresent()) {
                model = routed.get().model();
                routedBy = routed.get().rule().id();
                tokens = onTarget;
                after = moved.get();
                tally("route:" + routedBy, "route", routed.get().rule().findingId(), cost, after);
            }
        }
        String cacheOutcome = null;
        BigDecimal saved = null;
        Optional<CacheRule> rule = policy.cacheRule(a.feature());
        if (rule.isPresent() && a.feature() != null) {
            // the gateway bypasses embeddings, and streams it cannot replay, whatever the rule
            cacheOutcome = CacheableCalls.bypass(r.endpoint(), r.stream()).isPresent()
                    ? "bypass"
                    : cache.lookup(rule.get(), r, model, servedBy(r, asked, model)) ? "hit" : "miss";
            if (cacheOutcome.equals("hit")) {
                tally("cache:" + rule.get().feature(), "cache", rule.get().findingId(), after, BigDecimal.ZERO);
                saved = after;
                after = BigDecimal.ZERO;
            }
        }
        spendAfter = spendAfter.add(after);
        if (routedBy == null && cacheOutcome == null) {
            return r;
        }
        UsageRecord.Builder b = r.toBuilder()
                .modelRequested(asked)
                .modelServed(model.equals(asked) ? r.modelServed() : model)
                .tokens(tokens)
                .costUsd(after)
                .optimization(new UsageRecord.Optimization(routedBy, cacheOutcome, saved, null));
        if (saved != null) {
            // as the gateway records a hit: no model ran, so no tokens (CachedAnswers)
            b.tokens(TokenUsage.ZERO).usageSource(UsageRecord.UsageSource.NONE);
        }
        return b.build();
    }

    public Result result() {
        List<RuleResult> rules = new ArrayList<>();
        tallies.forEach((id, t) -> rules.add(
                new RuleResult(id.substring(id.indexOf(':') + 1), t.change, t.findingId, t.calls, t.before, t.after)));
        return new Result(spendBefore, spendAfter, rules);
    }

    /** Billed calls the replay saw. */
    public long calls() {
        return seen;
    }

    private void tally(String id, String change, String findingId, BigDecimal before, BigDecimal after) {
        RuleTally t = tallies.computeIfAbsent(id, k -> new RuleTally(change, findingId));
        t.calls++;
        t.before = t.before.add(before);
        t.after = t.after.add(after);
    }

    /**
     * The model whose answer the call's miss keeps: the one it was sent to, or, for a call a degrade budget moved (and
     * no rule of the replay routed), the cheaper model that answered it, as the gateway keeps a degraded answer under
     * the model it forwarded (the catalog's name a degrade chain gives, not the provider's dated snapshot).
     */
    private String servedBy(UsageRecord r, String asked, String model) {
        if (r.degradedFrom() == null || !model.equals(asked) || r.pricedModel() == null) {
            return model;
        }
        return catalog.find(r.pricedProvider(), r.pricedModel(), r.tsStart())
                .map(ModelPrice::model)
                .orElse(r.pricedModel());
    }

    /** What the call costs on {@code model}, as the gateway prices it: at the tier served and the call's time. */
    private Optional<BigDecimal> price(UsageRecord r, String model, TokenUsage tokens) {
        return Optional.ofNullable(pricer.price(new CallPricer.Call(
                        r.pricedProvider(),
                        model,
                        model,
                        tokens,
                        r.usageSource() == UsageRecord.UsageSource.PROVIDER,
                        r.billing().serviceTierServed(),
                        r.billing().serviceTierRequested(),
                        r.billing().inferenceGeo(), // a moved call still runs where it ran: a region's multiplier
                        r.tsStart()))
                .cost());
    }
}
