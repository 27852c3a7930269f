package dev.spendgate.domain.waste;

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
 * Calls a response cache would have answered. A successful, billed call is a <em>hit</em> at threshold t when an
 * earlier successful call of the same feature and model, less than {@value #TTL_MINUTES} minutes before it, had the
 * same request fingerprint (exact duplicate) or was a near-duplicate at t: for schema-2 records, the same prefix
 * ({@code prefix_hash}: system prompt, tools and earlier turns) and a SimHash of the varying part (the last turn) with
 * similarity 1 - hamming/64 >= t; for schema-1 records, which have no varying part, the SimHash of the whole prompt.
 * A long shared prefix dominates a whole-prompt sketch, so different questions behind one system prompt would look
 * alike there: that traffic is a prompt-caching case ({@link ContextBloatDetector}), never a response-cache one.
 * Thresholds: 0.85, 0.90, 0.95 (at most 9, 6 and 3 differing bits). Savings at t = the recorded cost of the hits at t.
 * A (feature, model) with at least {@value #MIN_HITS} hits at 0.85 is a finding; its headline savings are those at
 * 0.90. Calls the retry detector found redundant are left to it.
 *
 * <p>Near-duplicates are found without comparing every pair: the 64 bits are cut into 10 bands, and two sketches at
 * most 9 bits apart agree on at least one band (pigeonhole), so only calls sharing a band are compared. Memory: the
 * index holds the calls of the last two clock hours per (feature, model).
 */
final class CacheMissDetector implements Detector {
    static final long TTL_MINUTES = 60;
    static final long MIN_HITS = 5;
    static final double[] THRESHOLDS = {0.85, 0.90, 0.95};
    static final String HEADLINE = "0.90";
    private static final int BANDS = 10;
    private static final Duration TTL = Duration.ofMinutes(TTL_MINUTES);
    private static final int[] MAX_DISTANCE = new int[THRESHOLDS.length];

    static {
        for (int i = 0; i < THRESHOLDS.length; i++) {
            MAX_DISTANCE[i] = (int) Math.floor((1.0 - THRESHOLDS[i]) * 64 + 1e-9);
        }
    }

    private final Map<String, Partition> partitions = new LinkedHashMap<>();

    @Override
    public void accept(Call c) {
        if (!c.ok || !c.billed() || c.redundantRetry) {
            return;
        }
        UsageRecord.Fingerprints f = c.record.fingerprints();
        boolean varying = f.varyingSimhash() != null;
        String sketchHex = varying ? f.varyingSimhash() : f.simhash();
        String requestHash = f.requestHash();
        long prefix = varying ? prefixTag(f.prefixHash()) : 0;
        if (sketchHex == null && requestHash == null) {
            return;
        }
        long sketch = 0;
        if (sketchHex != null) {
            try {
                sketch = Long.parseUnsignedLong(sketchHex, 16);
            } catch (NumberFormatException e) {
                sketchHex = null; // not a sketch this detector can read: exact matches only
            }
        }
        Partition p =
                partitions.computeIfAbsent(c.feature + "\u0000" + c.model, k -> new Partition(c.feature, c.model));
        Instant t = c.record.tsStart();
        int distance = p.nearest(t, sketchHex != null, sketch, prefix, requestHash);
        if (c.warmUp) {
            p.add(t, sketchHex != null, sketch, prefix, requestHash);
            return;
        }
        if (p.tally.calls == 0) {
            p.firstPos = c.pos;
        }
        p.tally.seen(t);
        boolean exact = distance == EXACT;
        for (int i = 0; i < THRESHOLDS.length; i++) {
            if (exact || distance <= MAX_DISTANCE[i]) {
                p.hits[i]++;
                p.savings[i] = p.savings[i].add(c.cost);
            }
        }
        if (exact) {
            p.exact++;
        }
        if (exact || distance <= MAX_DISTANCE[0]) {
            p.tally.wasteful(c.record.requestId(), t, c.cost);
        }
        p.add(t, sketchHex != null, sketch, prefix, requestHash);
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
            details.put("ttl_minutes", Long.toString(TTL_MINUTES));
            BigDecimal headline = byThreshold.get(HEADLINE);
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
                    "sum of the recorded cost of calls whose request matched an earlier answered call of the same"
                            + " feature and model within " + TTL_MINUTES + " min (same request hash, or SimHash"
                            + " similarity >= 0.90; 0.85 and 0.95 in savings_by_threshold), x 30 days / window",
                    "Put a response cache in front of feature " + p.feature + " on " + p.model + " (TTL "
                            + TTL_MINUTES + " min): " + p.exact + " exact repeats and " + (p.hits[1] - p.exact)
                            + " near-duplicates at similarity 0.90 out of " + p.tally.calls + " calls. Start with"
                            + " exact matching; a semantic cache at 0.95 would have saved $"
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
                    p.feature, p.model, p.tally.state(), p.hits.clone(), p.savings.clone(), p.exact));
        }
        return out;
    }

    /** Adds a later day's partitions (the index the day needed from the hour before it came from its warm-up). */
    void absorb(List<PartitionState> day) {
        for (PartitionState d : day) {
            Partition p = partitions.computeIfAbsent(
                    d.feature() + "\u0000" + d.model(), k -> new Partition(d.feature(), d.model()));
            p.tally.absorb(d.tally());
            for (int i = 0; i < THRESHOLDS.length; i++) {
                p.hits[i] += d.hits()[i];
                p.savings[i] = p.savings[i].add(d.savings()[i]);
            }
            p.exact += d.exact();
        }
    }

    record PartitionState(
            String feature, String model, Tally.State tally, long[] hits, BigDecimal[] savings, long exact) {}

    private static final int EXACT = -1;
    private static final int NONE = Integer.MAX_VALUE;

    /** The calls of one (feature, model) in the current and previous clock hour. */
    private static final class Partition {
        final String feature;
        final String model;
        final Tally tally = new Tally();
        final long[] hits = new long[THRESHOLDS.length];
        final BigDecimal[] savings = {BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ZERO};
        long exact;
        long firstPos;
        Generation current;
        Generation previous;

        Partition(String feature, String model) {
            this.feature = feature;
            this.model = model;
        }

        /** EXACT for a same-request match in the TTL, else the smallest Hamming distance found (NONE if none). */
        int nearest(Instant t, boolean hasSketch, long sketch, long prefix, String requestHash) {
            roll(t);
            int best = NONE;
            for (Generation g : new Generation[] {current, previous}) {
                if (g == null) {
                    continue;
                }
                int d = g.nearest(t, hasSketch, sketch, prefix, requestHash);
                if (d == EXACT) {
                    return EXACT;
                }
                best = Math.min(best, d);
            }
            return best;
        }

        void add(Instant t, boolean hasSketch, long sketch, long prefix, String requestHash) {
            long hour = t.getEpochSecond() / 3600;
            Generation g = current != null && current.hour == hour
                    ? current
                    : previous != null && previous.hour == hour ? previous : null;
            if (g != null) {
                g.add(t, hasSketch, sketch, prefix, requestHash);
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

    /** One clock hour of calls: request hashes, and sketches indexed by band. */
    private static final class Generation {
        final long hour;
        final Map<String, Long> requests = new HashMap<>();
        final Map<Integer, LongList> bands = new HashMap<>();
        long[] sketches = new long[64];
        long[] prefixes = new long[64];
        long[] times = new long[64];
        int size;

        Generation(long hour) {
            this.hour = hour;
        }

        int nearest(Instant t, boolean hasSketch, long sketch, long prefix, String requestHash) {
            long now = t.toEpochMilli();
            long oldest = now - TTL.toMillis();
            if (requestHash != null) {
                Long seen = requests.get(requestHash);
                if (seen != null && seen >= oldest && seen <= now) {
                    return EXACT;
                }
            }
            if (!hasSketch) {
                return NONE;
            }
            int best = NONE;
            for (int b = 0; b < BANDS; b++) {
                LongList bucket = bands.get(bandKey(b, sketch));
                if (bucket == null) {
                    continue;
                }
                for (int i = 0; i < bucket.size; i++) {
                    int idx = (int) bucket.values[i];
                    long when = times[idx];
                    if (when < oldest || when > now || prefixes[idx] != prefix) {
                        continue; // outside the TTL, or the same question behind another prefix
                    }
                    best = Math.min(best, Long.bitCount(sketches[idx] ^ sketch));
                }
            }
            return best;
        }

        void add(Instant t, boolean hasSketch, long sketch, long prefix, String requestHash) {
            long now = t.toEpochMilli();
            if (requestHash != null) {
                requests.merge(requestHash, now, Math::max);
            }
            if (!hasSketch) {
                return;
            }
            if (size == sketches.length) {
                sketches = java.util.Arrays.copyOf(sketches, size * 2);
                times = java.util.Arrays.copyOf(times, size * 2);
                prefixes = java.util.Arrays.copyOf(prefixes, size * 2);
            }
            sketches[size] = sketch;
            prefixes[size] = prefix;
            times[size] = now;
            for (int b = 0; b < BANDS; b++) {
                bands.computeIfAbsent(bandKey(b, sketch), k -> new LongList()).add(size);
            }
            size++;
        }

        private static int bandKey(int band, long sketch) {
            int from = band * 64 / BANDS;
            int to = (band + 1) * 64 / BANDS;
            int bits = (int) ((sketch >>> from) & ((1L << (to - from)) - 1));
            return band << 8 | bits;
        }
    }

    private static final class LongList {
        long[] values = new long[4];
        int size;

        void add(long v) {
            if (size == values.length) {
                values = java.util.Arrays.copyOf(values, size * 2);
            }
            values[size++] = v;
        }
    }
}
