package dev.spendgate.domain.waste;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What a finding rests on: how many calls were looked at in its scope, how many were wasteful, when, and up to ten
 * request ids to look up.
 *
 * @param details further figures by name, e.g. {@code cheaper_model} or {@code prefix_tokens}
 */
public record Evidence(
        long calls,
        long wastefulCalls,
        Instant firstSeen,
        Instant lastSeen,
        List<String> exampleRequestIds,
        Map<String, String> details) {
    public static final int MAX_EXAMPLES = 10;

    public Evidence {
        exampleRequestIds = List.copyOf(exampleRequestIds);
        if (exampleRequestIds.size() > MAX_EXAMPLES) {
            throw new IllegalArgumentException("at most " + MAX_EXAMPLES + " example request ids");
        }
        details = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(details));
    }
}
