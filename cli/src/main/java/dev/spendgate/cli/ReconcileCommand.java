package dev.spendgate.cli;

import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.reconcile.BillSource;
import dev.spendgate.domain.reconcile.ProviderBill;
import dev.spendgate.domain.reconcile.Reconciler;
import dev.spendgate.domain.reconcile.Reconciliation;
import dev.spendgate.domain.report.Money;
import dev.spendgate.domain.report.MonthlyUsage;
import dev.spendgate.domain.report.MonthlyUsageSource;
import dev.spendgate.domain.usage.CostCheck;
import dev.spendgate.embedded.FileSystemObjectStore;
import dev.spendgate.report.MonthManifest;
import dev.spendgate.report.ReportEnvironment;
import dev.spendgate.report.reconcile.ReconcileRun;
import dev.spendgate.report.reconcile.ReconciliationCsv;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code spendgate reconcile}: the providers' own cost data against the gateway's metered cost. */
@Command(
        name = "reconcile",
        description = "Compare the providers' cost data (OpenAI and Anthropic admin API JSON, AWS CUR 2.0 or FOCUS CSV)"
                + " with the month's metered cost per day, provider and model; write reconciliation.csv and print"
                + " totals per provider.")
final class ReconcileCommand implements Callable<Integer> {
    @Mixin
    SpendgateCli.DataDirOption dir;

    @Spec
    CommandSpec spec;

    @Option(
            names = "--month",
            paramLabel = "YYYY-MM",
            description = "The calendar month (UTC); a running month is reconciled through yesterday. Default: last"
                    + " month.")
    String month;

    @Mixin
    ProviderBillOptions billOptions;

    @Option(
            names = "--out",
            paramLabel = "DIR",
            description = "Where reconciliation.csv goes. Default: reports/YYYY-MM/ under the data dir, or"
                    + " reports/YYYY-MM/" + DEFAULT_FOLDER + "/ when the month's monthly report is there (its own"
                    + " reconciliation.csv, listed in its manifest, is never replaced).")
    Path out;

    /** The folder under the month's report folder that reconcile writes into when the monthly report is there. */
    static final String DEFAULT_FOLDER = "reconcile";

    @Override
    public Integer call() throws Exception {
        dir.requireExisting(spec);
        YearMonth m;
        try {
            m = month == null ? YearMonth.now(ZoneOffset.UTC).minusMonths(1) : YearMonth.parse(month);
        } catch (DateTimeParseException e) {
            throw new ParameterException(spec.commandLine(), "--month must look like 2026-11");
        }
        if (!billOptions.given()) {
            throw new ParameterException(spec.commandLine(), "give at least one of --openai, --anthropic, --aws");
        }
        // a finished month in full; a running month through yesterday, as the monthly report does
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        LocalDate through = null;
        if (!m.isBefore(YearMonth.from(today))) {
            through = today.minusDays(1);
            if (through.isBefore(m.atDay(1))) {
                throw new ParameterException(
                        spec.commandLine(),
                        "--month " + m + " has no complete day yet (today is " + today + "); a running month is"
                                + " reconciled through yesterday");
            }
        }
        // reports/YYYY-MM/ as always; a folder of its own when that one holds the monthly report's
        // reconciliation.csv, emailed and listed with its SHA-256 in the month's manifest.json
        Path monthFolder = dir.dataDir.resolve("reports").resolve(m.toString());
        boolean reportKept = out == null && ReportManifestListing.lists(monthFolder, ReconciliationCsv.FILE_NAME);
        Path target = OutDirectory.require(
                spec,
                out,
                reportKept ? monthFolder.resolve(DEFAULT_FOLDER) : monthFolder,
                "reconcile writes " + ReconciliationCsv.FILE_NAME + " into a directory");
        if (reportKept) {
            spec.commandLine()
                    .getErr()
                    .println("spendgate: " + monthFolder + " holds the monthly report's " + ReconciliationCsv.FILE_NAME
                            + " (listed in its " + MonthManifest.FILE + "), which is kept; this reconciliation goes to "
                            + target);
        } else if (ReportManifestListing.lists(target, ReconciliationCsv.FILE_NAME)) {
            throw new ParameterException(
                    spec.commandLine(),
                    "--out: " + target + " holds a monthly report whose " + MonthManifest.FILE + " lists "
                            + ReconciliationCsv.FILE_NAME + " (the file the report wrote and emailed); reconcile"
                            + " would replace it. Give another --out (default reports/YYYY-MM/" + DEFAULT_FOLDER
                            + "/ under the data dir)");
        }
        List<ProviderBill> bills = billOptions.read(spec, m);
        BigDecimal threshold = billOptions.threshold();
        ReportEnvironment env = ReportEnvironment.forAnalysis(System.getenv());
        PricingCatalog catalog = env.contractedCatalog();
        // records the monthly report quarantines are left out here too: its reconciliation.csv is this one
        MonthlyUsage metered = MonthlyUsageSource.fromLog(new FileSystemObjectStore(dir.dataDir))
                .load(m, Set.of(), Set.of(), rec -> {}, CostCheck.against(catalog));
        Reconciliation r = Reconciler.create(catalog, threshold).reconcile(metered, through, bills);
        Map<BillSource, String> origins = new EnumMap<>(BillSource.class);
        bills.forEach(b -> origins.put(b.source(), b.origin()));
        Files.createDirectories(target);
        Path csv = target.resolve(ReconciliationCsv.FILE_NAME);
        // the total row's data_quality names the records left out, as the AWS job's and the monthly report's do
        String leftOut = ReconcileRun.leftOut(metered);
        Files.writeString(csv, ReconciliationCsv.write(r, origins, leftOut));

        PrintWriter o = spec.commandLine().getOut();
        o.println("Reconciliation for " + m + " (" + r.lines().size() + " lines) in " + csv + ":");
        o.println(String.format(
                "  %-10s %14s %14s %14s %14s %14s %14s %14s %12s",
                "provider",
                "billed",
                "metered",
                "not seen",
                "price drift",
                "never metered",
                "unexplained",
                "sum of |lines|",
                "|lines| %"));
        for (BillSource s : BillSource.values()) {
            Reconciliation.Totals t = r.totals().get(s);
            if (t == null) {
                continue;
            }
            o.println(String.format(
                    "  %-10s %14s %14s %14s %14s %14s %14s %14s %11s%%",
                    s.id(),
                    Money.usd(t.billedUsd()),
                    Money.usd(t.meteredUsd().subtract(t.meteredWithoutProviderDataUsd())),
                    Money.usd(t.notSeenUsd()),
                    Money.usd(t.priceDriftUsd()),
                    Money.usd(t.neverMeteredUsd()),
                    // reconciliation.csv's unexplained_usd, then unexplained_abs_usd (the share rests on it)
                    Money.usd(t.unexplainedUsd()),
                    Money.usd(t.unexplainedAbsUsd()),
                    t.unexplainedPercent().toPlainString()));
        }
        for (BillSource s : BillSource.values()) {
            Reconciliation.Totals t = r.totals().get(s);
            if (t != null && t.estimateSettledUsd().signum() != 0) {
                // neither traffic the gateway did not see nor drift: the bill prices what it charged at an estimate
                o.println("  " + s.id() + ": estimates settled by the bill " + Money.usd(t.estimateSettledUsd())
                        + " (calls charged at an estimate, billed at what they cost; estimate_settled_usd)");
            }
        }
        r.warnings().forEach(w -> o.println("Warning: " + w));
        if (!leftOut.isEmpty()) {
            o.println("Left out: " + leftOut + ", in no metered figure above, as the monthly report quarantines them.");
        }
        List<String> alarms = r.alarms();
        if (alarms.isEmpty()) {
            o.println("Within threshold: every provider's unexplained difference is at most "
                    + threshold.stripTrailingZeros().toPlainString() + " % of its bill.");
        }
        alarms.forEach(a -> o.println("ALARM " + a));
        o.flush();
        ReadWarnings.warn(spec.commandLine().getErr(), metered.readStats());
        return 0;
    }
}
