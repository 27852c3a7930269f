package dev.spendgate.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code spendgate waste}: being built; says so instead of pretending. */
@Command(name = "waste", description = "Find waste in the usage log (issue 4).")
final class WasteCommand implements Callable<Integer> {
    @Mixin
    SpendgateCli.DataDirOption dir;

    @Override
    public Integer call() {
        System.err.println("spendgate waste: not available yet");
        return 2;
    }
}
