package dev.spendgate.cli;

import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ./spendgate}: the local gateway and its housekeeping commands. */
@Command(
        name = "spendgate",
        mixinStandardHelpOptions = true,
        version = "spendgate 0.1.0",
        description = "AI FinOps gateway: attributed, priced LLM calls.",
        subcommands = {
            LocalCommand.class,
            KeysCommand.class,
            BudgetsCommand.class,
            UsageCommand.class,
            SimulateCommand.class,
            WasteCommand.class,
            SimulatePolicyCommand.class,
            ReportCommand.class,
            ReconcileCommand.class,
            AdvisorCommand.class,
            PricingCommand.class,
            ConsoleCommand.class
        })
public final class SpendgateCli {

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a command line and returns its exit code (tests call this instead of {@link #main}). */
    public static int run(String... args) {
        CommandLine cli = new CommandLine(new SpendgateCli());
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            commandLine.getErr().println("spendgate: " + e.getMessage());
            return 1;
        });
        return cli.execute(args);
    }

    /** The {@code --data-dir} option every subcommand takes. */
    static final class DataDirOption {
        @Option(
                names = "--data-dir",
                paramLabel = "DIR",
                defaultValue = "${env:SPENDGATE_DATA_DIR:-.spendgate}",
                description = "Where keys and usage live (env SPENDGATE_DATA_DIR, default: ${DEFAULT-VALUE}).")
        Path dataDir;
    }
}
