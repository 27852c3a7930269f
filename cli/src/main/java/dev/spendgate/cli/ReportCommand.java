package dev.spendgate.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code spendgate report}: being built; says so instead of pretending. */
@Command(name = "report", description = "Produce the monthly finance report (issue 5).")
final class ReportCommand implements Callable<Integer> {
    @Mixin
    SpendgateCli.DataDirOption dir;

    @Override
    public Integer call() {
        System.err.println("spendgate report: not available yet");
        return 2;
    }
}
