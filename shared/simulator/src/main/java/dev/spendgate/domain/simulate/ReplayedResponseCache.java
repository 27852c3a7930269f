package dev.spendgate.domain.simulate;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.routing.CacheRule;
import dev.spendgate.domain.usage.UsageRecord;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * The gateway's response cache as the policy replay emulates it from the records' fingerprints. An exact hit is a kept
 * answer of the same partition (feature, and key and department unless the rule shares wider), endpoint and model with
 * the same {@code request_hash}; a semantic hit one behind the same {@code prefix_hash} whose {@code varying_simhash}
 * is within {@code 64 x (1 - threshold)} bits. As at the gateway, an answer is kept once its call has ended (the fill
 * runs after the answer has left: an identical call started while the first is still running misses too) and is
 * served until its TTL, counted from when its call started. A call recorded with an {@code error_type} is not kept,
 * and a call a degrade budget moved is kept as the cheaper model's answer. Each feature keeps at most its rule's {@code max_entries}
 * answers, a ring of fills as the gateway keeps: the oldest fill is dropped first (unless its key was filled again
 * since), and its question leaves the prefix's index. Feed the calls in {@code ts_start} order.
 */
final class ReplayedResponseCache {
    /** At most this many questions are compared behind one prefix (the gateway's {@code MAX_PER_PREFIX}). */
    private static final int MAX_PER_PREFIX = 256;

    /** A kept answer; {@code seq} numbers the fills, the order {@code max_entries} drops them in. */
    private record Answer(long seq, Instant expires) {}

    /** A fill in its feature's ring. */
    private record Slot(long seq, String key, String prefixKey) {}

    private record Question(String key, long sketch) {}

    /** An answer on its way to the cache: kept {@code at} its call's end. */
    private record Fill(
            long seq,
            Instant at,
            String feature,
            int maxEntries,
            String key,
            Answer answer,
            String prefixKey,
            Question question) {}

    private final Map<String, Answer> answers = new HashMap<>();
    private final Map<String, Deque<Question>> prefixes = new HashMap<>();
    private final Map<String, Deque<Slot>> rings = new HashMap<>();
    private final PriorityQueue<Fill> pending =
            new PriorityQueue<>(Comparator.comparing(Fill::at).thenComparingLong(Fill::seq));
    private long fills;

    /**
     * Whether the call is answered from the cache under {@code rule} when it asks {@code model}; on a miss its answer
     * is kept from the call's end as {@code servedBy}'s (the cheaper model's when a degrade budget moved the call, as
     * the gateway keeps it, so the same request asking {@code model} is not served it).
     */
    boolean lookup(CacheRule rule, UsageRecord r, String model, String servedBy) {
        Instant now = r.tsStart();
        keepFilledBy(now);
        Attribution a = r.attribution();
        String partition =
                switch (rule.share()) {
                    case FEATURE -> a.feature();
                    case DEPARTMENT -> a.feature() + "|" + a.department();
                    case KEY -> a.feature() + "|" + a.department() + "|" + r.keyId();
                };
        UsageRecord.Fingerprints f = r.fingerprints();
        String asked = partition + "|" + r.endpoint() + "|" + model + "|";
        if (f.requestHash() != null && servable(asked + f.requestHash(), now)) {
            return true;
        }
        boolean semantic =
                rule.mode() == CacheRule.Mode.SEMANTIC && f.prefixHash() != null && f.varyingSimhash() != null;
        long sketch = semantic ? HexFormat.fromHexDigitsToLong(f.varyingSimhash()) : 0;
        if (semantic) {
            int bits = (int) Math.floor(64 * (1 - rule.threshold().doubleValue()) + 1e-9);
            Deque<Question> near = prefixes.get(asked + f.prefixHash());
            if (near != null) {
                for (Question q : near) {
                    if (Long.bitCount(q.sketch() ^ sketch) <= bits && servable(q.key(), now)) {
                        return true;
                    }
                }
            }
        }
        if (f.requestHash() == null && !semantic) {
            return false;
        }
        if (r.errorType() != null) {
            // as the gateway's fill: a call that concluded with an error (a stream the provider cut, an error in a
            // 200's body) is not kept, so its retry reaches the provider
            return false;
        }
        String base = partition + "|" + r.endpoint() + "|" + servedBy + "|";
        String key = f.requestHash() != null ? base + f.requestHash() : null;
        String prefixKey = semantic ? base + f.prefixHash() : null;
        // a question with no request hash is still kept for semantic lookups, under a key no exact lookup meets
        String kept = key != null ? key : base + "#" + r.requestId();
        long seq = fills++;
        Instant end = r.tsEnd() != null && r.tsEnd().isAfter(now) ? r.tsEnd() : now;
        pending.add(new Fill(
                seq,
                end,
                a.feature(),
                rule.maxEntries(),
                kept,
                new Answer(seq, now.plus(rule.ttl())),
                prefixKey,
                semantic ? new Question(kept, sketch) : null));
        return false;
    }

    /** Drops a fill's answer (unless its key was filled again since), and its question from the prefix's index. */
    private void drop(Slot slot) {
        Answer held = answers.get(slot.key());
        if (held == null || held.seq() != slot.seq()) {
            return;
        }
        answers.remove(slot.key());
        if (slot.prefixKey() != null) {
            Deque<Question> near = prefixes.get(slot.prefixKey());
            if (near != null) {
                near.removeIf(q -> q.key().equals(slot.key()));
                if (near.isEmpty()) {
                    prefixes.remove(slot.prefixKey());
                }
            }
        }
    }

    private boolean servable(String key, Instant now) {
        Answer answer = answers.get(key);
        return answer != null && now.isBefore(answer.expires());
    }

    /** Keeps the answers whose calls ended by {@code now}, in the order they ended. */
    private void keepFilledBy(Instant now) {
        while (!pending.isEmpty() && !pending.peek().at().isAfter(now)) {
            Fill fill = pending.poll();
            answers.put(fill.key(), fill.answer());
            if (fill.question() != null) {
                Deque<Question> near = prefixes.computeIfAbsent(fill.prefixKey(), k -> new ArrayDeque<>());
                near.addFirst(fill.question());
                while (near.size() > MAX_PER_PREFIX) {
                    near.removeLast();
                }
            }
            Deque<Slot> ring = rings.computeIfAbsent(fill.feature(), k -> new ArrayDeque<>());
            ring.addLast(new Slot(fill.seq(), fill.key(), fill.prefixKey()));
            while (ring.size() > fill.maxEntries()) {
                drop(ring.removeFirst());
            }
        }
        if (answers.size() > 1_000_000) {
            answers.values().removeIf(a -> !now.isBefore(a.expires()));
        }
    }
}
