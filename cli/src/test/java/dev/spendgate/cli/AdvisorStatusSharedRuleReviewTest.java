package dev.spendgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.usage.UsageLayout;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageRecordCodec;
import dev.spendgate.embedded.FileSystemObjectStore;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Review of {@code advisor status} (session 28, rev28e) when two applied entries name one rule: README "advisor status
 * then measures what each applied finding recovered". {@code advisor apply} appends an entry to {@code applied} every
 * time it runs ({@code GatewayPolicy.withApplied}) while it replaces the rule with the same id or feature; status then
 * credits the rule's whole saving to every entry naming it, so the table adds the same dollars up twice.
 */
class AdvisorStatusSharedRuleReviewTest {
    private static final PricingCatalog CATALOG = PricingCatalog.bundled();
    /** 1M in, 500k out: gpt-4o $7.50, gpt-4o-mini $0.45, claude-sonnet-4-5 $10.50. */
    private static final TokenUsage BIG = new TokenUsage(1_000_000, 0, 0, 0, 500_000, 0);

    @TempDir
    Path dir;

    private int ids;

    /**
     * The finding's quality note advises a first step: {@code advisor apply F --share 10}; a week later the owner
     * applies the same finding to all calls ({@code advisor apply F}). The route keeps its id and is replaced; the
     * policy now lists F as applied twice. One routed call in November saved $7.50 - $0.45 = $7.05; status prints F
     * twice, $7.05 on each line: $14.10 recovered by a fix that saved $7.05.
     */
    @Test
    void status_findingAppliedAtTenPercentThenInFull_countsItsSavingOnce() throws Exception {
        writePolicy("""
                {"format_version": 1,
                 "allowed_moves": {"openai": ["gpt-4o>gpt-4o-mini"]},
                 "routes": [{"id": "advisor-triage-gpt-4o", "from": "gpt-4o", "to": "gpt-4o-mini",
                             "feature": "triage", "max_prompt_tokens": 2000,
                             "finding_id": "model_mismatch/feature:triage/gpt-4o"}],
                 "applied": [{"finding_id": "model_mismatch/feature:triage/gpt-4o", "change": "route",
                              "rule": "advisor-triage-gpt-4o", "applied_by": "alice",
                              "applied_at": "2026-10-01T00:00:00Z", "would_have_saved_usd": "70.5"},
                             {"finding_id": "model_mismatch/feature:triage/gpt-4o", "change": "route",
                              "rule": "advisor-triage-gpt-4o", "applied_by": "alice",
                              "applied_at": "2026-10-08T00:00:00Z", "would_have_saved_usd": "705"}]}
                """);
        BigDecimal mini = CATALOG.find("openai", "gpt-4o-mini").orElseThrow().cost(BIG);
        BigDecimal gpt4o = CATALOG.find("openai", "gpt-4o").orElseThrow().cost(BIG);
        assertThat(gpt4o.subtract(mini)).isEqualByComparingTo("7.05");
        writeUsage(List.of(base("2026-11-02T10:00:00Z", "triage")
                .modelRequested("gpt-4o")
                .modelServed("gpt-4o-mini-2024-07-18")
                .tokens(BIG)
                .costUsd(mini)
                .optimization(new UsageRecord.Optimization("advisor-triage-gpt-4o", null, null, null))
                .build()));

        CliRun run = CliRun.of(
                "advisor", "status", "--from", "2026-11-01", "--to", "2026-12-01", "--data-dir", dir.toString());

        assertThat(run.code()).as(run.err()).isZero();
        assertThat(recoveredInAll(run.out(), "model_mismatch/feature:triage/gpt-4o"))
                .as(run.out())
                .isEqualByComparingTo("7.05");
    }

    /**
     * {@code waste} reports a cache-miss finding per feature and model, and {@code advisor apply} turns each into the
     * feature's cache rule (rule id: the feature). Applying both findings of feature faq (gpt-4o and claude-sonnet-4-5)
     * leaves one rule and two applied entries; one hit saved $7.50. Status credits the $7.50 to both findings: $15.00.
     */
    @Test
    void status_twoCacheFindingsOfOneFeature_countTheHitOnce() throws Exception {
        writePolicy("""
                {"format_version": 1,
                 "cache": [{"feature": "faq", "mode": "exact", "ttl_seconds": 3600,
                            "finding_id": "cache_miss/feature:faq/claude-sonnet-4-5"}],
                 "applied": [{"finding_id": "cache_miss/feature:faq/gpt-4o", "change": "cache", "rule": "faq",
                              "applied_by": "bob", "applied_at": "2026-10-01T00:00:00Z"},
                             {"finding_id": "cache_miss/feature:faq/claude-sonnet-4-5", "change": "cache",
                              "rule": "faq", "applied_by": "bob", "applied_at": "2026-10-01T00:05:00Z"}]}
                """);
        BigDecimal gpt4o = CATALOG.find("openai", "gpt-4o").orElseThrow().cost(BIG);
        writeUsage(List.of(
                base("2026-11-02T10:00:00Z", "faq")
                        .modelRequested("gpt-4o")
                        .modelServed("gpt-4o-2024-08-06")
                        .tokens(BIG)
                        .costUsd(gpt4o)
                        .optimization(new UsageRecord.Optimization(null, "miss", null, null))
                        .build(),
                base("2026-11-02T10:05:00Z", "faq")
                        .modelRequested("gpt-4o")
                        .modelServed("gpt-4o-2024-08-06")
                        .usageSource(UsageRecord.UsageSource.NONE)
                        .costUsd(BigDecimal.ZERO)
                        .optimization(new UsageRecord.Optimization(null, "hit", gpt4o, null))
                        .build()));

        CliRun run = CliRun.of(
                "advisor", "status", "--from", "2026-11-01", "--to", "2026-12-01", "--data-dir", dir.toString());

        assertThat(run.code()).as(run.err()).isZero();
        BigDecimal total = recoveredInAll(run.out(), "cache_miss/feature:faq/gpt-4o")
                .add(recoveredInAll(run.out(), "cache_miss/feature:faq/claude-sonnet-4-5"));
        assertThat(total).as("one hit saved $7.50:\n%s", run.out()).isEqualByComparingTo("7.50");
    }

    /** The sum of the RECOVERED_USD cells of every line of {@code findingId}. */
    private static BigDecimal recoveredInAll(String out, String findingId) {
        List<String> lines = Arrays.stream(out.split("\n"))
                .filter(l -> l.startsWith(findingId + " "))
                .toList();
        assertThat(lines).as("lines for %s in\n%s", findingId, out).isNotEmpty();
        BigDecimal total = BigDecimal.ZERO;
        for (String line : lines) {
            String[] cells = line.trim().split("\\s+");
            total = total.add(new BigDecimal(cells[cells.length - 1]));
        }
        return total;
    }

    private void writePolicy(String json) throws Exception {
        Path file = dir.resolve("policy/gateway-policy.json");
        Files.createDirectories(file.getParent());
        Files.writeString(file, json);
    }

    private UsageRecord.Builder base(String at, String feature) {
        Instant t = Instant.parse(at);
        return UsageRecord.builder()
                .requestId("req-" + ids++)
                .tsStart(t)
                .tsEnd(t.plusMillis(800))
                .keyId("key_1")
                .attribution(new Attribution(feature, "support", null, "production", null, null, null))
                .provider("openai")
                .endpoint("chat.completions")
                .statusCode(200)
                .pricingStatus(UsageRecord.PricingStatus.PRICED)
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
