package dev.spendgate.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code spendgate simulate}: being built; says so instead of pretending. */
@Command(name = "simulate", description = "Generate a month of synthetic traffic with planted waste (issue 4).")
final class SimulateCommand implements Callable<Integer> {
    @Mixin
    SpendgateCli.DataDirOption dir;

    @Override
    public Integer call() {
        System.err.println("spendgate simulate: not available yet");
        return 2;
    }
}
