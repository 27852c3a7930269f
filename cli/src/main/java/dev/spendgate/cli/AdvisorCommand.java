package dev.spendgate.cli;

import dev.spendgate.domain.pricing.CallPricer;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.routing.AppliedChange;
import dev.spendgate.domain.routing.FindingFixes;
import dev.spendgate.domain.routing.GatewayPolicy;
import dev.spendgate.domain.routing.GatewayPolicyStore;
import dev.spendgate.domain.routing.RouteRule;
import dev.spendgate.domain.simulate.GatewayPolicyReplay;
import dev.spendgate.domain.usage.CostCheck;
import dev.spendgate.domain.usage.UsageLogReader;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageSummary;
import dev.spendgate.domain.waste.Finding;
import dev.spendgate.domain.waste.Governance;
import dev.spendgate.domain.waste.WasteAnalyzer;
import dev.spendgate.domain.waste.WasteReport;
import dev.spendgate.domain.waste.WasteWindow;
import dev.spendgate.embedded.FileGatewayPolicyStore;
import dev.spendgate.embedded.FileSystemObjectStore;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code spendgate advisor apply|status}: turns a waste finding into a gateway policy change and measures it. */
@Command(
        name = "advisor",
        description = "Apply a waste finding's fix to the gateway policy, and measure what applied fixes recovered.",
        subcommands = {AdvisorCommand.Apply.class, AdvisorCommand.Status.class})
final class AdvisorCommand {

    /** The data directory's gateway policy file. */
    static GatewayPolicyStore policyStore(SpendgateCli.DataDirOption dir) {
        return new FileGatewayPolicyStore(dir.dataDir.resolve("policy").resolve("gateway-policy.json"));
    }

    static Instant parse(CommandSpec spec, String value, String option) {
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

    static String usd(BigDecimal v) {
        return v.setScale(2, RoundingMode.HALF_UP).toPlainString();
    }

    @Command(
            name = "apply",
            description = "Turn a finding into a gateway policy change (routing rule, response cache or prompt"
                    + " caching), after showing what it would have saved over the window.")
    static final class Apply implements Callable<Integer> {
        @Mixin
        SpendgateCli.DataDirOption dir;

        /** Priced at the rates the gateway charged the calls at, as `waste` prices its findings. */
        @Mixin
        PricingCommand.OverridesOption overrides;

        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "FINDING_ID", description = "A finding id from `spendgate waste` (--out JSON).")
        String findingId;

        @Option(
                names = "--share",
                paramLabel = "PCT",
                description = "Routing rules: move only this share of the matching calls (more than 0, at most"
                        + " 100; default all). A safe first step is 10.")
        BigDecimal share;

        @Option(names = "--dry-run", description = "Show the change and its simulated savings; change nothing.")
        boolean dryRun;

        @Option(
                names = "--from",
                paramLabel = "WHEN",
                description = "Window start (default: the first day of last month, UTC).")
        String from;

        @Option(names = "--to", paramLabel = "WHEN", description = "Window end, exclusive (default: this month's 1st).")
        String to;

        @Option(
                names = "--by",
                paramLabel = "NAME",
                defaultValue = "${env:USER:-unknown}",
                description = "Who applies it, recorded with the change (default: $USER).")
        String by;

        Clock clock = Clock.systemUTC();

        @Override
        public Integer call() {
            dir.requireExisting(spec);
            Instant end = to == null
                    ? YearMonth.now(clock.withZone(ZoneOffset.UTC))
                            .atDay(1)
                            .atStartOfDay(ZoneOffset.UTC)
                            .toInstant()
                    : parse(spec, to, "--to");
            Instant start =
                    from == null ? end.atZone(ZoneOffset.UTC).minusMonths(1).toInstant() : parse(spec, from, "--from");
            if (!start.isBefore(end)) {
                throw new ParameterException(spec.commandLine(), "--from must be before --to");
            }
            if (share != null && (share.signum() <= 0 || share.compareTo(BigDecimal.valueOf(100)) > 0)) {
                throw new ParameterException(spec.commandLine(), "--share must be more than 0 and at most 100");
            }
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            PricingCatalog catalog = overrides.current();
            FileSystemObjectStore usage = new FileSystemObjectStore(dir.dataDir);
            WasteReport report = WasteAnalyzer.create(
                            catalog,
                            new Governance(
                                    KeysCommand.store(dir).list(),
                                    BudgetsCommand.policies(dir).list()),
                            clock)
                    .analyze(usage, new WasteWindow(start, end));
            GatewayPolicyStore store = policyStore(dir);
            FindingApply.Plan plan;
            try {
                plan = FindingApply.plan(report, findingId, share, catalog, store, usage, start, end);
            } catch (FindingApply.Refused e) {
                err.println("spendgate advisor apply: " + e.getMessage());
                if (report.findings().stream().noneMatch(f -> f.id().equals(findingId))) {
                    err.println("Findings with a gateway fix in that window:");
                    FindingApply.applicable(report, catalog).forEach(f -> err.println("  " + f.id()));
                }
                return 2;
            }
            FindingFixes.Fix fix = plan.fix();
            Finding finding = plan.finding();
            GatewayPolicyReplay.Result simulated = plan.simulated();
            out.println("Finding " + fix.findingId());
            out.println("  detector's estimate: $" + usd(finding.monthlySavingsUsd()) + " per month");
            out.println("  policy simulator, " + start + " to " + end + ": would have saved $"
                    + usd(plan.wouldHaveSavedUsd()) + " on " + String.format("%,d", plan.calls()) + " calls (spend $"
                    + usd(simulated.spendBeforeUsd()) + " -> $" + usd(simulated.spendAfterUsd()) + ")"
                    + (plan.replayed()
                            ? ""
                            : "; prompt caching is not replayed (cache reads depend on the provider), the detector's"
                                    + " estimate stands for it"));
            if (finding.qualityRisk() != null) {
                out.println("  quality risk: " + finding.qualityRisk());
            }
            out.println("  change: " + fix.description());
            if (dryRun) {
                out.println("Dry run: nothing changed.");
                return 0;
            }
            Instant now = clock.instant();
            try {
                FindingApply.apply(plan, store, by, now);
            } catch (FindingApply.Refused e) {
                err.println("spendgate advisor apply: " + e.getMessage());
                return 2;
            }
            out.println("Applied by " + by + " at " + now + " to " + dir.dataDir.resolve("policy/gateway-policy.json")
                    + "; a running local gateway picks it up within a second.");
            return 0;
        }
    }

    @Command(
            name = "status",
            description = "What each applied fix recovered over a window, measured from the usage records.")
    static final class Status implements Callable<Integer> {
        @Mixin
        SpendgateCli.DataDirOption dir;

        /** Priced at the rates the gateway charged the calls at, as `waste` prices its findings. */
        @Mixin
        PricingCommand.OverridesOption overrides;

        @Spec
        CommandSpec spec;

        @Option(names = "--from", required = true, paramLabel = "WHEN", description = "Window start.")
        String from;

        @Option(names = "--to", required = true, paramLabel = "WHEN", description = "Window end, exclusive.")
        String to;

        @Override
        public Integer call() {
            dir.requireExisting(spec);
            Instant start = parse(spec, from, "--from");
            Instant end = parse(spec, to, "--to");
            GatewayPolicy policy = policyStore(dir).load();
            PrintWriter out = spec.commandLine().getOut();
            if (policy.applied().isEmpty()) {
                out.println("No fix has been applied (see `spendgate advisor apply`).");
                return 0;
            }
            PricingCatalog catalog = overrides.current();
            Map<String, RouteRule> routes = new HashMap<>();
            policy.routes().forEach(r -> routes.put(r.id(), r));
            // each call's saving is credited to one applied entry, however many name its rule
            AppliedCredit credit = new AppliedCredit(policy.applied(), catalog);
            long[] calls = new long[policy.applied().size()];
            BigDecimal[] recovered = new BigDecimal[policy.applied().size()];
            java.util.Arrays.fill(recovered, BigDecimal.ZERO);
            RouteCounterfactual counterfactual = new RouteCounterfactual(CallPricer.create(catalog));
            // a record whose cost usage, waste and the monthly report quarantine credits no rule either
            CostCheck check = CostCheck.against(catalog);
            Map<CostCheck.Reason, Long> quarantined = new java.util.EnumMap<>(CostCheck.Reason.class);
            UsageLogReader.ReadStats stats = UsageLogReader.create(new FileSystemObjectStore(dir.dataDir))
                    .read(start, end, (UsageRecord r) -> {
                        Optional<CostCheck.Reason> reason = check.check(r);
                        if (reason.isPresent()) {
                            quarantined.merge(reason.get(), 1L, Long::sum);
                            return;
                        }
                        UsageRecord.Optimization o = r.optimization();
                        if (o.routedBy() != null && routes.containsKey(o.routedBy()) && r.costUsd() != null) {
                            RouteRule rule = routes.get(o.routedBy());
                            // what the call would have cost without the rule, minus what it cost with it (before a
                            // cache hit
                            // on the routed answer, whose saving is the cache rule's)
                            BigDecimal paid =
                                    "hit".equals(o.cache()) && o.savedUsd() != null ? o.savedUsd() : r.costUsd();
                            // the model asked (a from_aliases name may have its own price), else the rule's from
                            Optional<BigDecimal> asked = r.modelRequested() == null
                                    ? Optional.empty()
                                    : counterfactual.cost(r, r.modelRequested());
                            asked.or(() -> counterfactual.cost(r, rule.from()))
                                    .ifPresent(c -> add(
                                            calls,
                                            recovered,
                                            credit.entryFor(AppliedCredit.key("route", rule.id()), r),
                                            c.subtract(paid)));
                        }
                        if ("hit".equals(o.cache()) && o.savedUsd() != null) {
                            add(
                                    calls,
                                    recovered,
                                    credit.entryFor(
                                            AppliedCredit.key(
                                                    "cache", r.attribution().feature()),
                                            r),
                                    o.savedUsd());
                        }
                    });
            out.println("Recovered from " + start + " to " + end + ", measured from the records (routed calls: cost"
                    + " at the model asked for, at the tier served, minus cost paid; cache hits: saved_usd):");
            Table table = new Table(
                            "FINDING", "CHANGE", "APPLIED_BY", "APPLIED_AT", "SIMULATED_USD", "CALLS", "RECOVERED_USD")
                    .alignRight(4, 5, 6);
            for (int i = 0; i < policy.applied().size(); i++) {
                AppliedChange a = policy.applied().get(i);
                table.row(
                        a.findingId(),
                        a.change() + " " + a.ruleId(),
                        a.appliedBy(),
                        a.appliedAt().toString(),
                        a.wouldHaveSavedUsd() == null ? "-" : usd(a.wouldHaveSavedUsd()),
                        a.change().equals("prompt_caching") ? "-" : Long.toString(calls[i]),
                        a.change().equals("prompt_caching") ? "not measured" : usd(recovered[i]));
            }
            table.print(out);
            if (!quarantined.isEmpty()) {
                out.println("Left out: " + UsageSummary.quarantinedSentenceByReason(quarantined)
                        + ", in no figure above, as the monthly report quarantines them.");
            }
            ReadWarnings.print(spec, stats);
            out.flush();
            return 0;
        }

        private static void add(long[] calls, BigDecimal[] recovered, int entry, BigDecimal v) {
            if (entry >= 0) {
                calls[entry]++;
                recovered[entry] = recovered[entry].add(v);
            }
        }
    }
}
