package dev.spendgate.cli;

import dev.spendgate.domain.usage.CostCheck;
import dev.spendgate.domain.usage.UsageLogReader;
import dev.spendgate.domain.usage.UsageSummary;
import dev.spendgate.embedded.FileSystemObjectStore;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code spendgate usage}: spend from the raw usage log, grouped as asked. */
@Command(name = "usage", description = "Print spend from the usage log, grouped by the fields you name.")
final class UsageCommand implements Callable<Integer> {
    @Mixin
    SpendgateCli.DataDirOption dir;

    @Spec
    CommandSpec spec;

    @Mixin
    PricingCommand.OverridesOption overrides;

    @Option(
            names = "--from",
            paramLabel = "WHEN",
            description =
                    "Start, inclusive: a date (2026-11-01, UTC midnight) or an instant. Default: this month's first"
                            + " day.")
    String from;

    @Option(
            names = "--to",
            paramLabel = "WHEN",
            description = "End, exclusive: a date (its UTC midnight) or an instant. Default: now.")
    String to;

    @Option(
            names = "--group-by",
            split = ",",
            paramLabel = "FIELD",
            defaultValue = "feature,model",
            description = "Comma-separated: feature, department, team, environment, session, user, run, key, provider,"
                    + " model, endpoint, status, day, hour, pricing_status. Default: ${DEFAULT-VALUE}.")
    List<String> groupBy;

    @Override
    public Integer call() {
        // a typo'd path must not read as "$0 spent"; an empty data directory does spend $0
        dir.requireExisting(spec);
        Instant end = to == null ? Instant.now().plusSeconds(1) : parse(to, "--to");
        Instant start = from == null
                ? LocalDate.now(ZoneOffset.UTC)
                        .withDayOfMonth(1)
                        .atStartOfDay(ZoneOffset.UTC)
                        .toInstant()
                : parse(from, "--from");
        if (!start.isBefore(end)) {
            throw new ParameterException(spec.commandLine(), "--from must be before --to");
        }
        CostCheck check = CostCheck.against(overrides.current());
        UsageSummary summary;
        try {
            summary = UsageSummary.groupedBy(groupBy, check);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--group-by: " + e.getMessage());
        }
        UsageLogReader.ReadStats stats =
                UsageLogReader.create(new FileSystemObjectStore(dir.dataDir)).read(start, end, summary::add);
        PrintWriter out = spec.commandLine().getOut();
        out.println("Spend from " + start + " to " + end + " (" + stats.records() + " calls, " + stats.objects()
                + " log objects in " + dir.dataDir + ")");
        List<String> header = new ArrayList<>();
        for (String g : summary.groupBy()) {
            header.add(g.toUpperCase(java.util.Locale.ROOT));
        }
        int n = header.size();
        header.addAll(List.of("CALLS", "INPUT_TOKENS", "OUTPUT_TOKENS", "UNPRICED", "COST_USD"));
        Table table = new Table(header.toArray(String[]::new)).alignRight(n, n + 1, n + 2, n + 3, n + 4);
        for (UsageSummary.Row row : summary.rows()) {
            table.row(cells(row.key(), row));
        }
        List<String> totalKey = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            totalKey.add(i == 0 ? "TOTAL" : "");
        }
        table.row(cells(totalKey, summary.total()));
        table.print(out);
        long unanswered = summary.total().unansweredCalls();
        long noPrice = summary.total().unpricedCalls() - unanswered;
        if (noPrice > 0) {
            out.println("Note: " + noPrice
                    + " calls used models missing from the pricing catalog; their cost is unknown, not zero"
                    + " (add them with SPENDGATE_PRICING_OVERRIDES).");
        }
        if (unanswered > 0) {
            out.println("Note: " + unanswered + " calls reached the provider, but its answer never arrived whole"
                    + " (error_type upstream_timeout, upstream_no_answer or upstream_truncated); their cost is"
                    + " unknown, not zero, and their budgets count the worst case.");
        }
        if (summary.total().rejectedCalls() > 0) {
            // the monthly report's "rejected calls", by the same rule (UsageSummary.rejected)
            out.println("Note: " + summary.total().rejectedCalls() + " calls were refused by the gateway or provider"
                    + " (status 4xx/5xx or an error type, no cost, e.g. a budget's 429 budget_exceeded): counted in"
                    + " CALLS, nothing billed.");
        }
        if (summary.total().worstCaseCalls() > 0) {
            out.println("Note: " + summary.total().worstCaseCalls() + " calls never settled (cost_basis"
                    + " reserved_worst_case): $"
                    + summary.total().worstCaseUsd().toPlainString()
                    + " of COST_USD is the worst case reserved for them, an estimate, not an amount billed.");
        }
        if (summary.total().estimatedCalls() > 0) {
            out.println("Note: " + summary.total().estimatedCalls() + " calls ($"
                    + summary.total().estimatedUsd().toPlainString()
                    + " of COST_USD) are priced on tokens the gateway counted itself, the provider having reported"
                    + " none (usage_source estimated): an estimate, not an amount billed.");
        }
        if (summary.quarantinedRecords() > 0) {
            out.println("Left out: " + summary.quarantinedSentence()
                    + ", in no figure above, as the monthly report quarantines them.");
        }
        ReadWarnings.print(spec, stats);
        out.flush();
        return 0;
    }

    private static String[] cells(List<String> key, UsageSummary.Row row) {
        List<String> cells = new ArrayList<>(key);
        cells.add(Long.toString(row.calls()));
        cells.add(Long.toString(row.inputTokens()));
        cells.add(Long.toString(row.outputTokens()));
        cells.add(Long.toString(row.unpricedCalls()));
        cells.add(row.costUsd().toPlainString());
        return cells.toArray(String[]::new);
    }

    private Instant parse(String value, String option) {
        try {
            if (value.length() == 10) {
                return LocalDate.parse(value).atStartOfDay(ZoneOffset.UTC).toInstant();
            }
            return Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw new ParameterException(
                    spec.commandLine(),
                    option + " must be a date like 2026-11-01 or an instant like 2026-11-01T00:00:00Z");
        }
    }
}
