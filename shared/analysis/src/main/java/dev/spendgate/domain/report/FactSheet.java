package dev.spendgate.domain.report;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The month's figures as plain lines ({@code total_spend: $8,953.54}), the only facts an LLM-drafted narrative may
 * use, and the check that it used no others: every number in a draft must be one of the fact sheet's numbers.
 */
public final class FactSheet {
    /** A figure as text: {@code 12}, {@code 1,234}, {@code $8.50}, {@code -3.2%}; digits inside names do not count. */
    private static final Pattern NUMBER =
            Pattern.compile("(?<![A-Za-z0-9_.\\-])-?\\$?\\d[\\d,]*(?:\\.\\d+)?%?(?![A-Za-z0-9_])");

    private final List<String> lines;
    private final Set<BigDecimal> numbers;

    private FactSheet(List<String> lines) {
        this.lines = List.copyOf(lines);
        Set<BigDecimal> n = new HashSet<>();
        for (String line : lines) {
            n.addAll(numbersIn(line));
        }
        this.numbers = Set.copyOf(n);
    }

    /** The facts of the figures, formatted as the report prints them. */
    public static FactSheet of(MonthlyFigures f) {
        List<String> l = new ArrayList<>();
        l.add("month: " + Narrative.monthName(f.month()));
        l.add("previous_month: " + Narrative.monthName(f.month().minusMonths(1)));
        l.add("total_spend: " + Money.usd(f.totalUsd()));
        l.add("calls: " + String.format(Locale.ROOT, "%,d", f.calls()));
        if (f.previousTotalUsd() != null) {
            l.add("previous_month_spend: " + Money.usd(f.previousTotalUsd()));
        }
        if (f.changePercent() != null) {
            l.add("change_vs_previous_month: " + Money.signedPercent(f.changePercent()));
            l.add("change_size: " + Money.percent(f.changePercent().abs()));
        }
        String partial = Narrative.previousPartial(f);
        if (partial != null) {
            l.add("previous_month_partial: " + partial + "; previous_month_spend covers only those days");
        }
        String toDate = Narrative.toDate(f);
        if (toDate != null) {
            l.add("month_to_date: " + toDate + "; change_vs_previous_month sets spend to date against the"
                    + (partial == null ? " whole" : "") + " previous month");
            String sameDays = Narrative.sameDays(f);
            if (sameDays != null) {
                l.add("same_days_of_previous_month: " + sameDays);
            }
        }
        if (f.forecast() != null && !f.forecast().complete() && f.forecast().forecastUsd() != null) {
            l.add("month_end_forecast: " + Money.usd(f.forecast().forecastUsd()) + " ("
                    + f.forecast().method() + ")");
        }
        for (MonthlyFigures.Share s : f.topFeatures()) {
            l.add("feature " + s.name() + ": " + Money.usd(s.shownUsd()) + ", " + Money.percent(s.percent())
                    + " of spend, " + String.format(Locale.ROOT, "%,d", s.calls()) + " calls");
        }
        for (MonthlyFigures.Share s : f.topDepartments()) {
            l.add("department " + s.name() + ": " + Money.usd(s.shownUsd()) + ", " + Money.percent(s.percent())
                    + " of spend");
        }
        for (MonthlyFigures.Share s : f.topModels()) {
            l.add("model " + s.name() + ": " + Money.usd(s.shownUsd()) + ", " + Money.percent(s.percent())
                    + " of spend");
        }
        for (MonthlyFigures.BudgetLine b : f.budgets()) {
            l.add("budget " + b.scope() + ": limit " + Money.usd(b.limitUsd()) + ", spent " + Money.usd(b.spentUsd())
                    + (b.usedPercent() == null ? "" : ", " + Money.percent(b.usedPercent()) + " used")
                    + (b.over() ? ", OVER" : ", within") + ", variance " + Money.usd(b.varianceUsd())
                    + (b.limitNote() == null ? "" : " (" + b.limitNote() + ")"));
        }
        if (f.waste() != null) {
            l.add("waste_recoverable_per_month: " + Money.usd(f.waste().totalRecoverableUsd()));
            if (f.waste().recoveryKnown()) {
                l.add("waste_recovered_per_month: " + Money.usd(f.waste().totalRecoveredUsd()));
            }
            l.add("spend_at_risk_per_month: " + Money.usd(f.waste().totalAtRiskUsd()));
            if (f.waste().efficiencyScore() != null) {
                l.add("ai_efficiency_score: " + f.waste().efficiencyScore() + " out of 100");
            }
        }
        if (f.unattributedUsd().signum() != 0) {
            l.add("unattributed_spend: " + Money.usd(f.unattributedUsd()));
        }
        if (f.unpricedCalls() > 0) {
            l.add("unpriced_calls: " + String.format(Locale.ROOT, "%,d", f.unpricedCalls()));
        }
        for (MonthlyFigures.OutcomeCost o : f.outcomes()) {
            l.add("outcome " + o.name() + ": " + String.format(Locale.ROOT, "%,d", o.count()) + " produced"
                    + (o.unmatched() == 0
                            ? ""
                            : " (" + String.format(Locale.ROOT, "%,d", o.unmatched())
                                    + " of them matched to no call, at no cost)")
                    + ", "
                    // as the table shows them: "unknown" or "$x +" when calls of unpriced models are behind them
                    + o.attributedShown() + " each attributed"
                    + (o.fullyLoadedShown() == null ? "" : ", " + o.fullyLoadedShown() + " each fully loaded")
                    + (o.successRatePercent() == null ? "" : ", success rate " + Money.percent(o.successRatePercent()))
                    + (o.unpricedCalls() == 0
                            ? ""
                            : ", " + String.format(Locale.ROOT, "%,d", o.unpricedCalls())
                                    + " unpriced calls behind it (cost unknown, not zero)")
                    + (o.fullyLoadedUnpricedCalls() == 0
                            ? ""
                            : ", " + String.format(Locale.ROOT, "%,d", o.fullyLoadedUnpricedCalls())
                                    + " unpriced calls behind the fully loaded figure"));
        }
        return new FactSheet(l);
    }

    public List<String> lines() {
        return lines;
    }

    /** The numbers in {@code text} that are not numbers of this fact sheet (empty when the text is faithful). */
    public List<String> unverifiedNumbers(String text) {
        List<String> unverified = new ArrayList<>();
        Matcher m = NUMBER.matcher(text);
        while (m.find()) {
            BigDecimal value = parse(m.group());
            if (value != null && numbers.stream().noneMatch(n -> n.compareTo(value) == 0)) {
                unverified.add(m.group());
            }
        }
        return unverified;
    }

    private static Set<BigDecimal> numbersIn(String text) {
        Set<BigDecimal> found = new HashSet<>();
        Matcher m = NUMBER.matcher(text);
        while (m.find()) {
            BigDecimal v = parse(m.group());
            if (v != null) {
                found.add(v);
                found.add(v.abs());
            }
        }
        return found;
    }

    private static BigDecimal parse(String token) {
        String t = token.replace("$", "").replace(",", "").replace("%", "");
        if (t.isEmpty() || t.equals("-")) {
            return null;
        }
        try {
            return new BigDecimal(t);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
