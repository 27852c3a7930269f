package dev.spendgate.domain.report;

import java.math.BigDecimal;
import java.time.YearMonth;
import java.time.format.TextStyle;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The board report's narrative, written from the figures alone: the same figures always give the same text, and
 * every number in it is one of the figures.
 */
public final class Narrative {
    private Narrative() {}

    /** "November 2026". */
    public static String monthName(YearMonth month) {
        return month.getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH) + " " + month.getYear();
    }

    /**
     * How far a running month has got, "December to date (day 10 of 31)"; null for a finished month. Its change against
     * the previous month sets spend to date against a whole month, and says so with these words.
     */
    public static String toDate(MonthlyFigures f) {
        if (f.toDate() == null) {
            return null;
        }
        return f.month().getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH) + " to date (day "
                + (f.toDate().days() + 1) + " of " + f.month().lengthOfMonth() + ")";
    }

    /**
     * What the previous month's total covers when the log holds only part of it, "usage from October 29 only"; null for
     * a whole month.
     */
    public static String previousPartial(MonthlyFigures f) {
        if (f.previousFrom() == null) {
            return null;
        }
        return "usage from " + f.previousFrom().getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH) + " "
                + f.previousFrom().getDayOfMonth() + " only";
    }

    /**
     * A running month against the same days of the previous month, "December's 9 complete days cost $1.89 against
     * $1.89 for November 1-9 (0.0%)"; null when there is no such comparison.
     */
    public static String sameDays(MonthlyFigures f) {
        MonthlyFigures.ToDate t = f.toDate();
        if (t == null || t.days() == 0 || t.previousSameDaysUsd() == null) {
            return null;
        }
        String days = f.month().minusMonths(1).getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH) + " 1"
                + (t.days() == 1
                        ? ""
                        : "-" + Math.min(t.days(), f.month().minusMonths(1).lengthOfMonth()));
        String month = f.month().getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH);
        String complete = month + "'s " + (t.days() == 1 ? "complete day" : t.days() + " complete days");
        return t.changePercent() == null
                ? complete + " cost " + Money.usd(t.spendUsd()) + "; " + days + " had no spend to compare with"
                : complete + " cost " + Money.usd(t.spendUsd()) + " against " + Money.usd(t.previousSameDaysUsd())
                        + " for " + days + " (" + Money.signedPercent(t.changePercent()) + ")";
    }

    /**
     * The narrative's paragraphs, given what the figures rest on: a month without usage data says so instead of
     * reporting $0 of spend (the figures of an empty log are zeros, not a measurement).
     */
    public static List<String> of(MonthlyFigures f, DataQuality quality) {
        if (quality == null || !quality.noData()) {
            return of(f);
        }
        String month = monthName(f.month());
        String what =
                switch (quality.state()) {
                    case FUTURE -> month + " has not started: there is no usage data to report.";
                    case RUNNING -> "There is no usage data for " + month + " so far.";
                    case COMPLETE -> "There is no usage data for " + month + ".";
                };
        return List.of(what + " This report states no spend, no change, no budget status and no waste. If calls were"
                + " made through Spendgate in " + month + ", their usage log did not reach the report (see the data"
                + " quality note in the board report).");
    }

    /** The narrative's paragraphs. */
    public static List<String> of(MonthlyFigures f) {
        List<String> p = new ArrayList<>();
        String toDate = toDate(f);
        String headline = "In " + monthName(f.month())
                + (toDate == null
                        ? ""
                        : " to date (day " + (f.toDate().days() + 1) + " of "
                                + f.month().lengthOfMonth() + ")")
                + ", AI spend through Spendgate was " + Money.usd(f.totalUsd())
                + " across " + String.format(Locale.ROOT, "%,d", f.calls()) + " calls";
        if (f.changePercent() != null) {
            String direction = f.changePercent().signum() > 0
                    ? "up " + Money.percent(f.changePercent())
                    : f.changePercent().signum() < 0
                            ? "down " + Money.percent(f.changePercent().negate())
                            : "flat";
            String partial = previousPartial(f);
            headline += ", " + direction + (toDate == null ? "" : " so far") + " from "
                    + Money.usd(f.previousTotalUsd()) + " in "
                    + (toDate == null || partial != null ? "" : "the whole of ")
                    + monthName(f.month().minusMonths(1))
                    + (partial == null ? "" : " (a partial month: " + partial + ")");
            String sameDays = sameDays(f);
            headline += sameDays == null ? "." : "; " + sameDays + ".";
        } else {
            headline += "; there is no spend from " + monthName(f.month().minusMonths(1)) + " to compare with.";
        }
        p.add(headline);
        if (f.forecast() != null && !f.forecast().complete() && f.forecast().forecastUsd() != null) {
            p.add("The month is not over: the month-end forecast is "
                    + Money.usd(f.forecast().forecastUsd()) + " ("
                    + f.forecast().method() + ").");
        }
        if (!f.topFeatures().isEmpty() && !f.topDepartments().isEmpty()) {
            MonthlyFigures.Share feature = f.topFeatures().get(0);
            MonthlyFigures.Share department = f.topDepartments().get(0);
            MonthlyFigures.Share model = f.topModels().get(0);
            p.add("The largest feature was " + feature.name() + " (" + Money.usd(feature.shownUsd()) + ", "
                    + Money.percent(feature.percent()) + " of spend); the largest department was " + department.name()
                    + " (" + Money.usd(department.shownUsd()) + ", " + Money.percent(department.percent())
                    + "). The largest model by cost was " + model.name() + " (" + Money.percent(model.percent())
                    + ").");
        }
        if (f.budgets().isEmpty()) {
            p.add("No monthly budgets were set.");
        } else {
            List<MonthlyFigures.BudgetLine> over =
                    f.budgets().stream().filter(MonthlyFigures.BudgetLine::over).toList();
            if (over.isEmpty()) {
                p.add(
                        f.budgets().size() == 1
                                ? "The one monthly budget stayed within its limit."
                                : "All " + f.budgets().size() + " monthly budgets stayed within their limits.");
            } else {
                StringBuilder b = new StringBuilder(over.size() + " of "
                        + f.budgets().size() + (f.budgets().size() == 1 ? " monthly budget" : " monthly budgets")
                        + " ended the month over the limit: ");
                for (int i = 0; i < over.size(); i++) {
                    MonthlyFigures.BudgetLine l = over.get(i);
                    b.append(i == 0 ? "" : "; ")
                            .append(l.scope())
                            .append(" spent ")
                            .append(Money.usd(l.spentUsd()))
                            .append(" of ")
                            .append(Money.usd(l.limitUsd()));
                }
                p.add(b.append('.').toString());
            }
        }
        if (f.waste() == null) {
            p.add("No waste analysis was stored for this month, so recovered and recoverable waste and the AI"
                    + " Efficiency Score are not shown.");
        } else {
            String w = "Waste analysis found " + Money.usd(f.waste().totalRecoverableUsd())
                    + " per month still recoverable; "
                    + (f.waste().recoveryKnown()
                            ? Money.usd(f.waste().totalRecoveredUsd()) + " per month was recovered since "
                                    + monthName(f.month().minusMonths(1)) + "."
                            : "there is no analysis of " + monthName(f.month().minusMonths(1))
                                    + " to measure recovery against.");
            if (f.waste().totalAtRiskUsd().signum() > 0) {
                w += " " + Money.usd(f.waste().totalAtRiskUsd())
                        + " per month of spend is at risk on keys that break a governance rule.";
            }
            if (f.waste().efficiencyScore() != null) {
                w += " The AI Efficiency Score is " + f.waste().efficiencyScore() + " out of 100.";
            }
            p.add(w);
        }
        if (f.unattributedUsd().signum() != 0) {
            BigDecimal share = Money.share(f.unattributedUsd(), f.totalUsd());
            p.add(Money.usd(f.unattributedUsd()) + " (" + (share.signum() == 0 ? "under 0.1%" : Money.percent(share))
                    + " of spend) carried no feature or department and needs attribution.");
        }
        if (f.unpricedCalls() > 0) {
            p.add(String.format(Locale.ROOT, "%,d", f.unpricedCalls())
                    + " calls have no known cost (a model missing from the pricing catalog, or a provider whose answer"
                    + " never arrived whole); they are not included.");
        }
        if (!f.outcomes().isEmpty()) {
            StringBuilder b = new StringBuilder("Cost per outcome: ");
            for (int i = 0; i < f.outcomes().size(); i++) {
                MonthlyFigures.OutcomeCost o = f.outcomes().get(i);
                b.append(i == 0 ? "" : "; ").append(o.name()).append(' ');
                // as the table shows them: "unknown" or "$x +" when calls of unpriced models are behind the figure
                if (o.fullyLoadedShown() != null) {
                    b.append(o.fullyLoadedShown())
                            .append(" fully loaded (")
                            .append(o.attributedShown())
                            .append(" attributed");
                    if (o.successRatePercent() != null) {
                        b.append(", success rate ").append(Money.percent(o.successRatePercent()));
                    }
                    b.append(", ");
                } else {
                    b.append(o.attributedShown()).append(" (");
                }
                b.append(String.format(Locale.ROOT, "%,d", o.count())).append(" outcomes");
                if (o.unmatched() > 0) {
                    b.append(", ")
                            .append(String.format(Locale.ROOT, "%,d", o.unmatched()))
                            .append(" of them matched to no call");
                }
                // fully loaded holds the attributed calls: its count is the larger
                long unknown = Math.max(o.unpricedCalls(), o.fullyLoadedUnpricedCalls());
                if (unknown > 0) {
                    b.append(", ")
                            .append(String.format(Locale.ROOT, "%,d", unknown))
                            .append(unknown == 1 ? " unpriced call" : " unpriced calls")
                            .append(", cost unknown");
                }
                b.append(')');
            }
            p.add(b.append('.').toString());
        }
        return p;
    }
}
