package dev.spendgate.domain.report;

import dev.spendgate.domain.budget.BudgetPeriod;
import dev.spendgate.domain.budget.BudgetPolicy;
import dev.spendgate.domain.budget.BudgetScope;
import dev.spendgate.domain.budget.ScopeType;
import dev.spendgate.domain.outcome.Outcome;
import dev.spendgate.domain.pricing.ModelPrice;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.pricing.Rates;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Every figure of a monthly board report, computed from the month's usage cells and what else is known (previous
 * month's total, budgets, waste, outcomes). Money is exact here; renderers round for display.
 *
 * @param previousTotalUsd null when the previous month is unknown
 * @param changePercent null when there is nothing to compare with
 * @param waste null when no waste analysis was stored for the month
 * @param toDate null unless the month is running: {@code changePercent} then sets spend to date against the whole
 *     previous month, and this says so and compares like for like
 * @param previousFrom the previous month's first day with usage when after its 1st (its total covers only part of it:
 *     the first month of use); null otherwise
 */
public record MonthlyFigures(
        YearMonth month,
        BigDecimal totalUsd,
        long calls,
        long unpricedCalls,
        BigDecimal unattributedUsd,
        BigDecimal previousTotalUsd,
        BigDecimal changePercent,
        List<DayCost> daily,
        List<Share> topFeatures,
        List<Share> topDepartments,
        List<Share> topModels,
        List<ModelEfficiency> models,
        List<BudgetLine> budgets,
        WasteSummary waste,
        List<OutcomeCost> outcomes,
        Forecast forecast,
        ToDate toDate,
        LocalDate previousFrom) {

    public static final int TOP = 5;

    /** The label of the row that holds what a top list leaves out, so the list sums to the headline. */
    public static final String OTHER = "Other";

    /**
     * The month-end figure. For a finished month it is the actual spend. For the running month: the spend of the
     * complete UTC days so far plus the average daily spend of the last (up to) seven complete days times the days
     * left, today included; {@code method} says so in words with the figures used.
     *
     * @param forecastUsd null when no day of the month is complete yet
     */
    public record Forecast(
            boolean complete,
            BigDecimal toDateUsd,
            int completeDays,
            int remainingDays,
            BigDecimal dailyRateUsd,
            BigDecimal forecastUsd,
            String method) {}

    /**
     * A running month measured like for like: the spend of its {@code days} complete UTC days against the spend of the
     * same days of the previous month.
     *
     * @param previousSameDaysUsd null when the previous month's days are not known
     * @param changePercent null when there is nothing to compare with (no spend on those days)
     */
    public record ToDate(int days, BigDecimal spendUsd, BigDecimal previousSameDaysUsd, BigDecimal changePercent) {}

    /** Spend of one UTC day. */
    public record DayCost(LocalDate day, BigDecimal costUsd) {}

    /** One entry of a top list; {@code percent} of the month's total. */
    /**
     * One row of a top list.
     *
     * @param costUsd exact
     * @param percent of the month's spend, one decimal, rounded so that the list's percentages add up to 100.0
     * @param shownUsd {@code costUsd} in cents, rounded so that the list's amounts add up to the headline as shown
     *     (largest remainder, as the chargeback rounds)
     */
    public record Share(String name, BigDecimal costUsd, long calls, BigDecimal percent, BigDecimal shownUsd) {}

    /**
     * What a model cost and delivered. The input and output sides are priced at the catalog's prices (input side:
     * uncached, cached and cache-write tokens), so a model's input and output rates are not blended into one; null
     * when the catalog does not know the model.
     */
    public record ModelEfficiency(
            String provider,
            String model,
            long calls,
            long inputTokens,
            long outputTokens,
            BigDecimal costUsd,
            BigDecimal costPerCallUsd,
            BigDecimal costPerMillionTokensUsd,
            BigDecimal inputCostUsd,
            BigDecimal outputCostUsd,
            BigDecimal inputPerMillionUsd,
            BigDecimal outputPerMillionUsd) {}

    /**
     * A monthly budget and what the month spent against it. {@code varianceUsd} is spent minus limit (negative: under
     * budget), {@code variancePercent} that as a share of the limit; {@code forecastUsd} is the scope's month-end
     * forecast by the month's method (the actual spend once the month is over). {@code limitUsd} is the limit in force
     * at the month's end, as the gateway enforced it (not one set for a later month); {@code limitNote} says when the
     * limit changed within the month ("limit $300.00 from 2026-12-15 09:00 UTC, $500.00 before"), null when it did not.
     */
    public record BudgetLine(
            String scope,
            BigDecimal limitUsd,
            BigDecimal spentUsd,
            BigDecimal usedPercent,
            BigDecimal varianceUsd,
            BigDecimal variancePercent,
            BigDecimal forecastUsd,
            String limitNote) {

        /** A line whose limit was the same all month. */
        public BudgetLine(
                String scope,
                BigDecimal limitUsd,
                BigDecimal spentUsd,
                BigDecimal usedPercent,
                BigDecimal varianceUsd,
                BigDecimal variancePercent,
                BigDecimal forecastUsd) {
            this(scope, limitUsd, spentUsd, usedPercent, varianceUsd, variancePercent, forecastUsd, null);
        }

        public boolean over() {
            return spentUsd.compareTo(limitUsd) > 0;
        }
    }

    /** How cost per outcome is defined, as printed beside it. */
    public static final String OUTCOME_DEFINITION = "Fully loaded cost per outcome = all spend of the features that"
            + " produced the outcome this month (every session, successful or not), plus the outcome's own calls of"
            + " the month before / outcomes: never below attributed. Attributed = the spend of only the"
            + " sessions and requests that produced it / outcomes, their calls of this month and the month before"
            + " (an outcome posted just after a month's end). Success rate = sessions with the outcome (calls this"
            + " month or the month before) / sessions of those features this month, plus those sessions with the"
            + " outcome whose calls were in the month before. Fully loaded and the success rate count only the"
            + " calls and sessions of the Spendgate keys that posted the outcome (listed under Keys counted): feature names are each client's own, and a key rotated during the month"
            + " counts only from the key that posted. Outcomes = all posted, those matched to no call (an id no call"
            + " of their key carries this month or the month before) included, at no cost: listed below.";

    /**
     * Cost per outcome. {@code costUsd} / {@code costPerOutcomeUsd}: the cost of the sessions and requests that
     * produced it, over how many were produced (attributed; understates the cost, since failed sessions are left out).
     * {@code fullyLoadedCostUsd} / {@code fullyLoadedPerOutcomeUsd}: all the month's spend of the {@code features}
     * those sessions and requests used, plus their own calls outside it (those of the month before), over the count:
     * at least the attributed cost. {@code successRatePercent}: the sessions that produced the outcome (named by it
     * or holding a request it names, with calls this month or the month before) per session of those features (this
     * month's, and the successful ones of the month before), in percent (null without sessions).
     * Fully loaded and the success rate count only the calls and sessions of the Spendgate {@code keys} that posted the
     * outcome (null: every key, for outcomes stored without a key): feature names are the clients' own.
     * {@code unpricedCalls}: the calls of unpriced models behind the attributed cost; {@code fullyLoadedUnpricedCalls}:
     * those behind fully loaded (the features' failed sessions' too). Each leaves its figure unknown or "at least".
     * {@code unmatched}: of {@code count}, the outcomes matched to no call (their session or request id is on no call
     * of their key this month or the month before): counted in the divisor, as documented, at no cost of their own,
     * so they lower cost per outcome and are printed beside it.
     */
    public record OutcomeCost(
            String name,
            long count,
            BigDecimal costUsd,
            BigDecimal costPerOutcomeUsd,
            List<String> features,
            BigDecimal fullyLoadedCostUsd,
            BigDecimal fullyLoadedPerOutcomeUsd,
            long sessions,
            BigDecimal successRatePercent,
            long unpricedCalls,
            long fullyLoadedUnpricedCalls,
            List<String> keys,
            long unmatched) {

        /** The attributed cost per outcome as shown: {@link #atLeast}. */
        public String attributedShown() {
            return atLeast(costUsd, costPerOutcomeUsd, unpricedCalls, 4);
        }

        /**
         * The fully loaded cost per outcome as shown ({@link #atLeast}) over its {@code fullyLoadedUnpricedCalls} (the
         * features' failed sessions' too); null without features.
         */
        public String fullyLoadedShown() {
            return fullyLoadedCostUsd == null
                    ? null
                    : atLeast(fullyLoadedCostUsd, fullyLoadedPerOutcomeUsd, fullyLoadedUnpricedCalls, 4);
        }

        /** All spend of the features as shown, to the cent ({@link #atLeast}); null without features. */
        public String featureSpendShown() {
            return fullyLoadedCostUsd == null
                    ? null
                    : atLeast(fullyLoadedCostUsd, fullyLoadedCostUsd, fullyLoadedUnpricedCalls, 2);
        }

        /**
         * How a cost with calls of unpriced models behind it is shown, wherever it is printed (table, summary, fact
         * sheet): {@code unknown} when no call behind it was priced (its cost is unknown, not zero), {@code $x +} (at
         * least this) when some were, else {@code $x}.
         */
        static String atLeast(BigDecimal total, BigDecimal shown, long unpriced, int decimals) {
            if (unpriced > 0 && total.signum() == 0) {
                return "unknown";
            }
            return Money.usd(shown, decimals) + (unpriced > 0 ? " +" : "");
        }
    }

    public static MonthlyFigures of(
            MonthlyUsage usage,
            BigDecimal previousTotalUsd,
            List<BudgetPolicy> policies,
            WasteSummary waste,
            List<Outcome> outcomes) {
        return of(usage, previousTotalUsd, policies, waste, outcomes, null);
    }

    /**
     * As above; with a catalog, models are named as the catalog names them, so dated snapshots and aliases of one
     * model ({@code gpt-4o-2024-08-06}, {@code gpt-4o}) add up to one line.
     */
    public static MonthlyFigures of(
            MonthlyUsage usage,
            BigDecimal previousTotalUsd,
            List<BudgetPolicy> policies,
            WasteSummary waste,
            List<Outcome> outcomes,
            PricingCatalog catalog) {
        return of(usage, previousTotalUsd, policies, waste, outcomes, catalog, null);
    }

    /** As above, with the month-end forecast made as of {@code asOf} (null: the month is taken as finished). */
    public static MonthlyFigures of(
            MonthlyUsage usage,
            BigDecimal previousTotalUsd,
            List<BudgetPolicy> policies,
            WasteSummary waste,
            List<Outcome> outcomes,
            PricingCatalog catalog,
            Instant asOf) {
        return compared(
                usage,
                previousTotalUsd == null
                        ? null
                        : PreviousMonth.total(usage.month().minusMonths(1), previousTotalUsd),
                policies,
                waste,
                outcomes,
                catalog,
                asOf);
    }

    /**
     * As above, with the previous month day by day (null: unknown), so that a running month is also compared with the
     * same days of it ({@link ToDate}).
     */
    public static MonthlyFigures compared(
            MonthlyUsage usage,
            PreviousMonth previous,
            List<BudgetPolicy> policies,
            WasteSummary waste,
            List<Outcome> outcomes,
            PricingCatalog catalog,
            Instant asOf) {
        BigDecimal previousTotalUsd =
                previous == null || previous.totalUsd().signum() == 0 ? null : previous.totalUsd();
        Map<String, String> names = new HashMap<>();
        Function<CellKey, String> model = k -> k.model() == null || catalog == null
                ? k.model()
                : names.computeIfAbsent(
                        k.pricedProvider() + "\u0000" + k.model(), x -> catalog.find(k.pricedProvider(), k.model())
                                .map(ModelPrice::model)
                                .orElse(k.model()));
        BigDecimal total = BigDecimal.ZERO;
        long calls = 0;
        long unpriced = 0;
        BigDecimal unattributed = BigDecimal.ZERO;
        Map<LocalDate, BigDecimal> byDay = new TreeMap<>();
        for (Map.Entry<CellKey, CellTotals> e : usage.cells().entrySet()) {
            CellKey k = e.getKey();
            CellTotals t = e.getValue();
            total = total.add(t.costUsd());
            calls += t.calls();
            unpriced += t.unpricedCalls();
            if (k.feature() == null || k.department() == null) {
                unattributed = unattributed.add(t.costUsd());
            }
            byDay.merge(k.day(), t.costUsd(), BigDecimal::add);
        }
        List<DayCost> daily = new ArrayList<>();
        YearMonth month = usage.month();
        for (LocalDate d = month.atDay(1); !d.isAfter(month.atEndOfMonth()); d = d.plusDays(1)) {
            daily.add(new DayCost(d, FocusCharges.stripped(byDay.getOrDefault(d, BigDecimal.ZERO))));
        }
        BigDecimal change = changePercent(total, previousTotalUsd);
        Forecast forecast = forecast(byDay, month, asOf);
        ToDate toDate = null;
        if (forecast != null && !forecast.complete()) {
            int days = forecast.completeDays();
            BigDecimal spend = byDay.entrySet().stream()
                    .filter(e -> e.getKey().getDayOfMonth() <= days)
                    .map(Map.Entry::getValue)
                    .reduce(BigDecimal.ZERO, BigDecimal::add);
            BigDecimal before = previous == null || days == 0 ? null : previous.firstDaysUsd(days);
            toDate = new ToDate(
                    days,
                    FocusCharges.stripped(spend),
                    before == null ? null : FocusCharges.stripped(before),
                    changePercent(spend, before));
        }
        return new MonthlyFigures(
                month,
                FocusCharges.stripped(total),
                calls,
                unpriced,
                FocusCharges.stripped(unattributed),
                previousTotalUsd,
                change,
                daily,
                top(usage, CellKey::feature, total),
                top(usage, CellKey::department, total),
                top(usage, model, total),
                models(usage, model, catalog),
                budgets(usage, policies, asOf),
                waste,
                outcomeCosts(usage, outcomes),
                forecast,
                toDate,
                previous == null ? null : previous.partialFrom().orElse(null));
    }

    /** {@code now} against {@code before} in percent, one decimal; null when {@code before} is unknown or zero. */
    private static BigDecimal changePercent(BigDecimal now, BigDecimal before) {
        if (before == null || before.signum() == 0) {
            return null;
        }
        return now.subtract(before).multiply(BigDecimal.valueOf(100)).divide(before, 1, RoundingMode.HALF_UP);
    }

    /** The month-end forecast from daily spend; see {@link Forecast}. Null for a month that has not started. */
    static Forecast forecast(Map<LocalDate, BigDecimal> byDay, YearMonth month, Instant asOf) {
        BigDecimal total = byDay.values().stream().reduce(BigDecimal.ZERO, BigDecimal::add);
        Instant end = month.plusMonths(1).atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant();
        if (asOf == null || !asOf.isBefore(end)) {
            return new Forecast(
                    true,
                    FocusCharges.stripped(total),
                    month.lengthOfMonth(),
                    0,
                    null,
                    FocusCharges.stripped(total),
                    "month complete: the forecast is the actual spend");
        }
        LocalDate today = LocalDate.ofInstant(asOf, ZoneOffset.UTC);
        if (today.isBefore(month.atDay(1))) {
            return null;
        }
        int complete = today.getDayOfMonth() - 1;
        int remaining = month.lengthOfMonth() - complete;
        if (complete == 0) {
            return new Forecast(
                    false,
                    FocusCharges.stripped(total),
                    0,
                    remaining,
                    null,
                    null,
                    "no complete day yet: no forecast before the month's second day");
        }
        BigDecimal completeSpend = BigDecimal.ZERO;
        BigDecimal recent = BigDecimal.ZERO;
        int window = Math.min(7, complete);
        for (Map.Entry<LocalDate, BigDecimal> e : byDay.entrySet()) {
            if (e.getKey().isBefore(today)) {
                completeSpend = completeSpend.add(e.getValue());
                if (!e.getKey().isBefore(today.minusDays(window))) {
                    recent = recent.add(e.getValue());
                }
            }
        }
        BigDecimal rate = recent.divide(BigDecimal.valueOf(window), 6, RoundingMode.HALF_UP);
        BigDecimal forecast = completeSpend.add(rate.multiply(BigDecimal.valueOf(remaining)));
        return new Forecast(
                false,
                FocusCharges.stripped(total),
                complete,
                remaining,
                FocusCharges.stripped(rate),
                FocusCharges.stripped(forecast),
                "spend of the " + complete + " complete days (" + Money.usd(completeSpend) + ") + the average of the"
                        + " last " + window + " complete days (" + Money.usd(rate) + " a day) x " + remaining
                        + " days left, today included");
    }

    /** The sessions outcomes name, each with the outcome's key ({@link TrackedIds}), for {@link MonthlyUsage}. */
    public static Set<String> sessionsOf(List<Outcome> outcomes) {
        Set<String> s = new HashSet<>();
        outcomes.stream().filter(o -> o.session() != null).forEach(o -> s.add(TrackedIds.of(o.keyId(), o.session())));
        return s;
    }

    /** The request ids outcomes name, each with the outcome's key, for {@link MonthlyUsage#tracking}. */
    public static Set<String> requestsOf(List<Outcome> outcomes) {
        Set<String> s = new HashSet<>();
        outcomes.stream()
                .filter(o -> o.requestId() != null)
                .forEach(o -> s.add(TrackedIds.of(o.keyId(), o.requestId())));
        return s;
    }

    private static List<Share> top(MonthlyUsage usage, Function<CellKey, String> dimension, BigDecimal total) {
        Map<String, BigDecimal> cost = new HashMap<>();
        Map<String, Long> calls = new HashMap<>();
        for (Map.Entry<CellKey, CellTotals> e : usage.cells().entrySet()) {
            String name = dimension.apply(e.getKey());
            name = name == null ? "(none)" : name;
            cost.merge(name, e.getValue().costUsd(), BigDecimal::add);
            calls.merge(name, e.getValue().calls(), Long::sum);
        }
        List<Share> shares = cost.entrySet().stream()
                .sorted(Map.Entry.<String, BigDecimal>comparingByValue()
                        .reversed()
                        .thenComparing(Map.Entry.comparingByKey()))
                .limit(TOP)
                .map(e -> new Share(e.getKey(), FocusCharges.stripped(e.getValue()), calls.get(e.getKey()), null, null))
                .collect(java.util.stream.Collectors.toCollection(ArrayList::new));
        if (cost.size() > TOP) {
            BigDecimal shown = BigDecimal.ZERO;
            long shownCalls = 0;
            for (Share s : shares) {
                shown = shown.add(s.costUsd());
                shownCalls += s.calls();
            }
            long allCalls = calls.values().stream().mapToLong(Long::longValue).sum();
            BigDecimal rest = total.subtract(shown);
            shares.add(new Share(
                    OTHER + " (" + (cost.size() - TOP) + " more)",
                    FocusCharges.stripped(rest),
                    allCalls - shownCalls,
                    null,
                    null));
        }
        return shown(shares, total);
    }

    /**
     * The rows with their amounts and percentages as shown: rounded so that, like the list's exact amounts, they add
     * up to the headline as shown and to 100.0 %, not each on its own (three rows of $1.005 would show $3.03 under a
     * $3.02 headline).
     */
    private static List<Share> shown(List<Share> shares, BigDecimal total) {
        List<BigDecimal> amounts = shares.stream().map(Share::costUsd).toList();
        List<BigDecimal> cents = Chargeback.largestRemainder(amounts, total.setScale(2, RoundingMode.HALF_UP));
        List<BigDecimal> percents;
        if (total.signum() == 0) {
            percents = shares.stream().map(x -> BigDecimal.ZERO.setScale(1)).toList();
        } else {
            // tenths of a percent as "cents" of tens of percent: 100.0 % is 10.00
            List<BigDecimal> tens = amounts.stream()
                    .map(a -> a.multiply(BigDecimal.TEN).divide(total, 12, RoundingMode.HALF_UP))
                    .toList();
            percents = Chargeback.largestRemainder(tens, BigDecimal.TEN.setScale(2)).stream()
                    .map(p -> p.movePointRight(1).setScale(1, RoundingMode.UNNECESSARY))
                    .toList();
        }
        List<Share> out = new ArrayList<>(shares.size());
        for (int i = 0; i < shares.size(); i++) {
            Share x = shares.get(i);
            out.add(new Share(x.name(), x.costUsd(), x.calls(), percents.get(i), cents.get(i)));
        }
        return List.copyOf(out);
    }

    private static List<ModelEfficiency> models(
            MonthlyUsage usage, Function<CellKey, String> model, PricingCatalog catalog) {
        Map<List<String>, CellTotals> byModel = new LinkedHashMap<>();
        Map<List<String>, BigDecimal[]> sides = new HashMap<>();
        for (Map.Entry<CellKey, CellTotals> e : usage.cells().entrySet()) {
            List<String> key = java.util.Arrays.asList(e.getKey().provider(), model.apply(e.getKey()));
            byModel.computeIfAbsent(key, k -> new CellTotals()).add(e.getValue());
            Optional<ModelPrice> price = catalog == null || e.getKey().model() == null
                    ? Optional.empty()
                    : catalog.find(e.getKey().pricedProvider(), e.getKey().model());
            BigDecimal[] side = sides.computeIfAbsent(key, k -> new BigDecimal[] {BigDecimal.ZERO, BigDecimal.ZERO});
            // a cell sums many calls: each side at the per-token rates of the cell's tier, as the FOCUS rows price it
            // (never through the long-context rule, which is per request)
            Rates rates = price.map(p -> FocusCharges.rates(p, e.getKey().serviceTier()))
                    .orElse(null);
            if (rates == null) {
                side[0] = null;
            } else if (side[0] != null) {
                for (TokenType type : TokenType.values()) {
                    BigDecimal usd = type.pricePerMillion(rates)
                            .multiply(BigDecimal.valueOf(type.count(e.getValue())))
                            .movePointLeft(6);
                    int at = type == TokenType.OUTPUT ? 1 : 0;
                    side[at] = side[at].add(usd);
                }
            }
        }
        List<ModelEfficiency> models = new ArrayList<>();
        for (Map.Entry<List<String>, CellTotals> e : byModel.entrySet()) {
            CellTotals t = e.getValue();
            long tokens = t.inputTokens() + t.outputTokens();
            BigDecimal[] side = sides.get(e.getKey());
            boolean split = side[0] != null;
            models.add(new ModelEfficiency(
                    e.getKey().get(0),
                    e.getKey().get(1) == null ? "(none)" : e.getKey().get(1),
                    t.calls(),
                    t.inputTokens(),
                    t.outputTokens(),
                    FocusCharges.stripped(t.costUsd()),
                    t.pricedCalls() == 0
                            ? null
                            : t.costUsd().divide(BigDecimal.valueOf(t.pricedCalls()), 6, RoundingMode.HALF_UP),
                    tokens == 0
                            ? null
                            : t.costUsd()
                                    .multiply(BigDecimal.valueOf(1_000_000))
                                    .divide(BigDecimal.valueOf(tokens), 4, RoundingMode.HALF_UP),
                    split ? FocusCharges.stripped(side[0]) : null,
                    split ? FocusCharges.stripped(side[1]) : null,
                    split ? perMillion(side[0], t.inputTokens()) : null,
                    split ? perMillion(side[1], t.outputTokens()) : null));
        }
        models.sort(Comparator.comparing(ModelEfficiency::costUsd).reversed().thenComparing(ModelEfficiency::model));
        return models;
    }

    private static BigDecimal perMillion(BigDecimal cost, long tokens) {
        return tokens == 0
                ? null
                : cost.multiply(BigDecimal.valueOf(1_000_000))
                        .divide(BigDecimal.valueOf(tokens), 4, RoundingMode.HALF_UP);
    }

    private static List<BudgetLine> budgets(MonthlyUsage usage, List<BudgetPolicy> policies, Instant asOf) {
        List<BudgetLine> lines = new ArrayList<>();
        for (BudgetPolicy p : policies) {
            BudgetScope scope = p.scope();
            if (p.period() != BudgetPeriod.MONTHLY
                    || scope.type() == ScopeType.RUN
                    || (scope.value().equals(BudgetScope.EACH) && scope.type() != ScopeType.GLOBAL)) {
                continue;
            }
            // the budget's own month, in the time zone it was counted in, as the gateway counts it (of the UTC month
            // read)
            ZoneId zone = zoneCounting(p, usage.month());
            Instant from = usage.month().atDay(1).atStartOfDay(zone).toInstant();
            Instant until =
                    usage.month().plusMonths(1).atDay(1).atStartOfDay(zone).toInstant();
            if (p.since() != null && !p.since().isBefore(until)) {
                continue; // first set after this month: it was no budget of the month
            }
            // the limit the gateway enforced at the month's end, not one set since for a later month
            BigDecimal limit = p.limitAt(until.minusMillis(1));
            String limitNote = limitNote(p, from, until);
            BigDecimal spent = BigDecimal.ZERO;
            Map<LocalDate, BigDecimal> byDay = new TreeMap<>();
            for (Map.Entry<CellKey, CellTotals> e : usage.cells().entrySet()) {
                if (applies(scope, e.getKey())) {
                    BigDecimal cost = inPeriod(usage, e.getKey(), e.getValue(), from, until);
                    spent = spent.add(cost);
                    byDay.merge(e.getKey().day(), cost, BigDecimal::add);
                }
            }
            // a month starting before the UTC month's (a zone east of UTC): its hours of the previous UTC day
            for (Map.Entry<CellKey, CellTotals[]> e : usage.hoursBefore().entrySet()) {
                if (from.isBefore(usage.start()) && applies(scope, e.getKey())) {
                    BigDecimal cost = inHours(e.getKey().day(), e.getValue(), from, until);
                    spent = spent.add(cost);
                    byDay.merge(e.getKey().day(), cost, BigDecimal::add);
                }
            }
            BigDecimal used = limit.signum() == 0
                    ? null
                    : spent.multiply(BigDecimal.valueOf(100)).divide(limit, 1, RoundingMode.HALF_UP);
            BigDecimal variance = spent.subtract(limit);
            Forecast forecast = forecast(byDay, usage.month(), asOf);
            lines.add(new BudgetLine(
                    scope.toString(),
                    limit,
                    FocusCharges.stripped(spent),
                    used,
                    FocusCharges.stripped(variance),
                    limit.signum() == 0
                            ? null
                            : variance.multiply(BigDecimal.valueOf(100)).divide(limit, 1, RoundingMode.HALF_UP),
                    forecast == null ? null : forecast.forecastUsd(),
                    limitNote));
        }
        return lines;
    }

    /**
     * What a budget line says of a limit changed within its month {@code [from, until)}, or null: each limit and when
     * it took effect, "limit $300.00 from 2026-12-15 09:00 UTC, $500.00 before" (the line is judged against the last).
     */
    private static final java.time.format.DateTimeFormatter LIMIT_CHANGED_AT =
            java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'")
                    .withZone(ZoneOffset.UTC);

    private static String limitNote(BudgetPolicy p, Instant from, Instant until) {
        List<BudgetPolicy.LimitChange> changes = p.limitChangesWithin(from, until);
        if (changes.isEmpty()) {
            return null;
        }
        StringBuilder note = new StringBuilder("limit");
        for (int i = changes.size() - 1; i >= 0; i--) {
            BudgetPolicy.LimitChange change = changes.get(i);
            BigDecimal after = p.limitAt(change.until());
            note.append(i == changes.size() - 1 ? " " : ", ")
                    .append(Money.usd(after))
                    .append(" from ")
                    .append(LIMIT_CHANGED_AT.format(change.until()));
        }
        note.append(", ").append(Money.usd(changes.get(0).limitUsd())).append(" before");
        return note.toString();
    }

    /**
     * The time zone the gateway counted {@code month} of a budget in: a changed zone waits for the end of the period
     * running when it was changed ({@link BudgetPolicy#replacing}), so a month ending (in the zone it replaced) by then
     * was counted in the zone replaced, a later one in the new zone.
     */
    private static ZoneId zoneCounting(BudgetPolicy p, YearMonth month) {
        ZoneId replaced = p.previousZone() == null ? p.zone() : p.previousZone();
        Instant last =
                month.plusMonths(1).atDay(1).atStartOfDay(replaced).toInstant().minusMillis(1);
        return p.inForceAt(last).zone();
    }

    /**
     * The part of a cell's cost in {@code [from, until)}: all of it for a day inside, none for a day outside; for a day
     * a budget's period starts or ends in, its hours in the period (hour by hour: a zone offset of 30 or 45 minutes
     * counts its partial hour whole), or all of it when the cell has no hours (pre-aggregated).
     */
    private static BigDecimal inPeriod(MonthlyUsage usage, CellKey key, CellTotals cell, Instant from, Instant until) {
        Instant dayStart = key.day().atStartOfDay(ZoneOffset.UTC).toInstant();
        Instant dayEnd = dayStart.plus(Duration.ofDays(1));
        if (!dayStart.isBefore(until) || !dayEnd.isAfter(from)) {
            return BigDecimal.ZERO;
        }
        CellTotals[] hours = usage.edgeHours(key);
        if ((!dayStart.isBefore(from) && !dayEnd.isAfter(until)) || hours == null) {
            return cell.costUsd();
        }
        return inHours(key.day(), hours, from, until);
    }

    /** The cost of a UTC day's hours ({@code hours} by UTC hour, null for none) in {@code [from, until)}. */
    private static BigDecimal inHours(LocalDate day, CellTotals[] hours, Instant from, Instant until) {
        Instant dayStart = day.atStartOfDay(ZoneOffset.UTC).toInstant();
        BigDecimal sum = BigDecimal.ZERO;
        for (int h = 0; h < 24; h++) {
            Instant hourStart = dayStart.plus(Duration.ofHours(h));
            if (hours[h] != null && hourStart.plus(Duration.ofHours(1)).isAfter(from) && hourStart.isBefore(until)) {
                sum = sum.add(hours[h].costUsd());
            }
        }
        return sum;
    }

    private static boolean applies(BudgetScope scope, CellKey k) {
        String actual =
                switch (scope.type()) {
                    case KEY -> k.keyId();
                    case FEATURE -> k.feature();
                    case DEPARTMENT -> k.department();
                    case TEAM -> k.team();
                    case ENVIRONMENT -> k.environment();
                    case GLOBAL -> BudgetScope.EACH;
                    case RUN -> null;
                };
        return actual != null && actual.equals(scope.value());
    }

    private static List<OutcomeCost> outcomeCosts(MonthlyUsage usage, List<Outcome> outcomes) {
        Map<String, Long> counts = new TreeMap<>();
        Map<String, Set<String>> sessions = new HashMap<>();
        Map<String, Set<String>> requests = new HashMap<>();
        // the Spendgate keys that posted each outcome: feature names are the clients' own (X-Cost-Feature), so only
        // their calls load it; an outcome stored without a key (none since outcomes carry key_id) counts every key's
        Map<String, Set<String>> keys = new HashMap<>();
        Set<String> anyKey = new HashSet<>();
        Map<String, Long> unmatched = new HashMap<>();
        for (Outcome o : outcomes) {
            counts.merge(o.name(), o.count(), Long::sum);
            String tracked = o.session() != null
                    ? "s:" + TrackedIds.of(o.keyId(), o.session())
                    : "r:" + TrackedIds.of(o.keyId(), o.requestId());
            if (!usage.found(tracked)) {
                unmatched.merge(o.name(), o.count(), Long::sum);
            }
            if (o.keyId() == null) {
                anyKey.add(o.name());
            } else {
                keys.computeIfAbsent(o.name(), k -> new java.util.TreeSet<>()).add(o.keyId());
            }
            // only the calls of the key that posted the outcome: another key's s-1 is another session
            if (o.session() != null) {
                sessions.computeIfAbsent(o.name(), k -> new HashSet<>()).add(TrackedIds.of(o.keyId(), o.session()));
            } else {
                requests.computeIfAbsent(o.name(), k -> new HashSet<>()).add(TrackedIds.of(o.keyId(), o.requestId()));
            }
        }
        List<OutcomeCost> costs = new ArrayList<>();
        for (Map.Entry<String, Long> c : counts.entrySet()) {
            Set<String> named = sessions.getOrDefault(c.getKey(), Set.of());
            java.util.TreeSet<String> features = new java.util.TreeSet<>();
            for (String sid : named) {
                features.addAll(usage.trackedFeatures().getOrDefault("s:" + sid, Set.of()));
            }
            for (String r : requests.getOrDefault(c.getKey(), Set.of())) {
                features.addAll(usage.trackedFeatures().getOrDefault("r:" + r, Set.of()));
            }
            BigDecimal cost = BigDecimal.ZERO;
            long unpriced = 0;
            // of it, the calls of this month that carry one of the features: the features' cells hold them already
            BigDecimal inCells = BigDecimal.ZERO;
            long unpricedInCells = 0;
            // the cost of the set of calls: a request inside a session already counted is not added again
            for (String s : named) {
                cost = cost.add(usage.sessionCosts().getOrDefault(s, BigDecimal.ZERO));
                unpriced += usage.sessionUnpricedCalls().getOrDefault(s, 0L);
                inCells = inCells.add(usage.monthCostIn("s:" + s, features));
                unpricedInCells += usage.monthUnpricedIn("s:" + s, features);
            }
            for (String r : requests.getOrDefault(c.getKey(), Set.of())) {
                String in = usage.requestSessions().get(r);
                if (in == null || !named.contains(in)) {
                    cost = cost.add(usage.requestCosts().getOrDefault(r, BigDecimal.ZERO));
                    unpriced += usage.requestUnpricedCalls().getOrDefault(r, 0L);
                    inCells = inCells.add(usage.monthCostIn("r:" + r, features));
                    unpricedInCells += usage.monthUnpricedIn("r:" + r, features);
                }
            }
            Set<String> posting = anyKey.contains(c.getKey()) ? null : keys.getOrDefault(c.getKey(), Set.of());
            // fully loaded: the features' spend of this month (the posting keys' cells) and the outcome's own calls
            // outside those cells (those of the month before, for an outcome posted just after its end): never below
            // the attributed cost it includes
            BigDecimal loaded = cost.subtract(inCells);
            // and its calls of unpriced models, the failed sessions' too: the figure is then at least this, or unknown
            long loadedUnpriced = unpriced - unpricedInCells;
            for (Map.Entry<CellKey, CellTotals> e : usage.cells().entrySet()) {
                if (e.getKey().feature() != null
                        && features.contains(e.getKey().feature())
                        && (posting == null || posting.contains(e.getKey().keyId()))) {
                    loaded = loaded.add(e.getValue().costUsd());
                    loadedUnpriced += e.getValue().unpricedCalls();
                }
            }
            Set<String> succeeded = succeededSessions(usage, named, requests.getOrDefault(c.getKey(), Set.of()));
            // the successful sessions are counted on both sides: one whose calls were all in the month before (an
            // outcome posted just after its end) is a session of those features too, not only a success
            long featureSessions = features.isEmpty() ? 0 : usage.distinctSessions(features, posting, succeeded);
            if (succeeded.size() > featureSessions && featureSessions > 0) {
                throw new IllegalStateException("outcome " + c.getKey() + ": " + succeeded.size()
                        + " successful sessions among only " + featureSessions + " sessions of " + features);
            }
            costs.add(new OutcomeCost(
                    c.getKey(),
                    c.getValue(),
                    FocusCharges.stripped(cost),
                    cost.divide(BigDecimal.valueOf(c.getValue()), 6, RoundingMode.HALF_UP),
                    List.copyOf(features),
                    features.isEmpty() ? null : FocusCharges.stripped(loaded),
                    features.isEmpty()
                            ? null
                            : loaded.divide(BigDecimal.valueOf(c.getValue()), 6, RoundingMode.HALF_UP),
                    featureSessions,
                    featureSessions == 0 || succeeded.isEmpty()
                            ? null
                            : BigDecimal.valueOf(succeeded.size())
                                    .multiply(BigDecimal.valueOf(100))
                                    .divide(BigDecimal.valueOf(featureSessions), 1, RoundingMode.HALF_UP),
                    unpriced,
                    features.isEmpty() ? 0 : loadedUnpriced,
                    posting == null ? null : List.copyOf(posting),
                    unmatched.getOrDefault(c.getKey(), 0L)));
        }
        return costs;
    }

    /**
     * The sessions that produced the outcome: those it names, and those of the requests it names, each counted once
     * and only when it had calls of this month or the month before (the success rate's numerator; a session with 40
     * tickets closed is one successful session, not 40).
     */
    private static Set<String> succeededSessions(MonthlyUsage usage, Set<String> sessions, Set<String> requests) {
        Set<String> succeeded = new HashSet<>();
        for (String s : sessions) {
            if (hasCalls(usage, "s:" + s)) {
                succeeded.add(s);
            }
        }
        for (String r : requests) {
            String in = usage.requestSessions().get(r);
            if (in != null && hasCalls(usage, "r:" + r)) {
                succeeded.add(in);
            }
        }
        return succeeded;
    }

    private static boolean hasCalls(MonthlyUsage usage, String tracked) {
        return !usage.trackedFeatures().getOrDefault(tracked, Set.of()).isEmpty();
    }
}
