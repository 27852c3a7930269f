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
 * Session 21 review (policy simulator): a degraded call's cost on the cheaper model when its cached prefix is shorter
 * than that model's minimum cacheable prompt.
 */
class SimulatePolicyCacheMinimumReviewTest {
    private static final PricingCatalog CATALOG = PricingCatalog.bundled();
    /** 1,900 input of which 1,800 read from Opus 4.1's prompt cache (minimum 1,024), 20 output. */
    private static final TokenUsage CACHED = new TokenUsage(1900, 1800, 0, 0, 20, 0);

    @TempDir
    Path dir;

    /**
     * Two invoice-extract calls on claude-opus-4-1 ($0.0057 each), a degrade budget of $0.008 a month and the chain
     * claude-opus-4-1>claude-haiku-4-5. The second call is degraded. Haiku 4.5 caches no prompt shorter than 4,096
     * tokens (prompt-cache-minimums.csv, Anthropic's documentation), so on it the 1,800-token prefix is plain input:
     * 1,900 x $1 + 20 x $5 per million = $0.002, and the month's spend after is $0.0077, as the advisor's replay
     * (GatewayPolicyReplay, README "From finding to fix") prices a move to a model with a higher cache minimum.
     */
    @Test
    void simulatePolicy_degradeToAModelWithAHigherCacheMinimum_billsThePrefixAsPlainInput() throws Exception {
        BigDecimal opus =
                CATALOG.find("anthropic", "claude-opus-4-1").orElseThrow().cost(CACHED);
        assertThat(opus).isEqualByComparingTo("0.0057");
        List<UsageRecord> records = new ArrayList<>();
        int i = 0;
        for (String at : List.of("2026-10-01T09:00:00Z", "2026-10-01T09:10:00Z")) {
            Instant t = Instant.parse(at);
            records.add(UsageRecord.builder()
                    .requestId("req-" + i++)
                    .tsStart(t)
                    .tsEnd(t.plusMillis(800))
                    .keyId("key_1")
                    .attribution(new Attribution("invoice-extract", "finance", null, "production", null, null, null))
                    .provider("anthropic")
                    .endpoint("messages")
                    .statusCode(200)
                    .modelRequested("claude-opus-4-1")
                    .modelServed("claude-opus-4-1")
                    .tokens(CACHED)
                    .costUsd(opus)
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
                        new BudgetScope(ScopeType.FEATURE, "invoice-extract"),
                        BudgetPeriod.MONTHLY,
                        new BigDecimal("0.008"),
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
                "claude-opus-4-1>claude-haiku-4-5",
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
        assertThat(total.get("degraded").asLong()).as(run.out()).isEqualTo(1);
        assertThat(new BigDecimal(total.get("spend_after_usd").asText()))
                .as(run.out())
                .isEqualByComparingTo("0.0077");
    }
}
