package dev.spendgate.domain.waste;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Running evidence of one scope: calls seen, wasteful calls, their cost, time span and the first example ids. */
final class Tally {
    long calls;
    long wasteful;
    BigDecimal wasteUsd = BigDecimal.ZERO;
    Instant first;
    Instant last;
    final List<String> examples = new ArrayList<>(Evidence.MAX_EXAMPLES);

    void seen(Instant t) {
        calls++;
        span(t);
    }

    void wasteful(String requestId, Instant t, BigDecimal usd) {
        wasteful++;
        wasteUsd = wasteUsd.add(usd);
        span(t);
        if (examples.size() < Evidence.MAX_EXAMPLES) {
            examples.add(requestId);
        }
    }

    private void span(Instant t) {
        if (first == null || t.isBefore(first)) {
            first = t;
        }
        if (last == null || t.isAfter(last)) {
            last = t;
        }
    }

    Evidence evidence(Map<String, String> details) {
        return new Evidence(calls, wasteful, first, last, examples, details);
    }
}
