package dev.spendgate.report.pdf;

import dev.spendgate.domain.report.Money;
import dev.spendgate.domain.report.MonthlyFigures;
import dev.spendgate.report.actions.BreakerAdvice;
import dev.spendgate.report.actions.TopActions;
import dev.spendgate.report.pdf.PdfLayout.Fonts;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The board report's "Top 3 actions" box (page 1: the change, what it is worth per month, the owner) and the
 * recommended breaker settings (one value per scope, derived from the observed rates).
 */
public final class ActionsSection {
    private ActionsSection() {}

    /** The box; says so when the month's waste analysis found nothing worth money. */
    public static BoardReportPdf.Section topActions(List<TopActions.Action> actions) {
        return (PdfLayout out, MonthlyFigures f) -> {
            if (f.waste() == null) {
                return;
            }
            if (actions.isEmpty()) {
                out.text(Fonts.REGULAR, 9, "Top actions: the waste analysis found nothing worth money this month.");
                return;
            }
            List<String[]> items = new ArrayList<>();
            for (TopActions.Action a : actions) {
                items.add(new String[] {
                    a.change(), "Worth " + Money.usd(a.monthlyUsd()) + " per month | Owner: " + a.owner()
                });
            }
            out.box(
                    "Top " + actions.size() + " actions: "
                            + Money.usd(actions.stream()
                                    .map(TopActions.Action::monthlyUsd)
                                    .reduce(java.math.BigDecimal.ZERO, java.math.BigDecimal::add))
                            + " per month together",
                    items);
        };
    }

    /** The breaker settings: one value per scope, with the rates it was derived from. */
    public static BoardReportPdf.Section breakers(List<BreakerAdvice.Advice> advice) {
        return (PdfLayout out, MonthlyFigures f) -> {
            if (advice.isEmpty()) {
                return;
            }
            out.heading("Velocity breakers: one value per scope");
            List<String[]> rows = new ArrayList<>();
            for (BreakerAdvice.Advice a : advice) {
                rows.add(new String[] {
                    a.setting(),
                    a.scope(),
                    Integer.toString(a.value()),
                    String.format(Locale.ROOT, "%,d", a.scopes()),
                    Integer.toString(a.p99PeakPerMinute()),
                    Integer.toString(a.maxPeakPerMinute()),
                    String.format(Locale.ROOT, "%,d", a.scopesAbove())
                });
            }
            out.table(
                    rows,
                    new float[] {230, 45, 40, 45, 45, 45, 45},
                    "Setting",
                    "Scope",
                    "Value",
                    "Scopes",
                    "p99 peak",
                    "Max peak",
                    "Above");
            out.paragraph("Value = " + advice.get(0).method()
                    + "; peaks are calls per clock minute of each session (key) this"
                    + " month; Above = how many would have been cut.");
        };
    }
}
