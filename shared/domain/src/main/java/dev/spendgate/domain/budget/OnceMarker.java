package dev.spendgate.domain.budget;

import java.time.Instant;

/** Remembers that something happened, so it is done once across every gateway instance (an alert, a sweep). */
public interface OnceMarker {

    /** True for the first caller with this key, false for every later one (until {@code expiresAt} has passed). */
    boolean markOnce(String markerKey, Instant expiresAt);

    /**
     * As {@link #markOnce(String, Instant)}, the marker set on behalf of {@code owner} (an alert held in an outbox
     * before the marker was asked: its id): true also when the marker is already set and {@code owner}'s, so a process
     * killed between setting the marker and sending the alert, asking again at the next start, learns it was the first.
     * Null: no owner. A store that keeps no owners (one in memory, gone with its process) answers as {@link
     * #markOnce(String, Instant)}.
     */
    default boolean markOnce(String markerKey, Instant expiresAt, String owner) {
        return markOnce(markerKey, expiresAt);
    }

    /**
     * Whether a marker {@code markerKey} is set and not expired, without setting one: for markers an earlier version
     * wrote under another key, so an upgrade does not do again what they say was done. A store that never held such
     * markers answers false.
     */
    default boolean isMarked(String markerKey) {
        return false;
    }
}
