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

    /** What a day pass hands on: the same figures, as a value (see {@link DayAggregate}). */
    State state() {
        return new State(calls, wasteful, wasteUsd, first, last, List.copyOf(examples));
    }

    /** Adds a later day's figures: counts and cost add up, the span widens, examples keep the first ones. */
    void absorb(State s) {
        calls += s.calls();
        wasteful += s.wasteful();
        wasteUsd = wasteUsd.add(s.wasteUsd());
        if (s.first() != null) {
            span(s.first());
        }
        if (s.last() != null) {
            span(s.last());
        }
        for (String id : s.examples()) {
            if (examples.size() < Evidence.MAX_EXAMPLES) {
                examples.add(id);
            }
        }
    }

    static Tally of(State s) {
        Tally t = new Tally();
        t.absorb(s);
        return t;
    }

    record State(long calls, long wasteful, BigDecimal wasteUsd, Instant first, Instant last, List<String> examples) {
        State withoutExamples() {
            return new State(calls, wasteful, wasteUsd, first, last, List.of());
        }
    }

    Evidence evidence(Map<String, String> details) {
        return new Evidence(calls, wasteful, first, last, examples, details);
    }
}
