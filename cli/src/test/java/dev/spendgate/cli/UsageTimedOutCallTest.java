package dev.spendgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.usage.UsageLogWriter;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageRecord.PricingStatus;
import dev.spendgate.domain.usage.UsageRecord.UsageSource;
import dev.spendgate.embedded.FileSystemObjectStore;
import dev.spendgate.embedded.FileSystemUsageSpool;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Since a call sent whole that got no answer is recorded {@code unpriced} (upstream_timeout, upstream_no_answer), an
 * unpriced record no longer means a model the catalog lacks. {@code usage} must not tell the operator that gpt-4o is
 * missing from the catalog and should be added with SPENDGATE_PRICING_OVERRIDES.
 */
class UsageTimedOutCallTest {
    @TempDir
    Path dir;

    @Test
    void usage_timedOutCallOnACatalogModel_notReportedAsAModelMissingFromTheCatalog() throws Exception {
        Instant t = Instant.parse("2026-10-05T10:00:00Z");
        try (UsageLogWriter writer = UsageLogWriter.create(
                new FileSystemObjectStore(dir),
                new FileSystemUsageSpool(dir.resolve("spool")),
                Clock.systemUTC(),
                100)) {
            writer.append(base("a", t)
                    .statusCode(200)
                    .tokens(TokenUsage.openAi(100, 0, 10, 0))
                    .costUsd(new BigDecimal("0.00035"))
                    .pricingStatus(PricingStatus.PRICED)
                    .usageSource(UsageSource.PROVIDER)
                    .build());
            // what Relay records for a call the provider received and did not answer within the timeout
            writer.append(base("b", t.plusSeconds(60))
                    .statusCode(502)
                    .errorType("upstream_timeout")
                    .pricingStatus(PricingStatus.UNPRICED)
                    .build());
        }

        CliRun r = CliRun.of("usage", "--from", "2026-10-01", "--to", "2026-11-01", "--data-dir", dir.toString());

        assertThat(r.code()).isZero();
        assertThat(r.out()).doesNotContain("missing from the pricing catalog");
        assertThat(r.out()).doesNotContain("SPENDGATE_PRICING_OVERRIDES");
    }

    private static UsageRecord.Builder base(String id, Instant t) {
        return UsageRecord.builder()
                .requestId(id)
                .tsStart(t)
                .tsEnd(t.plusMillis(300))
                .keyId("key_1")
                .attribution(new Attribution("chatbot", "eng", null, "prod", null, null, null))
                .provider("openai")
                .endpoint("chat.completions")
                .modelRequested("gpt-4o");
    }
}
