package dev.spendgate.function.proxy.cache;

import dev.spendgate.domain.cache.CachedAnswer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * The event bytes of recently replayed answers, so repeated streamed hits on one answer build its events once (once
 * with and once without the usage chunk). Bounded by bytes, the least recently used dropped first: an entry counts
 * what it holds, the answer's body and its events ({@link Built#bytes}), so an answer without a replay (no events) is
 * dropped in its turn too. An answer stored again (a new {@code stored_at}) is built anew.
 */
final class ReplayMemo {
    /** Counted for an entry's key, its answer's other fields and the objects holding them. */
    static final int ENTRY_BYTES = 256;

    private record Built(CachedAnswer from, byte[] events) {
        /** What the entry keeps on the heap: the whole answer (its body) and its events. */
        long bytes() {
            return ENTRY_BYTES + (long) from.body().length + events.length;
        }
    }

    private final long maxBytes;
    private final Map<String, Built> entries = new LinkedHashMap<>(64, 0.75f, true);
    private long bytes;

    ReplayMemo(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    byte[] events(CachedAnswer answer, Function<CachedAnswer, byte[]> build) {
        return events(answer, true, build);
    }

    byte[] events(CachedAnswer answer, boolean usageChunk, Function<CachedAnswer, byte[]> build) {
        String key = usageChunk ? answer.key() : answer.key() + "\u0000no-usage";
        synchronized (this) {
            Built b = entries.get(key);
            if (b != null && b.from().storedAt().equals(answer.storedAt())) {
                return b.events();
            }
        }
        byte[] events = build.apply(answer); // outside the lock: two first hits may both build, the same bytes
        if (events.length <= maxBytes / 16) {
            synchronized (this) {
                Built built = new Built(answer, events);
                Built old = entries.put(key, built);
                bytes += built.bytes() - (old == null ? 0 : old.bytes());
                var it = entries.values().iterator();
                while (bytes > maxBytes && it.hasNext()) {
                    bytes -= it.next().bytes();
                    it.remove();
                }
            }
        }
        return events;
    }
}
