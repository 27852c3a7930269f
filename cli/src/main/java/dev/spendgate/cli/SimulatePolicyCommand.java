package dev.spendgate.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.spendgate.domain.budget.BudgetEnforcer;
import dev.spendgate.domain.budget.BudgetPolicy;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.simulate.HourlyTimeOrder;
import dev.spendgate.domain.simulate.PolicyReplay;
import dev.spendgate.domain.usage.CostCheck;
import dev.spendgate.domain.usage.UsageLogReader;
import dev.spendgate.domain.usage.UsageLogReader.ReadStats;
import dev.spendgate.embedded.FileBudgetPolicyStore;
import dev.spendgate.embedded.FileSystemObjectStore;
import dev.spendgate.embedded.InMemoryRateCounter;
import dev.spendgate.function.proxy.budget.BudgetGate;
import dev.spendgate.function.proxy.budget.CostEstimator;
import dev.spendgate.function.proxy.budget.DegradationChains;
import java.io.ByteArrayOutputStream;
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
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code spendgate simulate-policy}: replays the recorded calls of a window under a proposed budgets file, degradation
 * chains and velocity breakers, with the gateway's own budget enforcer and breakers, and says what would have changed.
 */
@Command(
        name = "simulate-policy",
        description = "Replay recorded calls under proposed budgets, degrade chains and breakers: spend before and"
                + " after, calls blocked or degraded, and when each budget would have tripped.")
final class SimulatePolicyCommand implements Callable<Integer> {
    @Mixin
    SpendgateCli.DataDirOption dir;

    @Spec
    CommandSpec spec;

    @Mixin
    PricingCommand.OverridesOption overrides;

    @Option(
            names = "--from",
            required = true,
            paramLabel = "WHEN",
            description = "Start, inclusive: a date or instant.")
    String from;

    @Option(names = "--to", required = true, paramLabel = "WHEN", description = "End, exclusive: a date or instant.")
    String to;

    @Option(
            names = "--policy",
            required = true,
            paramLabel = "FILE",
            description = "Proposed budgets, in the gateway's budgets file format (as `budgets set` writes"
                    + " .spendgate/budgets.json).")
    Path policy;

    @Option(
            names = "--degrade-chains",
            paramLabel = "CHAINS",
            defaultValue = "${env:SPENDGATE_DEGRADE_CHAINS}",
            description = "Degradation chains as SPENDGATE_DEGRADE_CHAINS, e.g. \"gpt-4o>gpt-4o-mini\" (default: that"
                    + " variable).")
    String degradeChains;

    @Option(
            names = "--session-calls-per-minute",
            paramLabel = "N",
            defaultValue = "${env:SPENDGATE_SESSION_CALLS_PER_MINUTE:-0}",
            description = "Session breaker as SPENDGATE_SESSION_CALLS_PER_MINUTE (0: off; default: that variable).")
    long sessionCallsPerMinute;

    @Option(
            names = "--key-calls-per-minute",
            paramLabel = "N",
            defaultValue = "${env:SPENDGATE_KEY_CALLS_PER_MINUTE:-0}",
            description = "Key breaker as SPENDGATE_KEY_CALLS_PER_MINUTE (0: off; default: that variable).")
    long keyCallsPerMinute;

    @Option(names = "--out", paramLabel = "FILE", description = "Also write the result as JSON to this file.")
    Path out;

    /** Records left out because their cost is quarantined (as by usage and the monthly report). */
    private long quarantined;

    @Override
    public Integer call() {
        dir.requireExisting(spec);
        Instant start = parse(from, "--from");
        Instant end = parse(to, "--to");
        if (!start.isBefore(end)) {
            throw new ParameterException(spec.commandLine(), "--from must be before --to");
        }
        if (!Files.isRegularFile(policy)) {
            throw new ParameterException(spec.commandLine(), "--policy: no file " + policy);
        }
        List<BudgetPolicy> policies;
        try {
            policies = new FileBudgetPolicyStore(policy).list();
        } catch (IllegalStateException e) {
            throw new ParameterException(spec.commandLine(), "--policy: " + e.getMessage());
        }
        DegradationChains chains;
        try {
            chains = DegradationChains.parse(degradeChains);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--degrade-chains: " + e.getMessage());
        }
        if (sessionCallsPerMinute < 0 || keyCallsPerMinute < 0) {
            throw new ParameterException(spec.commandLine(), "--session/--key-calls-per-minute must not be negative");
        }
        // the prices the gateway charges: the bundled catalog with SPENDGATE_PRICING_OVERRIDES (--overrides)
        PricingCatalog catalog = overrides.current();
        long began = System.nanoTime();
        ReadStats stats;
        PolicyReplay.Result result;
        try (PolicyReplay replay = PolicyReplay.create(
                catalog, policies, chains::cheaperThan, (clock, enforcer) -> breakers(catalog, clock, enforcer))) {
            // the replay admits calls in the order they ran: each hour of the log in ts_start order
            HourlyTimeOrder ordered = HourlyTimeOrder.to(replay::accept);
            // a record whose cost usage and the monthly report quarantine is neither recorded spend nor charged
            CostCheck check = CostCheck.against(catalog);
            stats = UsageLogReader.create(new FileSystemObjectStore(dir.dataDir))
                    .read(start, end, r -> {
                        if (check.check(r).isPresent()) {
                            quarantined++;
                        } else {
                            ordered.accept(r);
                        }
                    });
            ordered.flush();
            result = replay.result();
        }
        long millis = (System.nanoTime() - began) / 1_000_000;
        if (out != null) {
            write(result, stats, start, end);
        }
        print(result, stats, start, end, millis, spec.commandLine().getOut());
        ReadWarnings.warn(spec.commandLine().getErr(), stats);
        return 0;
    }

    /** The gateway's breakers ({@link BudgetGate#checkVelocity}) on the replay's clock and enforcer. */
    private PolicyReplay.Breakers breakers(PricingCatalog catalog, Clock clock, BudgetEnforcer enforcer) {
        if (sessionCallsPerMinute == 0 && keyCallsPerMinute == 0) {
            return (a, key) -> Optional.empty();
        }
        BudgetGate gate = new BudgetGate(
                enforcer,
                new CostEstimator(catalog, 0),
                DegradationChains.parse(null),
                new InMemoryRateCounter(clock),
                sessionCallsPerMinute,
                keyCallsPerMinute,
                clock);
        return (a, key) -> gate.checkVelocity(a, key).map(BudgetGate.Tripped::scope);
    }

    private void print(PolicyReplay.Result r, ReadStats stats, Instant start, Instant end, long millis, PrintWriter w) {
        PolicyReplay.Line t = r.total();
        w.println("Replayed " + String.format("%,d", t.calls()) + " billed calls from " + start + " to " + end + " in "
                + millis + " ms under " + policy + " (" + r.notReplayed() + " unbilled calls not replayed, "
                + stats.malformedLines() + " unreadable lines and " + stats.unreadableObjects()
                + " damaged log objects skipped: their calls are not in the figures).");
        if (quarantined > 0) {
            w.println("Left out: " + quarantined + " records whose cost usage and the monthly report quarantine"
                    + " (negative, implausible for their tokens, or mismatched with the catalog version they name):"
                    + " not replayed, in no figure below.");
        }
        if (r.unpriced() > 0) {
            w.println(r.unpriced() + " of them unpriced (no catalog price, or no answer): cost unknown, $0 in the"
                    + " spend columns, their worst case held on the budgets as the gateway holds it.");
        }
        w.println("Spend $" + usd(t.spendBeforeUsd()) + " recorded, $" + usd(t.spendAfterUsd())
                + " under the policy: " + t.blocked() + " calls blocked, " + t.degraded() + " degraded (saving $"
                + usd(t.degradeSavingsUsd()) + " at the recorded token counts).");
        w.println();
        table("FEATURE", r.features(), w);
        w.println();
        table("DEPARTMENT", r.departments(), w);
        w.println();
        if (r.trips().isEmpty()) {
            w.println("No budget or breaker would have acted.");
        } else {
            w.println("When each budget or breaker would have acted first (UTC):");
            Table trips = new Table("AT", "POLICY", "SCOPE_VALUE", "EFFECT", "CALLS").alignRight(4);
            for (PolicyReplay.TripLine trip : r.trips()) {
                trips.row(
                        trip.at().truncatedTo(ChronoUnit.SECONDS).toString(),
                        trip.policyId(),
                        trip.scopeValue(),
                        trip.effect(),
                        Long.toString(trip.calls()));
            }
            trips.print(w);
        }
        if (out != null) {
            w.println("Result JSON: " + out);
        }
        w.flush();
    }

    private static void table(String what, List<PolicyReplay.Line> lines, PrintWriter w) {
        Table table = new Table(what, "CALLS", "BEFORE_USD", "AFTER_USD", "BLOCKED", "DEGRADED", "DEGRADE_SAVED_USD")
                .alignRight(1, 2, 3, 4, 5, 6);
        for (PolicyReplay.Line l : lines) {
            table.row(
                    l.name(),
                    Long.toString(l.calls()),
                    usd(l.spendBeforeUsd()),
                    usd(l.spendAfterUsd()),
                    Long.toString(l.blocked()),
                    Long.toString(l.degraded()),
                    usd(l.degradeSavingsUsd()));
        }
        table.print(w);
    }

    private void write(PolicyReplay.Result r, ReadStats stats, Instant start, Instant end) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JsonGenerator g = new JsonFactory().createGenerator(bytes)) {
            g.useDefaultPrettyPrinter();
            g.writeStartObject();
            g.writeNumberField("format_version", 1);
            g.writeObjectFieldStart("window");
            g.writeStringField("from", start.toString());
            g.writeStringField("to", end.toString());
            g.writeEndObject();
            g.writeStringField("policy_file", policy.toString());
            g.writeStringField("degrade_chains", degradeChains);
            g.writeNumberField("session_calls_per_minute", sessionCallsPerMinute);
            g.writeNumberField("key_calls_per_minute", keyCallsPerMinute);
            g.writeNumberField("records_read", stats.records());
            // a damaged log gives a partial replay: what was skipped, so a script can tell
            g.writeNumberField("malformed_lines", stats.malformedLines());
            g.writeNumberField("unreadable_objects", stats.unreadableObjects());
            g.writeNumberField("not_replayed_unbilled", r.notReplayed());
            g.writeNumberField("not_replayed_quarantined", quarantined);
            g.writeNumberField("replayed_unpriced", r.unpriced());
            g.writeFieldName("total");
            line(g, r.total());
            g.writeArrayFieldStart("features");
            for (PolicyReplay.Line l : r.features()) {
                line(g, l);
            }
            g.writeEndArray();
            g.writeArrayFieldStart("departments");
            for (PolicyReplay.Line l : r.departments()) {
                line(g, l);
            }
            g.writeEndArray();
            g.writeArrayFieldStart("trips");
            for (PolicyReplay.TripLine t : r.trips()) {
                g.writeStartObject();
                g.writeStringField("at", t.at().toString());
                g.writeStringField("policy", t.policyId());
                g.writeStringField("scope_value", t.scopeValue());
                g.writeStringField("effect", t.effect());
                g.writeNumberField("calls", t.calls());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
            g.writeRaw('\n');
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            Path parent = out.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.write(out, bytes.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + out, e);
        }
    }

    private static void line(JsonGenerator g, PolicyReplay.Line l) throws IOException {
        g.writeStartObject();
        g.writeStringField("name", l.name());
        g.writeNumberField("calls", l.calls());
        g.writeStringField("spend_before_usd", l.spendBeforeUsd().toPlainString());
        g.writeStringField("spend_after_usd", l.spendAfterUsd().toPlainString());
        g.writeNumberField("blocked", l.blocked());
        g.writeNumberField("degraded", l.degraded());
        g.writeStringField("degrade_savings_usd", l.degradeSavingsUsd().toPlainString());
        g.writeEndObject();
    }

    private static String usd(BigDecimal v) {
        return v.setScale(2, RoundingMode.HALF_UP).toPlainString();
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
