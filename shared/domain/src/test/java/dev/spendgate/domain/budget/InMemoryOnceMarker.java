package dev.spendgate.domain.budget;

import java.time.Clock;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An {@link OnceMarker} in memory (checked by {@code OnceMarkerContract} in shared/testing): true for the first caller
 * of a key, until the marker expires on the given clock.
 */
public final class InMemoryOnceMarker implements OnceMarker {
    private final ConcurrentHashMap<String, Instant> marks = new ConcurrentHashMap<>();
    private final Clock clock;

    private InMemoryOnceMarker(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    public static InMemoryOnceMarker create(Clock clock) {
        return new InMemoryOnceMarker(clock);
    }

    @Override
    public boolean markOnce(String markerKey, Instant expiresAt) {
        Objects.requireNonNull(markerKey, "markerKey");
        Objects.requireNonNull(expiresAt, "expiresAt");
        Instant now = clock.instant();
        boolean[] first = new boolean[1];
        marks.compute(markerKey, (k, existing) -> {
            if (existing == null || !existing.isAfter(now)) {
                first[0] = true;
                return expiresAt;
            }
            return existing;
        });
        return first[0];
    }

    @Override
    public boolean isMarked(String markerKey) {
        Instant until = marks.get(markerKey);
        return until != null && until.isAfter(clock.instant());
    }
}
