package dev.spendgate.cli;

import dev.spendgate.domain.outcome.Outcome;
import dev.spendgate.domain.outcome.OutcomeLog;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.simulate.GatewayPolicyReplay;
import dev.spendgate.domain.simulate.GroundTruth;
import dev.spendgate.domain.simulate.PlantedWaste;
import dev.spendgate.domain.simulate.Simulation;
import dev.spendgate.domain.simulate.TrafficSimulator;
import dev.spendgate.domain.usage.UsageLogReader;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.waste.WasteCategory;
import dev.spendgate.embedded.FileSystemObjectStore;
import java.io.IOException;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code spendgate simulate}: a month of seeded synthetic traffic with planted waste and its ground truth. */
@Command(
        name = "simulate",
        description = "Write a month of seeded synthetic usage (with planted waste and its ground truth) to the data"
                + " directory, plus the keys and budgets it uses.")
final class SimulateCommand implements Callable<Integer> {
    /**
     * GL accounts and cost centres for the simulated departments, so {@code ./spendgate report} on a simulated month
     * shows direct, shared and suspense lines: platform's shared document search is spread over the departments in
     * proportion to their spend, research has no rule and lands in suspense.
     */
    static final String EXAMPLE_CHARGEBACK_RULES = """
            {
              "suspense": {"gl_account": "6999", "cost_centre": "CC-SUSPENSE"},
              "rules": [
                {"department": "support", "gl_account": "6100", "cost_centre": "CC-100"},
                {"department": "engineering", "gl_account": "6200", "cost_centre": "CC-200"},
                {"department": "sales", "gl_account": "6300", "cost_centre": "CC-300"},
                {"department": "finance", "gl_account": "6400", "cost_centre": "CC-400"},
                {"department": "marketing", "gl_account": "6500", "cost_centre": "CC-500"},
                {"department": "people", "gl_account": "6600", "cost_centre": "CC-600"},
                {"department": "legal", "gl_account": "6700", "cost_centre": "CC-700"}
              ],
              "shared": [
                {"department": "engineering", "team": "platform", "allocation": "proportional", "gl_account": "6250"}
              ]
            }
            """;

    @Mixin
    SpendgateCli.DataDirOption dir;

    @Spec
    CommandSpec spec;

    @Option(names = "--month", required = true, paramLabel = "YYYY-MM", description = "The month to simulate.")
    String month;

    @Option(
            names = "--seed",
            defaultValue = "1",
            paramLabel = "N",
            description = "Random seed: the same seed gives the same month. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(
            names = "--calls",
            defaultValue = "" + TrafficSimulator.DEFAULT_CALLS,
            paramLabel = "N",
            description = "Roughly how many calls the month has (at least " + TrafficSimulator.MIN_CALLS
                    + "). Default: ${DEFAULT-VALUE}.")
    long calls;

    @Option(
            names = "--through-gateway-policy",
            description = "Record the month as the gateway would have served it under the data directory's gateway"
                    + " policy (routing rules and response caches, as `advisor apply` writes them): routed calls at"
                    + " the cheaper model's prices with routed_by, cache hits at $0 with saved_usd.")
    boolean gatewayPolicy;

    /** Which simulated sessions end in which business outcome, and how often (the rest end without one). */
    private static final Map<String, String> OUTCOME_OF_FEATURE =
            Map.of("support-chat", "ticket_resolved", "policy-qa", "question_answered");

    private static final double OUTCOME_RATE = 0.7;

    /**
     * Records one outcome for about 70 % of the support-chat and policy-qa sessions, a minute after the session's last
     * call, the same for the same seed; returns the count per outcome name.
     */
    private Map<String, Long> recordOutcomes(YearMonth m, FileSystemObjectStore store) {
        Map<String, UsageRecord> lastCallOfSession = new TreeMap<>();
        UsageLogReader.create(store)
                .read(
                        m.atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant(),
                        m.plusMonths(1).atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant(),
                        r -> {
                            String feature = r.attribution().feature();
                            String session = r.attribution().session();
                            if (session != null && OUTCOME_OF_FEATURE.containsKey(feature)) {
                                lastCallOfSession.merge(
                                        feature + "/" + session,
                                        r,
                                        (a, b) -> a.tsStart().isAfter(b.tsStart()) ? a : b);
                            }
                        });
        Random random = new Random(seed);
        OutcomeLog log = OutcomeLog.create(store);
        Map<String, Long> counts = new TreeMap<>();
        for (UsageRecord last : lastCallOfSession.values()) {
            if (random.nextDouble() >= OUTCOME_RATE) {
                continue;
            }
            String name = OUTCOME_OF_FEATURE.get(last.attribution().feature());
            Instant ts = last.tsStart().plusSeconds(60);
            if (!YearMonth.from(ts.atZone(ZoneOffset.UTC)).equals(m)) {
                ts = last.tsStart();
            }
            log.record(new Outcome(ts, last.attribution().session(), null, name, 1, last.keyId()));
            counts.merge(name, 1L, Long::sum);
        }
        return counts;
    }

    @Override
    public Integer call() {
        YearMonth m;
        try {
            m = YearMonth.parse(month);
        } catch (DateTimeParseException e) {
            throw new ParameterException(spec.commandLine(), "--month must look like 2026-10");
        }
        if (calls < TrafficSimulator.MIN_CALLS) {
            throw new ParameterException(spec.commandLine(), "--calls must be at least " + TrafficSimulator.MIN_CALLS);
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        TrafficSimulator simulator =
                TrafficSimulator.create(PricingCatalog.bundled(), new TrafficSimulator.Settings(m, seed, calls, false));
        GatewayPolicyReplay served = null;
        if (gatewayPolicy) {
            served = GatewayPolicyReplay.create(
                    PricingCatalog.bundled(), AdvisorCommand.policyStore(dir).load());
        }
        long started = System.nanoTime();
        GroundTruth truth;
        try {
            truth = Simulation.write(
                    simulator,
                    m,
                    new FileSystemObjectStore(dir.dataDir),
                    KeysCommand.store(dir),
                    BudgetsCommand.policies(dir),
                    Clock.systemUTC(),
                    (day, records) -> {
                        if (day.getDayOfMonth() % 5 == 0 || day.getDayOfMonth() == m.lengthOfMonth()) {
                            err.printf("  %s: %,d records so far%n", day, records);
                            err.flush();
                        }
                    },
                    served == null ? r -> r : served::apply);
        } catch (IllegalStateException e) {
            err.println("spendgate simulate: " + e.getMessage());
            return 1;
        }
        out.printf(
                "Simulated %s (seed %d): %,d calls, $%s spend, %d keys and %d budgets, in %.1f s.%n",
                m,
                seed,
                truth.records(),
                truth.spendUsd().setScale(2, RoundingMode.HALF_UP).toPlainString(),
                simulator.keys().size(),
                simulator.policies().size(),
                (System.nanoTime() - started) / 1e9);
        if (served != null) {
            GatewayPolicyReplay.Result r = served.result();
            out.printf(
                    "Served under the gateway policy: $%s recorded instead of $%s (%s saved by %d rules; the spend"
                            + " above and the planted waste below are before the policy).%n",
                    r.spendAfterUsd().setScale(2, RoundingMode.HALF_UP).toPlainString(),
                    r.spendBeforeUsd().setScale(2, RoundingMode.HALF_UP).toPlainString(),
                    r.savedUsd().setScale(2, RoundingMode.HALF_UP).toPlainString(),
                    r.rules().size());
        }
        out.println("Planted waste (window figures for the month):");
        Table table = new Table("CATEGORY", "PLANTED", "CALLS", "SAVINGS_USD", "AT_RISK_USD").alignRight(1, 2, 3, 4);
        for (WasteCategory c : WasteCategory.values()) {
            long n = 0;
            BigDecimal savings = BigDecimal.ZERO;
            BigDecimal risk = BigDecimal.ZERO;
            for (PlantedWaste p : truth.of(c)) {
                n += p.wastefulCalls();
                savings = savings.add(p.windowSavingsUsd());
                risk = risk.add(p.spendAtRiskUsd());
            }
            table.row(
                    c.label(),
                    Integer.toString(truth.of(c).size()),
                    Long.toString(n),
                    savings.setScale(2, RoundingMode.HALF_UP).toPlainString(),
                    risk.setScale(2, RoundingMode.HALF_UP).toPlainString());
        }
        table.print(out);
        out.println("Ground truth: " + dir.dataDir.resolve(Simulation.groundTruthKey(m)));
        Map<String, Long> outcomes = recordOutcomes(m, new FileSystemObjectStore(dir.dataDir));
        out.println("Outcomes (as an app would POST them to /v1/outcomes): "
                + outcomes.entrySet().stream()
                        .map(e -> String.format("%,d %s", e.getValue(), e.getKey()))
                        .collect(java.util.stream.Collectors.joining(", ")));
        Path rules = dir.dataDir.resolve("chargeback-rules.json");
        if (!Files.exists(rules)) {
            try {
                Files.writeString(rules, EXAMPLE_CHARGEBACK_RULES);
                out.println("Chargeback rules (an example for the simulated departments; research is left unmapped): "
                        + rules);
            } catch (IOException e) {
                err.println("spendgate simulate: could not write " + rules + ": " + e.getMessage());
            }
        }
        out.println("Next: ./spendgate waste --from " + m.atDay(1) + " --to "
                + m.plusMonths(1).atDay(1)
                + (dir.dataDir.toString().equals(".spendgate") ? "" : " --data-dir " + dir.dataDir));
        out.flush();
        return 0;
    }
}
