package dev.spendgate.cli;

import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

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
            commandLine.getErr().println("spendgate: " + describe(e));
            return 1;
        });
        return cli.execute(args);
    }

    /**
     * What went wrong, for the one line a failed run prints: a file-system error names its file and the problem
     * ({@code FileAlreadyExistsException}'s message is the bare path), also when wrapped in an
     * {@link UncheckedIOException}.
     */
    static String describe(Throwable e) {
        if (e instanceof FileSystemException f) {
            String reason = f.getReason() != null
                    ? f.getReason()
                    : switch (f) {
                        case FileAlreadyExistsException x -> "already exists";
                        case NoSuchFileException x -> "no such file or directory";
                        case NotDirectoryException x -> "not a directory";
                        case AccessDeniedException x -> "permission denied";
                        case DirectoryNotEmptyException x -> "directory not empty";
                        default -> f.getClass().getSimpleName();
                    };
            return f.getFile() + (f.getOtherFile() == null ? "" : " -> " + f.getOtherFile()) + ": " + reason;
        }
        if (e instanceof UncheckedIOException u && u.getCause() instanceof FileSystemException f) {
            return u.getMessage() + " (" + describe(f) + ")";
        }
        return e.getMessage();
    }

    /** The {@code --data-dir} option every subcommand takes. */
    static final class DataDirOption {
        @Option(
                names = "--data-dir",
                paramLabel = "DIR",
                defaultValue = "${env:SPENDGATE_DATA_DIR:-.spendgate}",
                description = "Where keys and usage live (env SPENDGATE_DATA_DIR, default: ${DEFAULT-VALUE}).")
        Path dataDir;

        /**
         * The data directory of a command that reads the usage log ({@code usage}, {@code waste}, {@code report},
         * {@code reconcile}, {@code simulate-policy}, {@code pricing check}), called first: one that is not a directory
         * is a usage error (exit 2) naming {@code --data-dir}, so a typo or a cron job run from another working
         * directory does not report a month of $0 (nor create folders under the path). {@code local},
         * {@code budgets set} and {@code simulate} create it instead.
         */
        Path requireExisting(CommandSpec spec) {
            if (!Files.isDirectory(dataDir)) {
                throw new ParameterException(
                        spec.commandLine(), "--data-dir: " + dataDir + " is not a directory: no usage log to read");
            }
            return dataDir;
        }
    }
}
