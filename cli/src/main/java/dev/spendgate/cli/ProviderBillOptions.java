package dev.spendgate.cli;

import dev.spendgate.domain.reconcile.ProviderBill;
import dev.spendgate.report.reconcile.AnthropicBill;
import dev.spendgate.report.reconcile.AwsBill;
import dev.spendgate.report.reconcile.OpenAiBill;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
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
     * The bills of the given files, one per provider, after checking --threshold and that every file exists; a file the
     * importer cannot read fails with its {@code BillFormatException} naming the file and field.
     */
    List<ProviderBill> read(CommandSpec spec) {
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
            bills.add(OpenAiBill.read(openAi));
        }
        if (!anthropic.isEmpty()) {
            bills.add(AnthropicBill.read(anthropic));
        }
        if (!aws.isEmpty()) {
            bills.add(AwsBill.read(aws));
        }
        return bills;
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
