package dev.spendgate.cli;

import dev.spendgate.domain.budget.BudgetPolicy;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.report.Chargeback;
import dev.spendgate.domain.report.DataQuality;
import dev.spendgate.domain.report.Money;
import dev.spendgate.domain.report.MonthlyUsageSource;
import dev.spendgate.domain.waste.Governance;
import dev.spendgate.embedded.FileSystemObjectStore;
import dev.spendgate.function.proxy.SettingNames;
import dev.spendgate.report.MonthlyReport;
import dev.spendgate.report.ReportEnvironment;
import dev.spendgate.report.email.SmtpMailTransport;
import dev.spendgate.report.focus.FocusMetadata;
import dev.spendgate.report.focus.FocusVersion;
import dev.spendgate.report.narrative.LlmNarrative;
import dev.spendgate.report.reconcile.ProviderBillRows;
import dev.spendgate.report.reconcile.ProviderBills;
import dev.spendgate.report.reconcile.ReconciliationCsv;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code spendgate report}: the month's FOCUS file, chargeback and board PDF, emailed once when configured. */
@Command(
        name = "report",
        description = "Write a calendar month's focus-1.1.csv (or focus-1.3.csv, with focus-metadata.json),"
                + " chargeback.csv, board-report.pdf and data-quality.json (and reconciliation.csv with provider"
                + " bills), and email them once when SPENDGATE_REPORT_EMAIL_TO and SPENDGATE_SMTP_HOST are set.")
final class ReportCommand implements Callable<Integer> {
    @Mixin
    SpendgateCli.DataDirOption dir;

    @Spec
    CommandSpec spec;

    @Option(names = "--month", paramLabel = "YYYY-MM", description = "The calendar month (UTC). Default: last month.")
    String month;

    @Option(
            names = "--out",
            paramLabel = "DIR",
            description = "Where the files go. Default: reports/YYYY-MM under the data dir.")
    Path out;

    @Option(
            names = "--rules",
            paramLabel = "FILE",
            description = "Chargeback rules JSON (env SPENDGATE_CHARGEBACK_RULES; default chargeback-rules.json in the"
                    + " data dir when present). Without rules all spend goes to the suspense account.")
    Path rules;

    @Option(names = "--no-email", description = "Write the files but send no email.")
    boolean noEmail;

    @Option(names = "--force-email", description = "Send the email even if this month's was sent already.")
    boolean forceEmail;

    @Option(
            names = "--strict",
            description = "Exit with code " + STRICT_FAILURE + " when usage objects were damaged or records"
                    + " unreadable or quarantined (the files are still written and say so).")
    boolean strict;

    @Option(
            names = "--focus-version",
            paramLabel = "VERSION",
            description = "FOCUS version of the export: 1.1 (focus-1.1.csv) or 1.3 (focus-1.3.csv, adds"
                    + " ServiceProviderName and HostProviderName). Default: env SPENDGATE_FOCUS_VERSION, else 1.1.")
    String focusVersion;

    @Mixin
    ProviderBillOptions billOptions;

    @Mixin
    ProviderBillOptions.GatewayAccounts gatewayAccounts;

    /** The exit code of a {@code --strict} run over damaged or quarantined input. */
    static final int STRICT_FAILURE = 3;

    /** The exit code of a run with recipients but no SMTP server to send to: a usage error, nothing written. */
    static final int NO_SMTP_HOST = 2;

    /** --rules, else SPENDGATE_CHARGEBACK_RULES, else chargeback-rules.json in the data dir when it exists. */
    private Path rulesFile(ReportEnvironment env) {
        return ChargebackRulesFile.choose(rules, env, dir.dataDir);
    }

    /** The provider bills of {@code m} given with --openai, --anthropic, --aws, or null when none. */
    private ProviderBills bills(YearMonth m) {
        if (!billOptions.given()) {
            return null;
        }
        return new ProviderBills(billOptions.read(spec, m), billOptions.threshold(), gatewayAccounts.resolve());
    }

    @Override
    public Integer call() throws Exception {
        dir.requireExisting(spec);
        YearMonth m;
        try {
            m = month == null ? YearMonth.now(ZoneOffset.UTC).minusMonths(1) : YearMonth.parse(month);
        } catch (DateTimeParseException e) {
            throw new ParameterException(spec.commandLine(), "--month must look like 2026-11");
        }
        ReportEnvironment env = ReportEnvironment.from(System.getenv());
        SettingNames.warnings(System.getenv())
                .forEach(w -> spec.commandLine().getErr().println("spendgate: warning: " + w));
        PrintWriter o = spec.commandLine().getOut();
        boolean sending = !noEmail && !env.emailTo().isEmpty();
        if (sending && env.smtp() == null) {
            // the email finance waits for could not go: refused before a file is written, as cron reads the exit
            o.println("Email: SPENDGATE_REPORT_EMAIL_TO is set but SPENDGATE_SMTP_HOST is not; sending nothing and"
                    + " writing no report.");
            o.flush();
            PrintWriter e = spec.commandLine().getErr();
            e.println("spendgate: SPENDGATE_REPORT_EMAIL_TO is set but SPENDGATE_SMTP_HOST is not: nothing written,"
                    + " nothing sent. Set SPENDGATE_SMTP_HOST (the SMTP server), or run with --no-email to write"
                    + " the files without sending them.");
            e.flush();
            return NO_SMTP_HOST;
        }
        Path target = OutDirectory.require(
                spec,
                out,
                dir.dataDir.resolve("reports").resolve(m.toString()),
                "report writes several files into a directory");
        FileSystemObjectStore data = new FileSystemObjectStore(dir.dataDir);
        List<BudgetPolicy> policies = BudgetsCommand.policies(dir).list();
        MonthlyReport report = MonthlyReport.create(
                new MonthlyReport.Settings(
                        env.contractedCatalog(),
                        PricingCatalog.bundled(),
                        env.rules(rulesFile(env)),
                        policies,
                        env.focus(),
                        new Governance(KeysCommand.store(dir).list(), policies)),
                Clock.systemUTC());
        if (env.llm() != null) {
            report = report.withLlmNarrative(new LlmNarrative(env.llm()));
        }
        try {
            report = report.withFocusVersion(
                    focusVersion == null ? env.focusVersion() : FocusVersion.parse(focusVersion, "--focus-version"));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        ProviderBills bills = bills(m);
        if (bills != null) {
            report = report.withProviderBills(bills);
        }
        // every flag and file checked: only now is anything written
        Files.createDirectories(target);
        MonthlyReport.Email email = null;
        if (sending) {
            Path absolute = target.toAbsolutePath();
            email = new MonthlyReport.Email(
                    env.emailFrom(),
                    env.emailTo(),
                    env.maxAttachmentBytes(),
                    SmtpMailTransport.create(env.smtp()),
                    name -> absolute.resolve(name).toUri().toString());
        }
        MonthlyReport.Result r = report.run(
                m, MonthlyUsageSource.fromLog(data), data, new FileSystemObjectStore(target), "", email, forceEmail);
        o.println("Report for " + m + " in " + target + ":");
        o.println("  " + r.focusFile() + "     " + r.focusRows() + " rows, BilledCost total "
                + r.focusBilledTotalUsd().toPlainString() + " USD"
                + (r.reconciliation() == null
                        ? ""
                        : " (" + r.providerBillRowsUsd().toPlainString() + " USD of it from provider bills,"
                                + " tagged x_CostSource=provider_bill)"));
        o.println("  " + FocusMetadata.FILE + " FOCUS " + r.focusFile().substring(6, 9)
                + " metadata (schema, generator)");
        Chargeback c = r.chargeback();
        o.println("  " + MonthlyReport.CHARGEBACK + "    " + c.lines().size() + " lines, " + Money.usd(c.totalUsd())
                + " (" + c.suspense().size() + " in suspense)");
        o.println("  " + MonthlyReport.PDF + "  " + r.fileSizes().get(MonthlyReport.PDF) + " bytes");
        o.println("  " + MonthlyReport.DATA_QUALITY + " what the figures rest on");
        if (r.reconciliation() != null) {
            o.println("  " + ReconciliationCsv.FILE_NAME + " metered vs billed per day, provider and model");
            ProviderBillRows.status(r.reconciliation()).forEach(s -> o.println("  Provider bill " + s));
        }
        o.println("Spend " + Money.usd(r.figures().totalUsd()) + " over "
                + r.figures().calls() + " calls"
                + (r.figures().unpricedCalls() > 0
                        ? "; " + r.figures().unpricedCalls() + " unpriced calls not included"
                        : ""));
        o.println("Email: "
                + switch (r.email()) {
                    case SENT ->
                        "sent to " + (env.emailTo().size() - r.emailRefused().size()) + " recipients"
                                + (r.emailUsedLinks() ? " (links instead of attachments)" : "")
                                + (r.emailRefused().isEmpty()
                                        ? ""
                                        : "; refused by the mail server: " + String.join(", ", r.emailRefused()));
                    case ALREADY_SENT -> "already sent for " + m + " (use --force-email to send again)";
                    case NOT_CONFIGURED -> "not sent (no recipients configured, or --no-email)";
                });
        if (r.narrativeByLlm()) {
            o.println("Narrative: drafted by " + env.llm().model() + " through Spendgate, every number checked");
        }
        r.warnings().forEach(w -> o.println("Warning: " + w));
        o.flush();
        PrintWriter e = spec.commandLine().getErr();
        e.println(r.quality().summaryLine() + " (" + MonthlyReport.DATA_QUALITY + ")");
        if (r.quality().noData()) {
            e.println("No usage in " + m
                    + (r.quality().state() == DataQuality.MonthState.FUTURE
                            ? ": the month has not started."
                            : "; the report says so instead of showing $0."));
        }
        r.quality().examples().forEach(x -> e.println("Quarantined " + x));
        e.flush();
        if (strict && r.strictFailure()) {
            e.println("spendgate: --strict: the usage log of " + m + " had damaged or quarantined input");
            e.flush();
            return STRICT_FAILURE;
        }
        return 0;
    }
}
