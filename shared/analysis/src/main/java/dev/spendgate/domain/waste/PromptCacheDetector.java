package dev.spendgate.domain.waste;

import dev.spendgate.domain.pricing.BedrockPromptCaching;
import dev.spendgate.domain.pricing.ModelPrice;
import dev.spendgate.domain.pricing.PricingCatalog;
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
 *       of the same prompt: under 5 min keep 5 min, 5-60 min use the 1-hour TTL where the model has one ({@link
 *       #hourCache}), else and longer drop the marker.
 *   <li>{@code unstable_prefix}: calls whose system prompt hash changes from call to call while its SimHash stays
 *       within {@value #STABLE_BITS} bits of the feature's usual prompt (schema-2 {@code system_simhash}): a
 *       timestamp, request id or user name inside an otherwise fixed prompt, which makes every prefix new to the
 *       provider's cache. A finding needs at least {@value #MIN_CALLS} such calls, at least half of them with a
 *       system hash not seen on the previous call, the smallest input P at least the model's minimum cacheable prompt
 *       ({@link ContextBloatDetector#minPrefixTokens}), and (almost) no cached
 *       input. Savings as for an uncached prefix: {@code (N - W) x P x (input - cached price) - W x P x (write -
 *       input price)}, W = cache writes a 5-minute cache needs, each call at the rates it was billed at
 *       ({@link PrefixSavings}).
 * </ul>
 *
 * <p>Memory: one entry per (system prompt hash, model) with a pending write, and one per (feature, model).
 */
final class PromptCacheDetector implements Detector {
    static final long MIN_UNREAD = 10;
    static final long MIN_CALLS = 20;
    static final int STABLE_BITS = 6;
    static final double MAX_CACHED_SHARE = 0.05;
    static final Duration FIVE_MINUTES = Duration.ofMinutes(5);
    static final Duration ONE_HOUR = Duration.ofHours(1);
    private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);
    private static final int MAX_GAPS = 4_096;

    /** Prompts a day pass follows from their first call, for the days merged after it (see {@link Head}). */
    static final int MAX_HEADS = 200_000;

    private final Map<String, Prompt> prompts = new LinkedHashMap<>();
    private final Map<String, Head> heads = new LinkedHashMap<>();
    /**
     * For a day pass: per feature and model, the usual prompts (first system-prompt sketch) of the earlier days of
     * the window, and the day's figures as seen from each, so the merge can use the window's own.
     */
    private Map<String, long[]> candidates;

    private final Map<String, List<Unstable>> views = new HashMap<>();
    private boolean trackHeads;
    private final Map<String, Unread> unread = new LinkedHashMap<>();
    private final Map<String, Unstable> unstable = new LinkedHashMap<>();
    /** Prompts made so far, in the order of {@link #prompts}: each prompt's place in it. */
    private long promptSeq;
    /** Days absorbed so far: a prompt of the merge remembers the last one that had it. */
    private int absorbed;
    /** Per feature and model, the pending writes of settled prompts, counted unread at the end (see settle). */
    private final Map<String, Deferred> deferred = new LinkedHashMap<>();

    private long settled;

    /** Gaps and overwritten writes the day's heads found, by feature key, until {@link #endUnread}. */
    private final Map<String, List<GapEntry>> extraGaps = new HashMap<>();

    private final Map<String, List<Object[]>> extraUnread = new LinkedHashMap<>();

    @Override
    public void accept(Call c) {
        if (c.warmUp || !c.ok || c.price == null) {
            return;
        }
        UsageRecord.Fingerprints f = c.record.fingerprints();
        String key = c.feature + "\u0000" + c.model;
        Instant t = c.record.tsStart();
        TokenUsage tokens = c.record.tokens();
        if (f.systemHash() != null && trackHeads) {
            head(c, key, f.systemHash() + "\u0000" + c.model, t, tokens);
        }
        if (f.systemHash() != null) {
            // every answered call reads or writes the provider's cache, redundant retries too
            cacheWrites(c, key, f.systemHash() + "\u0000" + c.model, t, tokens);
        }
        PrefixSavings.Card card = f.systemHash() != null && f.systemSimhash() != null && !c.redundantRetry
                ? PrefixSavings.card(c).orElse(null)
                : null;
        if (card != null) {
            long sketch;
            try {
                sketch = Long.parseUnsignedLong(f.systemSimhash(), 16);
            } catch (NumberFormatException e) {
                return;
            }
            Unstable u = unstable.get(key);
            if (u == null) {
                u = new Unstable(c.feature, c.price, sketch);
                unstable.put(key, u);
                if (candidates != null) {
                    List<Unstable> others = new ArrayList<>();
                    for (long ref : candidates.getOrDefault(key, new long[0])) {
                        if (ref != sketch) {
                            others.add(new Unstable(c.feature, c.price, ref));
                        }
                    }
                    views.put(key, others);
                }
            }
            unstableCall(u, f, sketch, t, tokens, c, card);
            for (Unstable view : views.getOrDefault(key, List.of())) {
                unstableCall(view, f, sketch, t, tokens, c, card);
            }
        }
    }

    private static void unstableCall(
            Unstable u,
            UsageRecord.Fingerprints f,
            long sketch,
            Instant t,
            TokenUsage tokens,
            Call c,
            PrefixSavings.Card card) {
        {
            if (Long.bitCount(u.sketch ^ sketch) > STABLE_BITS) {
                return; // another prompt of the feature
            }
            u.tally.seen(t);
            if (u.firstHash == null) {
                u.firstHash = f.systemHash();
                u.firstTs = t;
            }
            if (!f.systemHash().equals(u.lastHash)) {
                if (u.tally.examples.size() < Evidence.MAX_EXAMPLES) {
                    u.tally.examples.add(c.record.requestId());
                } else if (u.spare == null) {
                    u.spare = c.record.requestId();
                }
            }
            if (u.lastHash != null && !f.systemHash().equals(u.lastHash)) {
                u.changes++;
            }
            u.lastHash = f.systemHash();
            u.minInput = Math.min(u.minInput, tokens.inputTokens());
            u.cached += tokens.cachedInputTokens() + tokens.cacheWriteTokens();
            boolean write = u.lastTs == null || Duration.between(u.lastTs, t).compareTo(FIVE_MINUTES) > 0;
            if (write) {
                u.writes++;
            }
            u.savings.add(card, write, c.cost);
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
                u.gapPos.add(c.pos);
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
            p = new Prompt(promptSeq++);
            p.last = t;
            prompts.put(promptKey, p);
        }
        if (p.pending != null && !p.pendingRead) {
            u.unreadWrite(p.pending, p.pendingId, p.pendingAt, c.price, c.pos);
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
            defer(p);
        }
        // the writes no call read by the end, in the order of their prompts, as one pass over the prompts counts them
        deferred.forEach((key, d) -> {
            Unread u = unread.get(key);
            u.tally.absorb(new Tally.State(
                    0, d.sum.wasteful, d.sum.wasteUsd, d.sum.first, d.sum.last, List.copyOf(d.examples.values())));
            u.unreadTokens += d.unreadTokens;
        });
        deferred.clear();
        List<Finding> out = new ArrayList<>();
        for (Unread u : unread.values()) {
            if (u.tally.wasteful < MIN_UNREAD || 2 * u.tally.wasteful < u.writes || u.tally.wasteUsd.signum() <= 0) {
                continue;
            }
            long medianGap = median(u.gaps);
            String ttl;
            if (medianGap <= FIVE_MINUTES.toMillis()) {
                ttl = "Keep the 5-minute TTL but send the calls that share the prompt closer together";
            } else if (medianGap <= ONE_HOUR.toMillis() && hourCache(u.price)) {
                ttl = "Use the 1-hour TTL (\"cache_control\": {\"type\": \"ephemeral\", \"ttl\": \"1h\"}): the median"
                        + " gap between calls of the same prompt is " + minutes(medianGap)
                        + ", longer than the 5-minute TTL and shorter than an hour";
            } else if (medianGap <= ONE_HOUR.toMillis()) {
                ttl = "Remove the cache marker: the median gap between calls of the same prompt is "
                        + minutes(medianGap) + ", longer than the 5-minute TTL, and " + u.price.model()
                        + " has no 1-hour cache";
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
            if (n < MIN_CALLS
                    || 2 * u.changes < n
                    || p < ContextBloatDetector.minPrefixTokens(u.price)
                    || u.cached > MAX_CACHED_SHARE * n * p) {
                continue;
            }
            ModelPrice price = u.price;
            BigDecimal savings = u.savings.savings(p);
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
                            + u.savings.ratesNote() + ", x 30 days / window",
                    "Make the system prompt of feature " + u.feature + " stable: it changed on " + u.changes + " of "
                            + n + " calls while its content stayed the same (a timestamp, request id or user name"
                            + " near its start). Move the variable part after the stable part (into the last user"
                            + " message)" + marker + ", so the " + p + "-token prefix is read from the cache.",
                    null));
        }
        return out;
    }

    /** Day passes follow each prompt's first calls, so that the merge can settle what an earlier day left open. */
    void trackHeads(Map<String, long[]> usualPrompts) {
        trackHeads = true;
        candidates = usualPrompts;
    }

    /**
     * Follows a prompt's calls up to its first cache write of the day: one pass over the window would have compared
     * them with the prompt's state left by an earlier day (a pending write they read, the gap since its last call);
     * a day pass cannot, so it keeps what the merge needs.
     */
    private void head(Call c, String featureKey, String promptKey, Instant t, TokenUsage tokens) {
        Head h = heads.get(promptKey);
        if (h == null) {
            if (heads.size() >= MAX_HEADS) {
                headsDropped++;
                return;
            }
            h = new Head(t, c.pos, featureKey);
            heads.put(promptKey, h);
        } else if (!h.hasWrite && h.preGaps.size() < MAX_GAPS) {
            h.preGaps.add(new GapEntry(c.pos, Duration.between(h.lastT, t).toMillis(), featureKey));
        }
        if (!h.hasWrite) {
            if (tokens.cachedInputTokens() > 0) {
                h.readBefore = true;
            }
            if (tokens.cacheWriteTokens() > 0) {
                h.hasWrite = true;
                h.firstWritePos = c.pos;
                h.firstWriteFeatureKey = featureKey;
                h.firstWriteFeature = c.feature;
                h.firstWriteProvider = c.price.provider();
                h.firstWriteModel = c.price.model();
            }
        }
        h.lastT = t;
    }

    private long headsDropped;

    /** Prompts the day pass stopped following (past {@value #MAX_HEADS}); their carry-over is approximate. */
    long headsDropped() {
        return headsDropped;
    }

    DayState dayState() {
        List<PromptState> promptStates = new ArrayList<>();
        prompts.forEach((key, p) -> promptStates.add(new PromptState(
                key,
                p.last,
                p.pending == null ? 0 : p.pending.cacheWrite5mTokens(),
                p.pending == null ? 0 : p.pending.cacheWrite1hTokens(),
                p.pending != null,
                p.pendingId,
                p.pendingAt,
                p.pendingRead,
                p.feature,
                p.price == null ? null : p.price.provider(),
                p.price == null ? null : p.price.model())));
        List<HeadState> headStates = new ArrayList<>();
        heads.forEach((key, h) -> headStates.add(new HeadState(
                key,
                h.firstT,
                h.firstPos,
                h.firstFeatureKey,
                List.copyOf(h.preGaps),
                h.readBefore,
                h.hasWrite,
                h.firstWritePos,
                h.firstWriteFeatureKey,
                h.firstWriteFeature,
                h.firstWriteProvider,
                h.firstWriteModel,
                h.lastT)));
        List<UnreadState> unreadStates = new ArrayList<>();
        unread.forEach((key, u) -> unreadStates.add(new UnreadState(
                key,
                u.feature,
                u.price.provider(),
                u.price.model(),
                u.tally.state(),
                List.copyOf(u.examplePos),
                List.copyOf(u.gaps),
                List.copyOf(u.gapPos),
                u.writes,
                u.unreadTokens)));
        List<UnstableState> unstableStates = new ArrayList<>();
        unstable.forEach((key, primary) -> {
            List<Unstable> all = new ArrayList<>();
            all.add(primary);
            all.addAll(views.getOrDefault(key, List.of()));
            for (Unstable u : all) {
                if (u.tally.calls == 0) {
                    continue;
                }
                unstableStates.add(new UnstableState(
                        key,
                        u == primary,
                        u.feature,
                        u.price.provider(),
                        u.price.model(),
                        u.sketch,
                        u.tally.state(),
                        u.spare,
                        u.firstHash,
                        u.lastHash,
                        u.changes,
                        u.minInput,
                        u.cached,
                        u.writes,
                        u.firstTs,
                        u.lastTs,
                        u.savings.state()));
            }
        });
        return new DayState(promptStates, headStates, unreadStates, unstableStates, headsDropped);
    }

    /**
     * Adds a later day. What the day could not know (a cache write of an earlier day read or overwritten by its
     * calls, the gap to the prompt's previous call, the prompt hash of the feature's previous call) is settled here
     * from the earlier days' state; examples and gaps are put back in call order by their place in the pass.
     *
     * <p>The same as the day's sections one at a time, in this order (a stored day is read so): every head
     * ({@link #absorbHead}), every unread ({@link #absorbUnread(UnreadState, PricingCatalog)}), {@link #endUnread},
     * every prompt ({@link #absorbPrompt}), then {@link #endDay} with the unstable states and heads dropped. A head
     * reads the prompt as the earlier days left it, so the day's prompts come after its heads.
     */
    void absorb(DayState day, PricingCatalog catalog) {
        day.heads().forEach(this::absorbHead);
        day.unread().forEach(d -> absorbUnread(d, catalog));
        endUnread(catalog);
        day.prompts().forEach(d -> absorbPrompt(d, catalog));
        endDay(day.unstable(), day.headsDropped(), catalog);
    }

    /** Adds one head of the day being merged: its calls up to its first cache write, against the earlier days. */
    void absorbHead(HeadState h) {
        Prompt carried = prompts.get(h.key());
        if (carried == null) {
            return;
        }
        extraGaps
                .computeIfAbsent(h.firstFeatureKey(), k -> new ArrayList<>())
                .add(new GapEntry(
                        h.firstPos(), Duration.between(carried.last, h.firstT()).toMillis(), h.firstFeatureKey()));
        for (GapEntry g : h.preGaps()) {
            extraGaps.computeIfAbsent(g.featureKey(), k -> new ArrayList<>()).add(g);
        }
        carried.lastDay = absorbed + 1;
        if (h.readBefore()) {
            carried.pendingRead = true;
        }
        if (h.hasWrite()) {
            if (carried.pending != null && !carried.pendingRead) {
                extraUnread
                        .computeIfAbsent(h.firstWriteFeatureKey(), k -> new ArrayList<>())
                        .add(new Object[] {h, carried.pending, carried.pendingId, carried.pendingAt});
            }
        } else {
            carried.last = h.lastT();
        }
    }

    /** Adds one unread state of the day being merged (after all its heads). */
    void absorbUnread(UnreadState d, PricingCatalog catalog) {
        absorbUnread(d, catalog, extraGaps.remove(d.key()), extraUnread.remove(d.key()));
    }

    /** Settles what the day's heads found for features with no unread state of the day. */
    void endUnread(PricingCatalog catalog) {
        for (Map.Entry<String, List<Object[]>> e : extraUnread.entrySet()) {
            HeadState h = (HeadState) e.getValue().get(0)[0];
            ModelPrice price = price(catalog, h.firstWriteProvider(), h.firstWriteModel());
            absorbUnread(
                    new UnreadState(
                            e.getKey(),
                            h.firstWriteFeature(),
                            price.provider(),
                            price.model(),
                            new Tally().state(),
                            List.of(),
                            List.of(),
                            List.of(),
                            0,
                            0),
                    catalog,
                    extraGaps.remove(e.getKey()),
                    e.getValue());
        }
        extraGaps.forEach((key, gaps) -> {
            Unread u = unread.get(key);
            if (u != null) {
                addGaps(u, List.of(), List.of(), gaps);
            }
        });
        extraUnread.clear();
        extraGaps.clear();
    }

    /** Adds one prompt of the day being merged (after {@link #endUnread}). */
    void absorbPrompt(PromptState d, PricingCatalog catalog) {
        Prompt p = prompts.computeIfAbsent(d.key(), k -> new Prompt(promptSeq++));
        p.lastDay = absorbed + 1;
        p.last = d.last();
        p.pending = d.hasPending()
                ? new TokenUsage(d.pending5m() + d.pending1h(), 0, d.pending5m(), d.pending1h(), 0, 0)
                : null;
        p.pendingId = d.pendingId();
        p.pendingAt = d.pendingAt();
        p.pendingRead = d.pendingRead();
        p.feature = d.featureKey();
        p.price = d.provider() == null ? null : price(catalog, d.provider(), d.model());
    }

    /** Ends the day being merged: its usual-prompt states (one per feature and view) and heads dropped. */
    void endDay(List<UnstableState> dayUnstable, long dayHeadsDropped, PricingCatalog catalog) {
        Map<String, List<UnstableState>> byKey = new LinkedHashMap<>();
        for (UnstableState d : dayUnstable) {
            byKey.computeIfAbsent(d.key(), k -> new ArrayList<>()).add(d);
        }
        byKey.forEach((key, states) -> {
            Unstable window = unstable.get(key);
            UnstableState pick = states.get(0);
            for (UnstableState d : states) {
                if (window != null && d.sketch() == window.sketch) {
                    pick = d;
                }
            }
            absorbUnstable(pick, catalog);
        });
        headsDropped += dayHeadsDropped;
        absorbed++;
    }

    /**
     * Past {@code bound} prompts in a merge, settles the prompts that the last day added to had no call of: a pending
     * write of theirs that no call read is counted unread at the end, as one pass does when no later call reads or
     * overwrites it, and the prompt is dropped. Exact unless the prompt is called again on a later day; then that
     * call is not compared with the earlier write and gap ({@link #settled()} says how many prompts were settled).
     */
    void settle(int bound) {
        if (prompts.size() <= bound) {
            return;
        }
        var it = prompts.values().iterator();
        while (it.hasNext()) {
            Prompt p = it.next();
            if (p.lastDay < absorbed) {
                defer(p);
                it.remove();
                settled++;
            }
        }
    }

    /** A prompt's pending write that no call read, held for the end in the prompt's place. */
    private void defer(Prompt p) {
        if (p.pending == null || p.pendingRead) {
            return;
        }
        Unread one = new Unread(null, p.price);
        one.unreadWrite(p.pending, p.pendingId, p.pendingAt, p.price, Long.MAX_VALUE);
        Deferred d = deferred.computeIfAbsent(p.feature, k -> new Deferred());
        d.sum.absorb(one.tally.state().withoutExamples());
        d.unreadTokens += one.unreadTokens;
        d.examples.put(p.seq, p.pendingId);
        if (d.examples.size() > Evidence.MAX_EXAMPLES) {
            d.examples.pollLastEntry();
        }
        p.pending = null;
    }

    /** Prompts settled by {@link #settle}. */
    long settled() {
        return settled;
    }

    /** Prompts held (each system prompt and model with a cache write). */
    int promptsHeld() {
        return prompts.size();
    }

    private void absorbUnread(UnreadState d, PricingCatalog catalog, List<GapEntry> gaps, List<Object[]> carried) {
        ModelPrice price = price(catalog, d.provider(), d.model());
        Unread u = unread.computeIfAbsent(d.key(), k -> new Unread(d.feature(), price));
        // examples: the day's own unread writes and the earlier days' writes its calls overwrote, in call order
        List<Object[]> examples = new ArrayList<>();
        for (int i = 0; i < d.tally().examples().size(); i++) {
            examples.add(
                    new Object[] {d.examplePos().get(i), d.tally().examples().get(i)});
        }
        Tally.State t = d.tally();
        u.tally.absorb(new Tally.State(t.calls(), t.wasteful(), t.wasteUsd(), t.first(), t.last(), List.of()));
        u.writes += d.writes();
        u.unreadTokens += d.unreadTokens();
        if (carried != null) {
            for (Object[] c : carried) {
                HeadState h = (HeadState) c[0];
                ModelPrice at = price(catalog, h.firstWriteProvider(), h.firstWriteModel());
                Unread scratch = new Unread(u.feature, at);
                scratch.unreadWrite((TokenUsage) c[1], (String) c[2], (Instant) c[3], at, h.firstWritePos());
                u.tally.absorb(scratch.tally.state().withoutExamples());
                u.unreadTokens += scratch.unreadTokens;
                examples.add(new Object[] {h.firstWritePos(), c[2]});
            }
        }
        examples.sort(java.util.Comparator.comparingLong(e -> (Long) e[0]));
        for (Object[] e : examples) {
            if (u.tally.examples.size() < Evidence.MAX_EXAMPLES) {
                u.tally.examples.add((String) e[1]);
                u.examplePos.add((Long) e[0]);
            }
        }
        addGaps(u, d.gaps(), d.gapPos(), gaps == null ? List.of() : gaps);
    }

    private static void addGaps(Unread u, List<Long> gaps, List<Long> positions, List<GapEntry> extra) {
        List<long[]> all = new ArrayList<>();
        for (int i = 0; i < gaps.size(); i++) {
            all.add(new long[] {positions.get(i), gaps.get(i)});
        }
        for (GapEntry g : extra) {
            all.add(new long[] {g.pos(), g.gapMillis()});
        }
        all.sort(java.util.Comparator.comparingLong(g -> g[0]));
        for (long[] g : all) {
            if (u.gaps.size() < MAX_GAPS) {
                u.gaps.add(g[1]);
                u.gapPos.add(g[0]);
            }
        }
    }

    private void absorbUnstable(UnstableState d, PricingCatalog catalog) {
        Unstable u = unstable.get(d.key());
        if (u == null) {
            u = new Unstable(d.feature(), price(catalog, d.provider(), d.model()), d.sketch());
            unstable.put(d.key(), u);
        } else if (u.sketch != d.sketch()) {
            // the day took another call as the feature's usual prompt: approximate (see README "At scale")
            unstableApproximated++;
            if (Long.bitCount(u.sketch ^ d.sketch()) > STABLE_BITS) {
                return;
            }
        }
        boolean firstIsChange = u.lastHash == null || !d.firstHash().equals(u.lastHash);
        if (u.lastHash != null && firstIsChange) {
            u.changes++;
        }
        List<String> examples = new ArrayList<>(d.tally().examples());
        if (!firstIsChange && !examples.isEmpty()) {
            examples.remove(0);
            if (d.spare() != null) {
                examples.add(d.spare());
            }
        }
        Tally.State t = d.tally();
        u.tally.absorb(new Tally.State(t.calls(), t.wasteful(), t.wasteUsd(), t.first(), t.last(), examples));
        u.changes += d.changes();
        u.minInput = Math.min(u.minInput, d.minInput());
        u.cached += d.cached();
        boolean sameCacheEntry =
                u.lastTs != null && Duration.between(u.lastTs, d.firstTs()).compareTo(FIVE_MINUTES) <= 0;
        u.writes += d.writes() - (sameCacheEntry ? 1 : 0);
        u.savings.absorb(d.savings(), sameCacheEntry);
        if (u.firstHash == null) {
            u.firstHash = d.firstHash();
            u.firstTs = d.firstTs();
        }
        u.lastHash = d.lastHash();
        if (u.lastTs == null || d.lastTs().isAfter(u.lastTs)) {
            u.lastTs = d.lastTs();
        }
    }

    private long unstableApproximated;

    /** Day merges where a feature's usual prompt differed from the window's (see {@link #absorb}). */
    long unstableApproximated() {
        return unstableApproximated;
    }

    private static ModelPrice price(PricingCatalog catalog, String provider, String model) {
        return catalog.find(provider, model)
                .orElseThrow(() -> new IllegalStateException("model " + model + " is not in the catalog"));
    }

    record GapEntry(long pos, long gapMillis, String featureKey) {}

    record PromptState(
            String key,
            Instant last,
            long pending5m,
            long pending1h,
            boolean hasPending,
            String pendingId,
            Instant pendingAt,
            boolean pendingRead,
            String featureKey,
            String provider,
            String model) {}

    record HeadState(
            String key,
            Instant firstT,
            long firstPos,
            String firstFeatureKey,
            List<GapEntry> preGaps,
            boolean readBefore,
            boolean hasWrite,
            long firstWritePos,
            String firstWriteFeatureKey,
            String firstWriteFeature,
            String firstWriteProvider,
            String firstWriteModel,
            Instant lastT) {}

    record UnreadState(
            String key,
            String feature,
            String provider,
            String model,
            Tally.State tally,
            List<Long> examplePos,
            List<Long> gaps,
            List<Long> gapPos,
            long writes,
            long unreadTokens) {}

    record UnstableState(
            String key,
            boolean usual,
            String feature,
            String provider,
            String model,
            long sketch,
            Tally.State tally,
            String spare,
            String firstHash,
            String lastHash,
            long changes,
            long minInput,
            long cached,
            long writes,
            Instant firstTs,
            Instant lastTs,
            PrefixSavings.State savings) {}

    record DayState(
            List<PromptState> prompts,
            List<HeadState> heads,
            List<UnreadState> unread,
            List<UnstableState> unstable,
            long headsDropped) {}

    /** One prompt's calls of the day up to its first cache write (all of them when it wrote none). */
    private static final class Head {
        final Instant firstT;
        final long firstPos;
        final String firstFeatureKey;
        final List<GapEntry> preGaps = new ArrayList<>();
        boolean readBefore;
        boolean hasWrite;
        long firstWritePos;
        String firstWriteFeatureKey;
        String firstWriteFeature;
        String firstWriteProvider;
        String firstWriteModel;
        Instant lastT;

        Head(Instant firstT, long firstPos, String firstFeatureKey) {
            this.firstT = firstT;
            this.firstPos = firstPos;
            this.firstFeatureKey = firstFeatureKey;
            this.lastT = firstT;
        }
    }

    /**
     * Whether the model keeps a 1-hour prompt cache: the catalog prices a 1-hour write for it and, on Bedrock, AWS
     * keeps the hour cache for it ({@link BedrockPromptCaching}: Claude 4.5 and later).
     */
    static boolean hourCache(ModelPrice price) {
        if (price.cacheWrite1h() == null) {
            return false;
        }
        return !"bedrock".equals(price.provider())
                || BedrockPromptCaching.of(price.model())
                        .map(BedrockPromptCaching.Support::hourTtl)
                        .orElse(false);
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
        final long seq;
        int lastDay;
        Instant last;
        TokenUsage pending;
        String pendingId;
        Instant pendingAt;
        boolean pendingRead;
        String feature;
        ModelPrice price;

        Prompt(long seq) {
            this.seq = seq;
        }
    }

    /** Unread writes of settled prompts: their sums, and the first request ids by the prompts' place. */
    private static final class Deferred {
        final Tally sum = new Tally();
        final java.util.TreeMap<Long, String> examples = new java.util.TreeMap<>();
        long unreadTokens;
    }

    private static final class Unread {
        final String feature;
        final ModelPrice price;
        final Tally tally = new Tally();
        final List<Long> gaps = new ArrayList<>();
        final List<Long> gapPos = new ArrayList<>();
        final List<Long> examplePos = new ArrayList<>();
        long writes;
        long unreadTokens;

        Unread(String feature, ModelPrice price) {
            this.feature = feature;
            this.price = price;
        }

        void unreadWrite(TokenUsage written, String requestId, Instant at, ModelPrice p, long pos) {
            if (tally.examples.size() < Evidence.MAX_EXAMPLES) {
                examplePos.add(pos);
            }
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
        final PrefixSavings savings = new PrefixSavings();
        String lastHash;
        String firstHash;
        Instant firstTs;
        String spare;
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
