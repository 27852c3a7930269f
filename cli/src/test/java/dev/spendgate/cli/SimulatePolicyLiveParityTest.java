package dev.spendgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.budget.BudgetPeriod;
import dev.spendgate.domain.budget.BudgetPolicy;
import dev.spendgate.domain.budget.BudgetScope;
import dev.spendgate.domain.budget.ScopeType;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.usage.UsageLayout;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageRecordCodec;
import dev.spendgate.embedded.FileBudgetPolicyStore;
import dev.spendgate.embedded.FileSystemObjectStore;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code simulate-policy} against what the live gateway ({@code Admit}, {@code BudgetEnforcer}, {@code Price}) does
 * with the same calls and policy: a replay a budget owner trusts must refuse, degrade and price as the gateway would.
 */
class SimulatePolicyLiveParityTest {
    private static final PricingCatalog CATALOG = PricingCatalog.bundled();
    /** 1,000 in, 500 out. */
    private static final TokenUsage CHAT = new TokenUsage(1000, 0, 0, 0, 500, 0);

    @TempDir
    Path dir;

    private int ids;

    /**
     * The gateway refuses a call to a model the catalog has no price for whenever a block or degrade budget applies
     * ({@code BudgetEnforcer.attempt}: "has no price in the catalog, so a budget cannot bound its cost"). The replay
     * drops such calls as "unbilled" and says the proposed block budget would have refused nothing.
     */
    @Test
    void simulatePolicy_unpricedModelUnderBlockBudget_countsTheCallsBlockedAsTheGatewayWould() throws Exception {
        List<UsageRecord> records = new ArrayList<>();
        for (String t : List.of("09:00", "09:10", "09:20")) {
            records.add(base("2026-10-01T" + t + ":00Z", "chat", null)
                    .modelRequested("acme-finetune-7b")
                    .modelServed("acme-finetune-7b")
                    .tokens(CHAT)
                    .costUsd(null)
                    .pricingStatus(UsageRecord.PricingStatus.UNPRICED)
                    .build());
        }
        writeUsage(records);
        Path policy = policy(budget("1000", BudgetPolicy.Mode.BLOCK));

        CliRun run = replay(policy, null, 0);

        assertThat(run.code()).as(run.err()).isZero();
        // under this budget the gateway answers each of the three calls 429 budget_exceeded
        assertThat(run.out()).contains("3 calls blocked");
        assertThat(run.out()).doesNotContain("3 unbilled calls not replayed");
    }

    /**
     * A record the sweeper wrote for a call that never settled ({@code cost_basis: reserved_worst_case}) has its worst
     * case as cost and zero tokens. Degraded, the replay prices its zero tokens at the cheaper model: $0 after, and
     * the whole worst case reported as saved by the degrade chain.
     */
    @Test
    void simulatePolicy_worstCaseRecordDegraded_doesNotReportItsWholeCostAsSaved() throws Exception {
        writeUsage(List.of(base("2026-10-01T09:00:00Z", "chat", null)
                .modelRequested("gpt-4o")
                .modelServed("gpt-4o")
                .costUsd(new BigDecimal("2.00"))
                .pricingStatus(UsageRecord.PricingStatus.PRICED)
                .usageSource(UsageRecord.UsageSource.ESTIMATED)
                .statusCode(0)
                .errorType("unsettled")
                .costBasis(UsageRecord.CostBasis.RESERVED_WORST_CASE)
                .build()));
        Path policy = policy(budget("1.00", BudgetPolicy.Mode.DEGRADE));

        CliRun run = replay(policy, "gpt-4o>gpt-4o-mini", 0);

        assertThat(run.code()).as(run.err()).isZero();
        JsonNode total = json().get("total");
        assertThat(total.get("degraded").asLong()).isEqualTo(1);
        // the call ran on gpt-4o-mini and cost something: not $0, and not all of the $2 worst case saved
        assertThat(new BigDecimal(total.get("spend_after_usd").asText()))
                .as("spend after of a degraded call whose tokens are unknown")
                .isPositive();
        assertThat(new BigDecimal(total.get("degrade_savings_usd").asText()))
                .as("degrade savings claimed for a call whose tokens are unknown")
                .isLessThan(new BigDecimal("2.00"));
    }

    /**
     * A call served on OpenAI's flex tier is billed at flex rates; degraded by the gateway it goes out with the same
     * {@code service_tier} and is priced at the cheaper model's flex rates ({@code Price} prices the served tier). The
     * replay prices it at the cheaper model's standard rates, twice the flex bill.
     *
     * <pre>
     * gpt-5 flex      1,000 in x $0.625 + 500 out x $5.00 per 1M = $0.003125 (recorded)
     * gpt-5-mini flex 1,000 in x $0.125 + 500 out x $1.00 per 1M = $0.000625 (the gateway's bill after degrading)
     * gpt-5-mini std  1,000 in x $0.25  + 500 out x $2.00 per 1M = $0.00125  (the replay's figure)
     * </pre>
     */
    @Test
    void simulatePolicy_flexCallDegraded_pricesTheCheaperModelAtTheServedTier() throws Exception {
        BigDecimal flex = CATALOG.find("openai", "gpt-5")
                .orElseThrow()
                .quote(CHAT, "flex", null)
                .orElseThrow()
                .cost();
        assertThat(flex).isEqualByComparingTo("0.003125");
        writeUsage(List.of(
                base("2026-10-01T09:00:00Z", "chat", null)
                        .modelRequested("gpt-5")
                        .modelServed("gpt-5-2025-08-07")
                        .serviceTierRequested("flex")
                        .serviceTierServed("flex")
                        .tokens(CHAT)
                        .costUsd(flex)
                        .pricingStatus(UsageRecord.PricingStatus.PRICED)
                        .build(),
                base("2026-10-01T09:10:00Z", "chat", null)
                        .modelRequested("gpt-5")
                        .modelServed("gpt-5-2025-08-07")
                        .serviceTierRequested("flex")
                        .serviceTierServed("flex")
                        .tokens(CHAT)
                        .costUsd(flex)
                        .pricingStatus(UsageRecord.PricingStatus.PRICED)
                        .build()));
        // the first call fits ($0.003125 <= $0.0045), the second does not ($0.00625) and is degraded
        Path policy = policy(budget("0.0045", BudgetPolicy.Mode.DEGRADE));

        CliRun run = replay(policy, "gpt-5>gpt-5-mini", 0);

        assertThat(run.code()).as(run.err()).isZero();
        JsonNode total = json().get("total");
        assertThat(total.get("degraded").asLong()).isEqualTo(1);
        // $0.003125 + $0.000625 = $0.00375 after; saved $0.003125 - $0.000625 = $0.0025
        assertThat(new BigDecimal(total.get("spend_after_usd").asText())).isEqualByComparingTo("0.00375");
        assertThat(new BigDecimal(total.get("degrade_savings_usd").asText())).isEqualByComparingTo("0.0025");
    }

    /**
     * The gateway counts every call that reaches admission against the per-minute breakers, whether the provider then
     * answers or fails it ({@code Admit} checks velocity before forwarding). A session that fails twice and retries
     * within a minute trips a breaker of 2 calls a minute on the third call; the replay only counts billed calls and
     * lets the third through.
     */
    @Test
    void simulatePolicy_failedCallsInTheSameMinute_countTowardTheSessionBreaker() throws Exception {
        List<UsageRecord> records = new ArrayList<>();
        for (String t : List.of("10:00:05", "10:00:10")) {
            records.add(base("2026-10-01T" + t + "Z", "chat", "loop")
                    .modelRequested("gpt-4o")
                    .statusCode(500)
                    .errorType("server_error")
                    .costUsd(null)
                    .pricingStatus(UsageRecord.PricingStatus.NOT_BILLABLE)
                    .usageSource(UsageRecord.UsageSource.NONE)
                    .build());
        }
        records.add(base("2026-10-01T10:00:15Z", "chat", "loop")
                .modelRequested("gpt-4o")
                .modelServed("gpt-4o-2024-08-06")
                .tokens(CHAT)
                .costUsd(CATALOG.find("openai", "gpt-4o").orElseThrow().cost(CHAT))
                .pricingStatus(UsageRecord.PricingStatus.PRICED)
                .build());
        writeUsage(records);
        Path policy = policy(budget("1000", BudgetPolicy.Mode.ALERT));

        CliRun run = replay(policy, null, 2);

        assertThat(run.code()).as(run.err()).isZero();
        // live: 10:00:05 and 10:00:10 use the session's two calls of the minute; 10:00:15 is refused 429
        // velocity_limit
        assertThat(json().get("total").get("blocked").asLong()).isEqualTo(1);
        assertThat(run.out()).contains("breaker:session_calls_per_minute");
    }

    /**
     * A call the provider received and never answered ({@code error_type: upstream_timeout}) is recorded unpriced,
     * and the gateway keeps its reserved worst case as spend ({@code BudgetEnforcer.settle} with no cost). Its output
     * cap alone is 16,384 x $10 per 1M = $0.16 on gpt-4o, so three $0.30 calls after it overrun a $1.00 block budget
     * on the third. The replay drops the timed-out call as "unbilled", counts $0 for it and admits all three.
     */
    @Test
    void simulatePolicy_timedOutCallBeforeOthers_keepsItsWorstCaseOnTheBudget() throws Exception {
        List<UsageRecord> records = new ArrayList<>();
        records.add(base("2026-10-01T09:00:00Z", "chat", null)
                .modelRequested("gpt-4o")
                .maxOutputTokens(16_384L)
                .statusCode(502)
                .errorType("upstream_timeout")
                .costUsd(null)
                .pricingStatus(UsageRecord.PricingStatus.UNPRICED)
                .usageSource(UsageRecord.UsageSource.NONE)
                .build());
        // 40,000 in x $2.50 + 20,000 out x $10 per 1M = $0.30 each
        TokenUsage big = new TokenUsage(40_000, 0, 0, 0, 20_000, 0);
        BigDecimal each = CATALOG.find("openai", "gpt-4o").orElseThrow().cost(big);
        assertThat(each).isEqualByComparingTo("0.30");
        for (String t : List.of("09:10", "09:20", "09:30")) {
            records.add(base("2026-10-01T" + t + ":00Z", "chat", null)
                    .modelRequested("gpt-4o")
                    .modelServed("gpt-4o-2024-08-06")
                    .tokens(big)
                    .costUsd(each)
                    .pricingStatus(UsageRecord.PricingStatus.PRICED)
                    .build());
        }
        writeUsage(records);
        Path policy = policy(budget("1.00", BudgetPolicy.Mode.BLOCK));

        CliRun run = replay(policy, null, 0);

        assertThat(run.code()).as(run.err()).isZero();
        // live: $0.16+ kept for the timed-out call + $0.30 + $0.30 = $0.76+; the 09:30 call would take it past $1.00
        assertThat(json().get("total").get("blocked").asLong()).as(run.out()).isGreaterThanOrEqualTo(1);
    }

    /**
     * The live gateway reserved the worst case of a call at 09:05 that then never settled (the sweeper charged it and
     * wrote its record, {@code reserved_worst_case}): with $0.90 of a $1.00 block budget taken, it refused the $0.30
     * calls at 09:10 and 09:20. The usage-log reader holds worst-case records back to the end of their hour, so the
     * replay sees 09:10, 09:20 and only then 09:05: it admits both later calls and refuses the one that had run.
     */
    @Test
    void simulatePolicy_worstCaseRecordEarlyInTheHour_isReplayedAtItsOwnTime() throws Exception {
        TokenUsage big = new TokenUsage(40_000, 0, 0, 0, 20_000, 0);
        BigDecimal each = CATALOG.find("openai", "gpt-4o").orElseThrow().cost(big);
        List<UsageRecord> records = new ArrayList<>();
        records.add(base("2026-10-01T09:05:00Z", "chat", null)
                .modelRequested("gpt-4o")
                .modelServed("gpt-4o")
                .statusCode(0)
                .costUsd(new BigDecimal("0.90"))
                .pricingStatus(UsageRecord.PricingStatus.PRICED)
                .usageSource(UsageRecord.UsageSource.ESTIMATED)
                .errorType("unsettled")
                .costBasis(UsageRecord.CostBasis.RESERVED_WORST_CASE)
                .build());
        for (String t : List.of("09:10", "09:20")) {
            records.add(base("2026-10-01T" + t + ":00Z", "chat", null)
                    .modelRequested("gpt-4o")
                    .modelServed("gpt-4o-2024-08-06")
                    .tokens(big)
                    .costUsd(each)
                    .pricingStatus(UsageRecord.PricingStatus.PRICED)
                    .build());
        }
        writeUsage(records);
        Path policy = policy(budget("1.00", BudgetPolicy.Mode.BLOCK));

        CliRun run = replay(policy, null, 0);

        assertThat(run.code()).as(run.err()).isZero();
        JsonNode json = json();
        // live: 09:05 admitted ($0.90 spent), 09:10 and 09:20 refused; $0.90 spent under the policy
        assertThat(json.get("total").get("blocked").asLong()).as(run.out()).isEqualTo(2);
        assertThat(new BigDecimal(json.get("total").get("spend_after_usd").asText()))
                .isEqualByComparingTo("0.90");
        assertThat(json.at("/trips/0/at").asText()).isEqualTo("2026-10-01T09:10:00Z");
    }

    /**
     * A provider batch is admitted once, when it is created ({@code BudgetGate.reserveAmount}: its worst case, no
     * degradation), and its results are charged when they come back; a degrade budget cannot move a batch's lines to
     * another model. The replay treats each result line as a live call and reports the second one "degraded" to
     * gpt-4o-mini at standard rates, a saving no budget could have made.
     */
    @Test
    void simulatePolicy_batchResults_areNeverReportedDegraded() throws Exception {
        BigDecimal batchCost = CATALOG.find("openai", "gpt-4o")
                .orElseThrow()
                .quote(CHAT, "batch", null)
                .orElseThrow()
                .cost();
        assertThat(batchCost).isEqualByComparingTo("0.00375");
        List<UsageRecord> records = new ArrayList<>();
        for (String id : List.of("a", "b")) {
            records.add(base("2026-10-01T09:00:00Z", "chat", null)
                    .requestId("batch_1/" + id)
                    .modelRequested("gpt-4o")
                    .modelServed("gpt-4o-2024-08-06")
                    .batchId("batch_1")
                    .serviceTierServed("batch")
                    .tokens(CHAT)
                    .costUsd(batchCost)
                    .pricingStatus(UsageRecord.PricingStatus.PRICED)
                    .build());
        }
        writeUsage(records);
        Path policy = policy(budget("0.005", BudgetPolicy.Mode.DEGRADE));

        CliRun run = replay(policy, "gpt-4o>gpt-4o-mini", 0);

        assertThat(run.code()).as(run.err()).isZero();
        assertThat(json().get("total").get("degraded").asLong()).as(run.out()).isZero();
    }

    private CliRun replay(Path policy, String chains, long sessionPerMinute) {
        List<String> args = new ArrayList<>(List.of(
                "simulate-policy",
                "--from",
                "2026-10-01",
                "--to",
                "2026-11-01",
                "--policy",
                policy.toString(),
                "--session-calls-per-minute",
                Long.toString(sessionPerMinute),
                "--key-calls-per-minute",
                "0",
                "--out",
                dir.resolve("replay.json").toString(),
                "--data-dir",
                dir.toString()));
        args.add("--degrade-chains");
        args.add(chains == null ? "" : chains);
        return CliRun.of(args.toArray(String[]::new));
    }

    private JsonNode json() throws Exception {
        return new ObjectMapper().readTree(Files.readAllBytes(dir.resolve("replay.json")));
    }

    private Path policy(BudgetPolicy p) {
        Path file = dir.resolve("proposed-budgets.json");
        new FileBudgetPolicyStore(file).put(p);
        return file;
    }

    private static BudgetPolicy budget(String limit, BudgetPolicy.Mode mode) {
        return new BudgetPolicy(
                new BudgetScope(ScopeType.FEATURE, "chat"),
                BudgetPeriod.MONTHLY,
                new BigDecimal(limit),
                mode,
                null,
                null,
                null);
    }

    private UsageRecord.Builder base(String at, String feature, String session) {
        Instant t = Instant.parse(at);
        return UsageRecord.builder()
                .requestId("req-" + ids++)
                .tsStart(t)
                .tsEnd(t.plusMillis(800))
                .keyId("key_1")
                .attribution(new Attribution(feature, "support", null, "production", session, null, null))
                .provider("openai")
                .endpoint("chat.completions")
                .statusCode(200)
                .usageSource(UsageRecord.UsageSource.PROVIDER);
    }

    private void writeUsage(List<UsageRecord> records) throws Exception {
        Map<String, ByteArrayOutputStream> byHour = new LinkedHashMap<>();
        for (UsageRecord r : records) {
            byHour.computeIfAbsent(UsageLayout.hourPrefix(r.tsStart()), k -> new ByteArrayOutputStream())
                    .write(UsageRecordCodec.line(r));
        }
        FileSystemObjectStore store = new FileSystemObjectStore(dir);
        for (Map.Entry<String, ByteArrayOutputStream> e : byHour.entrySet()) {
            ByteArrayOutputStream gz = new ByteArrayOutputStream();
            try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
                out.write(e.getValue().toByteArray());
            }
            store.put(e.getKey() + "part-1.ndjson.gz", gz.toByteArray());
        }
    }
}
