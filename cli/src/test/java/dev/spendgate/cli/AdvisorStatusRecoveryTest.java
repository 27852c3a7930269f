package dev.spendgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.routing.GatewayPolicy;
import dev.spendgate.domain.simulate.GatewayPolicyReplay;
import dev.spendgate.domain.usage.UsageLayout;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageRecordCodec;
import dev.spendgate.embedded.FileSystemObjectStore;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code advisor status}: the dollars finance reads as recovered by an applied fix must be what the fix saved, not the
 * provider's tier discount or a saving counted twice.
 */
class AdvisorStatusRecoveryTest {
    private static final PricingCatalog CATALOG = PricingCatalog.bundled();
    /** 1M in, 500k out: large enough for the two-decimal table. */
    private static final TokenUsage BIG = new TokenUsage(1_000_000, 0, 0, 0, 500_000, 0);

    @TempDir
    Path dir;

    private int ids;

    /**
     * A flex call routed from gpt-5 to gpt-5-mini is billed at gpt-5-mini's flex rates; without the rule it would have
     * been billed at gpt-5's flex rates. Status prices the counterfactual at gpt-5's standard rates, so the flex
     * discount the customer had anyway is reported as recovered by the routing rule.
     *
     * <pre>
     * gpt-5 flex      1M x $0.625 + 0.5M x $5.00 = $3.125 (without the rule)
     * gpt-5-mini flex 1M x $0.125 + 0.5M x $1.00 = $0.625 (paid)          recovered $2.50
     * gpt-5 standard  1M x $1.25  + 0.5M x $10.0 = $6.25  (status's counterfactual: "recovered" $5.63)
     * </pre>
     */
    @Test
    void status_flexCallRouted_recoversOnlyWhatTheModelMoveSaved() throws Exception {
        writePolicy("""
                {"format_version": 1,
                 "allowed_moves": {"openai": ["gpt-5>gpt-5-mini"]},
                 "routes": [{"id": "extract-mini", "from": "gpt-5", "to": "gpt-5-mini", "feature": "extract",
                             "finding_id": "model_mismatch/x"}],
                 "applied": [{"finding_id": "model_mismatch/x", "change": "route", "rule": "extract-mini",
                              "applied_by": "alice", "applied_at": "2026-10-01T00:00:00Z"}]}
                """);
        BigDecimal paid = CATALOG.find("openai", "gpt-5-mini")
                .orElseThrow()
                .quote(BIG, "flex", null)
                .orElseThrow()
                .cost();
        assertThat(paid).isEqualByComparingTo("0.625");
        writeUsage(List.of(base("2026-11-02T10:00:00Z", "extract")
                .modelRequested("gpt-5")
                .modelServed("gpt-5-mini-2025-08-07")
                .serviceTierRequested("flex")
                .serviceTierServed("flex")
                .tokens(BIG)
                .costUsd(paid)
                .optimization(new UsageRecord.Optimization("extract-mini", null, null, null))
                .build()));

        CliRun run = CliRun.of(
                "advisor", "status", "--from", "2026-11-01", "--to", "2026-12-01", "--data-dir", dir.toString());

        assertThat(run.code()).as(run.err()).isZero();
        assertThat(recovered(run.out(), "model_mismatch/x")).isEqualByComparingTo("2.50");
    }

    /**
     * A month recorded through {@code simulate --through-gateway-policy} under a routing rule and an exact cache on
     * the same feature: the repeat of a routed call is a cache hit. The simulator writes the hit with the call's
     * tokens (the gateway records a hit with none, {@code usage_source: none}), so status counts the hit once under
     * the route (gpt-4o price of its tokens minus $0) and again under the cache ({@code saved_usd}).
     *
     * <pre>
     * two identical calls, 1M in, 500k out; gpt-4o $7.50 each, gpt-4o-mini $0.45
     * recorded under the policy: routed miss $0.45, routed hit $0 (saved $0.45)
     * recovered in all: $15.00 - $0.45 = $14.55; status: route $7.05 + $7.50, cache $0.45 = $15.00
     * </pre>
     */
    @Test
    void status_routedCacheHitAsTheSimulatorRecordsIt_countsTheSavingOnce() throws Exception {
        String policy = """
                {"format_version": 1,
                 "allowed_moves": {"openai": ["gpt-4o>gpt-4o-mini"]},
                 "routes": [{"id": "faq-mini", "from": "gpt-4o", "to": "gpt-4o-mini", "feature": "faq",
                             "finding_id": "model_mismatch/faq"}],
                 "cache": [{"feature": "faq", "mode": "exact", "ttl_seconds": 3600, "finding_id": "cache_miss/faq"}],
                 "applied": [{"finding_id": "model_mismatch/faq", "change": "route", "rule": "faq-mini",
                              "applied_by": "alice", "applied_at": "2026-10-01T00:00:00Z"},
                             {"finding_id": "cache_miss/faq", "change": "cache", "rule": "faq",
                              "applied_by": "bob", "applied_at": "2026-10-01T00:00:00Z"}]}
                """;
        writePolicy(policy);
        GatewayPolicyReplay served =
                GatewayPolicyReplay.create(CATALOG, GatewayPolicy.parse(policy.getBytes(StandardCharsets.UTF_8)));
        BigDecimal gpt4o = CATALOG.find("openai", "gpt-4o").orElseThrow().cost(BIG);
        assertThat(gpt4o).isEqualByComparingTo("7.5");
        List<UsageRecord> records = new ArrayList<>();
        for (String at : List.of("2026-11-02T10:00:00Z", "2026-11-02T10:05:00Z")) {
            records.add(served.apply(base(at, "faq")
                    .modelRequested("gpt-4o")
                    .modelServed("gpt-4o-2024-08-06")
                    .tokens(BIG)
                    .costUsd(gpt4o)
                    .fingerprints(new UsageRecord.Fingerprints("sys", "prefix", "same-request", "0f0f0f0f0f0f0f0f"))
                    .build()));
        }
        assertThat(records.get(1).optimization().cache()).isEqualTo("hit");
        BigDecimal before = gpt4o.add(gpt4o);
        BigDecimal after = records.get(0).costUsd().add(records.get(1).costUsd());
        assertThat(before.subtract(after)).isEqualByComparingTo("14.55");
        writeUsage(records);

        CliRun run = CliRun.of(
                "advisor", "status", "--from", "2026-11-01", "--to", "2026-12-01", "--data-dir", dir.toString());

        assertThat(run.code()).as(run.err()).isZero();
        BigDecimal total = recovered(run.out(), "model_mismatch/faq").add(recovered(run.out(), "cache_miss/faq"));
        assertThat(total).as(run.out()).isEqualByComparingTo("14.55");
    }

    private static BigDecimal recovered(String out, String findingId) {
        String line = Arrays.stream(out.split("\n"))
                .filter(l -> l.startsWith(findingId + " "))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no line for " + findingId + " in\n" + out));
        String[] cells = line.trim().split("\\s+");
        return new BigDecimal(cells[cells.length - 1]);
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
