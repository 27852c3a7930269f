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
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code advisor status} measures a route's recovery as "routed calls at the model asked (at the tier served ...)
 * minus what they cost" (README, "From finding to fix"). A rule's {@code from_aliases} takes calls pinned to other
 * names; when such a name has its own price, the call's counterfactual is that name's price, not the rule's
 * {@code from}.
 */
class AdvisorStatusAliasTest {
    private static final PricingCatalog CATALOG = PricingCatalog.bundled();
    private static final TokenUsage BIG = new TokenUsage(1_000_000, 0, 0, 0, 500_000, 0);

    @TempDir
    Path dir;

    /**
     * A call pinned to {@code gpt-4o-2024-05-13} (README, Pricing: "$5 / $15, twice gpt-4o's input rate") routed to
     * gpt-4o-mini by a rule from gpt-4o that lists the snapshot in {@code from_aliases}.
     *
     * <pre>
     * gpt-4o-2024-05-13  1M x $5.00 + 0.5M x $15.00 = $12.50 (what the client asked for would have cost)
     * gpt-4o-mini        1M x $0.15 + 0.5M x $0.60  = $0.45  (paid)            recovered $12.05
     * status prices the counterfactual at gpt-4o:  $2.50 + $5.00 = $7.50       "recovered" $7.05
     * </pre>
     */
    @Test
    void status_callRoutedThroughAnAlias_recoversAtThePriceOfTheModelAsked() throws Exception {
        Path policy = dir.resolve("policy/gateway-policy.json");
        Files.createDirectories(policy.getParent());
        Files.writeString(policy, """
                {"format_version": 1,
                 "allowed_moves": {"openai": ["gpt-4o>gpt-4o-mini"]},
                 "routes": [{"id": "faq-mini", "from": "gpt-4o", "to": "gpt-4o-mini", "feature": "faq",
                             "from_aliases": ["gpt-4o-2024-05-13"], "finding_id": "model_mismatch/faq"}],
                 "applied": [{"finding_id": "model_mismatch/faq", "change": "route", "rule": "faq-mini",
                              "applied_by": "alice", "applied_at": "2026-10-01T00:00:00Z"}]}
                """);
        assertThat(CATALOG.find("openai", "gpt-4o-2024-05-13").orElseThrow().cost(BIG))
                .isEqualByComparingTo("12.50");
        BigDecimal paid = CATALOG.find("openai", "gpt-4o-mini").orElseThrow().cost(BIG);
        assertThat(paid).isEqualByComparingTo("0.45");
        Instant t = Instant.parse("2026-11-02T10:00:00Z");
        UsageRecord routed = UsageRecord.builder()
                .requestId("req-1")
                .tsStart(t)
                .tsEnd(t.plusMillis(800))
                .keyId("key_1")
                .attribution(new Attribution("faq", "support", null, "production", null, null, null))
                .provider("openai")
                .endpoint("chat.completions")
                .modelRequested("gpt-4o-2024-05-13")
                .modelServed("gpt-4o-mini-2024-07-18")
                .statusCode(200)
                .tokens(BIG)
                .costUsd(paid)
                .pricingStatus(UsageRecord.PricingStatus.PRICED)
                .usageSource(UsageRecord.UsageSource.PROVIDER)
                .optimization(new UsageRecord.Optimization("faq-mini", null, null, null))
                .build();
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            out.write(UsageRecordCodec.line(routed));
        }
        new FileSystemObjectStore(dir).put(UsageLayout.hourPrefix(t) + "part-1.ndjson.gz", gz.toByteArray());

        CliRun run = CliRun.of(
                "advisor", "status", "--from", "2026-11-01", "--to", "2026-12-01", "--data-dir", dir.toString());

        assertThat(run.code()).as(run.err()).isZero();
        String line = Arrays.stream(run.out().split("\n"))
                .filter(l -> l.startsWith("model_mismatch/faq "))
                .findFirst()
                .orElseThrow(() -> new AssertionError(run.out()));
        String[] cells = line.trim().split("\\s+");
        assertThat(new BigDecimal(cells[cells.length - 1])).as(run.out()).isEqualByComparingTo("12.05");
    }
}
