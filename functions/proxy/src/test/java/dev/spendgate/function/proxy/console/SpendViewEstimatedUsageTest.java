package dev.spendgate.function.proxy.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.pricing.PricingCatalog;
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
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Spend page says how much of its total is priced on tokens the gateway counted itself, as usage does. */
class SpendViewEstimatedUsageTest {
    @TempDir
    Path dir;

    @Test
    void render_callWhoseTokensTheGatewayCounted_notedAsAnEstimate() throws Exception {
        Instant t = Instant.parse("2026-11-03T10:00:00Z");
        TokenUsage tokens = new TokenUsage(1000, 0, 0, 0, 500, 0);
        try (UsageLogWriter writer = UsageLogWriter.create(
                new FileSystemObjectStore(dir),
                new FileSystemUsageSpool(dir.resolve("spool")),
                Clock.systemUTC(),
                100)) {
            // gpt-4o: 1,000 x $2.50/M + 500 x $10/M = $0.0075 each
            writer.append(call("a", t, "gpt-4o")
                    .costUsd(new BigDecimal("0.0075"))
                    .pricingStatus(PricingStatus.PRICED)
                    .tokens(tokens)
                    .build());
            writer.append(call("b", t.plusSeconds(60), "gpt-4o")
                    .costUsd(new BigDecimal("0.0075"))
                    .pricingStatus(PricingStatus.PRICED)
                    .tokens(tokens)
                    .usageSource(UsageSource.ESTIMATED)
                    .build());
        }
        SpendView view = new SpendView(
                new FileSystemObjectStore(dir),
                PricingCatalog.bundled(),
                Clock.fixed(Instant.parse("2026-11-20T10:00:00Z"), ZoneOffset.UTC));

        String page = view.render(Params.parse("from=2026-11-01&to=2026-12-01"));

        assertThat(page).contains("<span data-testid=\"spend-total\">0.0150</span>");
        assertThat(page).contains("1 calls ($0.0075) are priced on tokens the gateway counted itself");
    }

    private static UsageRecord.Builder call(String id, Instant t, String model) {
        return UsageRecord.builder()
                .requestId(id)
                .tsStart(t)
                .tsEnd(t.plusSeconds(1))
                .keyId("key_1")
                .attribution(new Attribution("chat", "support", null, "prod", null, null, null))
                .provider("openai")
                .endpoint("chat.completions")
                .modelRequested(model)
                .modelServed(model)
                .statusCode(200)
                .usageSource(UsageSource.PROVIDER);
    }
}
