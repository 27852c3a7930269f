package dev.spendgate.cli;

import dev.spendgate.domain.usage.UsageLogReader;
import java.io.PrintWriter;

/**
 * The line every command that reads the usage log prints when the read skipped something: how many lines, damaged
 * objects and repeated request ids, and the first reader warnings, each naming its object. A figure printed from a
 * damaged month says so, as {@code usage}, {@code waste} and {@code report} do.
 */
final class ReadWarnings {
    private ReadWarnings() {}

    /** Prints the warnings of {@code stats}, or nothing when the read skipped nothing. */
    static void print(PrintWriter out, UsageLogReader.ReadStats stats) {
        long skipped = stats.malformedLines() + stats.unreadableObjects();
        if (skipped > 0 || stats.duplicates() > 0) {
            out.println("Warnings: " + stats.malformedLines() + " unreadable lines, " + stats.unreadableObjects()
                    + " damaged objects, " + stats.duplicates() + " duplicate request ids skipped.");
            stats.warnings().stream().limit(5).forEach(w -> out.println("  " + w));
        }
    }
}
