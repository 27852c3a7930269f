package dev.spendgate.domain.waste;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Identical requests (same request fingerprint) repeated by the same session of a key ({@link #sessionScope}; the same
 * key when there is no session)
 * within {@value #WINDOW_SECONDS} s of the previous one form a chain. A repeat is <em>redundant</em> when an earlier
 * call of its chain already answered (duplicate repeats, runaway loops; a 2xx stream cut before its end,
 * {@code upstream_truncated} or {@code client_disconnected}, answered nothing: {@link Call#answered}) or when it is the fourth or later attempt
 * after failures (error loops: a breaker allowing three attempts would have stopped it). A session's calls beyond
 * {@value #BURST_CALLS_PER_MINUTE} in one clock minute are a runaway burst, also redundant. Only billed repeats count
 * (a repeat the response cache answered cost nothing). The redundant calls of a session or key are counted per
 * feature (each call's {@code feature}): a key two features use scores each feature on its own repeats, and the advice
 * names the feature that repeats. A (session or key, feature) scope with at least {@value #MIN_REDUNDANT} redundant
 * calls is a finding; savings = the recorded cost of its redundant calls. When one session or key has findings of
 * several features, each carries the detail {@value #SCOPE_FEATURES} (how many) and its id ends in
 * {@code /feature:FEATURE} ({@link Finding#id()}), so the findings of one key keep distinct ids.
 *
 * <p>Memory: only chains active in the last {@value #WINDOW_SECONDS} s are kept, plus one tally per scope that had a
 * redundant call. A window merge bounds those too ({@link #settle}, {@link #rollUp}): past its bounds, scopes the last
 * merged day did not have are dropped (no finding) or rolled up into one finding per scope type and feature.
 */
final class RetryDetector implements Detector {
    static final long WINDOW_SECONDS = 60;
    static final int MAX_ATTEMPTS = 3;
    static final long MIN_REDUNDANT = 3;
    static final int BURST_CALLS_PER_MINUTE = 30;
    private static final Duration WINDOW = Duration.ofSeconds(WINDOW_SECONDS);
    /** The evidence detail of a finding whose session or key has findings of several features: how many. */
    static final String SCOPE_FEATURES = "scope_features";

    private final LinkedHashMap<String, Chain> chains = new LinkedHashMap<>();
    private final LinkedHashMap<String, Burst> bursts = new LinkedHashMap<>();
    /** By {@link #scopeKey}: scope type and value, and feature. */
    private final Map<String, Scope> scopes = new LinkedHashMap<>();
    /**
     * Peaks of sessions past the burst limit that had no scope yet when the peak was seen (for day merges), by session
     * and feature ({@code session + U+0000 + feature}).
     */
    private final Map<String, Long> orphanPeaks = new LinkedHashMap<>();

    private Instant watermark = Instant.MIN;
    /** Days absorbed so far: a scope of the merge remembers the last one that had it. */
    private int absorbed;

    private long settled;
    /** Scopes with a finding folded into a roll-up by {@link #rollUp}, by scope type and feature. */
    private final Map<String, Rollup> rollups = new LinkedHashMap<>();

    private long rolledUp;

    @Override
    public void accept(Call c) {
        String hash = c.record.fingerprints().requestHash();
        String scopeType;
        String scopeValue;
        if (c.record.attribution().session() != null) {
            scopeType = "session";
            scopeValue = sessionScope(c.record.keyId(), c.record.attribution().session());
        } else if (c.record.keyId() != null) {
            scopeType = "key";
            scopeValue = c.record.keyId();
        } else {
            return;
        }
        if (hash == null) {
            return;
        }
        Instant t = c.record.tsStart();
        if (t.isAfter(watermark)) {
            watermark = t;
            expire();
        }
        String id = scopeType + ":" + scopeValue + "\u0000" + hash;
        Chain chain = chains.remove(id);
        if (chain != null && Duration.between(chain.last, t).compareTo(WINDOW) <= 0) {
            boolean duplicate = chain.succeeded;
            if (duplicate || chain.attempts >= MAX_ATTEMPTS) {
                c.redundantRetry = true;
            }
            // a repeat nothing billed (the response cache answered it, or it failed for free) wastes nothing
            if ((duplicate || chain.attempts >= MAX_ATTEMPTS) && !c.warmUp && c.billed()) {
                Scope s = scopes.computeIfAbsent(
                        scopeKey(scopeType, scopeValue, c.feature), k -> new Scope(scopeType, scopeValue, c.feature));
                s.tally.wasteful(c.record.requestId(), t, c.cost);
                if (duplicate) {
                    s.duplicates++;
                } else {
                    s.errorLoop++;
                }
                s.longestChain = Math.max(s.longestChain, chain.attempts + 1);
            }
            chain.attempts++;
        } else {
            chain = new Chain();
            chain.attempts = 1;
        }
        chain.succeeded |= Call.answered(c.record);
        if (chain.last == null || t.isAfter(chain.last)) {
            chain.last = t;
        }
        chains.put(id, chain);
        if ("session".equals(scopeType)) {
            burst(c, scopeValue, t);
        }
    }

    /**
     * A session as this detector names it: {@code <key id>/<session>}, since session ids are the clients' own and
     * another key's {@code main} is another session (as the gateway's session breaker counts it); the id alone for a
     * record without a key.
     */
    static String sessionScope(String keyId, String session) {
        return keyId == null ? session : keyId + "/" + session;
    }

    /**
     * Counts the session's calls per clock minute; calls past the limit are a runaway burst. Counted per minute, not
     * for the latest minute only, because the log is read in object order: concurrent writers (Lambdas) interleave
     * their objects, so a late record of the previous minute must not restart the count.
     */
    private void burst(Call c, String session, Instant t) {
        long minute = t.getEpochSecond() / 60;
        String key = session + "\u0000" + minute;
        Burst b = bursts.remove(key);
        if (b == null) {
            b = new Burst();
            b.minute = minute;
        }
        b.calls++;
        if (b.last == null || t.isAfter(b.last)) {
            b.last = t;
        }
        bursts.put(key, b);
        if (b.calls > BURST_CALLS_PER_MINUTE && !c.redundantRetry && c.billed()) {
            c.redundantRetry = true;
            if (c.warmUp) {
                return;
            }
            Scope s = scopes.computeIfAbsent(
                    scopeKey("session", session, c.feature), k -> new Scope("session", session, c.feature));
            s.tally.wasteful(c.record.requestId(), t, c.cost);
            s.burst++;
            s.peakPerMinute = Math.max(s.peakPerMinute, b.calls);
        } else if (b.calls > BURST_CALLS_PER_MINUTE && !c.warmUp) {
            Scope s = scopes.get(scopeKey("session", session, c.feature));
            if (s != null) {
                s.peakPerMinute = Math.max(s.peakPerMinute, b.calls);
            } else {
                orphanPeaks.merge(session + "\u0000" + featureKey(c.feature), (long) b.calls, Math::max);
            }
        }
    }

    /** The key of a scope: its type and value, and the feature of its calls. */
    private static String scopeKey(String scopeType, String scopeValue, String feature) {
        return scopeType + ":" + scopeValue + "\u0000" + featureKey(feature);
    }

    private static String featureKey(String feature) {
        return feature == null ? "" : feature;
    }

    private void expire() {
        Instant horizon = watermark.minus(WINDOW).minus(WINDOW);
        Iterator<Burst> bs = bursts.values().iterator();
        while (bs.hasNext()) {
            if (bs.next().last.isBefore(horizon)) {
                bs.remove();
            } else {
                break;
            }
        }
        Iterator<Chain> it = chains.values().iterator();
        while (it.hasNext()) {
            if (it.next().last.isBefore(horizon)) {
                it.remove();
            } else {
                return;
            }
        }
    }

    @Override
    public List<Finding> findings(WasteWindow window) {
        // how many features have a finding in each session or key
        Map<String, Integer> featuresOfScope = new java.util.HashMap<>();
        for (Scope s : scopes.values()) {
            if (s.tally.wasteful >= MIN_REDUNDANT) {
                featuresOfScope.merge(s.scopeType + ":" + s.scopeValue, 1, Integer::sum);
            }
        }
        List<Finding> out = new ArrayList<>();
        for (Scope s : scopes.values()) {
            if (s.tally.wasteful < MIN_REDUNDANT) {
                continue;
            }
            String kind = kind(s.duplicates, s.errorLoop, s.burst);
            Map<String, String> details = details(s.duplicates, s.errorLoop, s.longestChain, s.burst, s.peakPerMinute);
            int features = featuresOfScope.get(s.scopeType + ":" + s.scopeValue);
            if (features > 1) {
                details.put(SCOPE_FEATURES, Integer.toString(features));
            }
            Evidence evidence = new Evidence(
                    s.tally.wasteful, s.tally.wasteful, s.tally.first, s.tally.last, s.tally.examples, details);
            String where = s.feature == null ? "" : " of feature " + s.feature;
            String breaker = "session".equals(s.scopeType)
                    ? "SPENDGATE_SESSION_CALLS_PER_MINUTE"
                    : "SPENDGATE_KEY_CALLS_PER_MINUTE";
            out.add(new Finding(
                    WasteCategory.RETRY_WASTE,
                    kind,
                    s.scopeType,
                    s.scopeValue,
                    s.feature,
                    null,
                    evidence,
                    s.tally.wasteUsd,
                    window.monthly(s.tally.wasteUsd),
                    BigDecimal.ZERO,
                    "sum of the recorded cost of the " + s.tally.wasteful
                            + " redundant calls (repeats of an answered request or attempts after the third failure within"
                            + " 60 s, and a session's calls beyond " + BURST_CALLS_PER_MINUTE
                            + " in one clock minute), x 30 days / window",
                    (kind.equals("runaway_burst")
                                    ? "Stop the runaway " + s.scopeType + " " + s.scopeValue + where
                                            + ": it made up to "
                                            + s.peakPerMinute + " calls in one minute (" + s.burst
                                            + " beyond " + BURST_CALLS_PER_MINUTE + " per minute). Cap the agent's"
                                            + " steps per task"
                                    : kind.equals("error_loop")
                                            ? "Stop the error loop in " + s.scopeType + " " + s.scopeValue + where
                                                    + ": the same failing request was sent up to " + s.longestChain
                                                    + " times. Retry at most " + MAX_ATTEMPTS
                                                    + " times with exponential back-off"
                                            : "Stop repeating answered requests in " + s.scopeType + " "
                                                    + s.scopeValue + where + ": the same request was sent up to "
                                                    + s.longestChain + " times within 60 s. Reuse the first answer"
                                                    + " (client-side memo or idempotency key)")
                            + ("session".equals(s.scopeType)
                                    ? ", and set the breaker " + breaker + " to " + BURST_CALLS_PER_MINUTE
                                            + " (one value for every session: the rate above which this detector"
                                            + " calls a session runaway) so a runaway session is cut off."
                                    : "."),
                    null));
        }
        for (Rollup r : rollups.values()) {
            out.add(r.finding(window));
        }
        return out;
    }

    private static Map<String, String> details(
            long duplicates, long errorLoop, long longestChain, long burst, long peakPerMinute) {
        Map<String, String> details = new LinkedHashMap<>();
        details.put("duplicate_repeats", Long.toString(duplicates));
        details.put("error_loop_attempts", Long.toString(errorLoop));
        details.put("longest_chain", Long.toString(longestChain));
        details.put("runaway_burst_calls", Long.toString(burst));
        details.put("peak_calls_per_minute", Long.toString(peakPerMinute));
        details.put("repeat_window_seconds", Long.toString(WINDOW_SECONDS));
        return details;
    }

    private static String kind(long duplicates, long errorLoop, long burst) {
        return burst > Math.max(duplicates, errorLoop)
                ? "runaway_burst"
                : errorLoop > duplicates ? "error_loop" : "duplicate_repeats";
    }

    /** The scopes found in one day, in the order they were first seen. */
    DayState dayState() {
        List<ScopeState> out = new ArrayList<>();
        for (Scope s : scopes.values()) {
            out.add(new ScopeState(
                    s.scopeType,
                    s.scopeValue,
                    s.feature,
                    s.tally.state(),
                    s.duplicates,
                    s.errorLoop,
                    s.longestChain,
                    s.burst,
                    s.peakPerMinute));
        }
        return new DayState(out, Map.copyOf(orphanPeaks));
    }

    /**
     * Adds a later day: {@link #beginDay}, each of its scopes ({@link #absorbScope}), then its peaks of sessions
     * without a scope ({@link #absorbOrphanPeak}), the order the stored day holds them in.
     */
    void absorb(DayState day) {
        beginDay();
        day.scopes().forEach(this::absorbScope);
        day.orphanPeaks().forEach(this::absorbOrphanPeak);
    }

    /** Starts the merge of a later day. */
    void beginDay() {
        absorbed++;
    }

    /** Adds one scope of the day begun. */
    void absorbScope(ScopeState d) {
        Scope s = scopes.computeIfAbsent(scopeKey(d.scopeType(), d.scopeValue(), d.feature()), k -> {
            Scope created = new Scope(d.scopeType(), d.scopeValue(), d.feature());
            created.firstDay = absorbed;
            return created;
        });
        s.tally.absorb(d.tally());
        s.duplicates += d.duplicates();
        s.errorLoop += d.errorLoop();
        s.longestChain = Math.max(s.longestChain, d.longestChain());
        s.burst += d.burst();
        s.peakPerMinute = Math.max(s.peakPerMinute, d.peakPerMinute());
        s.lastDay = absorbed;
    }

    /**
     * Adds a peak the day saw of a session and feature ({@code session + U+0000 + feature}) while it had no scope
     * that day: it counts when an earlier day created the scope, as one pass would have recorded it (a scope the same
     * day created later does not take it).
     */
    void absorbOrphanPeak(String sessionAndFeature, long peak) {
        Scope s = scopes.get("session:" + sessionAndFeature);
        if (s != null && s.firstDay < absorbed) {
            s.peakPerMinute = Math.max(s.peakPerMinute, peak);
        }
    }

    /**
     * Past {@code bound} scopes in a merge, drops the scopes that the last day added to did not have and that have
     * fewer than {@value #MIN_REDUNDANT} redundant calls: no finding unless the session or key comes back, and then
     * its later calls are counted apart from these ({@link #settled()} says how many were dropped). Scopes with a
     * finding are kept: each is a finding of its own.
     */
    void settle(int bound) {
        if (scopes.size() <= bound) {
            return;
        }
        Iterator<Scope> it = scopes.values().iterator();
        while (it.hasNext()) {
            Scope s = it.next();
            if (s.lastDay < absorbed && s.tally.wasteful < MIN_REDUNDANT) {
                it.remove();
                settled++;
            }
        }
    }

    /**
     * Past {@code bound} scopes with a finding in a merge, folds the ones the last day added to did not have, the
     * least wasteful first, into one finding per scope type and feature ({@code sessions} or {@code keys}), until
     * {@code bound} are left or none the last day did not have: the window's waste and its total stay exact, the
     * findings printed one by one are the largest, and a folded session or key that comes back is counted apart from
     * its roll-up ({@link #rolledUp()} says how many were folded).
     */
    void rollUp(int bound) {
        List<Scope> candidates = new ArrayList<>();
        int withFinding = 0;
        for (Scope s : scopes.values()) {
            if (s.tally.wasteful >= MIN_REDUNDANT) {
                withFinding++;
                if (s.lastDay < absorbed) {
                    candidates.add(s);
                }
            }
        }
        if (withFinding <= bound) {
            return;
        }
        // least wasteful first; among equals, the order they were first seen (a stable sort)
        candidates.sort(java.util.Comparator.comparing((Scope s) -> s.tally.wasteUsd));
        int fold = Math.min(withFinding - bound, candidates.size());
        for (int i = 0; i < fold; i++) {
            Scope s = candidates.get(i);
            scopes.remove(scopeKey(s.scopeType, s.scopeValue, s.feature));
            rollups.computeIfAbsent(
                            s.scopeType + "\u0000" + (s.feature == null ? "" : s.feature),
                            k -> new Rollup(s.scopeType, s.feature))
                    .fold(s);
            rolledUp++;
        }
    }

    /** Scopes with a finding folded into roll-ups by {@link #rollUp}. */
    long rolledUp() {
        return rolledUp;
    }

    /** Roll-up findings held (one per scope type and feature). */
    int rollupsHeld() {
        return rollups.size();
    }

    /** Scopes dropped by {@link #settle}. */
    long settled() {
        return settled;
    }

    /** Scopes held (sessions and keys with a redundant call). */
    int scopesHeld() {
        return scopes.size();
    }

    record DayState(List<ScopeState> scopes, Map<String, Long> orphanPeaks) {}

    record ScopeState(
            String scopeType,
            String scopeValue,
            String feature,
            Tally.State tally,
            long duplicates,
            long errorLoop,
            long longestChain,
            long burst,
            long peakPerMinute) {}

    private static final class Burst {
        long minute;
        int calls;
        Instant last;
    }

    private static final class Chain {
        Instant last;
        int attempts;
        boolean succeeded;
    }

    /** Sessions or keys of one feature with a finding each, folded into one finding by {@link #rollUp}. */
    private static final class Rollup {
        final String scopeType;
        final String feature;
        final Tally tally = new Tally();
        long scopes;
        long duplicates;
        long errorLoop;
        long longestChain;
        long burst;
        long peakPerMinute;

        Rollup(String scopeType, String feature) {
            this.scopeType = scopeType;
            this.feature = feature;
        }

        void fold(Scope s) {
            scopes++;
            tally.absorb(s.tally.state());
            duplicates += s.duplicates;
            errorLoop += s.errorLoop;
            longestChain = Math.max(longestChain, s.longestChain);
            burst += s.burst;
            peakPerMinute = Math.max(peakPerMinute, s.peakPerMinute);
        }

        Finding finding(WasteWindow window) {
            String plural = scopeType + "s";
            String kind = kind(duplicates, errorLoop, burst);
            Map<String, String> details = new LinkedHashMap<>();
            details.put("scopes_rolled_up", Long.toString(scopes));
            details.putAll(RetryDetector.details(duplicates, errorLoop, longestChain, burst, peakPerMinute));
            Evidence evidence =
                    new Evidence(tally.wasteful, tally.wasteful, tally.first, tally.last, tally.examples, details);
            String where = feature == null ? "" : " of feature " + feature;
            return new Finding(
                    WasteCategory.RETRY_WASTE,
                    kind,
                    plural,
                    feature == null ? Call.UNATTRIBUTED : feature,
                    feature,
                    null,
                    evidence,
                    tally.wasteUsd,
                    window.monthly(tally.wasteUsd),
                    BigDecimal.ZERO,
                    "sum of the recorded cost of the " + tally.wasteful + " redundant calls of " + scopes + " "
                            + plural + " (each with at least " + MIN_REDUNDANT + ", rolled up past the window's"
                            + " bound on retry findings listed one by one), x 30 days / window",
                    scopes + " " + plural + where + " each made at least " + MIN_REDUNDANT
                            + " redundant calls (repeats of answered requests, attempts after the third failure"
                            + " within 60 s, calls beyond " + BURST_CALLS_PER_MINUTE + " a minute): fix the client's"
                            + " retry policy (at most " + MAX_ATTEMPTS
                            + " attempts with exponential back-off) and reuse answers"
                            + ("session".equals(scopeType)
                                    ? ", and set the breaker SPENDGATE_SESSION_CALLS_PER_MINUTE to "
                                            + BURST_CALLS_PER_MINUTE + " so a runaway session is cut off"
                                    : "")
                            + ". The example request ids are from the smallest of them; the largest are listed one by"
                            + " one.",
                    null);
        }
    }

    private static final class Scope {
        final String scopeType;
        final String scopeValue;
        final String feature;
        final Tally tally = new Tally();
        long duplicates;
        long errorLoop;
        long longestChain;
        long burst;
        long peakPerMinute;
        int lastDay;
        /** The merged day that created the scope (0: the pass's own day). */
        int firstDay;

        Scope(String scopeType, String scopeValue, String feature) {
            this.scopeType = scopeType;
            this.scopeValue = scopeValue;
            this.feature = feature;
        }
    }
}
