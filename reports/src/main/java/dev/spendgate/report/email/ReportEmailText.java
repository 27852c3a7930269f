package dev.spendgate.report.email;

import dev.spendgate.domain.report.DataQuality;
import java.util.ArrayList;
import java.util.List;

/**
 * The report email's text, which finance reads before (or instead of) the files: the narrative, with what its total
 * rests on stated right after the headline as the PDF's first page states it.
 */
public final class ReportEmailText {
    private ReportEmailText() {}

    /**
     * The narrative's paragraphs, the month's data quality line following the first (the headline with the total)
     * whenever part of the total is estimated or records were damaged or quarantined.
     */
    public static String body(List<String> narrative, DataQuality quality) {
        List<String> basis = new ArrayList<>();
        if (qualityMatters(quality)) {
            basis.add(quality.summaryLine());
        }
        List<String> p = new ArrayList<>();
        if (!narrative.isEmpty()) {
            p.add(narrative.get(0));
        }
        p.addAll(basis);
        if (narrative.size() > 1) {
            p.addAll(narrative.subList(1, narrative.size()));
        }
        return String.join("\n\n", p);
    }

    /** True when the total rests on estimates or left damaged or quarantined records out. */
    static boolean qualityMatters(DataQuality quality) {
        return quality != null && (quality.estimatedCalls() > 0 || quality.damagedOrQuarantined());
    }
}
