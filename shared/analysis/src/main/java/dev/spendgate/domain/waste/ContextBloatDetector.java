package dev.spendgate.domain.waste;

import dev.spendgate.domain.pricing.ModelPrice;
import dev.spendgate.domain.pricing.PromptCacheMinimums;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The same large prompt prefix sent again and again without prompt caching. Calls are grouped by the fingerprint of
 * their system prompt (the prefix fingerprint when there is no system prompt), model and feature: a finding and its
 * fix (a prompt caching rule) are a feature's, so features sharing one system prompt each get their own group (each
 * one's own calls, cache writes and savings). The prefix length P is
 * estimated as the smallest input of the group (a lower bound: every call carries the prefix). A group is a finding
 * when it has at least {@value #MIN_CALLS} successful calls, P is at least the model's minimum cacheable prompt
 * ({@link #minPrefixTokens}: a shorter prefix is neither written nor read, so caching it saves nothing) and at least
 * 60 % of the mean input (the calls are mostly the repeated
 * prompt; a group whose inputs vary widely says little about its shared part), and cached plus cache-written input is near zero (at most 5 % of N x P: a prompt cache is not in use).
 *
 * <p>Savings = (N - W) x P x (input price - cached-input price) - W x P x (cache-write price - input price), where W
 * is the number of cache writes a 5-minute cache would need: the calls that came more than five minutes after the
 * previous call of the group (and the first); each call at the rates it was billed at (its service tier and region,
 * {@link PrefixSavings}), and never more than the group's calls cost. A call the catalog has no rates for at its
 * service tier is left out.
 *
 * <p>Memory: at most {@value #MAX_GROUPS} fingerprints are tracked; when full, the groups seen least are dropped
 * (lossy counting), so only one-off prompts are ever forgotten.
 */
final class ContextBloatDetector implements Detector {
    static final long MIN_CALLS = 20;
    static final long MIN_PREFIX_TOKENS = 1_024;
    static final double MAX_CACHED_SHARE = 0.05;
    static final double MIN_PREFIX_SHARE = 0.6;
    static final Duration CACHE_TTL = Duration.ofMinutes(5);
    static final int MAX_GROUPS = 100_000;

    private final Map<String, Group> groups = new LinkedHashMap<>();
    private long dropped;
    private long pruneBelow = 2;

    @Override
    public void accept(Call c) {
        if (c.warmUp || !c.ok || c.price == null || c.redundantRetry) {
            return;
        }
        String fingerprint = c.record.fingerprints().systemHash() != null
                ? c.record.fingerprints().systemHash()
                : c.record.fingerprints().prefixHash();
        if (fingerprint == null) {
            return;
        }
        PrefixSavings.Card card = PrefixSavings.card(c).orElse(null);
        if (card == null) {
            return;
        }
        if (groups.size() >= MAX_GROUPS) {
            prune();
        }
        Group g = groups.computeIfAbsent(
                fingerprint + "\u0000" + c.model + "\u0000" + c.feature,
                k -> new Group(fingerprint, c.feature, c.price));
        Instant t = c.record.tsStart();
        if (g.firstTs == null) {
            g.firstTs = t;
        }
        g.tally.seen(t);
        if (g.tally.examples.size() < Evidence.MAX_EXAMPLES) {
            g.tally.examples.add(c.record.requestId());
        }
        g.minInput = Math.min(g.minInput, c.record.tokens().inputTokens());
        g.inputSum += c.record.tokens().inputTokens();
        g.cached += c.record.tokens().cachedInputTokens() + c.record.tokens().cacheWriteTokens();
        boolean write = g.lastTs == null || Duration.between(g.lastTs, t).compareTo(CACHE_TTL) > 0;
        if (write) {
            g.writes++;
        }
        g.savings.add(card, write, c.cost);
        if (g.lastTs == null || t.isAfter(g.lastTs)) {
            g.lastTs = t;
        }
    }

    private void prune() {
        while (groups.size() >= MAX_GROUPS) {
            Iterator<Group> it = groups.values().iterator();
            while (it.hasNext()) {
                if (it.next().tally.calls < pruneBelow) {
                    it.remove();
                    dropped++;
                }
            }
            pruneBelow++;
        }
    }

    @Override
    public List<Finding> findings(WasteWindow window) {
        List<Finding> out = new ArrayList<>();
        for (Group g : groups.values()) {
            long n = g.tally.calls;
            long p = g.minInput;
            if (n < MIN_CALLS
                    || p < minPrefixTokens(g.price)
                    || p < MIN_PREFIX_SHARE * ((double) g.inputSum / n)
                    || g.cached > MAX_CACHED_SHARE * n * p) {
                continue;
            }
            ModelPrice price = g.price;
            BigDecimal savings = g.savings.savings(p);
            if (savings.signum() <= 0) {
                continue;
            }
            Map<String, String> details = new LinkedHashMap<>();
            details.put("model", price.model());
            details.put("prefix_tokens", Long.toString(p));
            details.put("cached_or_cache_written_tokens", Long.toString(g.cached));
            details.put("cache_writes_needed", Long.toString(g.writes));
            rateDetails(details, g.savings.card());
            Evidence evidence = new Evidence(n, n, g.tally.first, g.tally.last, g.tally.examples, details);
            String how = "anthropic".equals(price.provider()) || "bedrock".equals(price.provider())
                    ? "mark the system prompt with cache_control {\"type\": \"ephemeral\"}"
                    : "keep the " + p + "-token prefix byte-identical and first in every request (OpenAI caches"
                            + " prefixes of 1,024+ tokens automatically; anything variable must come after it)";
            out.add(new Finding(
                            WasteCategory.CONTEXT_BLOAT,
                            "uncached_repeated_prefix",
                            "feature",
                            g.feature,
                            g.feature,
                            price.model(),
                            evidence,
                            savings,
                            window.monthly(savings),
                            BigDecimal.ZERO,
                            "(N - W) x P x (input - cached input price) - W x P x (cache write - input price) with N="
                                    + n
                                    + " calls, P=" + p + " prefix tokens, W=" + g.writes
                                    + " cache writes (gaps > 5 min), prices per million tokens of " + price.model()
                                    + g.savings.ratesNote() + ", x 30 days / window",
                            "Enable prompt caching for feature " + g.feature + " on " + price.model() + ": the same "
                                    + p
                                    + "-token prefix was sent " + n + " times with " + g.cached + " cached tokens; "
                                    + how
                                    + ".",
                            null)
                    .withPrompt(promptDigest(g.fingerprint)));
        }
        return out;
    }

    /**
     * The prices a prefix finding shows: the one rate card its calls were billed at, else (several service tiers or
     * regions) which tiers priced them.
     */
    static void rateDetails(Map<String, String> details, PrefixSavings.Card card) {
        if (card == null) {
            details.put("prices", "each call at the rates of its service tier and region");
            return;
        }
        if (!card.standard()) {
            details.put("service_tier", card.tier());
        }
        details.put("input_price_per_mtok", card.input().toPlainString());
        details.put("cached_price_per_mtok", card.cached().toPlainString());
        details.put("cache_write_price_per_mtok", card.write().toPlainString());
    }

    /**
     * The first {@value #PROMPT_DIGEST_CHARS} characters of a prompt fingerprint: what tells a feature's prompts apart
     * in a finding id (a feature and model can send several long prompts uncached, each its own finding).
     */
    static String promptDigest(String fingerprint) {
        return fingerprint.length() <= PROMPT_DIGEST_CHARS
                ? fingerprint
                : fingerprint.substring(0, PROMPT_DIGEST_CHARS);
    }

    static final int PROMPT_DIGEST_CHARS = 12;

    /**
     * The shortest prefix the model's prompt cache keeps: its documented minimum ({@link PromptCacheMinimums}, e.g.
     * 4,096 tokens on Claude Haiku 4.5), else {@value #MIN_PREFIX_TOKENS}, the smallest any provider caches.
     */
    static long minPrefixTokens(ModelPrice price) {
        return Math.max(
                MIN_PREFIX_TOKENS,
                PromptCacheMinimums.minimumTokens(price.model()).orElse(MIN_PREFIX_TOKENS));
    }

    /** Fingerprints dropped to stay within {@value #MAX_GROUPS} groups (each seen fewer times than the survivors). */
    long dropped() {
        return dropped;
    }

    /** The groups of one day, in the order they were first seen. */
    List<GroupState> dayState() {
        List<GroupState> out = new ArrayList<>();
        for (Map.Entry<String, Group> e : groups.entrySet()) {
            Group g = e.getValue();
            out.add(new GroupState(
                    e.getKey(),
                    g.feature,
                    g.price.provider(),
                    g.price.model(),
                    g.tally.state(),
                    g.minInput,
                    g.inputSum,
                    g.cached,
                    g.writes,
                    g.firstTs,
                    g.lastTs,
                    g.savings.state()));
        }
        return out;
    }

    /**
     * Adds a later day's groups. The day counted its first call as a cache write; one pass would not have when the
     * group's last call of the earlier days came at most five minutes before it.
     */
    void absorb(List<GroupState> day, dev.spendgate.domain.pricing.PricingCatalog catalog) {
        day.forEach(d -> absorb(d, catalog));
    }

    /** Adds one group of a later day (see {@link #absorb(List, dev.spendgate.domain.pricing.PricingCatalog)}). */
    void absorb(GroupState d, dev.spendgate.domain.pricing.PricingCatalog catalog) {
        Group g = groups.get(d.key());
        if (g == null) {
            if (groups.size() >= MAX_GROUPS) {
                prune();
            }
            ModelPrice price = catalog.find(d.provider(), d.model())
                    .orElseThrow(() -> new IllegalStateException("model " + d.model() + " is not in the catalog"));
            g = new Group(d.key().substring(0, d.key().indexOf('\u0000')), d.feature(), price);
            groups.put(d.key(), g);
            g.writes = d.writes();
            g.savings.absorb(d.savings(), false);
        } else {
            boolean sameCacheEntry =
                    g.lastTs != null && Duration.between(g.lastTs, d.firstTs()).compareTo(CACHE_TTL) <= 0;
            g.writes += d.writes() - (sameCacheEntry ? 1 : 0);
            g.savings.absorb(d.savings(), sameCacheEntry);
        }
        g.tally.absorb(d.tally());
        g.minInput = Math.min(g.minInput, d.minInput());
        g.inputSum += d.inputSum();
        g.cached += d.cached();
        if (g.firstTs == null) {
            g.firstTs = d.firstTs();
        }
        if (g.lastTs == null || d.lastTs().isAfter(g.lastTs)) {
            g.lastTs = d.lastTs();
        }
    }

    record GroupState(
            String key,
            String feature,
            String provider,
            String model,
            Tally.State tally,
            long minInput,
            long inputSum,
            long cached,
            long writes,
            Instant firstTs,
            Instant lastTs,
            PrefixSavings.State savings) {}

    private static final class Group {
        /** The system prompt's fingerprint (else the prefix's). */
        final String fingerprint;

        final String feature;
        final ModelPrice price;
        final Tally tally = new Tally();
        final PrefixSavings savings = new PrefixSavings();
        long minInput = Long.MAX_VALUE;
        long inputSum;
        long cached;
        long writes;
        Instant firstTs;
        Instant lastTs;

        Group(String fingerprint, String feature, ModelPrice price) {
            this.fingerprint = fingerprint;
            this.feature = feature;
            this.price = price;
        }
    }
}
