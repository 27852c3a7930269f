package dev.spendgate.domain.waste;

import dev.spendgate.domain.pricing.ModelPrice;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.report.ChargebackRules;
import dev.spendgate.domain.store.ObjectStore;
import dev.spendgate.domain.usage.CostCheck;
import dev.spendgate.domain.usage.UsageLogReader;
import dev.spendgate.domain.usage.UsageLogReader.ReadStats;
import dev.spendgate.domain.usage.UsageRecord;
import java.math.BigDecimal;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Runs the waste detectors over the usage log of a window in one streaming pass and ranks what they find. Each
 * record is seen once and dropped; what is kept grows with the number of features, models, keys and scopes with
 * waste, never with the number of records (see each detector for its bound). A record whose cost fails the
 * {@link CostCheck} against the analyzer's catalog (as the monthly report quarantines it) is left out and counted in
 * the report's input ({@link ReadStats#quarantinedByReason()}).
 */
public final class WasteAnalyzer {
    /** How far back before a window (or a day) its pass is primed: the longest look-back of a detector. */
    public static final java.time.Duration WARM_UP = java.time.Duration.ofHours(1);

    private final PricingCatalog catalog;
    private final Governance governance;
    private final Clock clock;
    private final ChargebackRules rules;
    private final int indexThreads;
    private final Bounds bounds;
    private final long bytesAhead;

    private WasteAnalyzer(
            PricingCatalog catalog,
            Governance governance,
            Clock clock,
            ChargebackRules rules,
            int indexThreads,
            Bounds bounds,
            long bytesAhead) {
        this.catalog = Objects.requireNonNull(catalog, "catalog");
        this.governance = Objects.requireNonNull(governance, "governance");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.rules = rules;
        if (indexThreads < 1) {
            throw new IllegalArgumentException("indexThreads must be at least 1, was " + indexThreads);
        }
        this.indexThreads = indexThreads;
        this.bounds = Objects.requireNonNull(bounds, "bounds");
        if (bytesAhead < 1) {
            throw new IllegalArgumentException("bytesAhead must be at least 1, was " + bytesAhead);
        }
        this.bytesAhead = bytesAhead;
    }

    public static WasteAnalyzer create(PricingCatalog catalog, Governance governance, Clock clock) {
        return new WasteAnalyzer(
                catalog, governance, clock, null, 1, Bounds.DEFAULT, UsageLogReader.DEFAULT_BYTES_AHEAD);
    }

    /**
     * This analyzer, its passes comparing calls in the response-cache index on {@code threads} worker threads (1, the
     * default: on the pass's own thread). The index compares a call only with calls of the same feature and model, so
     * each (feature, model) runs on one worker at a time in the order of the log, and the findings are the same for
     * any thread count; the busiest (feature, model) bounds the gain (see {@link Pass#indexWork()}).
     */
    public WasteAnalyzer withIndexThreads(int threads) {
        return new WasteAnalyzer(catalog, governance, clock, rules, threads, bounds, bytesAhead);
    }

    /**
     * This analyzer, its window merges ({@link #merge()}) settling past {@code mergeBounds} instead of
     * {@link Bounds#DEFAULT}: lower bounds hold less memory and settle (approximate) sooner, higher ones the reverse.
     */
    public WasteAnalyzer withMergeBounds(Bounds mergeBounds) {
        return new WasteAnalyzer(catalog, governance, clock, rules, indexThreads, mergeBounds, bytesAhead);
    }

    /**
     * This analyzer, its log reads that fetch ahead holding at most {@code bytes} of fetched usage-log objects
     * (listed sizes, compressed) instead of {@link UsageLogReader#DEFAULT_BYTES_AHEAD}; a larger object is streamed
     * ({@link UsageLogReader#read(java.time.Instant, java.time.Instant, java.util.function.Consumer, int, long)}).
     */
    public WasteAnalyzer withBytesAhead(long bytes) {
        return new WasteAnalyzer(catalog, governance, clock, rules, indexThreads, bounds, bytes);
    }

    /**
     * The response-cache index work of a pass on worker threads: {@code totalNanos} over all (feature, model)
     * partitions, {@code busiestNanos} of the busiest, which one that was, and how many there were. All zero when the
     * index ran on the pass's thread.
     */
    public record IndexWork(long totalNanos, long busiestNanos, String busiest, int partitions) {}

    /**
     * This analyzer, naming each finding's owner with these rules: the cost centre of the department (and team and
     * feature) most of the scope's spend carried. Without rules the owner is the department alone.
     */
    public WasteAnalyzer withChargebackRules(ChargebackRules chargebackRules) {
        return new WasteAnalyzer(catalog, governance, clock, chargebackRules, indexThreads, bounds, bytesAhead);
    }

    /**
     * Reads {@code [window.from, window.to)} from the store's usage log and analyses it, after the hour before the
     * window has primed the detectors that look back in time ({@link #warmUp}), as every day of a window from day
     * aggregates is primed: both paths judge a retry chain or a response-cache entry across the window's start alike.
     */
    public WasteReport analyze(ObjectStore store, WasteWindow window) {
        return analyze(store, window, 1);
    }

    /**
     * As {@link #analyze(ObjectStore, WasteWindow)}, fetching up to {@code fetchAhead} log objects in parallel within
     * this analyzer's {@link #withBytesAhead bytes ahead}.
     */
    public WasteReport analyze(ObjectStore store, WasteWindow window, int fetchAhead) {
        Pass pass = newPass();
        UsageLogReader reader = UsageLogReader.create(store);
        warmUp(reader, window.from(), pass, fetchAhead);
        ReadStats stats = reader.read(window.from(), window.to(), pass::accept, fetchAhead, bytesAhead);
        return pass.finish(window, stats);
    }

    /**
     * Primes {@code pass} with the records of the hour before {@code start} ({@link Pass#warmUp}: they reach the
     * retry chains and the response-cache index, and count nothing). What that read skips is counted by the pass that
     * reads its own window, not here.
     */
    public void warmUp(ObjectStore store, java.time.Instant start, Pass pass) {
        warmUp(UsageLogReader.create(store), start, pass, 1);
    }

    private void warmUp(UsageLogReader reader, java.time.Instant start, Pass pass, int fetchAhead) {
        reader.read(start.minus(WARM_UP), start, pass::warmUp, fetchAhead, bytesAhead);
    }

    /** A pass fed record by record, for callers that read the log themselves. */
    public Pass newPass() {
        return new Pass();
    }

    /**
     * Summarises one UTC day of the store's usage log into a {@link DayAggregate}: the day's records, after the
     * hour before the day has primed the detectors that look back in time (retry chains within 60 s, the response
     * cache's one-hour index).
     */
    public DayAggregate summarizeDay(
            ObjectStore store, java.time.LocalDate day, int fetchAhead, Map<String, long[]> usualPrompts) {
        java.time.Instant start = day.atStartOfDay(java.time.ZoneOffset.UTC).toInstant();
        Pass pass = dayPass(day, usualPrompts);
        UsageLogReader reader = UsageLogReader.create(store);
        warmUp(reader, start, pass, fetchAhead);
        ReadStats stats =
                reader.read(start, start.plus(java.time.Duration.ofDays(1)), pass::accept, fetchAhead, bytesAhead);
        return pass.dayAggregate(day, stats);
    }

    /**
     * A pass over one day's records (fed by the caller: the hour before through {@link Pass#warmUp}, then the day).
     * {@code usualPrompts} are {@link DayAggregate#usualPrompts()} of the window's earlier days (empty for none).
     */
    public Pass dayPass(java.time.LocalDate day, Map<String, long[]> usualPrompts) {
        Pass pass = new Pass();
        pass.nextPos = day.toEpochDay() << DayAggregate.POS_BITS;
        pass.promptCache.trackHeads(Objects.requireNonNull(usualPrompts, "usualPrompts"));
        return pass;
    }

    /**
     * Analyses a window from its days' aggregates, oldest first: the same findings as one pass over the window's
     * records (see README "At scale" for the few cases that are approximated, each counted in the input warnings).
     */
    public WasteReport analyze(List<DayAggregate> days, WasteWindow window, List<String> notes) {
        List<DayAggregate> sorted = new ArrayList<>(days);
        sorted.sort(Comparator.comparing(DayAggregate::day));
        Merge merge = merge();
        sorted.forEach(merge::add);
        return merge.finish(window, notes);
    }

    /**
     * A merge of a window's day aggregates fed one at a time, oldest first, so that only one is held at a time;
     * it settles past this analyzer's bounds ({@link #withMergeBounds}).
     */
    public Merge merge() {
        return new Merge(bounds);
    }

    /**
     * How many entries per scope a merge holds before it settles the ones the last day added to did not have (see
     * README "At scale"): retry scopes (sessions and keys with a redundant call), system prompts with a cache write,
     * jobs, and retry scopes with a finding of their own (past it the least wasteful are rolled up into one finding
     * per scope type and feature). The defaults are far above the simulator's months, so their findings do not depend
     * on them.
     */
    public record Bounds(int retryScopes, int prompts, int jobs, int retryFindings) {
        /** 200,000 retry scopes, 400,000 prompts, 100,000 jobs, 10,000 retry findings. */
        public static final Bounds DEFAULT =
                new Bounds(200_000, 2 * PromptCacheDetector.MAX_HEADS, BatchTierDetector.MAX_JOBS, 10_000);

        public Bounds {
            if (retryScopes < 1 || prompts < 1 || jobs < 1 || retryFindings < 1) {
                throw new IllegalArgumentException("merge bounds must be at least 1, were retryScopes=" + retryScopes
                        + ", prompts=" + prompts + ", jobs=" + jobs + ", retryFindings=" + retryFindings);
            }
        }
    }

    /** Per-scope entries a merge holds now (for tests). */
    record Held(int retryScopes, int prompts, int jobs, int keyAttributions) {}

    /**
     * The window's days added one by one ({@link #add}, oldest first), then its report ({@link #finish}): the same
     * report as {@link #analyze(List, WasteWindow, List)} over the same days, without holding them all.
     */
    public final class Merge {
        private final Pass pass = new Pass();
        private java.time.LocalDate last;
        private int objects;
        private long records;
        private long duplicates;
        private long malformed;
        private long unreadable;
        private final Map<String, Long> quarantined = new java.util.TreeMap<>();
        private final List<String> dayWarnings = new ArrayList<>();
        private final Map<String, Long> byField = new java.util.TreeMap<>();
        private final Bounds bounds;

        private Merge(Bounds bounds) {
            this.bounds = bounds;
        }

        /** Per-scope entries held after the days added so far. */
        Held held() {
            return new Held(
                    pass.retry.scopesHeld(),
                    pass.promptCache.promptsHeld(),
                    pass.batch.jobsHeld(),
                    pass.ungoverned.combosHeld());
        }

        /** Adds the day after the days added so far. */
        public void add(DayAggregate d) {
            add(d.header(), d::feed);
        }

        /**
         * Adds the day after the days added so far, its parts handed over by {@code feed} (a stored day read as a
         * stream: see {@link DayAggregateStream}); the header is checked before any part is merged.
         */
        void add(DayAggregate.Header h, java.util.function.Consumer<DaySections> feed) {
            if (last != null && h.day().isBefore(last)) {
                throw new IllegalArgumentException(
                        "day aggregates must come oldest first: " + h.day() + " after " + last);
            }
            if (!h.catalogVersion().equals(catalog.version())) {
                throw new IllegalArgumentException("aggregate of " + h.day() + " was priced with catalog "
                        + h.catalogVersion() + ", not " + catalog.version() + ": rebuild it from the usage log");
            }
            last = h.day();
            feed.accept(pass.new DayIntake());
            pass.retry.settle(bounds.retryScopes());
            pass.retry.rollUp(bounds.retryFindings());
            pass.promptCache.settle(bounds.prompts());
            pass.batch.settle(bounds.jobs());
            ReadStats s = h.input();
            objects += s.objects();
            records += s.records();
            duplicates += s.duplicates();
            malformed += s.malformedLines();
            unreadable += s.unreadableObjects();
            for (String w : s.warnings()) {
                if (dayWarnings.size() < 100) {
                    dayWarnings.add(w);
                }
            }
            s.malformedByField().forEach((k, v) -> byField.merge(k, v, Long::sum));
            s.quarantinedByReason().forEach((k, v) -> quarantined.merge(k, v, Long::sum));
        }

        /** The window's report; {@code notes} (what happened to the days' aggregates) come first in its warnings. */
        public WasteReport finish(WasteWindow window, List<String> notes) {
            List<String> warnings = new ArrayList<>(notes);
            for (String w : dayWarnings) {
                if (warnings.size() < 100) {
                    warnings.add(w);
                }
            }
            long heads = pass.promptCache.headsDropped();
            if (heads > 0 && warnings.size() < 100) {
                warnings.add("approximated: " + heads + " prompts past " + PromptCacheDetector.MAX_HEADS
                        + " a day were not followed across midnight (prompt-cache rule)");
            }
            long unstable = pass.promptCache.unstableApproximated();
            if (unstable > 0 && warnings.size() < 100) {
                warnings.add("approximated: on " + unstable + " feature-days the usual system prompt differed from"
                        + " the window's first (unstable-prefix rule)");
            }
            long retries = pass.retry.settled();
            if (retries > 0 && warnings.size() < 100) {
                warnings.add("approximated: " + retries + " sessions and keys with fewer than "
                        + RetryDetector.MIN_REDUNDANT + " redundant calls, past " + bounds.retryScopes()
                        + " in the window, were dropped once a day without them was merged (retry rule: a later"
                        + " redundant call of theirs counts from zero)");
            }
            long rolled = pass.retry.rolledUp();
            if (rolled > 0 && warnings.size() < 100) {
                warnings.add("rolled up: " + rolled + " sessions and keys with a retry finding each, past "
                        + bounds.retryFindings() + " in the window, were folded into " + pass.retry.rollupsHeld()
                        + " findings by feature, the least wasteful first; the waste is the same, the largest are"
                        + " listed one by one (retry rule: a later redundant call of theirs is counted apart)");
            }
            long prompts = pass.promptCache.settled();
            if (prompts > 0 && warnings.size() < 100) {
                warnings.add("approximated: " + prompts + " system prompts with a cache write, past "
                        + bounds.prompts() + " in the window, were settled once a day without them was merged"
                        + " (prompt-cache rule: a later call of theirs is not compared with their earlier write)");
            }
            long jobs = pass.batch.settled();
            if (jobs > 0 && warnings.size() < 100) {
                warnings.add("approximated: " + jobs + " jobs, past " + bounds.jobs() + " in the window, were settled"
                        + " once a day without them was merged (batch rule: a run that comes back later is a new job)");
            }
            return pass.finish(
                    window,
                    new ReadStats(objects, records, duplicates, malformed, unreadable, warnings, byField, quarantined));
        }
    }

    /** One streaming pass over the records of a window. */
    public final class Pass {
        private final RetryDetector retry = new RetryDetector();
        private final ModelMismatchDetector mismatch = new ModelMismatchDetector(catalog);
        private final ContextBloatDetector bloat = new ContextBloatDetector();
        private final CacheMissDetector cache = new CacheMissDetector(indexThreads);
        private final UngovernedKeyDetector ungoverned = new UngovernedKeyDetector(governance);
        private final PromptCacheDetector promptCache = new PromptCacheDetector();
        private final BatchTierDetector batch = new BatchTierDetector();
        private final Map<String, Optional<ModelPrice>> prices = new HashMap<>();
        private final Map<String, BigDecimal> spendByFeature = new LinkedHashMap<>();
        private final Map<String, BigDecimal> coveredByFeature = new HashMap<>();
        private final Map<String, Map<String, BigDecimal>> departmentsByFeature = new HashMap<>();
        private final Map<String, Map<String, BigDecimal>> departmentsByKey = new HashMap<>();
        private BigDecimal covered = BigDecimal.ZERO;
        private final Call call = new Call();
        private final CostCheck costCheck = CostCheck.against(catalog);
        private final Map<String, Long> quarantined = new java.util.TreeMap<>();
        private BigDecimal spend = BigDecimal.ZERO;
        private long calls;
        /** Calls counted at $0 because they have no price: in no figure, said so beside them. */
        private UnpricedCalls unpriced = UnpricedCalls.NONE;

        private long nextPos;

        private Pass() {}

        /** A record of the hour before a day pass: primes the retry and response-cache detectors, counts nothing. */
        public void warmUp(UsageRecord r) {
            if (costCheck.check(r).isPresent()) {
                return; // counted by the pass of its own day
            }
            Call c = prepare(r);
            c.warmUp = true;
            retry.accept(c);
            cache.accept(c);
        }

        private Call prepare(UsageRecord r) {
            Call c = call;
            c.record = r;
            c.price = price(r);
            c.model = c.price != null ? c.price.model() : r.pricedModel();
            c.cost = Call.costOf(r);
            c.ok = Call.success(r) && c.cost.signum() > 0;
            c.feature = r.attribution().feature() == null
                    ? Call.UNATTRIBUTED
                    : r.attribution().feature();
            c.redundantRetry = false;
            return c;
        }

        /** This pass's state as one day's aggregate (for a pass from {@link #dayPass}). */
        public DayAggregate dayAggregate(java.time.LocalDate day, ReadStats stats) {
            return new DayAggregate(
                    DayAggregate.SCHEMA_VERSION,
                    day,
                    catalog.version(),
                    0,
                    null,
                    stats.plusQuarantined(quarantined),
                    calls,
                    spend,
                    new LinkedHashMap<>(spendByFeature),
                    new LinkedHashMap<>(coveredByFeature),
                    covered,
                    copy(departmentsByFeature),
                    copy(departmentsByKey),
                    unpriced,
                    retry.dayState(),
                    mismatch.dayState(),
                    bloat.dayState(),
                    cache.dayState(),
                    ungoverned.dayState(),
                    promptCache.dayState(),
                    batch.dayState());
        }

        private static Map<String, Map<String, BigDecimal>> copy(Map<String, Map<String, BigDecimal>> m) {
            Map<String, Map<String, BigDecimal>> out = new LinkedHashMap<>();
            m.forEach((k, v) -> out.put(k, new LinkedHashMap<>(v)));
            return out;
        }

        /** A later day, merged part by part (see {@link DaySections} for the order). */
        private final class DayIntake implements DaySections {
            private boolean unreadEnded;

            DayIntake() {
                retry.beginDay();
            }

            @Override
            public void totals(DayAggregate.Totals d) {
                calls += d.calls();
                spend = spend.add(d.spendUsd());
                unpriced = unpriced.plus(d.unpriced());
                d.spendByFeature().forEach((k, v) -> spendByFeature.merge(k, v, BigDecimal::add));
                d.coveredByFeature().forEach((k, v) -> coveredByFeature.merge(k, v, BigDecimal::add));
                covered = covered.add(d.coveredUsd());
                d.departmentsByFeature()
                        .forEach((k, v) -> v.forEach((owner, usd) -> departmentsByFeature
                                .computeIfAbsent(k, x -> new HashMap<>())
                                .merge(owner, usd, BigDecimal::add)));
                d.departmentsByKey()
                        .forEach((k, v) -> v.forEach((owner, usd) -> departmentsByKey
                                .computeIfAbsent(k, x -> new HashMap<>())
                                .merge(owner, usd, BigDecimal::add)));
            }

            @Override
            public void retryScope(RetryDetector.ScopeState scope) {
                retry.absorbScope(scope);
            }

            @Override
            public void retryOrphanPeak(String session, long peak) {
                retry.absorbOrphanPeak(session, peak);
            }

            @Override
            public void modelMismatch(ModelMismatchDetector.GroupState group) {
                mismatch.absorb(group);
            }

            @Override
            public void contextBloat(ContextBloatDetector.GroupState group) {
                bloat.absorb(group, catalog);
            }

            @Override
            public void cacheMiss(CacheMissDetector.PartitionState partition) {
                cache.absorb(partition);
            }

            @Override
            public void ungoverned(UngovernedKeyDetector.ComboState combo) {
                ungoverned.absorb(combo);
            }

            @Override
            public void promptHead(PromptCacheDetector.HeadState head) {
                if (unreadEnded) {
                    throw new IllegalStateException("a prompt head after the day's prompts");
                }
                promptCache.absorbHead(head);
            }

            @Override
            public void promptUnread(PromptCacheDetector.UnreadState unread) {
                if (unreadEnded) {
                    throw new IllegalStateException("an unread state after the day's prompts");
                }
                promptCache.absorbUnread(unread, catalog);
            }

            @Override
            public void prompt(PromptCacheDetector.PromptState prompt) {
                endUnread();
                promptCache.absorbPrompt(prompt, catalog);
            }

            @Override
            public void batchJob(BatchTierDetector.JobState job) {
                batch.absorbJob(job);
            }

            @Override
            public void end(List<PromptCacheDetector.UnstableState> unstable, long headsDropped) {
                endUnread();
                promptCache.endDay(unstable, headsDropped, catalog);
                batch.endDay();
            }

            private void endUnread() {
                if (!unreadEnded) {
                    promptCache.endUnread(catalog);
                    unreadEnded = true;
                }
            }
        }

        /**
         * Feeds the next record of the window; one whose cost fails the {@link CostCheck} is counted as quarantined
         * and reaches no detector and no total.
         */
        public void accept(UsageRecord r) {
            Optional<CostCheck.Reason> rejected = costCheck.check(r);
            if (rejected.isPresent()) {
                quarantined.merge(rejected.get().key(), 1L, Long::sum);
                return;
            }
            Call c = call;
            c.record = r;
            c.warmUp = false;
            c.pos = nextPos++;
            c.price = price(r);
            c.model = c.price != null ? c.price.model() : r.pricedModel();
            c.cost = Call.costOf(r);
            c.ok = Call.success(r) && c.cost.signum() > 0;
            c.feature = r.attribution().feature() == null
                    ? Call.UNATTRIBUTED
                    : r.attribution().feature();
            c.redundantRetry = false;
            calls++;
            spend = spend.add(c.cost);
            unpriced = unpriced.plus(r);
            spendByFeature.merge(c.feature, c.cost, BigDecimal::add);
            if (c.cost.signum() > 0) {
                String owner = r.attribution().department() + "\u0000"
                        + r.attribution().team();
                departmentsByFeature
                        .computeIfAbsent(c.feature, k -> new HashMap<>())
                        .merge(owner, c.cost, BigDecimal::add);
                if (r.keyId() != null) {
                    departmentsByKey
                            .computeIfAbsent(r.keyId(), k -> new HashMap<>())
                            .merge(owner, c.cost, BigDecimal::add);
                }
                if (covered(c)) {
                    coveredByFeature.merge(c.feature, c.cost, BigDecimal::add);
                    covered = covered.add(c.cost);
                }
            }
            retry.accept(c);
            mismatch.accept(c);
            bloat.accept(c);
            cache.accept(c);
            ungoverned.accept(c);
            promptCache.accept(c);
            batch.accept(c);
        }

        /** The response-cache index work done on worker threads so far (waits for the work handed over). */
        public IndexWork indexWork() {
            return cache.work();
        }

        /** Whether a model, prompt-cache or batch rule examined the call (see {@link EfficiencyScore}). */
        private boolean covered(Call c) {
            UsageRecord r = c.record;
            boolean model = c.price != null
                    && "premium".equals(c.price.tier())
                    && mismatch.cheaperModel(c.price).isPresent();
            boolean prompt = r.fingerprints().systemHash() != null
                    && r.tokens().inputTokens() >= ContextBloatDetector.MIN_PREFIX_TOKENS;
            boolean job = r.attribution().run() != null
                    || "batch".equalsIgnoreCase(r.attribution().environment());
            return model || prompt || job;
        }

        private ModelPrice price(UsageRecord r) {
            String model = r.pricedModel();
            String provider = r.pricedProvider();
            if (provider == null || model == null) {
                return null;
            }
            return prices.computeIfAbsent(provider + "\u0000" + model, k -> catalog.find(provider, model))
                    .orElse(null);
        }

        public WasteReport finish(WasteWindow window, ReadStats stats) {
            List<Finding> findings = new ArrayList<>();
            findings.addAll(mismatch.findings(window));
            findings.addAll(bloat.findings(window));
            findings.addAll(retry.findings(window));
            findings.addAll(cache.findings(window));
            findings.addAll(ungoverned.findings(window));
            findings.addAll(promptCache.findings(window));
            findings.addAll(batch.findings(window));
            findings.replaceAll(this::owned);
            findings.sort(Comparator.comparing(Finding::monthlySavingsUsd)
                    .thenComparing(Finding::monthlySpendAtRiskUsd)
                    .reversed()
                    .thenComparing(Finding::id));

            // each call's cost counted at most once, however many findings name it (see RecoverableTotal)
            Map<String, BigDecimal> wasteByFeature = RecoverableTotal.byFeature(findings, spendByFeature);
            BigDecimal totalWaste = wasteByFeature.values().stream().reduce(BigDecimal.ZERO, BigDecimal::add);
            java.util.Set<String> featuresWithFindings = new java.util.HashSet<>();
            for (Finding f : findings) {
                featuresWithFindings.add(f.feature() == null ? Call.UNATTRIBUTED : f.feature());
            }
            Map<String, BigDecimal> atRisk = ungoverned.atRiskByFeature();
            BigDecimal totalAtRisk = atRisk.values().stream().reduce(BigDecimal.ZERO, BigDecimal::add);
            List<EfficiencyScore> scores = new ArrayList<>();
            for (Map.Entry<String, BigDecimal> e : spendByFeature.entrySet()) {
                if (e.getValue().signum() == 0) {
                    continue;
                }
                scores.add(EfficiencyScore.of(
                        e.getKey(),
                        e.getValue(),
                        wasteByFeature.getOrDefault(e.getKey(), BigDecimal.ZERO),
                        atRisk.getOrDefault(e.getKey(), BigDecimal.ZERO),
                        coveredByFeature.getOrDefault(e.getKey(), BigDecimal.ZERO),
                        featuresWithFindings.contains(e.getKey())));
            }
            scores.sort(Comparator.comparingInt(EfficiencyScore::score).thenComparing(EfficiencyScore::feature));
            return new WasteReport(
                    clock.instant(),
                    window,
                    stats.plusQuarantined(quarantined),
                    calls,
                    spend,
                    findings,
                    EfficiencyScore.of(null, spend, totalWaste, totalAtRisk, covered, !findings.isEmpty()),
                    scores,
                    settings(findings),
                    unpriced);
        }

        /** The finding with the owner of its feature, else of its key. */
        private Finding owned(Finding f) {
            Map<String, BigDecimal> spendByOwner = f.feature() != null
                    ? departmentsByFeature.get(f.feature())
                    : "key".equals(f.scopeType()) ? departmentsByKey.get(f.scopeValue()) : null;
            if (spendByOwner == null || spendByOwner.isEmpty()) {
                return f;
            }
            String top = spendByOwner.entrySet().stream()
                    .max(Map.Entry.<String, BigDecimal>comparingByValue().thenComparing(Map.Entry.comparingByKey()))
                    .orElseThrow()
                    .getKey();
            String department = top.substring(0, top.indexOf('\u0000'));
            String team = top.substring(top.indexOf('\u0000') + 1);
            department = "null".equals(department) ? null : department;
            team = "null".equals(team) ? null : team;
            return f.withOwner(owner(department, team, f.feature()));
        }

        private Owner owner(String department, String team, String feature) {
            if (rules == null) {
                return new Owner(department, team, null, null, "no chargeback rules configured");
            }
            if (department == null) {
                return new Owner(
                        null,
                        team,
                        rules.suspense().costCentre(),
                        rules.suspense().glAccount(),
                        "suspense: the calls carried no department");
            }
            for (ChargebackRules.SharedRule shared : rules.shared()) {
                if (shared.match().matches(department, team, feature)) {
                    return new Owner(
                            department,
                            team,
                            "shared",
                            shared.glAccount(),
                            "shared chargeback rule: spread "
                                    + shared.allocation().name().toLowerCase(java.util.Locale.ROOT)
                                    + " over cost centres");
                }
            }
            for (ChargebackRules.Rule rule : rules.rules()) {
                if (rule.match().matches(department, team, feature)) {
                    return new Owner(
                            department,
                            team,
                            rule.account().costCentre(),
                            rule.account().glAccount(),
                            "chargeback rule department=" + department);
                }
            }
            return new Owner(
                    department,
                    team,
                    rules.suspense().costCentre(),
                    rules.suspense().glAccount(),
                    "suspense: no chargeback rule matches");
        }

        /** One value per gateway setting: every degrade chain in one list, one session breaker rate. */
        private List<RecommendedSetting> settings(List<Finding> findings) {
            List<RecommendedSetting> out = new ArrayList<>();
            List<String> chains = new ArrayList<>();
            List<String> chainIds = new ArrayList<>();
            List<String> breakerIds = new ArrayList<>();
            for (Finding f : findings) {
                if (f.category() == WasteCategory.MODEL_MISMATCH) {
                    // the names the calls ask for: a Bedrock profile's calls degrade within that profile
                    String prefix = BedrockGeography.of(f).orElse("");
                    String from = prefix + f.model();
                    String chain = from + ">" + prefix + f.evidence().details().get("cheaper_model");
                    if (!chains.contains(chain) && chains.stream().noneMatch(c -> c.startsWith(from + ">"))) {
                        chains.add(chain);
                    }
                    chainIds.add(f.id());
                } else if (f.category() == WasteCategory.RETRY_WASTE
                        && ("session".equals(f.scopeType()) || "sessions".equals(f.scopeType()))) {
                    breakerIds.add(f.id());
                }
            }
            if (!chains.isEmpty()) {
                java.util.Collections.sort(chains);
                out.add(new RecommendedSetting(
                        "SPENDGATE_DEGRADE_CHAINS",
                        "gateway",
                        String.join("; ", chains),
                        "every chain the model-mismatch findings advise, in one value (the variable holds them all)",
                        chainIds));
            }
            if (!breakerIds.isEmpty()) {
                out.add(new RecommendedSetting(
                        "SPENDGATE_SESSION_CALLS_PER_MINUTE",
                        "gateway",
                        Integer.toString(RetryDetector.BURST_CALLS_PER_MINUTE),
                        "the rate above which the retry detector calls a session runaway",
                        breakerIds));
            }
            return out;
        }
    }
}
