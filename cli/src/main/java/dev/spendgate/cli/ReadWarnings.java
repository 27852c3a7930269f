package dev.spendgate.cli;

import dev.spendgate.domain.usage.UsageLogReader;
import java.io.PrintWriter;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The lines every command that reads the usage log prints when the read skipped something: how many lines, damaged
 * objects and repeated request ids, and the first reader warnings, each naming its object. A figure printed from a
 * damaged month says so, as {@code usage}, {@code waste} and {@code report} do: on stdout beside the figures, and on
 * stderr, where cron and CI look when stdout goes to a file ({@code spendgate usage ... > spend.txt}), as the monthly
 * report puts its data-quality line there. The exit code stays 0: the figures are printed, short of the skipped calls.
 */
final class ReadWarnings {
    private ReadWarnings() {}

    /** Prints the warnings of {@code stats} on the command's stdout and stderr, or nothing when nothing was skipped. */
    static void print(CommandSpec spec, UsageLogReader.ReadStats stats) {
        print(spec.commandLine().getOut(), stats);
        warn(spec.commandLine().getErr(), stats);
    }

    /** Prints the warnings of {@code stats} on {@code out} only, or nothing when the read skipped nothing. */
    static void print(PrintWriter out, UsageLogReader.ReadStats stats) {
        if (skippedAnything(stats)) {
            out.println("Warnings: " + stats.malformedLines() + " unreadable lines, " + stats.unreadableObjects()
                    + " damaged objects, " + stats.duplicates() + " duplicate request ids skipped.");
            stats.warnings().stream().limit(5).forEach(w -> out.println("  " + w));
        }
    }

    /**
     * The stderr warning of a command that prints its own stdout line about the read ({@code waste},
     * {@code simulate-policy}, {@code reconcile}): the counts and the objects named, or nothing when nothing was
     * skipped.
     */
    static void warn(PrintWriter err, UsageLogReader.ReadStats stats) {
        if (stats == null || !skippedAnything(stats)) {
            return;
        }
        err.println("spendgate: warning: the usage log read skipped " + stats.malformedLines() + " unreadable lines, "
                + stats.unreadableObjects() + " damaged objects and " + stats.duplicates()
                + " duplicate request ids; the figures leave their calls out");
        stats.warnings().stream().limit(5).forEach(w -> err.println("  " + w));
        err.flush();
    }

    private static boolean skippedAnything(UsageLogReader.ReadStats stats) {
        return stats.malformedLines() + stats.unreadableObjects() > 0 || stats.duplicates() > 0;
    }
}
