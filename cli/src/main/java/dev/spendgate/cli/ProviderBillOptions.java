package dev.spendgate.cli;

import dev.spendgate.domain.reconcile.ProviderBill;
import dev.spendgate.report.reconcile.AnthropicBill;
import dev.spendgate.report.reconcile.AwsBill;
import dev.spendgate.report.reconcile.OpenAiBill;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.stream.Collectors;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * The provider-bill flags {@code report} and {@code reconcile} share ({@code --openai}, {@code --anthropic},
 * {@code --aws}, {@code --threshold}), read once here into the importers' bills.
 */
final class ProviderBillOptions {
    @Option(
            names = "--openai",
            paramLabel = "FILE",
            description = "OpenAI Costs API and Completions Usage API responses (JSON page or array of pages);"
                    + " repeat for several files.")
    List<Path> openAi = new ArrayList<>();

    @Option(
            names = "--anthropic",
            paramLabel = "FILE",
            description = "Anthropic Admin API cost report and messages usage report (JSON); repeat for several files.")
    List<Path> anthropic = new ArrayList<>();

    @Option(
            names = "--aws",
            paramLabel = "FILE",
            description = "AWS Data Exports CUR 2.0 or FOCUS CSV (plain or gzip) with the Bedrock lines; repeatable."
                    + " Parquet exports are not read: export CSV.")
    List<Path> aws = new ArrayList<>();

    @Option(
            names = "--threshold",
            paramLabel = "PERCENT",
            defaultValue = "${env:SPENDGATE_RECONCILE_THRESHOLD_PCT:-2}",
            description =
                    "Unexplained share of a provider's bill that is flagged (env SPENDGATE_RECONCILE_THRESHOLD_PCT,"
                            + " default ${DEFAULT-VALUE}).")
    BigDecimal threshold;

    /** True when at least one of --openai, --anthropic, --aws was given. */
    boolean given() {
        return !(openAi.isEmpty() && anthropic.isEmpty() && aws.isEmpty());
    }

    /** The --threshold as given (checked by {@link #read}). */
    BigDecimal threshold() {
        return threshold;
    }

    /**
     * The bills of the given files for {@code month}, one per provider, after checking --threshold and that every file
     * exists; a file the importer cannot read fails with its {@code BillFormatException} naming the file and field. A
     * provider whose files have no cost or usage bucket on any day of the month (another month's bill, given by
     * mistake) is a usage error naming the flag, the files and the days they do cover: compared with nothing, its
     * difference would read as 0 % unexplained, "within threshold".
     */
    List<ProviderBill> read(CommandSpec spec, YearMonth month) {
        if (threshold.signum() < 0) {
            throw new ParameterException(spec.commandLine(), "--threshold must not be negative");
        }
        for (List<Path> files : List.of(openAi, anthropic, aws)) {
            for (Path f : files) {
                if (!Files.isRegularFile(f)) {
                    throw new ParameterException(spec.commandLine(), "no such file: " + f);
                }
            }
        }
        List<ProviderBill> bills = new ArrayList<>();
        if (!openAi.isEmpty()) {
            bills.add(coveringTheMonth(spec, "--openai", openAi, OpenAiBill.read(openAi), month));
        }
        if (!anthropic.isEmpty()) {
            bills.add(coveringTheMonth(spec, "--anthropic", anthropic, AnthropicBill.read(anthropic), month));
        }
        if (!aws.isEmpty()) {
            bills.add(coveringTheMonth(spec, "--aws", aws, AwsBill.read(aws), month));
        }
        return bills;
    }

    /** {@code bill} when it has a cost or usage bucket on a day of {@code month}; else a usage error. */
    private static ProviderBill coveringTheMonth(
            CommandSpec spec, String flag, List<Path> files, ProviderBill bill, YearMonth month) {
        SortedSet<LocalDate> covered = new TreeSet<>(bill.costDays());
        covered.addAll(bill.usageDays());
        if (covered.stream().anyMatch(d -> YearMonth.from(d).equals(month))) {
            return bill;
        }
        String span = covered.isEmpty()
                ? "no day at all (no cost or usage bucket)"
                : covered.size() == 1
                        ? "only " + covered.first()
                        : "days from " + covered.first() + " to " + covered.last();
        throw new ParameterException(
                spec.commandLine(),
                flag + ": " + files.stream().map(Path::toString).collect(Collectors.joining(", ")) + " cover"
                        + (files.size() == 1 ? "s " : " ") + span + ", no day of " + month + ": nothing of " + month
                        + " to compare with; give the provider's cost data for " + month);
    }

    /** {@code --gateway-accounts}, for the commands that split spend per provider account ({@code report}). */
    static final class GatewayAccounts {
        @Option(
                names = "--gateway-accounts",
                paramLabel = "ID,...",
                split = ",",
                description = "The provider projects, API keys, workspaces or inference profiles the gateway itself"
                        + " calls with (env SPENDGATE_RECONCILE_GATEWAY_ACCOUNTS): spend the bills show under any"
                        + " other account is attributed to that account.")
        List<String> accounts;

        /** The flag's accounts, else SPENDGATE_RECONCILE_GATEWAY_ACCOUNTS (comma-separated), blanks dropped. */
        Set<String> resolve() {
            List<String> own = accounts;
            if (own == null) {
                String env = System.getenv("SPENDGATE_RECONCILE_GATEWAY_ACCOUNTS");
                own = env == null ? List.of() : List.of(env.split(","));
            }
            return own.stream().map(String::trim).filter(a -> !a.isEmpty()).collect(Collectors.toSet());
        }
    }
}
