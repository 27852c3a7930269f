package dev.spendgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.usage.UsageLayout;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageRecordCodec;
import dev.spendgate.embedded.FileSystemObjectStore;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Instant;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Calls the gateway could not price (a Responses call that ran code interpreter, audio input, a model the catalog
 * lacks) have no cost: they are in no finding and their spend is in no figure of {@code waste}. Finance reading
 * "Recoverable: $X per month (Y % of the window's spend)" must be told that part of the traffic was not priced, as
 * {@code usage} (UNPRICED column) and the monthly report's data-quality line tell it, and as {@code waste} already
 * says of quarantined records ("Left out: ...").
 */
class WasteUnpricedCallsReviewTest {
    @TempDir
    Path dir;

    @Test
    void waste_windowWithUnpricedCalls_saysTheyAreInNoFigure() throws Exception {
        Instant at = Instant.parse("2026-10-14T10:00:00Z");
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            UsageRecordCodec.write(record("req-priced", at, new BigDecimal("0.005")), out);
            for (int i = 0; i < 9; i++) {
                UsageRecordCodec.write(record("req-unpriced-" + i, at.plusSeconds(60L * (i + 1)), null), out);
            }
        }
        new FileSystemObjectStore(dir).put(UsageLayout.hourPrefix(at) + "a.ndjson.gz", gz.toByteArray());

        CliRun waste = CliRun.of("waste", "--from", "2026-10-01", "--to", "2026-11-01", "--data-dir", dir.toString());

        assertThat(waste.code()).as(waste.err()).isZero();
        // 9 of the 10 calls have no price: their spend is unknown, not $0
        assertThat(waste.out()).as(waste.out()).contains("10 calls, $0.01 spent");
        assertThat(waste.out().toLowerCase(java.util.Locale.ROOT))
                .as(waste.out())
                .contains("unpriced");
    }

    private static UsageRecord record(String id, Instant start, BigDecimal cost) {
        return UsageRecord.builder()
                .requestId(id)
                .tsStart(start)
                .tsEnd(start.plusMillis(420))
                .keyId("key_1")
                .attribution(new Attribution("chat", "engineering", null, "prod", null, null, null))
                .provider("openai")
                .endpoint("responses")
                .modelRequested("gpt-4o")
                .modelServed("gpt-4o-2024-08-06")
                .statusCode(200)
                .tokens(TokenUsage.openAi(1200, 0, 200, 0))
                .costUsd(cost)
                .pricingStatus(cost == null ? UsageRecord.PricingStatus.UNPRICED : UsageRecord.PricingStatus.PRICED)
                .pricingVersion("2026-12-05")
                .usageSource(UsageRecord.UsageSource.PROVIDER)
                .latencyMs(420)
                .upstreamMs(418)
                .overheadMs(2)
                .build();
    }
}
