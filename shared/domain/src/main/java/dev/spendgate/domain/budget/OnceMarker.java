package dev.spendgate.domain.budget;

import java.time.Instant;

/** Remembers that something happened, so it is done once across every gateway instance (an alert, a sweep). */
public interface OnceMarker {

    /** True for the first caller with this key, false for every later one (until {@code expiresAt} has passed). */
    boolean markOnce(String markerKey, Instant expiresAt);

    /**
     * Whether a marker {@code markerKey} is set and not expired, without setting one: for markers an earlier version
     * wrote under another key, so an upgrade does not do again what they say was done. A store that never held such
     * markers answers false.
     */
    default boolean isMarked(String markerKey) {
        return false;
    }
}
