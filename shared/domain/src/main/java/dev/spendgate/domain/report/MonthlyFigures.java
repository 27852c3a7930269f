package dev.spendgate.domain.report;

import dev.spendgate.domain.budget.BudgetPeriod;
import dev.spendgate.domain.budget.BudgetPolicy;
import dev.spendgate.domain.budget.BudgetScope;
import dev.spendgate.domain.budget.ScopeType;
import dev.spendgate.domain.outcome.Outcome;
import dev.spendgate.domain.pricing.ModelPrice;
import dev.spendgate.domain.pricing.PricingCatalog;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.LocalDate;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
        List<OutcomeCost> outcomes) {

    public static final int TOP = 5;

    /** Spend of one UTC day. */
    public record DayCost(LocalDate day, BigDecimal costUsd) {}

    /** One entry of a top list; {@code percent} of the month's total. */
    public record Share(String name, BigDecimal costUsd, long calls, BigDecimal percent) {}

    /** What a model cost and delivered. */
    public record ModelEfficiency(
            String provider,
            String model,
            long calls,
            long inputTokens,
            long outputTokens,
            BigDecimal costUsd,
            BigDecimal costPerCallUsd,
            BigDecimal costPerMillionTokensUsd) {}

    /** A monthly budget and what the month spent against it. */
    public record BudgetLine(String scope, BigDecimal limitUsd, BigDecimal spentUsd, BigDecimal usedPercent) {
        public boolean over() {
            return spentUsd.compareTo(limitUsd) > 0;
        }
    }

    /** Cost per outcome: the cost of the sessions and requests that produced it, over how many were produced. */
    public record OutcomeCost(String name, long count, BigDecimal costUsd, BigDecimal costPerOutcomeUsd) {}

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
        BigDecimal change = null;
        if (previousTotalUsd != null && previousTotalUsd.signum() != 0) {
            change = total.subtract(previousTotalUsd)
                    .multiply(BigDecimal.valueOf(100))
                    .divide(previousTotalUsd, 1, RoundingMode.HALF_UP);
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
                models(usage, model),
                budgets(usage, policies),
                waste,
                outcomeCosts(usage, outcomes));
    }

    /** The sessions outcomes name, for {@link MonthlyUsage#tracking}. */
    public static Set<String> sessionsOf(List<Outcome> outcomes) {
        Set<String> s = new HashSet<>();
        outcomes.stream().filter(o -> o.session() != null).forEach(o -> s.add(o.session()));
        return s;
    }

    /** The request ids outcomes name, for {@link MonthlyUsage#tracking}. */
    public static Set<String> requestsOf(List<Outcome> outcomes) {
        Set<String> s = new HashSet<>();
        outcomes.stream().filter(o -> o.requestId() != null).forEach(o -> s.add(o.requestId()));
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
        return cost.entrySet().stream()
                .sorted(Map.Entry.<String, BigDecimal>comparingByValue()
                        .reversed()
                        .thenComparing(Map.Entry.comparingByKey()))
                .limit(TOP)
                .map(e -> new Share(
                        e.getKey(),
                        FocusCharges.stripped(e.getValue()),
                        calls.get(e.getKey()),
                        Money.share(e.getValue(), total)))
                .toList();
    }

    private static List<ModelEfficiency> models(MonthlyUsage usage, Function<CellKey, String> model) {
        Map<List<String>, CellTotals> byModel = new LinkedHashMap<>();
        for (Map.Entry<CellKey, CellTotals> e : usage.cells().entrySet()) {
            byModel.computeIfAbsent(
                            java.util.Arrays.asList(e.getKey().provider(), model.apply(e.getKey())),
                            k -> new CellTotals())
                    .add(e.getValue());
        }
        List<ModelEfficiency> models = new ArrayList<>();
        for (Map.Entry<List<String>, CellTotals> e : byModel.entrySet()) {
            CellTotals t = e.getValue();
            long tokens = t.inputTokens() + t.outputTokens();
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
                                    .divide(BigDecimal.valueOf(tokens), 4, RoundingMode.HALF_UP)));
        }
        models.sort(Comparator.comparing(ModelEfficiency::costUsd).reversed().thenComparing(ModelEfficiency::model));
        return models;
    }

    private static List<BudgetLine> budgets(MonthlyUsage usage, List<BudgetPolicy> policies) {
        List<BudgetLine> lines = new ArrayList<>();
        for (BudgetPolicy p : policies) {
            BudgetScope scope = p.scope();
            if (p.period() != BudgetPeriod.MONTHLY
                    || scope.type() == ScopeType.RUN
                    || (scope.value().equals(BudgetScope.EACH) && scope.type() != ScopeType.GLOBAL)) {
                continue;
            }
            BigDecimal spent = BigDecimal.ZERO;
            for (Map.Entry<CellKey, CellTotals> e : usage.cells().entrySet()) {
                if (applies(scope, e.getKey())) {
                    spent = spent.add(e.getValue().costUsd());
                }
            }
            BigDecimal used = p.limitUsd().signum() == 0
                    ? null
                    : spent.multiply(BigDecimal.valueOf(100)).divide(p.limitUsd(), 1, RoundingMode.HALF_UP);
            lines.add(new BudgetLine(scope.toString(), p.limitUsd(), FocusCharges.stripped(spent), used));
        }
        return lines;
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
        for (Outcome o : outcomes) {
            counts.merge(o.name(), o.count(), Long::sum);
            if (o.session() != null) {
                sessions.computeIfAbsent(o.name(), k -> new HashSet<>()).add(o.session());
            } else {
                requests.computeIfAbsent(o.name(), k -> new HashSet<>()).add(o.requestId());
            }
        }
        List<OutcomeCost> costs = new ArrayList<>();
        for (Map.Entry<String, Long> c : counts.entrySet()) {
            BigDecimal cost = BigDecimal.ZERO;
            for (String s : sessions.getOrDefault(c.getKey(), Set.of())) {
                cost = cost.add(usage.sessionCosts().getOrDefault(s, BigDecimal.ZERO));
            }
            for (String r : requests.getOrDefault(c.getKey(), Set.of())) {
                cost = cost.add(usage.requestCosts().getOrDefault(r, BigDecimal.ZERO));
            }
            costs.add(new OutcomeCost(
                    c.getKey(),
                    c.getValue(),
                    FocusCharges.stripped(cost),
                    cost.divide(BigDecimal.valueOf(c.getValue()), 6, RoundingMode.HALF_UP)));
        }
        return costs;
    }
}
