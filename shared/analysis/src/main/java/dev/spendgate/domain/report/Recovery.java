package dev.spendgate.domain.report;

import dev.spendgate.domain.waste.FindingLifecycle;
import dev.spendgate.domain.waste.RecoverableTotal;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Recovered savings, measured per resolved finding in the finding's own scope (its feature, else its key): the scope's
 * cost per call before the day the waste stopped (the baseline, over the previous and this month) against after it,
 * times the scope's calls per day after, per 30 days. The change day itself is left out (half before, half after).
 * Only resolved findings recover anything; an open or regressed one recovers $0. Category totals of two analyses are
 * never compared.
 */
public final class Recovery {
    static final int MIN_DAYS_AFTER = 3;
    private static final BigDecimal DAYS_PER_MONTH = BigDecimal.valueOf(30);

    private Recovery() {}

    /**
     * One finding's recovery.
     *
     * @param recoveredMonthlyUsd null when it cannot be measured ({@code note} says why)
     */
    public record Line(
            String findingId,
            String category,
            FindingLifecycle.Status status,
            Instant resolvedAt,
            BigDecimal baselineMonthlyUsd,
            BigDecimal costPerCallBeforeUsd,
            BigDecimal costPerCallAfterUsd,
            BigDecimal recoveredMonthlyUsd,
            String note,
            String scope,
            BigDecimal spendBeforeMonthlyUsd) {

        Line(
                String findingId,
                String category,
                FindingLifecycle.Status status,
                Instant resolvedAt,
                BigDecimal baselineMonthlyUsd,
                String note) {
            this(findingId, category, status, resolvedAt, baselineMonthlyUsd, null, null, null, note, null, null);
        }
    }

    /**
     * What the lines recover together per month, each call counted once: every resolved finding measures its whole
     * scope's drop, so the findings of one feature (or key) are combined as {@link RecoverableTotal} combines them for
     * what is recoverable (one category's add up, categories are levers applied in turn) and never exceed the scope's
     * spend per month before the change.
     */
    public static BigDecimal total(List<Line> lines) {
        Map<String, Map<String, BigDecimal>> byScope = new LinkedHashMap<>();
        Map<String, BigDecimal> spend = new HashMap<>();
        for (Line l : lines) {
            if (l.recoveredMonthlyUsd() == null) {
                continue;
            }
            byScope.computeIfAbsent(l.scope(), k -> new LinkedHashMap<>())
                    .merge(l.category(), l.recoveredMonthlyUsd(), BigDecimal::add);
            if (l.spendBeforeMonthlyUsd() != null) {
                spend.merge(l.scope(), l.spendBeforeMonthlyUsd(), BigDecimal::max);
            }
        }
        BigDecimal total = BigDecimal.ZERO;
        for (Map.Entry<String, Map<String, BigDecimal>> e : byScope.entrySet()) {
            total = total.add(
                    RecoverableTotal.combined(new ArrayList<>(e.getValue().values()), spend.get(e.getKey())));
        }
        return FocusCharges.stripped(total.setScale(6, RoundingMode.HALF_UP));
    }

    /**
     * The recovery of every finding resolved from the previous month's start on, measured on the two months' usage
     * as of {@code asOf} (days from then on are not complete).
     */
    public static List<Line> of(FindingLifecycle lifecycle, MonthlyUsage previous, MonthlyUsage current, Instant asOf) {
        List<Line> lines = new ArrayList<>();
        for (FindingLifecycle.Entry e : lifecycle.entries().values()) {
            if (e.status() != FindingLifecycle.Status.RESOLVED
                    || e.resolvedAt() == null
                    || e.resolvedAt().isBefore(previous.start())
                    || !e.resolvedAt().isBefore(current.end())) {
                continue;
            }
            lines.add(measure(e, previous, current, asOf));
        }
        return lines;
    }

    static Line measure(FindingLifecycle.Entry e, MonthlyUsage previous, MonthlyUsage current, Instant asOf) {
        FindingLifecycle.Seen f = e.finding();
        String category = WasteSummary.name(f.category());
        LocalDate change = LocalDate.ofInstant(e.resolvedAt(), ZoneOffset.UTC);
        Instant end = asOf != null && asOf.isBefore(current.end()) ? asOf.truncatedTo(ChronoUnit.DAYS) : current.end();
        LocalDate lastDay = LocalDate.ofInstant(end, ZoneOffset.UTC).minusDays(1);
        long daysBefore = ChronoUnit.DAYS.between(LocalDate.ofInstant(previous.start(), ZoneOffset.UTC), change);
        long daysAfter = ChronoUnit.DAYS.between(change, lastDay);
        if (f.feature() == null && !"key".equals(f.scopeType())) {
            return new Line(
                    f.id(),
                    category,
                    e.status(),
                    e.resolvedAt(),
                    e.baselineMonthlySavingsUsd(),
                    "scope " + f.scopeType() + " has no feature or key to measure");
        }
        if (daysAfter < MIN_DAYS_AFTER) {
            return new Line(
                    f.id(),
                    category,
                    e.status(),
                    e.resolvedAt(),
                    e.baselineMonthlySavingsUsd(),
                    "resolved " + change + ": fewer than " + MIN_DAYS_AFTER + " complete days after to measure");
        }
        BigDecimal costBefore = BigDecimal.ZERO;
        long callsBefore = 0;
        BigDecimal costAfter = BigDecimal.ZERO;
        long callsAfter = 0;
        for (MonthlyUsage usage : List.of(previous, current)) {
            for (Map.Entry<CellKey, CellTotals> c : usage.cells().entrySet()) {
                CellKey k = c.getKey();
                boolean inScope = f.feature() != null
                        ? f.feature().equals(k.feature())
                        : f.scopeValue() != null && f.scopeValue().equals(k.keyId());
                if (!inScope) {
                    continue;
                }
                if (k.day().isBefore(change)) {
                    costBefore = costBefore.add(c.getValue().costUsd());
                    callsBefore += c.getValue().pricedCalls();
                } else if (k.day().isAfter(change) && !k.day().isAfter(lastDay)) {
                    costAfter = costAfter.add(c.getValue().costUsd());
                    callsAfter += c.getValue().pricedCalls();
                }
            }
        }
        if (callsBefore == 0 || daysBefore <= 0) {
            return new Line(
                    f.id(),
                    category,
                    e.status(),
                    e.resolvedAt(),
                    e.baselineMonthlySavingsUsd(),
                    "no calls in scope before " + change + " to set a baseline");
        }
        BigDecimal spendBefore =
                costBefore.multiply(DAYS_PER_MONTH).divide(BigDecimal.valueOf(daysBefore), 6, RoundingMode.HALF_UP);
        BigDecimal before = costBefore.divide(BigDecimal.valueOf(callsBefore), 10, RoundingMode.HALF_UP);
        BigDecimal recovered;
        BigDecimal after = null;
        String note;
        if (callsAfter == 0) {
            // the scope stopped calling: its whole daily spend is what stopped
            recovered = spendBefore;
            note = "no calls in scope after " + change + ": its spend per day before, x 30";
        } else {
            after = costAfter.divide(BigDecimal.valueOf(callsAfter), 10, RoundingMode.HALF_UP);
            recovered = before.subtract(after)
                    .multiply(BigDecimal.valueOf(callsAfter))
                    .multiply(DAYS_PER_MONTH)
                    .divide(BigDecimal.valueOf(daysAfter), 6, RoundingMode.HALF_UP);
            note = "(cost per call before " + change + " - after) x " + callsAfter + " calls in " + daysAfter
                    + " days after, x 30 / " + daysAfter;
        }
        return new Line(
                f.id(),
                category,
                e.status(),
                e.resolvedAt(),
                e.baselineMonthlySavingsUsd(),
                FocusCharges.stripped(before),
                after == null ? null : FocusCharges.stripped(after),
                FocusCharges.stripped(recovered.max(BigDecimal.ZERO)),
                note,
                f.feature() != null ? "feature " + f.feature() : "key " + f.scopeValue(),
                FocusCharges.stripped(spendBefore));
    }
}
