package dev.spendgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.budget.BudgetPeriod;
import dev.spendgate.domain.budget.BudgetPolicy;
import dev.spendgate.domain.budget.BudgetScope;
import dev.spendgate.domain.budget.ScopeType;
import dev.spendgate.domain.pricing.ModelPrice;
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

class SimulatePolicyCommandTest {
    private static final PricingCatalog CATALOG = PricingCatalog.bundled();
    private static final ModelPrice GPT_4O = CATALOG.find("openai", "gpt-4o").orElseThrow();
    private static final ModelPrice MINI = CATALOG.find("openai", "gpt-4o-mini").orElseThrow();
    /** 1,000 in, 500 out: $0.0025 + $0.005 = $0.0075 on gpt-4o; $0.00015 + $0.0003 = $0.00045 on gpt-4o-mini. */
    private static final TokenUsage CHAT = new TokenUsage(1000, 0, 0, 0, 500, 0);
    /** 2,000 in, 100 out on gpt-4o-mini: $0.0003 + $0.00006 = $0.00036. */
    private static final TokenUsage SEARCH = new TokenUsage(2000, 0, 0, 0, 100, 0);

    @TempDir
    Path dir;

    private int ids;

    /**
     * The hand-computed replay. Policies: feature:chat monthly $0.02 degrade (chain gpt-4o>gpt-4o-mini),
     * department:engineering daily $0.001 block, department:support monthly $0.01 alert; session breaker 2 a minute.
     *
     * <pre>
     * chat (support, gpt-4o, $0.0075 each; spent under the policy after each call)
     *   c1 09:00  0.0075 <= 0.02 allowed                  spent 0.0075
     *   c2 09:10  0.0150 <= 0.02 allowed                  spent 0.0150   support reaches $0.01: "reached" 09:10
     *   c3 09:20  0.0225 >  0.02 degraded, +0.00045        spent 0.01545  feature:chat first degrades 09:20
     *   c4 09:30  degraded                                 spent 0.0159
     *   c5 09:40  degraded                                 spent 0.01635
     *   c6 10:00:05 session burst, 1st in its minute: degraded  spent 0.0168
     *   c7 10:00:10 2nd: degraded                          spent 0.01725
     *   c8 10:00:15 3rd: the breaker blocks it (nothing spent)
     *   before 8 x 0.0075 = 0.06; after 2 x 0.0075 + 5 x 0.00045 = 0.01725; saved by degrading 5 x 0.00705 = 0.03525
     * search (engineering, gpt-4o-mini, $0.00036 each, daily $0.001)
     *   e1 Oct 1 11:00 0.00036, e2 12:00 0.00072, e3 13:00 0.00108 > 0.001 blocked, e4 Oct 2 08:00 new day: allowed
     *   before 4 x 0.00036 = 0.00144; after 3 x 0.00036 = 0.00108
     * total before 0.06144, after 0.01833
     * </pre>
     */
    @Test
    void simulatePolicy_fixedCalls_matchesTheHandComputedReplayExactly() throws Exception {
        List<UsageRecord> records = new ArrayList<>();
        for (String t : List.of("09:00", "09:10", "09:20", "09:30", "09:40")) {
            records.add(chat("2026-10-01T" + t + ":00Z", "s-" + t));
        }
        for (String t : List.of("10:00:05", "10:00:10", "10:00:15")) {
            records.add(chat("2026-10-01T" + t + "Z", "burst"));
        }
        for (String t : List.of(
                "2026-10-01T11:00:00Z", "2026-10-01T12:00:00Z", "2026-10-01T13:00:00Z", "2026-10-02T08:00:00Z")) {
            records.add(search(t));
        }
        writeUsage(records);
        Path policy = dir.resolve("proposed-budgets.json");
        FileBudgetPolicyStore store = new FileBudgetPolicyStore(policy);
        store.put(budget(ScopeType.FEATURE, "chat", BudgetPeriod.MONTHLY, "0.02", BudgetPolicy.Mode.DEGRADE));
        store.put(budget(ScopeType.DEPARTMENT, "engineering", BudgetPeriod.DAILY, "0.001", BudgetPolicy.Mode.BLOCK));
        store.put(budget(ScopeType.DEPARTMENT, "support", BudgetPeriod.MONTHLY, "0.01", BudgetPolicy.Mode.ALERT));
        Path out = dir.resolve("replay.json");

        CliRun run = CliRun.of(
                "simulate-policy",
                "--from",
                "2026-10-01",
                "--to",
                "2026-11-01",
                "--policy",
                policy.toString(),
                "--degrade-chains",
                "gpt-4o>gpt-4o-mini",
                "--session-calls-per-minute",
                "2",
                "--out",
                out.toString(),
                "--data-dir",
                dir.toString());

        assertThat(run.code()).as(run.err()).isZero();
        JsonNode json = new ObjectMapper().readTree(Files.readAllBytes(out));
        assertLine(json.get("total"), "(all)", 12, "0.06144", "0.01833", 2, 5, "0.03525");
        assertLine(json.at("/features/0"), "chat", 8, "0.06", "0.01725", 1, 5, "0.03525");
        assertLine(json.at("/features/1"), "search", 4, "0.00144", "0.00108", 1, 0, "0");
        assertLine(json.at("/departments/0"), "engineering", 4, "0.00144", "0.00108", 1, 0, "0");
        assertLine(json.at("/departments/1"), "support", 8, "0.06", "0.01725", 1, 5, "0.03525");
        List<String> trips = new ArrayList<>();
        for (JsonNode t : json.get("trips")) {
            trips.add(t.get("at").asText() + " " + t.get("policy").asText() + " "
                    + t.get("scope_value").asText() + " " + t.get("effect").asText() + " "
                    + t.get("calls").asInt());
        }
        assertThat(trips)
                .containsExactly(
                        "2026-10-01T09:10:00Z department:support/monthly support reached 1",
                        "2026-10-01T09:20:00Z feature:chat/monthly chat degraded 5",
                        "2026-10-01T10:00:15Z breaker:session_calls_per_minute burst blocked 1",
                        "2026-10-01T13:00:00Z department:engineering/daily engineering blocked 1");
        assertThat(run.out())
                .contains("Replayed 12 billed calls")
                .contains("Spend $0.06 recorded, $0.02 under the policy: 2 calls blocked, 5 degraded");

        // deterministic: a second replay writes the same figures
        Path again = dir.resolve("again.json");
        CliRun second = CliRun.of(
                "simulate-policy",
                "--from",
                "2026-10-01",
                "--to",
                "2026-11-01",
                "--policy",
                policy.toString(),
                "--degrade-chains",
                "gpt-4o>gpt-4o-mini",
                "--session-calls-per-minute",
                "2",
                "--out",
                again.toString(),
                "--data-dir",
                dir.toString());
        assertThat(second.code()).isZero();
        assertThat(Files.readString(again)).isEqualTo(Files.readString(out));
    }

    @Test
    void simulatePolicy_policyFileMissingOrBadChains_failsNamingTheOption() {
        CliRun missing = CliRun.of(
                "simulate-policy",
                "--from",
                "2026-10-01",
                "--to",
                "2026-11-01",
                "--policy",
                dir.resolve("nope.json").toString(),
                "--data-dir",
                dir.toString());
        assertThat(missing.code()).isNotZero();
        assertThat(missing.err()).contains("--policy");

        CliRun chains = CliRun.of(
                "simulate-policy",
                "--from",
                "2026-10-01",
                "--to",
                "2026-11-01",
                "--policy",
                dir.resolve("nope.json").toString(),
                "--degrade-chains",
                "gpt-4o",
                "--data-dir",
                dir.toString());
        assertThat(chains.code()).isNotZero();
    }

    private static void assertLine(
            JsonNode line,
            String name,
            long calls,
            String before,
            String after,
            long blocked,
            long degraded,
            String saved) {
        assertThat(line.get("name").asText()).isEqualTo(name);
        assertThat(line.get("calls").asLong()).as(name + " calls").isEqualTo(calls);
        assertThat(new BigDecimal(line.get("spend_before_usd").asText()))
                .as(name + " before")
                .isEqualByComparingTo(before);
        assertThat(new BigDecimal(line.get("spend_after_usd").asText()))
                .as(name + " after")
                .isEqualByComparingTo(after);
        assertThat(line.get("blocked").asLong()).as(name + " blocked").isEqualTo(blocked);
        assertThat(line.get("degraded").asLong()).as(name + " degraded").isEqualTo(degraded);
        assertThat(new BigDecimal(line.get("degrade_savings_usd").asText()))
                .as(name + " saved")
                .isEqualByComparingTo(saved);
    }

    private static BudgetPolicy budget(
            ScopeType type, String value, BudgetPeriod period, String limit, BudgetPolicy.Mode mode) {
        return new BudgetPolicy(new BudgetScope(type, value), period, new BigDecimal(limit), mode, null, null, null);
    }

    private UsageRecord chat(String at, String session) {
        // served as a dated snapshot, as providers report it: the chain still applies to the model asked for
        return record(at, "chat", "support", session, "gpt-4o", "gpt-4o-2024-08-06", CHAT, GPT_4O);
    }

    private UsageRecord search(String at) {
        return record(at, "search", "engineering", null, "gpt-4o-mini", "gpt-4o-mini", SEARCH, MINI);
    }

    private UsageRecord record(
            String at,
            String feature,
            String department,
            String session,
            String model,
            String served,
            TokenUsage tokens,
            ModelPrice price) {
        Instant t = Instant.parse(at);
        return UsageRecord.builder()
                .requestId("req-" + ids++)
                .tsStart(t)
                .tsEnd(t.plusMillis(800))
                .keyId("key_1")
                .attribution(new Attribution(feature, department, null, "production", session, null, null))
                .provider("openai")
                .endpoint("chat.completions")
                .modelRequested(model)
                .modelServed(served)
                .statusCode(200)
                .tokens(tokens)
                .costUsd(price.cost(tokens))
                .pricingStatus(UsageRecord.PricingStatus.PRICED)
                .usageSource(UsageRecord.UsageSource.PROVIDER)
                .build();
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
