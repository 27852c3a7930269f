package dev.spendgate.cli;

import dev.spendgate.domain.report.ChargebackRules;
import dev.spendgate.domain.usage.UsageSummary;
import dev.spendgate.domain.waste.EfficiencyScore;
import dev.spendgate.domain.waste.Finding;
import dev.spendgate.domain.waste.Governance;
import dev.spendgate.domain.waste.Owner;
import dev.spendgate.domain.waste.RecommendedSetting;
import dev.spendgate.domain.waste.WasteAnalyzer;
import dev.spendgate.domain.waste.WasteReport;
import dev.spendgate.domain.waste.WasteReportJson;
import dev.spendgate.domain.waste.WasteWindow;
import dev.spendgate.embedded.FileSystemObjectStore;
import dev.spendgate.report.ReportEnvironment;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code spendgate waste}: the waste detectors over the usage log, ranked by monthly savings. */
@Command(
        name = "waste",
        description = "Find waste in the usage log: findings with evidence, monthly savings and the change to make.")
final class WasteCommand implements Callable<Integer> {
    @Mixin
    SpendgateCli.DataDirOption dir;

    /** Savings are priced at the rates the gateway charged the calls at: the same overrides. */
    @Mixin
    PricingCommand.OverridesOption overrides;

    @Spec
    CommandSpec spec;

    @Option(
            names = "--from",
            paramLabel = "WHEN",
            description = "Start, inclusive: a date (UTC midnight) or an instant. Default: 30 days before --to.")
    String from;

    @Option(
            names = "--to",
            paramLabel = "WHEN",
            description = "End, exclusive: a date (its UTC midnight) or an instant. Default: today, UTC midnight.")
    String to;

    @Option(names = "--out", paramLabel = "FILE", description = "Also write the findings JSON to this file.")
    Path out;

    @Option(
            names = "--top",
            defaultValue = "15",
            paramLabel = "N",
            description = "Findings to print (all are in --out). Default: ${DEFAULT-VALUE}.")
    int top;

    @Option(
            names = "--rules",
            paramLabel = "FILE",
            description = "Chargeback rules JSON naming each finding's cost centre (env SPENDGATE_CHARGEBACK_RULES;"
                    + " default chargeback-rules.json in the data dir when present).")
    Path rules;

    Clock clock = Clock.systemUTC();

    /** --rules, else SPENDGATE_CHARGEBACK_RULES, else chargeback-rules.json in the data dir, else none. */
    private ChargebackRules chargebackRules() {
        ReportEnvironment env = ReportEnvironment.forAnalysis(System.getenv());
        try {
            return ChargebackRulesFile.load(rules, env, dir.dataDir);
        } catch (IllegalArgumentException | UncheckedIOException e) {
            throw new ParameterException(spec.commandLine(), "--rules: " + e.getMessage());
        }
    }

    @Override
    public Integer call() {
        dir.requireExisting(spec);
        if (top < 0) {
            throw new ParameterException(
                    spec.commandLine(), "--top must be 0 or more (the findings to print; --out FILE writes them all)");
        }
        Instant end = to == null ? clock.instant().truncatedTo(ChronoUnit.DAYS) : parse(to, "--to");
        Instant start = from == null ? end.minus(30, ChronoUnit.DAYS) : parse(from, "--from");
        if (!start.isBefore(end)) {
            throw new ParameterException(spec.commandLine(), "--from must be before --to");
        }
        Governance governance = new Governance(
                KeysCommand.store(dir).list(), BudgetsCommand.policies(dir).list());
        WasteReport report = WasteAnalyzer.create(overrides.current(), governance, clock)
                .withChargebackRules(chargebackRules())
                .analyze(new FileSystemObjectStore(dir.dataDir), new WasteWindow(start, end));
        if (out != null) {
            try {
                Path parent = out.toAbsolutePath().getParent();
                if (parent != null) {
                    Files.createDirectories(parent);
                }
                Files.write(out, WasteReportJson.toBytes(report));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + out, e);
            }
        }
        print(report, spec.commandLine().getOut());
        ReadWarnings.warn(spec.commandLine().getErr(), report.input());
        return 0;
    }

    /** What the figures above leave out for want of a price: counted among the calls, at $0 in the spend. */
    static String unpricedSentence(dev.spendgate.domain.waste.UnpricedCalls u) {
        java.util.List<String> why = new java.util.ArrayList<>();
        if (u.noPrice() > 0) {
            why.add(String.format("%,d", u.noPrice()) + " of a model or feature the catalog has no price for");
        }
        if (u.unanswered() > 0) {
            why.add(String.format("%,d", u.unanswered()) + " whose answer never arrived whole");
        }
        return "Unpriced: " + String.format("%,d", u.calls()) + (u.calls() == 1 ? " call" : " calls")
                + ", cost unknown (" + String.join(", ", why) + "): counted at $0 in the spend, in no finding and no"
                + " figure above; ./spendgate usage --group-by pricing_status,model shows them.";
    }

    private void print(WasteReport report, PrintWriter w) {
        w.println("Waste from " + report.window().from() + " to "
                + report.window().to() + ": " + String.format("%,d", report.callsAnalysed()) + " calls, $"
                + usd(report.spendUsd()) + " spent.");
        BigDecimal monthlySpend = report.window().monthly(report.spendUsd());
        BigDecimal savings = report.monthlySavingsUsd();
        String share = monthlySpend.signum() == 0
                ? "0"
                : savings.multiply(BigDecimal.valueOf(100))
                        .divide(monthlySpend, 1, RoundingMode.HALF_UP)
                        .toPlainString();
        w.println("Recoverable: $" + usd(savings) + " per month (" + share
                + " % of the window's spend scaled to a month). AI Efficiency Score: "
                + report.overall().score()
                + "/100 (" + report.overall().coveredPercent().toPlainString()
                + " % of spend open to a model, prompt-cache or batch rule; repeats checked on all).");
        if (report.skippedInput() > 0 || report.input().duplicates() > 0) {
            w.println("Warnings: skipped " + report.input().unreadableObjects() + " damaged log objects, "
                    + report.input().malformedLines() + " unreadable records and "
                    + report.input().duplicates()
                    + " duplicate request ids.");
            report.input().warnings().stream().limit(5).forEach(x -> w.println("  " + x));
        }
        if (report.input().quarantined() > 0) {
            w.println("Left out: "
                    + UsageSummary.quarantinedSentence(report.input().quarantinedByReason())
                    + ", in no finding and no figure above, as the monthly report quarantines them.");
        }
        if (report.unpriced().calls() > 0) {
            w.println(unpricedSentence(report.unpriced()));
        }
        if (report.findings().isEmpty()) {
            w.println("No waste found.");
        } else {
            w.println();
            w.println("Advisor, by monthly savings:");
            int rank = 1;
            for (Finding f : report.findings()) {
                if (rank > top) {
                    w.println("  ... " + (report.findings().size() - top) + " more"
                            + (out != null ? " (see --out)" : " (raise --top, or write them all with --out FILE)"));
                    break;
                }
                String money = f.monthlySavingsUsd().signum() > 0
                        ? "$" + usd(f.monthlySavingsUsd()) + "/month"
                        : "$" + usd(f.monthlySpendAtRiskUsd()) + "/month at risk";
                w.printf(
                        "%2d. %-24s %-16s %s:%s%s%n",
                        rank++,
                        money,
                        f.category().label(),
                        f.scopeType(),
                        f.scopeValue(),
                        f.model() == null ? "" : " (" + f.model() + ")");
                w.println("    " + f.recommendation());
                if (f.qualityRisk() != null) {
                    w.println("    " + f.qualityRisk());
                }
                if (f.owner() != null) {
                    w.println("    owner: " + owner(f.owner()));
                }
                w.println("    evidence: " + f.evidence().wastefulCalls() + " of "
                        + f.evidence().calls()
                        + " calls, " + day(f.evidence().firstSeen()) + " to "
                        + day(f.evidence().lastSeen())
                        + ", e.g. "
                        + String.join(
                                ", ",
                                f.evidence().exampleRequestIds().stream()
                                        .limit(3)
                                        .toList()));
            }
        }
        if (!report.settings().isEmpty()) {
            w.println();
            w.println("Recommended settings (one value each, from all findings that advise it):");
            for (RecommendedSetting r : report.settings()) {
                w.println("  " + r.setting() + "=\"" + r.value() + "\" (" + r.scope() + "; " + r.reason() + ")");
            }
        }
        w.println();
        Table table = new Table("FEATURE", "SCORE", "SPEND_USD", "WASTE_USD", "AT_RISK_USD", "COVERED_%")
                .alignRight(1, 2, 3, 4, 5);
        for (EfficiencyScore s : report.features()) {
            table.row(
                    s.feature(),
                    s.scored() ? Integer.toString(s.score()) : "-",
                    usd(s.spendUsd()),
                    usd(s.wasteUsd()),
                    usd(s.atRiskUsd()),
                    s.coveredPercent().toPlainString());
        }
        EfficiencyScore o = report.overall();
        table.row(
                "OVERALL",
                Integer.toString(o.score()),
                usd(o.spendUsd()),
                usd(o.wasteUsd()),
                usd(o.atRiskUsd()),
                o.coveredPercent().toPlainString());
        table.print(w);
        if (report.features().stream().anyMatch(s -> !s.scored())) {
            w.println("SCORE -: not scored, no finding and under 50 % of the feature's spend open to a model,"
                    + " prompt-cache or batch rule (a 100 would only say nothing looked).");
        }
        if (out != null) {
            w.println("Findings JSON: " + out);
        }
        w.flush();
    }

    private static String owner(Owner o) {
        return (o.department() == null ? "no department" : o.department())
                + (o.team() == null ? "" : " / " + o.team())
                + (o.costCentre() == null ? "" : ", cost centre " + o.costCentre())
                + (o.glAccount() == null ? "" : ", GL " + o.glAccount())
                + " (" + o.basis() + ")";
    }

    private static String usd(BigDecimal v) {
        return v.setScale(2, RoundingMode.HALF_UP).toPlainString();
    }

    private static String day(Instant t) {
        return t == null ? "-" : t.toString().substring(0, 10);
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
