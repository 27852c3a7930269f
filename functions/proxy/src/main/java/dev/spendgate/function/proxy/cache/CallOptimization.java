package dev.spendgate.function.proxy.cache;

import dev.spendgate.domain.cache.ResponseCache;
import dev.spendgate.domain.routing.CacheRule;
import dev.spendgate.domain.usage.UsageRecord;
import java.math.BigDecimal;

/**
 * What routing and caching did to one call, carried through the request path: the routing rule that moved it and the
 * model it moved it to (a degrade budget may move the call again after), the cache rule and lookup (a hit is served
 * from it; a miss is filled after a successful answer), what a hit saved, and the prompt-cache breakpoint added.
 */
public record CallOptimization(
        String routedBy,
        String routedTo,
        CacheRule cacheRule,
        ResponseCache.Lookup lookup,
        BigDecimal savedUsd,
        String promptCache) {
    public static final CallOptimization NONE = new CallOptimization(null, null, null, null, null, null);

    public boolean hit() {
        return lookup != null && lookup.outcome() == ResponseCache.Outcome.HIT;
    }

    public CallOptimization routed(String rule, String model) {
        return new CallOptimization(rule, model, cacheRule, lookup, savedUsd, promptCache);
    }

    public CallOptimization looked(CacheRule rule, ResponseCache.Lookup l) {
        return new CallOptimization(
                routedBy,
                routedTo,
                rule,
                l,
                l.outcome() == ResponseCache.Outcome.HIT
                        ? l.answer().costUsd() == null
                                ? BigDecimal.ZERO
                                : l.answer().costUsd()
                        : null,
                promptCache);
    }

    public CallOptimization marked(String ttl) {
        return new CallOptimization(routedBy, routedTo, cacheRule, lookup, savedUsd, ttl);
    }

    /** The record's fields. */
    public UsageRecord.Optimization forRecord() {
        return new UsageRecord.Optimization(
                routedBy, lookup == null ? null : lookup.outcome().label(), savedUsd, promptCache);
    }
}
