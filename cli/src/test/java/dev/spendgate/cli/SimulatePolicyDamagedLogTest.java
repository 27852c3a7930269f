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
import java.util.Arrays;
import java.util.Iterator;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code simulate-policy --out} is the file a budget owner keeps and scripts against. When part of the log cannot be
 * read (a truncated gzip object: every record after the cut is lost), the replay's figures are short by an unknown
 * amount; the console line says "1 unreadable records skipped" but the JSON says nothing, so the saved result reads as
 * a complete replay.
 */
class SimulatePolicyDamagedLogTest {
    private static final TokenUsage CHAT = new TokenUsage(1000, 0, 0, 0, 500, 0);

    @TempDir
    Path dir;

    @Test
    void simulatePolicy_truncatedLogObject_saysSoInTheResultJson() throws Exception {
        BigDecimal cost =
                PricingCatalog.bundled().find("openai", "gpt-4o").orElseThrow().cost(CHAT);
        ByteArrayOutputStream lines = new ByteArrayOutputStream();
        Instant t0 = Instant.parse("2026-10-01T09:00:00Z");
        for (int i = 0; i < 2000; i++) {
            Instant t = t0.plusSeconds(i);
            lines.write(UsageRecordCodec.line(UsageRecord.builder()
                    .requestId("req-" + i + "-" + "x".repeat(40) + Integer.toHexString(i * 7919))
                    .tsStart(t)
                    .tsEnd(t.plusMillis(800))
                    .keyId("key_" + i)
                    .attribution(new Attribution("chat", "support", null, "production", "s-" + i, null, null))
                    .provider("openai")
                    .endpoint("chat.completions")
                    .modelRequested("gpt-4o")
                    .modelServed("gpt-4o-2024-08-06")
                    .statusCode(200)
                    .tokens(CHAT)
                    .costUsd(cost)
                    .pricingStatus(UsageRecord.PricingStatus.PRICED)
                    .usageSource(UsageRecord.UsageSource.PROVIDER)
                    .build()));
        }
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            out.write(lines.toByteArray());
        }
        byte[] whole = gz.toByteArray();
        // the object cut at a third: the records after the cut are lost
        new FileSystemObjectStore(dir)
                .put(UsageLayout.hourPrefix(t0) + "part-1.ndjson.gz", Arrays.copyOf(whole, whole.length / 3));
        Path policy = dir.resolve("proposed-budgets.json");
        new FileBudgetPolicyStore(policy)
                .put(new BudgetPolicy(
                        new BudgetScope(ScopeType.FEATURE, "chat"),
                        BudgetPeriod.MONTHLY,
                        new BigDecimal("1000"),
                        BudgetPolicy.Mode.BLOCK,
                        null,
                        null,
                        null));
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
                "",
                "--out",
                out.toString(),
                "--data-dir",
                dir.toString());

        assertThat(run.code()).as(run.err()).isZero();
        JsonNode json = new ObjectMapper().readTree(Files.readAllBytes(out));
        assertThat(json.get("total").get("calls").asLong())
                .as("the cut object gave only part of its calls")
                .isLessThan(2000);
        boolean saysDamaged = false;
        for (Iterator<String> names = json.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (name.matches("(?i).*(unreadable|damaged|malformed|skipped|warning|data_quality).*")
                    && !json.get(name).asText().equals("0")) {
                saysDamaged = true;
            }
        }
        assertThat(saysDamaged)
                .as("replay.json names the unreadable part of the log: "
                        + json.toString().substring(0, 300))
                .isTrue();
    }
}
