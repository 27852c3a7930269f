package dev.spendgate.domain.report;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.gatewaycost.GatewayWork;
import dev.spendgate.domain.usage.CostCheck;
import dev.spendgate.domain.usage.UsageLogReader;
import dev.spendgate.domain.usage.UsageRecord;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A calendar month of usage summed into {@link CellKey cells}, plus the costs of the sessions and requests that
 * outcomes name. Fill it from records ({@link #add(UsageRecord)}) or from pre-aggregated cells (Athena).
 */
public final class MonthlyUsage {
    private final YearMonth month;
    private final Instant start;
    private final Instant end;
    private final Map<CellKey, CellTotals> cells = new HashMap<>();
    // the month's first and last UTC day hour by hour (filled from records only): a budget in another time zone
    // starts or ends within them
    private final Map<CellKey, CellTotals[]> edgeHours = new HashMap<>();
    // the previous month's last UTC hours, hour by hour (filled from records only): the month of a budget in a zone
    // east of UTC starts within them; counted for such budgets only, never in the month's own figures
    private final Map<CellKey, CellTotals[]> hoursBefore = new HashMap<>();
    private final Set<String> trackedSessions;
    private final Set<String> trackedRequests;
    private final Map<String, BigDecimal> sessionCosts = new HashMap<>();
    private final Map<String, BigDecimal> requestCosts = new HashMap<>();
    private final Map<String, String> requestSessions = new HashMap<>();
    private final Map<String, Long> sessionUnpriced = new HashMap<>();
    private final Map<String, Long> requestUnpriced = new HashMap<>();
    // the tracked sessions and requests ("s:" / "r:" + tracked id) some call of their key carries: an outcome naming
    // another is matched to no call (a ticket number, a typo, another key's or an older session)
    private final Set<String> trackedFound = new java.util.HashSet<>();
    private final Map<String, LocalDate> dayCache = new HashMap<>();
    private final Map<String, Set<String>> featureSessions = new HashMap<>();
    /** A pre-aggregated source's count of {@link #distinctSessions(Set, Set, Set)}; null: count the records'. */
    private DistinctSessions distinctSessionsSource;

    /** How a pre-aggregated source counts {@link #distinctSessions(Set, Set, Set)}. */
    @FunctionalInterface
    public interface DistinctSessions {
        /**
         * The distinct sessions of the month that used any of {@code features} with any of {@code keys} (null: any
         * key), together with the sessions {@code also} (tracked ids, {@code key|session}) not among them.
         */
        long count(Set<String> features, Set<String> keys, Set<String> also);
    }

    private final Map<String, Set<String>> trackedFeatures = new HashMap<>();
    // the same, of this month's calls only (trackedFeatures also holds the month before's, addTrackedOf)
    private final Map<String, Set<String>> monthTrackedFeatures = new HashMap<>();
    // this month's cost and unpriced calls of each tracked session or request per feature: the part of an outcome's
    // attributed calls that its features' cells already hold (fully loaded adds only the rest)
    private final Map<String, Map<String, BigDecimal>> monthFeatureCosts = new HashMap<>();
    private final Map<String, Map<String, Long>> monthFeatureUnpriced = new HashMap<>();
    // what each day's records say the gateway did in AWS (its own cost estimate)
    private final Map<LocalDate, GatewayWork> gatewayWork = new java.util.TreeMap<>();
    private UsageLogReader.ReadStats readStats;
    private DataQuality quality = DataQuality.unchecked();

    private MonthlyUsage(YearMonth month, Set<String> trackedSessions, Set<String> trackedRequests) {
        this.month = Objects.requireNonNull(month, "month");
        this.start = month.atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant();
        this.end = month.plusMonths(1).atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant();
        this.trackedSessions = Set.copyOf(trackedSessions);
        this.trackedRequests = Set.copyOf(trackedRequests);
    }

    public static MonthlyUsage of(YearMonth month) {
        return new MonthlyUsage(month, Set.of(), Set.of());
    }

    /**
     * A month that also sums the cost of the given sessions and request ids (those outcomes name), each as a
     * {@link TrackedIds tracked id}: with the key of the outcome, so only that key's calls count.
     */
    public static MonthlyUsage tracking(YearMonth month, Set<String> sessions, Set<String> requestIds) {
        return new MonthlyUsage(month, sessions, requestIds);
    }

    public YearMonth month() {
        return month;
    }

    /** The month's first instant, inclusive. */
    public Instant start() {
        return start;
    }

    /** The next month's first instant: the exclusive end. */
    public Instant end() {
        return end;
    }

    /**
     * The earliest instant a budget's month can start: the month's first instant in the zone furthest east (UTC+14).
     * Records from it to {@link #start()} are added with {@link #addBefore}.
     */
    public Instant startEastmost() {
        return start.minus(Duration.ofHours(14));
    }

    /**
     * Adds one record of the hours before the month ({@link #startEastmost()} to {@link #start()}), counted only by
     * budgets in a zone east of UTC whose month begins before the UTC month; refused outside those hours.
     */
    public void addBefore(UsageRecord r) {
        if (r.tsStart().isBefore(startEastmost()) || !r.tsStart().isBefore(start)) {
            throw new IllegalArgumentException("record " + r.requestId() + " is not in the hours before " + month);
        }
        addHour(hoursBefore, cellKey(r), r);
    }

    /** Adds one record; records outside the month are refused. */
    public void add(UsageRecord r) {
        if (r.tsStart().isBefore(start) || !r.tsStart().isBefore(end)) {
            throw new IllegalArgumentException("record " + r.requestId() + " is not in " + month);
        }
        Attribution a = r.attribution();
        CellKey key = cellKey(r);
        cells.computeIfAbsent(key, k -> new CellTotals()).add(r);
        gatewayWork.computeIfAbsent(key.day(), k -> new GatewayWork()).add(r);
        if (key.day().getDayOfMonth() == 1 || key.day().getDayOfMonth() == month.lengthOfMonth()) {
            addHour(edgeHours, key, r);
        }
        if (a.feature() != null && a.session() != null) {
            // a session is its key's own (ids are the clients'): another key's s-1 is another session, as the
            // outcomes counted over these sessions are
            featureSessions
                    .computeIfAbsent(a.feature(), k -> new java.util.HashSet<>())
                    .add(TrackedIds.of(r.keyId(), a.session()));
        }
        if (!trackedSessions.isEmpty() && a.session() != null) {
            track(trackedSessions, r.keyId(), a.session(), r, null);
        }
        if (!trackedRequests.isEmpty()) {
            track(trackedRequests, r.keyId(), r.requestId(), r, a.session());
        }
    }

    private CellKey cellKey(UsageRecord r) {
        Attribution a = r.attribution();
        return new CellKey(
                day(r.tsStart()),
                r.provider(),
                r.pricedModel(),
                r.keyId(),
                a.feature(),
                a.department(),
                a.team(),
                a.environment(),
                r.pricingProvider(),
                serviceTier(r));
    }

    private static void addHour(Map<CellKey, CellTotals[]> byHour, CellKey key, UsageRecord r) {
        CellTotals[] hours = byHour.computeIfAbsent(key, k -> new CellTotals[24]);
        int hour = (int) ((r.tsStart().getEpochSecond() % 86_400) / 3_600);
        if (hours[hour] == null) {
            hours[hour] = new CellTotals();
        }
        hours[hour].add(r);
    }

    /**
     * Counts the record for the outcomes naming {@code id} with the record's own key (and for any naming it without a
     * key): its cost, its feature, and, for a request, the session it belongs to.
     */
    private void track(Set<String> tracked, String keyId, String id, UsageRecord r, String sessionOfRequest) {
        boolean request = tracked == trackedRequests;
        for (String t : keyId == null ? List.of(id) : List.of(TrackedIds.of(keyId, id), id)) {
            if (!tracked.contains(t)) {
                continue;
            }
            trackedFound.add((request ? "r:" : "s:") + t);
            String feature = r.attribution().feature();
            if (feature != null) {
                addTrackedFeature((request ? "r:" : "s:") + t, feature);
                addFeatureCost(
                        (request ? "r:" : "s:") + t,
                        feature,
                        r.costUsd() == null ? BigDecimal.ZERO : r.costUsd(),
                        r.costUsd() == null && r.pricingStatus() == UsageRecord.PricingStatus.UNPRICED ? 1 : 0);
            }
            if (request && sessionOfRequest != null) {
                requestSessions.put(t, TrackedIds.of(TrackedIds.keyOf(t), sessionOfRequest));
            }
            if (r.costUsd() != null) {
                (request ? requestCosts : sessionCosts).merge(t, r.costUsd(), BigDecimal::add);
            } else if (r.pricingStatus() == UsageRecord.PricingStatus.UNPRICED) {
                (request ? requestUnpriced : sessionUnpriced).merge(t, 1L, Long::sum);
            }
        }
    }

    /** The tier a record was priced at, null for standard (so standard cells keep their key). */
    private static String serviceTier(UsageRecord r) {
        String tier = r.billing().pricedServiceTier();
        return dev.spendgate.domain.pricing.ServiceTiers.STANDARD.equals(tier) ? null : tier;
    }

    /**
     * Adds the record when {@code check} finds its cost sound, else counts it as quarantined in {@link #quality()}
     * and leaves it out of every figure. Returns whether it was added.
     */
    public boolean offer(UsageRecord r, CostCheck check) {
        if (!quality.recordsChecked()) {
            quality = DataQuality.checked();
        }
        java.util.Optional<CostCheck.Reason> reason = check.check(r);
        if (reason.isPresent()) {
            quality.quarantined(r, reason.get());
            return false;
        }
        add(r);
        quality.included(r);
        return true;
    }

    /** What the figures rest on: filled by {@link #offer}, else unchecked (a pre-aggregated source). */
    public DataQuality quality() {
        return quality;
    }

    /**
     * What each day's records say the gateway did in AWS, for its own cost estimate; days filled only from
     * pre-aggregated cells without such figures are absent (their calls are all that is known).
     */
    public Map<LocalDate, GatewayWork> gatewayWork() {
        return Collections.unmodifiableMap(gatewayWork);
    }

    /** Adds pre-aggregated figures of what a day's records say the gateway did (an Athena result row). */
    public void addGatewayWork(LocalDate day, GatewayWork work) {
        gatewayWork.computeIfAbsent(day, k -> new GatewayWork()).add(work);
    }

    /** Adds pre-aggregated totals for a cell. */
    public void add(CellKey key, CellTotals totals) {
        cells.computeIfAbsent(key, k -> new CellTotals()).add(totals);
    }

    /**
     * Adds the cost of a session's calls made with one key (for pre-aggregated sources): counted for the outcomes of
     * that key naming the session (and those naming it without a key).
     */
    public void addSessionCost(String keyId, String session, BigDecimal cost, long unpricedCalls) {
        for (String t : keyId == null ? List.of(session) : List.of(TrackedIds.of(keyId, session), session)) {
            if (trackedSessions.contains(t)) {
                trackedFound.add("s:" + t);
                sessionCosts.merge(t, cost, BigDecimal::add);
                if (unpricedCalls > 0) {
                    sessionUnpriced.merge(t, unpricedCalls, Long::sum);
                }
            }
        }
    }

    /**
     * Adds a request's cost and unpriced calls (0 or 1), made with one key, and the session it belongs to (null for
     * none).
     */
    public void addRequestCost(String keyId, String requestId, String session, BigDecimal cost, long unpricedCalls) {
        for (String t : keyId == null ? List.of(requestId) : List.of(TrackedIds.of(keyId, requestId), requestId)) {
            if (trackedRequests.contains(t)) {
                trackedFound.add("r:" + t);
                requestCosts.merge(t, cost, BigDecimal::add);
                if (unpricedCalls > 0) {
                    requestUnpriced.merge(t, unpricedCalls, Long::sum);
                }
                if (session != null && !session.isEmpty()) {
                    requestSessions.put(t, TrackedIds.of(TrackedIds.keyOf(t), session));
                }
            }
        }
    }

    /**
     * The session (a tracked id of the same key) of each tracked request that has one: a request inside a tracked
     * session is part of its cost.
     */
    public Map<String, String> requestSessions() {
        return Collections.unmodifiableMap(requestSessions);
    }

    public Map<CellKey, CellTotals> cells() {
        return Collections.unmodifiableMap(cells);
    }

    /** What reading the log saw (objects, records, skipped input), or null for pre-aggregated sources. */
    public UsageLogReader.ReadStats readStats() {
        return readStats;
    }

    public void readStats(UsageLogReader.ReadStats stats) {
        this.readStats = stats;
        if (!quality.recordsChecked()) {
            quality = DataQuality.checked(); // read record by record, even if no record came
        }
        quality.read(stats);
    }

    /**
     * The distinct sessions of each feature in the month (records carrying both), each with its key ({@link
     * TrackedIds}: {@code key_1|s-1}).
     */
    public Map<String, Set<String>> featureSessions() {
        return Collections.unmodifiableMap(featureSessions);
    }

    /**
     * The distinct sessions, each key's its own, that used any of {@code features} in the month (the success rate's
     * denominator): from the records read, or asked of the pre-aggregated source that filled this month.
     */
    public long distinctSessions(Set<String> features) {
        return distinctSessions(features, null);
    }

    /**
     * As {@link #distinctSessions(Set)}, counting only the sessions of the Spendgate keys {@code keys} (null: any key):
     * feature names are the clients' own, so another key's {@code chat} is another feature.
     */
    public long distinctSessions(Set<String> features, Set<String> keys) {
        return distinctSessions(features, keys, Set.of());
    }

    /**
     * As {@link #distinctSessions(Set, Set)}, together with the sessions {@code also} (tracked ids) not among them: the
     * sessions that produced an outcome, whose calls may be in the month before only (an outcome posted just after a
     * month's end), so the success rate's numerator and denominator count the same window.
     */
    public long distinctSessions(Set<String> features, Set<String> keys, Set<String> also) {
        if (distinctSessionsSource != null) {
            // a session with calls of those features this month is among them already: not asked again
            Set<String> outside = new java.util.HashSet<>();
            for (String s : also) {
                Set<String> used = monthTrackedFeatures.getOrDefault("s:" + s, Set.of());
                if (used.stream().noneMatch(features::contains)) {
                    outside.add(s);
                }
            }
            return distinctSessionsSource.count(features, keys, outside);
        }
        Set<String> sessions = new java.util.HashSet<>(also);
        for (String feature : features) {
            for (String s : featureSessions.getOrDefault(feature, Set.of())) {
                if (keys == null || keys.contains(TrackedIds.keyOf(s))) {
                    sessions.add(s);
                }
            }
        }
        return sessions.size();
    }

    /**
     * For a pre-aggregated source: how {@link #distinctSessions} counts (a query per set of features and keys asked;
     * keys null: any key).
     */
    public void distinctSessionsFrom(DistinctSessions source) {
        this.distinctSessionsSource = Objects.requireNonNull(source, "source");
    }

    /** The features a tracked session ({@code s:ID}) or request ({@code r:ID}) used. */
    public Map<String, Set<String>> trackedFeatures() {
        return Collections.unmodifiableMap(trackedFeatures);
    }

    /**
     * Records that the calls of a session ({@code request} false) or request made with one key used {@code feature}
     * (for pre-aggregated sources), for the outcomes of that key naming it (and those naming it without a key), as
     * the records themselves would.
     */
    public void addTrackedFeature(String keyId, String id, boolean request, String feature) {
        addTrackedFeature(keyId, id, request, feature, BigDecimal.ZERO, 0);
    }

    /**
     * As {@link #addTrackedFeature(String, String, boolean, String)}, with the cost and unpriced calls of those calls
     * of the feature (a pre-aggregated source's row per key, id and feature), as the records themselves would.
     */
    public void addTrackedFeature(
            String keyId, String id, boolean request, String feature, BigDecimal cost, long unpricedCalls) {
        if (feature == null || feature.isEmpty()) {
            return;
        }
        Set<String> tracked = request ? trackedRequests : trackedSessions;
        for (String t : keyId == null ? List.of(id) : List.of(TrackedIds.of(keyId, id), id)) {
            if (tracked.contains(t)) {
                addTrackedFeature((request ? "r:" : "s:") + t, feature);
                addFeatureCost((request ? "r:" : "s:") + t, feature, cost, unpricedCalls);
            }
        }
    }

    private void addFeatureCost(String tracked, String feature, BigDecimal cost, long unpricedCalls) {
        monthFeatureCosts.computeIfAbsent(tracked, k -> new HashMap<>()).merge(feature, cost, BigDecimal::add);
        if (unpricedCalls > 0) {
            monthFeatureUnpriced
                    .computeIfAbsent(tracked, k -> new HashMap<>())
                    .merge(feature, unpricedCalls, Long::sum);
        }
    }

    /**
     * The cost of this month's calls of a tracked session ({@code s:ID}) or request ({@code r:ID}) that carry one of
     * {@code features}: the part of its cost the month's cells of those features hold (not its calls of the month
     * before, nor those without a feature).
     */
    public BigDecimal monthCostIn(String tracked, Set<String> features) {
        BigDecimal sum = BigDecimal.ZERO;
        for (Map.Entry<String, BigDecimal> e :
                monthFeatureCosts.getOrDefault(tracked, Map.of()).entrySet()) {
            if (features.contains(e.getKey())) {
                sum = sum.add(e.getValue());
            }
        }
        return sum;
    }

    /** As {@link #monthCostIn}, the unpriced calls. */
    public long monthUnpricedIn(String tracked, Set<String> features) {
        long sum = 0;
        for (Map.Entry<String, Long> e :
                monthFeatureUnpriced.getOrDefault(tracked, Map.of()).entrySet()) {
            if (features.contains(e.getKey())) {
                sum += e.getValue();
            }
        }
        return sum;
    }

    /** Records that a tracked session or request used a feature (for pre-aggregated sources). */
    public void addTrackedFeature(String sessionOrRequest, String feature) {
        trackedFeatures
                .computeIfAbsent(sessionOrRequest, k -> new java.util.TreeSet<>())
                .add(feature);
        monthTrackedFeatures
                .computeIfAbsent(sessionOrRequest, k -> new java.util.TreeSet<>())
                .add(feature);
    }

    /**
     * Whether a call of the month (or of the month before, once {@link #addTrackedOf added}) carries a tracked session
     * ({@code s:ID}) or request ({@code r:ID}) with its key: an outcome naming neither is matched to no call.
     */
    public boolean found(String tracked) {
        return trackedFound.contains(tracked);
    }

    /** Cost of each tracked session seen in the month. */
    public Map<String, BigDecimal> sessionCosts() {
        return Collections.unmodifiableMap(sessionCosts);
    }

    /** Cost of each tracked request seen in the month. */
    public Map<String, BigDecimal> requestCosts() {
        return Collections.unmodifiableMap(requestCosts);
    }

    /** Calls of each tracked session whose model the catalog does not price: their cost is unknown, not zero. */
    public Map<String, Long> sessionUnpricedCalls() {
        return Collections.unmodifiableMap(sessionUnpriced);
    }

    /** Unpriced calls of each tracked request (0 or 1, absent for none). */
    public Map<String, Long> requestUnpricedCalls() {
        return Collections.unmodifiableMap(requestUnpriced);
    }

    /**
     * Adds what another month (the one before) holds of the tracked sessions and requests: their costs, unpriced
     * calls, features and requests' sessions. An outcome posted just after a month's end names a session that ran
     * before it; its calls are in the month before, which the report reads too.
     */
    public void addTrackedOf(MonthlyUsage before) {
        trackedFound.addAll(before.trackedFound);
        before.sessionCosts.forEach((k, v) -> sessionCosts.merge(k, v, BigDecimal::add));
        before.requestCosts.forEach((k, v) -> requestCosts.merge(k, v, BigDecimal::add));
        before.sessionUnpriced.forEach((k, v) -> sessionUnpriced.merge(k, v, Long::sum));
        before.requestUnpriced.forEach((k, v) -> requestUnpriced.merge(k, v, Long::sum));
        before.requestSessions.forEach(requestSessions::putIfAbsent);
        before.trackedFeatures.forEach((k, v) -> trackedFeatures
                .computeIfAbsent(k, x -> new java.util.TreeSet<>())
                .addAll(v));
    }

    /**
     * A cell of the month's first or last UTC day, hour by hour (index: UTC hour, null for an hour with no call);
     * null when the cell was not filled from records (pre-aggregated cells carry no hours).
     */
    CellTotals[] edgeHours(CellKey key) {
        return edgeHours.get(key);
    }

    /**
     * The cells of the hours before the month ({@link #addBefore}), each hour by hour as {@link #edgeHours}; empty when
     * none were read (a pre-aggregated source reads none).
     */
    Map<CellKey, CellTotals[]> hoursBefore() {
        return Collections.unmodifiableMap(hoursBefore);
    }

    /** Exact sum of every priced call's cost. */
    public BigDecimal totalCostUsd() {
        BigDecimal total = BigDecimal.ZERO;
        for (CellTotals t : cells.values()) {
            total = total.add(t.costUsd());
        }
        return total;
    }

    private LocalDate day(Instant t) {
        String iso = t.toString().substring(0, 10);
        LocalDate d = dayCache.get(iso);
        if (d == null) {
            d = LocalDate.parse(iso);
            dayCache.put(iso, d);
        }
        return d;
    }
}
