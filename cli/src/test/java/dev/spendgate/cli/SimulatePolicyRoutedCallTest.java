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
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code simulate-policy} over calls a gateway routing rule moved. README: "A degrade budget acts after routing, from
 * the routed model", so the degradation chain that applies to such a call is the routed model's.
 */
class SimulatePolicyRoutedCallTest {
    private static final PricingCatalog CATALOG = PricingCatalog.bundled();
    /** 1,000 in, 500 out. */
    private static final TokenUsage CHAT = new TokenUsage(1000, 0, 0, 0, 500, 0);

    @TempDir
    Path dir;

    /**
     * Two ticket-triage calls asked gpt-4o, routed by rule triage-mini to gpt-4o-mini ($0.00045 each). Degrade budget
     * $0.0008 a month, chain {@code gpt-4o-mini>gpt-4.1-nano}. At the gateway the first call fits; the second does
     * not on gpt-4o-mini ($0.0009 > $0.0008) and is degraded from the routed model to gpt-4.1-nano ($0.0003; $0.00075
     * in all). The replay decides on the model the client asked for, gpt-4o, which has no chain, and reports the
     * second call blocked.
     */
    @Test
    void simulatePolicy_routedCallUnderDegradeBudget_degradesFromTheRoutedModelAsTheGateway() throws Exception {
        BigDecimal mini = CATALOG.find("openai", "gpt-4o-mini").orElseThrow().cost(CHAT);
        BigDecimal nano = CATALOG.find("openai", "gpt-4.1-nano").orElseThrow().cost(CHAT);
        assertThat(mini).isEqualByComparingTo("0.00045");
        assertThat(nano).isEqualByComparingTo("0.0003");
        List<UsageRecord> records = new ArrayList<>();
        int i = 0;
        for (String at : List.of("2026-10-01T09:00:00Z", "2026-10-01T09:10:00Z")) {
            Instant t = Instant.parse(at);
            records.add(UsageRecord.builder()
                    .requestId("req-" + i++)
                    .tsStart(t)
                    .tsEnd(t.plusMillis(800))
                    .keyId("key_1")
                    .attribution(new Attribution("ticket-triage", "support", null, "production", null, null, null))
                    .provider("openai")
                    .endpoint("chat.completions")
                    .statusCode(200)
                    .modelRequested("gpt-4o")
                    .modelServed("gpt-4o-mini-2024-07-18")
                    .optimization(new UsageRecord.Optimization("triage-mini", null, null, null))
                    .tokens(CHAT)
                    .costUsd(mini)
                    .pricingStatus(UsageRecord.PricingStatus.PRICED)
                    .usageSource(UsageRecord.UsageSource.PROVIDER)
                    .build());
        }
        ByteArrayOutputStream lines = new ByteArrayOutputStream();
        for (UsageRecord r : records) {
            lines.write(UsageRecordCodec.line(r));
        }
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            out.write(lines.toByteArray());
        }
        new FileSystemObjectStore(dir)
                .put(UsageLayout.hourPrefix(records.get(0).tsStart()) + "part-1.ndjson.gz", gz.toByteArray());
        Path policy = dir.resolve("proposed-budgets.json");
        new FileBudgetPolicyStore(policy)
                .put(new BudgetPolicy(
                        new BudgetScope(ScopeType.FEATURE, "ticket-triage"),
                        BudgetPeriod.MONTHLY,
                        new BigDecimal("0.0008"),
                        BudgetPolicy.Mode.DEGRADE,
                        null,
                        null,
                        null));

        CliRun run = CliRun.of(
                "simulate-policy",
                "--from",
                "2026-10-01",
                "--to",
                "2026-11-01",
                "--policy",
                policy.toString(),
                "--degrade-chains",
                "gpt-4o-mini>gpt-4.1-nano",
                "--session-calls-per-minute",
                "0",
                "--key-calls-per-minute",
                "0",
                "--out",
                dir.resolve("replay.json").toString(),
                "--data-dir",
                dir.toString());

        assertThat(run.code()).as(run.err()).isZero();
        JsonNode total = new ObjectMapper()
                .readTree(Files.readAllBytes(dir.resolve("replay.json")))
                .get("total");
        assertThat(total.get("blocked").asLong()).as(run.out()).isZero();
        assertThat(total.get("degraded").asLong()).as(run.out()).isEqualTo(1);
        assertThat(new BigDecimal(total.get("spend_after_usd").asText())).isEqualByComparingTo("0.00075");
    }
}
