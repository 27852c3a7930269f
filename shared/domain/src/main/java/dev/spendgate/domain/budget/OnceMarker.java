package dev.spendgate.domain.budget;

import java.time.Instant;

/** Remembers that something happened, so it is done once across every gateway instance (an alert, a sweep). */
public interface OnceMarker {

    /** True for the first caller with this key, false for every later one (until {@code expiresAt} has passed). */
    boolean markOnce(String markerKey, Instant expiresAt);
}
