package dev.spendgate.domain.waste;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Running evidence of one scope: calls seen, wasteful calls, their cost, time span and the first example ids.
 *
 * <p>{@code first} and {@code last} span the wasteful calls, so that a finding whose waste stopped while its scope
 * goes on calling is resolved a week after its last wasteful call. A scope with no wasteful call counted (detectors
 * for which every call of the scope is the waste count them with {@link #seen} alone) spans the calls seen.
 */
final class Tally {
    long calls;
    long wasteful;
    BigDecimal wasteUsd = BigDecimal.ZERO;
    Instant first;
    Instant last;
    final List<String> examples = new ArrayList<>(Evidence.MAX_EXAMPLES);

    void seen(Instant t) {
        calls++;
        if (wasteful == 0) {
            span(t);
        }
    }

    void wasteful(String requestId, Instant t, BigDecimal usd) {
        if (wasteful == 0) {
            first = null; // until now the span was of the calls seen
            last = null;
        }
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

    /**
     * Adds a later day's figures: counts and cost add up, the span widens (a span of calls seen gives way to one of
     * wasteful calls), examples keep the first ones.
     */
    void absorb(State s) {
        boolean spanOfSeen = wasteful == 0;
        calls += s.calls();
        wasteful += s.wasteful();
        wasteUsd = wasteUsd.add(s.wasteUsd());
        if (spanOfSeen && s.wasteful() > 0) {
            first = null; // the later day had waste: its span replaces the span of calls seen
            last = null;
        }
        if (spanOfSeen || s.wasteful() > 0) {
            if (s.first() != null) {
                span(s.first());
            }
            if (s.last() != null) {
                span(s.last());
            }
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
