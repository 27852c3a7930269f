package dev.spendgate.domain.waste;

import dev.spendgate.domain.cache.CacheableCalls;
import dev.spendgate.domain.usage.UsageRecord;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Calls a response cache would have answered. A successful, billed call is a <em>hit</em> at threshold t when an
 * earlier successful call of the same feature and model, and of the same API key, department and endpoint (the
 * gateway's default {@code share: key}, the cache this finding's fix sets up: never across keys or departments), that
 * filled the cache at t, less than {@value #TTL_MINUTES} minutes before it, had the same request fingerprint (exact
 * duplicate) or was a near-duplicate at t. As in the
 * gateway, only a miss fills the cache and its entry expires {@value #TTL_MINUTES} minutes after that miss: a hit
 * neither fills nor extends it, so a question asked every 30 minutes is a hit every other time. Each threshold is its
 * own cache (a call a 0.85 cache answers may fill a 0.95 one). Near-duplicates: for schema-2 records, the same prefix
 * ({@code prefix_hash}: system prompt, tools and earlier turns) and a SimHash of the varying part (the last turn) with
 * similarity 1 - hamming/64 >= t; for schema-1 records, which have no varying part, the SimHash of the whole prompt.
 * A long shared prefix dominates a whole-prompt sketch, so different questions behind one system prompt would look
 * alike there: that traffic is a prompt-caching case ({@link ContextBloatDetector}), never a response-cache one.
 * Thresholds: 0.85, 0.90, 0.95 (at most 9, 6 and 3 differing bits). Savings at t = the recorded cost of the hits at t.
 * Beside them runs an exact cache (same request fingerprint only, filled by its own misses): the cache {@code advisor
 * apply} sets up when reworded repeats do not outnumber exact ones ({@link CacheMissFix}). A (feature, model) with at
 * least {@value #MIN_HITS} hits at 0.85 is a finding; its headline savings are what the cache its fix sets up saves:
 * the exact cache's hits for an exact fix, those at 0.90 (the semantic rule's threshold) for a semantic one. Calls the retry detector found redundant are left to it, and so are calls the gateway's cache never answers
 * nor keeps ({@link CacheableCalls}: embeddings and batches, streamed Responses and Bedrock calls).
 *
 * <p>Near-duplicates are found without comparing every pair: the 64 bits are cut into 5 bands, and two sketches at
 * most 9 bits apart differ in at most one bit of at least one band (pigeonhole), so only calls in a band's bucket or
 * one bit from it are compared. Memory: the index holds the cache fills (misses) of the last two clock hours per
 * (feature, model), in primitive arrays (80-150 bytes a fill, measured before fills replaced calls at 80-140 bytes a
 * call: 249 MB at a 1B-call month's 1.36M calls an hour). The work per call still
 * grows with the calls per hour of a feature and model (about N / 117 sketches compared, read in sequence): 5.7 us
 * a record on a 10M-call month, 35 us at a 1B-call month's density (bench/RESULTS.md). With more than one thread
 * ({@link WasteAnalyzer#withIndexThreads}) each (feature, model) partition's calls go to a worker in batches, one
 * worker per partition at a time, in the pass's order: exact, and faster per call too (a partition's index stays in
 * cache for a whole batch).
 */
final class CacheMissDetector implements Detector {
    static final long TTL_MINUTES = 60;
    static final long MIN_HITS = 5;
    static final double[] THRESHOLDS = {0.85, 0.90, 0.95};
    static final String HEADLINE = "0.90";
    /** Bands of the near-duplicate index (see {@link Generation}). */
    private static final int INDEX_BANDS = 5;

    private static final Duration TTL = Duration.ofMinutes(TTL_MINUTES);
    private static final int[] MAX_DISTANCE = new int[THRESHOLDS.length];
    /** The threshold whose exact hits are the finding's {@code exact_duplicates}: the headline's. */
    private static final int HEADLINE_INDEX = 1;
    /** Every threshold's bit of a hit mask (bit i: the cache at threshold i). */
    private static final int ALL = (1 << THRESHOLDS.length) - 1;
    /** The exact cache's place among a request slot's fills ({@link Generation#requestFills}). */
    private static final int EXACT_CACHE = THRESHOLDS.length;
    /** The exact cache's bit of a hit or fill mask (after the thresholds' hit and same-request bits). */
    private static final int EXACT_HIT = 1 << (2 * THRESHOLDS.length);
    /** The label of the exact cache's savings among a finding's {@code savings_by_threshold}. */
    static final String EXACT_LABEL = "exact";
    /** Per distance 0-64: the thresholds a sketch that many bits away is a near-duplicate at. */
    private static final int[] WITHIN = new int[65];

    static {
        for (int i = 0; i < THRESHOLDS.length; i++) {
            MAX_DISTANCE[i] = (int) Math.floor((1.0 - THRESHOLDS[i]) * 64 + 1e-9);
        }
        for (int d = 0; d <= 64; d++) {
            for (int i = 0; i < THRESHOLDS.length; i++) {
                if (d <= MAX_DISTANCE[i]) {
                    WITHIN[d] |= 1 << i;
                }
            }
        }
    }

    private final Map<String, Partition> partitions = new LinkedHashMap<>();
    /** Null: every call is compared on the pass's thread. Else the workers the partitions' calls are handed to. */
    private final Workers workers;

    /** A detector that compares every call on the pass's own thread. */
    CacheMissDetector() {
        this(1);
    }

    /**
     * A detector whose index work runs on {@code threads} worker threads (1: on the pass's thread). Calls are
     * compared only with calls of the same feature and model, so each (feature, model) partition is worked through
     * by one worker at a time, in the order the pass saw its calls: the findings are the same for any thread count.
     */
    CacheMissDetector(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, was " + threads);
        }
        this.workers = threads == 1 ? null : new Workers(threads);
    }

    @Override
    public void accept(Call c) {
        if (!c.ok || !c.billed() || c.redundantRetry) {
            return;
        }
        if (CacheableCalls.bypass(c.record.endpoint(), c.record.stream()).isPresent()) {
            return; // the gateway's cache neither answers nor keeps it (embeddings, streamed Responses and Bedrock)
        }
        UsageRecord.Fingerprints f = c.record.fingerprints();
        String sketchHex = f.varyingSimhash() != null ? f.varyingSimhash() : f.simhash();
        if (sketchHex == null && f.requestHash() == null) {
            return;
        }
        Partition p =
                partitions.computeIfAbsent(c.feature + "\u0000" + c.model, k -> new Partition(c.feature, c.model));
        if (workers == null) {
            p.take(c.record, c.cost, c.pos, c.warmUp);
        } else {
            workers.hand(p, c, partitions.values());
        }
    }

    /** The prefix a varying-part sketch is compared under: 64 bits of its hash, a constant for schema-1 records. */
    static long prefixTag(String prefixHash) {
        if (prefixHash == null) {
            return 1;
        }
        long tag = prefixHash.hashCode() * 0x9E3779B97F4A7C15L;
        for (int i = 0; i < Math.min(16, prefixHash.length()); i++) {
            tag = tag * 31 + prefixHash.charAt(i);
        }
        return tag == 0 ? 2 : tag;
    }

    @Override
    public List<Finding> findings(WasteWindow window) {
        settle();
        List<Finding> out = new ArrayList<>();
        for (Partition p : partitions.values()) {
            if (p.hits[0] < MIN_HITS) {
                continue;
            }
            Map<String, BigDecimal> byThreshold = new LinkedHashMap<>();
            Map<String, String> details = new LinkedHashMap<>();
            details.put("model", p.model);
            details.put("exact_duplicates", Long.toString(p.exact));
            for (int i = 0; i < THRESHOLDS.length; i++) {
                String label = label(i);
                byThreshold.put(label, p.savings[i]);
                details.put("hits_at_" + label, Long.toString(p.hits[i]));
            }
            details.put("hits_exact_cache", Long.toString(p.exactCacheHits));
            byThreshold.put(EXACT_LABEL, p.exactCacheSavings);
            details.put("ttl_minutes", Long.toString(TTL_MINUTES));
            boolean semantic = CacheMissFix.semantic(p.exact, p.hits[HEADLINE_INDEX]);
            BigDecimal headline = semantic ? byThreshold.get(HEADLINE) : p.exactCacheSavings;
            Evidence evidence = new Evidence(
                    p.tally.calls, p.tally.wasteful, p.tally.first, p.tally.last, p.tally.examples, details);
            out.add(new Finding(
                    WasteCategory.CACHE_MISS,
                    p.exact >= p.hits[0] - p.exact ? "exact_duplicates" : "near_duplicates",
                    "feature",
                    p.feature,
                    p.feature,
                    p.model,
                    evidence,
                    headline,
                    window.monthly(headline),
                    BigDecimal.ZERO,
                    "sum of the recorded cost of calls whose request matched an earlier call of the same feature,"
                            + " model, API key and department (the cache's default share) that filled the cache less"
                            + " than " + TTL_MINUTES + " min before (a miss fills"
                            + " it, a hit does not extend it; "
                            + (semantic
                                    ? "same request hash, or SimHash similarity >= 0.90, the semantic cache the fix"
                                            + " sets up as reworded repeats outnumber exact ones; exact, 0.85 and 0.95"
                                    : "same request hash, the exact cache the fix sets up as exact repeats are at least"
                                            + " as many as reworded ones; 0.85, 0.90 and 0.95")
                            + " in savings_by_threshold), x 30 days / window",
                    "Put a response cache in front of feature " + p.feature + " on " + p.model + " (TTL "
                            + TTL_MINUTES + " min): " + p.exact + " exact repeats and " + (p.hits[1] - p.exact)
                            + " near-duplicates at similarity 0.90 out of " + p.tally.calls + " calls. "
                            + (semantic
                                    ? "Reworded repeats outnumber exact ones: a semantic cache at 0.90 (the saving"
                                            + " above); exact matching alone would have saved $"
                                            + window.monthly(p.exactCacheSavings)
                                                    .setScale(2, java.math.RoundingMode.HALF_UP)
                                                    .toPlainString()
                                            + " per month, a semantic cache at 0.95 $"
                                    : "Start with exact matching (the saving above); a semantic cache at 0.90 would"
                                            + " have saved $"
                                            + window.monthly(p.savings[HEADLINE_INDEX])
                                                    .setScale(2, java.math.RoundingMode.HALF_UP)
                                                    .toPlainString()
                                            + " per month, at 0.95 $")
                            + window.monthly(p.savings[2])
                                    .setScale(2, java.math.RoundingMode.HALF_UP)
                                    .toPlainString()
                            + " per month, at 0.85 $"
                            + window.monthly(p.savings[0])
                                    .setScale(2, java.math.RoundingMode.HALF_UP)
                                    .toPlainString()
                            + ".",
                    byThreshold));
        }
        return out;
    }

    static String label(int threshold) {
        return String.format(java.util.Locale.ROOT, "%.2f", THRESHOLDS[threshold]);
    }

    /**
     * The partitions counted in one day, in the order of their first counted call (a partition primed by the hour
     * before the day but without a call in the day is left out).
     */
    List<PartitionState> dayState() {
        settle();
        List<Partition> counted = new ArrayList<>();
        for (Partition p : partitions.values()) {
            if (p.tally.calls > 0) {
                counted.add(p);
            }
        }
        counted.sort(java.util.Comparator.comparingLong(p -> p.firstPos));
        List<PartitionState> out = new ArrayList<>();
        for (Partition p : counted) {
            out.add(new PartitionState(
                    p.feature,
                    p.model,
                    p.tally.state(),
                    p.hits.clone(),
                    p.savings.clone(),
                    p.exact,
                    p.exactCacheHits,
                    p.exactCacheSavings));
        }
        return out;
    }

    /** Adds a later day's partitions (the index the day needed from the hour before it came from its warm-up). */
    void absorb(List<PartitionState> day) {
        day.forEach(this::absorb);
    }

    /** Adds one partition of a later day. */
    void absorb(PartitionState d) {
        Partition p = partitions.computeIfAbsent(
                d.feature() + "\u0000" + d.model(), k -> new Partition(d.feature(), d.model()));
        p.tally.absorb(d.tally());
        for (int i = 0; i < THRESHOLDS.length; i++) {
            p.hits[i] += d.hits()[i];
            p.savings[i] = p.savings[i].add(d.savings()[i]);
        }
        p.exact += d.exact();
        p.exactCacheHits += d.exactCacheHits();
        if (d.exactCacheSavings() != null) {
            p.exactCacheSavings = p.exactCacheSavings.add(d.exactCacheSavings());
        }
    }

    /** Waits until the workers have taken every call handed to them (a no-op without workers). */
    void settle() {
        if (workers != null) {
            workers.settle(partitions.values());
        }
    }

    /**
     * The index work done on worker threads so far: all partitions' and the busiest one's (zero without workers).
     * What limits the parallel pass: the busiest partition runs on one thread.
     */
    WasteAnalyzer.IndexWork work() {
        settle();
        long total = 0;
        Partition busiest = null;
        for (Partition p : partitions.values()) {
            total += p.busyNanos;
            if (busiest == null || p.busyNanos > busiest.busyNanos) {
                busiest = p;
            }
        }
        return busiest == null || total == 0
                ? new WasteAnalyzer.IndexWork(0, 0, null, partitions.size())
                : new WasteAnalyzer.IndexWork(
                        total, busiest.busyNanos, busiest.feature + " / " + busiest.model, partitions.size());
    }

    /**
     * Worker threads for the index. The pass's thread fills a batch per partition and hands a full one over; a
     * partition's batches wait in its own queue, and at most one worker drains that queue at a time, so each
     * partition sees its calls in order while different partitions run side by side. Batches in flight are capped
     * (the records they hold are the memory this costs), so a pass that outruns its workers waits for them.
     */
    private static final class Workers {
        private static final int BATCH = 512;
        private static final int IN_FLIGHT = 128;
        /** Records in part-filled batches the pass may hold before it hands them all over. */
        private static final int MAX_FILLING = 65_536;

        private final java.util.concurrent.ThreadPoolExecutor pool;
        private final java.util.concurrent.Semaphore permits = new java.util.concurrent.Semaphore(IN_FLIGHT);
        private final java.util.concurrent.atomic.AtomicReference<Throwable> failure =
                new java.util.concurrent.atomic.AtomicReference<>();
        /** Records in the partitions' part-filled batches (pass thread only). */
        private int filling;

        Workers(int threads) {
            java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
            pool = new java.util.concurrent.ThreadPoolExecutor(
                    threads,
                    threads,
                    1,
                    java.util.concurrent.TimeUnit.SECONDS,
                    new java.util.concurrent.LinkedBlockingQueue<>(),
                    task -> {
                        Thread t = new Thread(task, "waste-cache-index-" + n.incrementAndGet());
                        t.setDaemon(true);
                        return t;
                    });
            pool.allowCoreThreadTimeOut(true); // idle workers end, so a finished pass leaves no threads behind
        }

        void hand(Partition p, Call c, java.util.Collection<Partition> all) {
            Batch b = p.filling;
            if (b == null) {
                b = p.filling = new Batch();
            }
            b.add(c.record, c.cost, c.pos, c.warmUp);
            filling++;
            if (b.size == BATCH) {
                dispatch(p);
            } else if (filling > MAX_FILLING) {
                // many quiet partitions: hand their part-filled batches over rather than hold their records all day
                for (Partition q : all) {
                    if (q.filling != null) {
                        dispatch(q);
                    }
                }
            }
        }

        private void dispatch(Partition p) {
            Batch b = p.filling;
            p.filling = null;
            filling -= b.size;
            permits.acquireUninterruptibly();
            rethrow();
            synchronized (p) {
                p.queue.add(b);
                if (p.scheduled) {
                    return;
                }
                p.scheduled = true;
            }
            pool.execute(() -> drain(p));
        }

        private void drain(Partition p) {
            while (true) {
                Batch b;
                synchronized (p) {
                    b = p.queue.poll();
                    if (b == null) {
                        p.scheduled = false;
                        return;
                    }
                }
                try {
                    if (failure.get() == null) {
                        long t0 = System.nanoTime();
                        for (int i = 0; i < b.size; i++) {
                            p.take(b.records[i], b.costs[i], b.positions[i], b.warmUps[i]);
                        }
                        p.busyNanos += System.nanoTime() - t0;
                    }
                } catch (RuntimeException | Error e) {
                    failure.compareAndSet(null, e);
                } finally {
                    permits.release();
                }
            }
        }

        void settle(java.util.Collection<Partition> partitions) {
            for (Partition p : partitions) {
                if (p.filling != null) {
                    dispatch(p);
                }
            }
            permits.acquireUninterruptibly(IN_FLIGHT);
            permits.release(IN_FLIGHT);
            rethrow();
        }

        private void rethrow() {
            Throwable t = failure.get();
            if (t instanceof RuntimeException e) {
                throw e;
            }
            if (t instanceof Error e) {
                throw e;
            }
        }
    }

    /** Calls of one partition handed to a worker together. */
    private static final class Batch {
        final UsageRecord[] records = new UsageRecord[Workers.BATCH];
        final BigDecimal[] costs = new BigDecimal[Workers.BATCH];
        final long[] positions = new long[Workers.BATCH];
        final boolean[] warmUps = new boolean[Workers.BATCH];
        int size;

        void add(UsageRecord r, BigDecimal cost, long pos, boolean warmUp) {
            records[size] = r;
            costs[size] = cost;
            positions[size] = pos;
            warmUps[size] = warmUp;
            size++;
        }
    }

    record PartitionState(
            String feature,
            String model,
            Tally.State tally,
            long[] hits,
            BigDecimal[] savings,
            long exact,
            long exactCacheHits,
            BigDecimal exactCacheSavings) {}

    /** A request slot's fill time at a threshold whose cache it is not in. */
    private static final int NO_FILL = -1;

    /** The calls of one (feature, model) in the current and previous clock hour. */
    private static final class Partition {
        final String feature;
        final String model;
        final Tally tally = new Tally();
        final long[] hits = new long[THRESHOLDS.length];
        final BigDecimal[] savings = {BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ZERO};
        long exact;
        /** Calls the exact cache answered, and their recorded cost. */
        long exactCacheHits;

        BigDecimal exactCacheSavings = BigDecimal.ZERO;
        long firstPos;
        /** Time the workers spent on this partition's calls. */
        long busyNanos;
        /** The batch the pass is filling (pass thread only). */
        Batch filling;
        /** Full batches waiting for a worker, and whether a worker has been given this partition (guarded by this). */
        final java.util.ArrayDeque<Batch> queue = new java.util.ArrayDeque<>();

        boolean scheduled;
        Generation current;
        Generation previous;

        Partition(String feature, String model) {
            this.feature = feature;
            this.model = model;
        }

        /** One call of this partition, after every earlier one: counts it if it is a hit, then indexes it. */
        void take(UsageRecord r, BigDecimal cost, long pos, boolean warmUp) {
            UsageRecord.Fingerprints f = r.fingerprints();
            boolean varying = f.varyingSimhash() != null;
            String sketchHex = varying ? f.varyingSimhash() : f.simhash();
            String requestHash = f.requestHash();
            // one cache per share: the same question on another key, department or endpoint is not answered from it
            long share = shareTag(r);
            long prefix = mix((varying ? prefixTag(f.prefixHash()) : 0) ^ share);
            long sketch = 0;
            if (sketchHex != null) {
                try {
                    sketch = Long.parseUnsignedLong(sketchHex, 16);
                } catch (NumberFormatException e) {
                    sketchHex = null; // not a sketch this detector can read: exact matches only
                }
            }
            Instant t = r.tsStart();
            boolean hasRequest = requestHash != null;
            long request = hasRequest ? nonZero(mix(requestDigest(requestHash) ^ share)) : 0;
            int found = nearest(t, sketchHex != null, sketch, prefix, hasRequest, request);
            // the caches this call misses: it fills them (a hit fills nothing and extends nothing)
            int fills = ~found & (ALL | EXACT_HIT);
            if (warmUp) {
                add(t, sketchHex != null, sketch, prefix, hasRequest, request, fills);
                return;
            }
            if (tally.calls == 0) {
                firstPos = pos;
            }
            tally.seen(t);
            for (int i = 0; i < THRESHOLDS.length; i++) {
                if ((found & (1 << i)) != 0) {
                    hits[i]++;
                    savings[i] = savings[i].add(cost);
                }
            }
            if ((found & (1 << (THRESHOLDS.length + HEADLINE_INDEX))) != 0) {
                this.exact++;
            }
            if ((found & EXACT_HIT) != 0) {
                exactCacheHits++;
                exactCacheSavings = exactCacheSavings.add(cost);
            }
            if ((found & 1) != 0) {
                tally.wasteful(r.requestId(), t, cost);
            }
            add(t, sketchHex != null, sketch, prefix, hasRequest, request, fills);
        }

        /**
         * The caches that answer the call: bit i set when the cache at threshold i holds a live entry within
         * threshold i's distance, bit (thresholds + i) when that entry is a same-request one.
         */
        int nearest(Instant t, boolean hasSketch, long sketch, long prefix, boolean hasRequest, long request) {
            roll(t);
            long now = t.toEpochMilli();
            int found = 0;
            for (Generation g : new Generation[] {current, previous}) {
                if (g != null) { // both hours: a same-request entry may be in either
                    found |= g.nearest(now, hasSketch, sketch, prefix, hasRequest, request, found);
                }
            }
            return found;
        }

        void add(Instant t, boolean hasSketch, long sketch, long prefix, boolean hasRequest, long request, int fills) {
            if (fills == 0) {
                return;
            }
            long hour = t.getEpochSecond() / 3600;
            Generation g = current != null && current.hour == hour
                    ? current
                    : previous != null && previous.hour == hour ? previous : null;
            if (g != null) {
                g.add(t.toEpochMilli(), hasSketch, sketch, prefix, hasRequest, request, fills);
            }
        }

        private void roll(Instant t) {
            long hour = t.getEpochSecond() / 3600;
            if (current == null) {
                current = new Generation(hour);
            } else if (hour > current.hour) {
                previous = hour == current.hour + 1 ? current : null;
                current = new Generation(hour);
            }
        }
    }

    /**
     * One clock hour of calls in primitive arrays: the request fingerprints as 64-bit digests in an open-addressing
     * table, and the sketches in {@value #INDEX_BANDS} band indexes. Two sketches at most 9 bits apart differ in at
     * most one bit of one of the five bands (pigeonhole: 5 x 2 > 9), so a lookup visits each band's own bucket and the
     * buckets one bit away (about 70). A bucket keeps its calls' sketches side by side with their positions, so a
     * lookup scans a few short arrays in order and reads a call's time and prefix only when its sketch is within 9
     * bits: the work per call is memory read in sequence, not one cache miss per candidate (the cost that grew with the
     * calls per hour when buckets were linked lists through the hour's arrays). Every call within 9 bits is still
     * compared, so the smallest distance up to 9 is exact.
     */
    private static final class Generation {
        private static final long HOUR_MILLIS = 3_600_000L;
        private static final int MAX_BUCKET_BITS = 13;

        final long hour;
        private final long hourStart;
        private long[] requestKeys = new long[16];
        /**
         * Per threshold, then the exact cache ({@link #EXACT_CACHE}): when the request slot's entry filled that cache
         * ({@link #NO_FILL}: never).
         */
        private int[][] requestFills = new int[THRESHOLDS.length + 1][16];

        private int requests;
        private long[] sketches = new long[64];
        private long[] prefixes = new long[64];
        private int[] times = new int[64];
        /** The thresholds whose caches each sketch entry filled. */
        private byte[] masks = new byte[64];
        /** Per band and bucket: how many calls it holds, then their sketches in the order they were added. */
        private final long[][][] bucketSketches = new long[INDEX_BANDS][][];
        /** Per band and bucket: the positions (in {@link #sketches}) of those calls, from index 1. */
        private final int[][][] bucketCalls = new int[INDEX_BANDS][][];

        private int bucketBits = 6;
        private int size;

        Generation(long hour) {
            this.hour = hour;
            this.hourStart = hour * HOUR_MILLIS;
            resize();
        }

        /**
         * The caches this hour's live entries answer the call from, as {@link Partition#nearest} (bits already in
         * {@code found} are not looked for again). An entry is live while it is less than the TTL old.
         */
        int nearest(
                long now, boolean hasSketch, long sketch, long prefix, boolean hasRequest, long request, int found) {
            long oldest = now - TTL.toMillis();
            if (hasRequest) {
                int slot = requestSlot(request);
                if (requestKeys[slot] != 0) {
                    for (int i = 0; i < THRESHOLDS.length; i++) {
                        if (live(requestFills[i][slot], oldest, now)) {
                            found |= (1 << i) | (1 << (THRESHOLDS.length + i));
                        }
                    }
                    if (live(requestFills[EXACT_CACHE][slot], oldest, now)) {
                        found |= EXACT_HIT;
                    }
                }
            }
            if (!hasSketch || size == 0) {
                return found;
            }
            int mask = (1 << bucketBits) - 1;
            for (int b = 0; b < INDEX_BANDS && (found & ALL) != ALL; b++) {
                int key = bucket(b, sketch, prefix) & mask;
                int width = bandWidth(b);
                found = visit(b, key, oldest, now, sketch, prefix, found);
                for (int j = 0; j < width && (1 << j) <= mask; j++) {
                    found = visit(b, key ^ (1 << j), oldest, now, sketch, prefix, found);
                }
            }
            return found;
        }

        private boolean live(int fill, long oldest, long now) {
            long at = hourStart + fill;
            return fill != NO_FILL && at > oldest && at <= now;
        }

        private int visit(int band, int key, long oldest, long now, long sketch, long prefix, int found) {
            long[] near = bucketSketches[band][key];
            if (near == null) {
                return found;
            }
            int n = (int) near[0];
            for (int j = 1; j <= n; j++) {
                int d = Long.bitCount(near[j] ^ sketch);
                if (d > MAX_DISTANCE[0]) {
                    continue;
                }
                int i = bucketCalls[band][key][j];
                int could = masks[i] & WITHIN[d] & ~found;
                if (could == 0) {
                    continue; // in no cache this call is not already answered by
                }
                long when = hourStart + times[i];
                if (when <= oldest || when > now || prefixes[i] != prefix) {
                    continue; // expired, or the same question behind another prefix
                }
                found |= could;
            }
            return found;
        }

        /** A call that filled the caches {@code fills} (a mask of thresholds, never 0). */
        void add(long now, boolean hasSketch, long sketch, long prefix, boolean hasRequest, long request, int fills) {
            int offset = (int) (now - hourStart);
            if (hasRequest) {
                int slot = requestSlot(request);
                if (requestKeys[slot] == 0) {
                    requestKeys[slot] = request;
                    for (int[] f : requestFills) {
                        f[slot] = NO_FILL;
                    }
                    requests++;
                }
                for (int i = 0; i < THRESHOLDS.length; i++) {
                    if ((fills & (1 << i)) != 0) {
                        requestFills[i][slot] = offset; // the earlier fill had expired, or this call was a hit
                    }
                }
                if ((fills & EXACT_HIT) != 0) {
                    requestFills[EXACT_CACHE][slot] = offset;
                }
                if (requests * 2 > requestKeys.length) {
                    growRequests();
                }
            }
            if (!hasSketch) {
                return;
            }
            if (size == sketches.length) {
                int grown = size * 2;
                sketches = Arrays.copyOf(sketches, grown);
                times = Arrays.copyOf(times, grown);
                prefixes = Arrays.copyOf(prefixes, grown);
                masks = Arrays.copyOf(masks, grown);
            }
            sketches[size] = sketch;
            prefixes[size] = prefix;
            times[size] = offset;
            masks[size] = (byte) (fills & ALL);
            link(size);
            size++;
            if (size > (1 << bucketBits) && bucketBits < MAX_BUCKET_BITS) {
                bucketBits++;
                resize();
                for (int i = 0; i < size; i++) {
                    link(i);
                }
            }
        }

        private void resize() {
            for (int b = 0; b < INDEX_BANDS; b++) {
                bucketSketches[b] = new long[1 << bucketBits][];
                bucketCalls[b] = new int[1 << bucketBits][];
            }
        }

        private void link(int i) {
            int mask = (1 << bucketBits) - 1;
            for (int b = 0; b < INDEX_BANDS; b++) {
                int key = bucket(b, sketches[i], prefixes[i]) & mask;
                long[] near = bucketSketches[b][key];
                if (near == null) {
                    near = bucketSketches[b][key] = new long[4];
                    bucketCalls[b][key] = new int[4];
                }
                int n = (int) near[0] + 1;
                if (n == near.length) {
                    near = bucketSketches[b][key] = Arrays.copyOf(near, n * 2);
                    bucketCalls[b][key] = Arrays.copyOf(bucketCalls[b][key], n * 2);
                }
                near[n] = sketches[i];
                near[0] = n;
                bucketCalls[b][key][n] = i;
            }
        }

        private int requestSlot(long request) {
            int mask = requestKeys.length - 1;
            int slot = (int) (request ^ (request >>> 32)) & mask;
            while (requestKeys[slot] != 0 && requestKeys[slot] != request) {
                slot = (slot + 1) & mask;
            }
            return slot;
        }

        private void growRequests() {
            long[] keys = requestKeys;
            int[][] values = requestFills;
            requestKeys = new long[keys.length * 2];
            requestFills = new int[THRESHOLDS.length + 1][keys.length * 2];
            for (int i = 0; i < keys.length; i++) {
                if (keys[i] != 0) {
                    int slot = requestSlot(keys[i]);
                    requestKeys[slot] = keys[i];
                    for (int t = 0; t < values.length; t++) {
                        requestFills[t][slot] = values[t][i];
                    }
                }
            }
        }

        private static int bandWidth(int band) {
            return (band + 1) * 64 / INDEX_BANDS - band * 64 / INDEX_BANDS;
        }

        /** The band's bits, scrambled by the prefix (a bijection for a given prefix, so one-bit neighbours stay so). */
        private static int bucket(int band, long sketch, long prefix) {
            int from = band * 64 / INDEX_BANDS;
            int width = bandWidth(band);
            int bits = (int) ((sketch >>> from) & ((1L << width) - 1));
            int scramble = (int) (mix(prefix + band) >>> (64 - width));
            return bits ^ scramble;
        }
    }

    /** A 64-bit digest of a request fingerprint (itself a hash: a collision is as likely as one of its 64 bits). */
    static long requestDigest(String requestHash) {
        return nonZero(mix(fnv(FNV_OFFSET, requestHash)));
    }

    /**
     * The cache a call is answered from under the gateway's default share ({@code share: key}, the rule
     * {@code advisor apply} writes for this finding): its API key and department, and its endpoint, as the gateway's
     * cache key ({@link dev.spendgate.domain.cache.CacheKeys}). A 64-bit digest mixed into the call's request digest
     * and prefix tag, so calls of one (feature, model) on other keys never answer each other.
     */
    static long shareTag(UsageRecord r) {
        long h = fnv(FNV_OFFSET, r.keyId());
        h = fnv(
                h * 0x100000001b3L,
                r.attribution() == null ? null : r.attribution().department());
        h = fnv(h * 0x100000001b3L, r.endpoint());
        return mix(h);
    }

    private static final long FNV_OFFSET = 0xcbf29ce484222325L;

    /** FNV-1a over the text's characters ({@code null} adds a marker no text adds). */
    private static long fnv(long h, String text) {
        if (text == null) {
            return (h ^ 0x1_0000L) * 0x100000001b3L;
        }
        for (int i = 0; i < text.length(); i++) {
            h = (h ^ text.charAt(i)) * 0x100000001b3L;
        }
        return h;
    }

    private static long nonZero(long h) {
        return h == 0 ? 1 : h;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
