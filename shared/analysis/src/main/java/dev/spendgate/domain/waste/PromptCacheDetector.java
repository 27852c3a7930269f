package dev.spendgate.domain.waste;

import dev.spendgate.domain.pricing.ModelPrice;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.usage.UsageRecord;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Prompt caching paid for and not used. Two rules, per feature and model:
 *
 * <ul>
 *   <li>{@code unread_cache_writes}: a cache write (tokens billed at the write premium) that no later call of the same
 *       system prompt and model read before the next write. A finding needs at least {@value #MIN_UNREAD} unread
 *       writes and at least half of the group's writes unread. Savings = the premium paid on the unread writes:
 *       their written tokens x (write price - input price), 5-minute and 1-hour writes each at their own price (what
 *       the same tokens cost without the cache marker). The advice picks the TTL from the median gap between calls
 *       of the same prompt: under 5 min keep 5 min, 5-60 min use the 1-hour TTL, longer drop the marker.
 *   <li>{@code unstable_prefix}: calls whose system prompt hash changes from call to call while its SimHash stays
 *       within {@value #STABLE_BITS} bits of the feature's usual prompt (schema-2 {@code system_simhash}): a
 *       timestamp, request id or user name inside an otherwise fixed prompt, which makes every prefix new to the
 *       provider's cache. A finding needs at least {@value #MIN_CALLS} such calls, at least half of them with a
 *       system hash not seen on the previous call, the smallest input P >= 1,024 tokens, and (almost) no cached
 *       input. Savings as for an uncached prefix: {@code (N - W) x P x (input - cached price) - W x P x (write -
 *       input price)}, W = cache writes a 5-minute cache needs.
 * </ul>
 *
 * <p>Memory: one entry per (system prompt hash, model) with a pending write, and one per (feature, model).
 */
final class PromptCacheDetector implements Detector {
    static final long MIN_UNREAD = 10;
    static final long MIN_CALLS = 20;
    static final int STABLE_BITS = 6;
    static final long MIN_PREFIX_TOKENS = 1_024;
    static final double MAX_CACHED_SHARE = 0.05;
    static final Duration FIVE_MINUTES = Duration.ofMinutes(5);
    static final Duration ONE_HOUR = Duration.ofHours(1);
    private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);
    private static final int MAX_GAPS = 4_096;

    private final Map<String, Prompt> prompts = new HashMap<>();
    private final Map<String, Unread> unread = new LinkedHashMap<>();
    private final Map<String, Unstable> unstable = new LinkedHashMap<>();

    @Override
    public void accept(Call c) {
        if (!c.ok || c.price == null) {
            return;
        }
        UsageRecord.Fingerprints f = c.record.fingerprints();
        String key = c.feature + "\u0000" + c.model;
        Instant t = c.record.tsStart();
        TokenUsage tokens = c.record.tokens();
        if (f.systemHash() != null) {
            // every answered call reads or writes the provider's cache, redundant retries too
            cacheWrites(c, key, f.systemHash() + "\u0000" + c.model, t, tokens);
        }
        if (f.systemHash() != null && f.systemSimhash() != null && !c.redundantRetry) {
            long sketch;
            try {
                sketch = Long.parseUnsignedLong(f.systemSimhash(), 16);
            } catch (NumberFormatException e) {
                return;
            }
            Unstable u = unstable.computeIfAbsent(key, k -> new Unstable(c.feature, c.price, sketch));
            if (Long.bitCount(u.sketch ^ sketch) > STABLE_BITS) {
                return; // another prompt of the feature
            }
            u.tally.seen(t);
            if (u.tally.examples.size() < Evidence.MAX_EXAMPLES
                    && !f.systemHash().equals(u.lastHash)) {
                u.tally.examples.add(c.record.requestId());
            }
            if (u.lastHash != null && !f.systemHash().equals(u.lastHash)) {
                u.changes++;
            }
            u.lastHash = f.systemHash();
            u.minInput = Math.min(u.minInput, tokens.inputTokens());
            u.cached += tokens.cachedInputTokens() + tokens.cacheWriteTokens();
            if (u.lastTs == null || Duration.between(u.lastTs, t).compareTo(FIVE_MINUTES) > 0) {
                u.writes++;
            }
            if (u.lastTs == null || t.isAfter(u.lastTs)) {
                u.lastTs = t;
            }
        }
    }

    private void cacheWrites(Call c, String featureKey, String promptKey, Instant t, TokenUsage tokens) {
        boolean writes = tokens.cacheWriteTokens() > 0;
        boolean reads = tokens.cachedInputTokens() > 0;
        Prompt p = prompts.get(promptKey);
        if (p == null && !writes) {
            return; // a prompt that never wrote a cache entry: nothing to judge
        }
        Unread u = unread.computeIfAbsent(featureKey, k -> new Unread(c.feature, c.price));
        if (p != null) {
            if (p.last != null && u.gaps.size() < MAX_GAPS) {
                u.gaps.add(Duration.between(p.last, t).toMillis());
            }
            p.last = t;
            if (reads) {
                p.pendingRead = true;
            }
        }
        if (!writes) {
            return;
        }
        if (p == null) {
            p = new Prompt();
            p.last = t;
            prompts.put(promptKey, p);
        }
        if (p.pending != null && !p.pendingRead) {
            u.unreadWrite(p.pending, p.pendingId, p.pendingAt, c.price);
        }
        u.writes++;
        u.tally.seen(t);
        p.pending = tokens;
        p.pendingId = c.record.requestId();
        p.pendingAt = t;
        p.pendingRead = false;
        p.feature = featureKey;
        p.price = c.price;
    }

    @Override
    public List<Finding> findings(WasteWindow window) {
        for (Prompt p : prompts.values()) {
            if (p.pending != null && !p.pendingRead) {
                unread.get(p.feature).unreadWrite(p.pending, p.pendingId, p.pendingAt, p.price);
                p.pending = null;
            }
        }
        List<Finding> out = new ArrayList<>();
        for (Unread u : unread.values()) {
            if (u.tally.wasteful < MIN_UNREAD || 2 * u.tally.wasteful < u.writes || u.tally.wasteUsd.signum() <= 0) {
                continue;
            }
            long medianGap = median(u.gaps);
            String ttl;
            if (medianGap <= FIVE_MINUTES.toMillis()) {
                ttl = "Keep the 5-minute TTL but send the calls that share the prompt closer together";
            } else if (medianGap <= ONE_HOUR.toMillis()) {
                ttl = "Use the 1-hour TTL (\"cache_control\": {\"type\": \"ephemeral\", \"ttl\": \"1h\"}): the median"
                        + " gap between calls of the same prompt is " + minutes(medianGap)
                        + ", longer than the 5-minute TTL and shorter than an hour";
            } else {
                ttl = "Remove the cache marker: the median gap between calls of the same prompt is "
                        + minutes(medianGap) + ", longer than either TTL";
            }
            Map<String, String> details = new LinkedHashMap<>();
            details.put("model", u.price.model());
            details.put("cache_writes", Long.toString(u.writes));
            details.put("unread_cache_writes", Long.toString(u.tally.wasteful));
            details.put("unread_written_tokens", Long.toString(u.unreadTokens));
            details.put("median_reuse_gap_seconds", Long.toString(medianGap / 1000));
            details.put("input_price_per_mtok", u.price.input().toPlainString());
            details.put(
                    "cache_write_price_per_mtok",
                    (u.price.cacheWrite5m() == null ? u.price.input() : u.price.cacheWrite5m()).toPlainString());
            out.add(new Finding(
                    WasteCategory.PROMPT_CACHE,
                    "unread_cache_writes",
                    "feature",
                    u.feature,
                    u.feature,
                    u.price.model(),
                    new Evidence(u.writes, u.tally.wasteful, u.tally.first, u.tally.last, u.tally.examples, details),
                    u.tally.wasteUsd,
                    window.monthly(u.tally.wasteUsd),
                    BigDecimal.ZERO,
                    "sum over the " + u.tally.wasteful + " cache writes no later call read of written tokens x"
                            + " (cache write price - input price) of " + u.price.model() + ", x 30 days / window",
                    "Feature " + u.feature + " on " + u.price.model() + " paid the cache-write premium "
                            + u.tally.wasteful + " times out of " + u.writes + " writes without any call reading"
                            + " the entry. " + ttl + ".",
                    null));
        }
        for (Unstable u : unstable.values()) {
            long n = u.tally.calls;
            long p = u.minInput;
            if (n < MIN_CALLS || 2 * u.changes < n || p < MIN_PREFIX_TOKENS || u.cached > MAX_CACHED_SHARE * n * p) {
                continue;
            }
            ModelPrice price = u.price;
            BigDecimal cachedPrice = price.cachedInput() == null ? price.input() : price.cachedInput();
            BigDecimal writePrice = price.cacheWrite5m() == null ? price.input() : price.cacheWrite5m();
            BigDecimal prefix = BigDecimal.valueOf(p);
            BigDecimal savings = BigDecimal.valueOf(n - u.writes)
                    .multiply(prefix)
                    .multiply(price.input().subtract(cachedPrice))
                    .subtract(
                            BigDecimal.valueOf(u.writes).multiply(prefix).multiply(writePrice.subtract(price.input())))
                    .divide(MILLION);
            if (savings.signum() <= 0) {
                continue;
            }
            Map<String, String> details = new LinkedHashMap<>();
            details.put("model", price.model());
            details.put("prefix_tokens", Long.toString(p));
            details.put("system_hash_changes", Long.toString(u.changes));
            details.put("cache_writes_needed", Long.toString(u.writes));
            details.put("cached_or_cache_written_tokens", Long.toString(u.cached));
            String marker = "anthropic".equals(price.provider()) || "bedrock".equals(price.provider())
                    ? " and mark the end of the stable part with cache_control (Bedrock: a cachePoint)"
                    : "";
            out.add(new Finding(
                    WasteCategory.PROMPT_CACHE,
                    "unstable_prefix",
                    "feature",
                    u.feature,
                    u.feature,
                    price.model(),
                    new Evidence(n, u.changes, u.tally.first, u.tally.last, u.tally.examples, details),
                    savings,
                    window.monthly(savings),
                    BigDecimal.ZERO,
                    "(N - W) x P x (input - cached input price) - W x P x (cache write - input price) with N=" + n
                            + " calls, P=" + p + " prefix tokens (smallest input), W=" + u.writes
                            + " cache writes (gaps > 5 min), prices per million tokens of " + price.model()
                            + ", x 30 days / window",
                    "Make the system prompt of feature " + u.feature + " stable: it changed on " + u.changes + " of "
                            + n + " calls while its content stayed the same (a timestamp, request id or user name"
                            + " near its start). Move the variable part after the stable part (into the last user"
                            + " message)" + marker + ", so the " + p + "-token prefix is read from the cache.",
                    null));
        }
        return out;
    }

    private static long median(List<Long> gaps) {
        if (gaps.isEmpty()) {
            return Long.MAX_VALUE;
        }
        List<Long> sorted = new ArrayList<>(gaps);
        sorted.sort(null);
        return sorted.get(sorted.size() / 2);
    }

    private static String minutes(long millis) {
        return millis == Long.MAX_VALUE ? "unknown" : (millis / 60_000) + " min";
    }

    /** One system prompt and model: its last call and its cache write not yet read. */
    private static final class Prompt {
        Instant last;
        TokenUsage pending;
        String pendingId;
        Instant pendingAt;
        boolean pendingRead;
        String feature;
        ModelPrice price;
    }

    private static final class Unread {
        final String feature;
        final ModelPrice price;
        final Tally tally = new Tally();
        final List<Long> gaps = new ArrayList<>();
        long writes;
        long unreadTokens;

        Unread(String feature, ModelPrice price) {
            this.feature = feature;
            this.price = price;
        }

        void unreadWrite(TokenUsage written, String requestId, Instant at, ModelPrice p) {
            BigDecimal w5 = p.cacheWrite5m() == null ? p.input() : p.cacheWrite5m();
            BigDecimal w1 = p.cacheWrite1h() == null ? p.input() : p.cacheWrite1h();
            BigDecimal premium = w5.subtract(p.input())
                    .multiply(BigDecimal.valueOf(written.cacheWrite5mTokens()))
                    .add(w1.subtract(p.input()).multiply(BigDecimal.valueOf(written.cacheWrite1hTokens())))
                    .divide(MILLION);
            unreadTokens += written.cacheWriteTokens();
            tally.wasteful(requestId, at, premium);
        }
    }

    private static final class Unstable {
        final String feature;
        final ModelPrice price;
        final long sketch;
        final Tally tally = new Tally();
        String lastHash;
        long changes;
        long minInput = Long.MAX_VALUE;
        long cached;
        long writes;
        Instant lastTs;

        Unstable(String feature, ModelPrice price, long sketch) {
            this.feature = feature;
            this.price = price;
            this.sketch = sketch;
        }
    }
}
