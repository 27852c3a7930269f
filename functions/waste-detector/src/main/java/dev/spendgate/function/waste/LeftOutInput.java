package dev.spendgate.function.waste;

import dev.spendgate.domain.usage.UsageLogReader.ReadStats;
import dev.spendgate.domain.usage.UsageSummary;
import java.util.ArrayList;
import java.util.List;

/**
 * The waste alert's line on the usage its dollars leave out: damaged log objects, unreadable records and records
 * quarantined by the cost check count in no finding, so an alert over a window holding them says how many, beside the
 * figures it qualifies (the findings file's {@code input} has the detail).
 */
final class LeftOutInput {
    private LeftOutInput() {}

    /** The line, e.g. "Left out of these figures: 1 damaged usage log objects (not readable): ..."; empty when none. */
    static String line(ReadStats input) {
        List<String> parts = new ArrayList<>();
        if (input == null) {
            return "";
        }
        if (input.unreadableObjects() > 0) {
            parts.add(input.unreadableObjects() + " damaged usage log objects (not readable)");
        }
        if (input.malformedLines() > 0) {
            parts.add(input.malformedLines() + " unreadable records");
        }
        if (input.quarantined() > 0) {
            parts.add(UsageSummary.quarantinedSentence(input.quarantinedByReason()) + " (quarantined)");
        }
        if (parts.isEmpty()) {
            return "";
        }
        return "Left out of these figures: " + String.join(", ", parts)
                + ". Their calls count in no finding and in no dollar amount here.";
    }
}
