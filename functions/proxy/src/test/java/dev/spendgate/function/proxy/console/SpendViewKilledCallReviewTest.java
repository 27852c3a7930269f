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

/**
 * The Spend page over a month holding a gpt-4o call the local gateway was killed during, without a budget: recorded at
 * the next start as UnsettledCalls#record writes it (README "Budgets", "Without a budget, locally"): unpriced, no cost,
 * {@code error_type: unsettled}, {@code cost_basis: reserved_worst_case}. The page says the call "used models missing
 * from the pricing catalog", which prices gpt-4o; as the board PDF's "model not in the catalog" (R28G-3).
 */
class SpendViewKilledCallReviewTest {
    @TempDir
    Path dir;

    @Test
    void render_callKilledInFlightWithoutBudget_notBlamedOnTheCatalog() throws Exception {
        Instant t = Instant.parse("2026-11-03T10:00:00Z");
        try (UsageLogWriter writer = UsageLogWriter.create(
                new FileSystemObjectStore(dir),
                new FileSystemUsageSpool(dir.resolve("spool")),
                Clock.systemUTC(),
                100)) {
            writer.append(call("a", t)
                    .statusCode(200)
                    .usageSource(UsageSource.PROVIDER)
                    .costUsd(new BigDecimal("0.0075"))
                    .pricingStatus(PricingStatus.PRICED)
                    .tokens(new TokenUsage(1000, 0, 0, 0, 500, 0))
                    .build());
            writer.append(call("killed", t.plusSeconds(60))
                    .tsEnd(t.plusSeconds(3_600))
                    .statusCode(0)
                    .tokens(TokenUsage.ZERO)
                    .pricingStatus(PricingStatus.UNPRICED)
                    .usageSource(UsageSource.ESTIMATED)
                    .errorType("unsettled")
                    .costBasis(UsageRecord.CostBasis.RESERVED_WORST_CASE)
                    .build());
        }
        SpendView view = new SpendView(
                new FileSystemObjectStore(dir),
                PricingCatalog.bundled(),
                Clock.fixed(Instant.parse("2026-11-20T10:00:00Z"), ZoneOffset.UTC));

        String page = view.render(Params.parse("from=2026-11-01&to=2026-12-01"));

        assertThat(page).contains("2 calls from");
        assertThat(PricingCatalog.bundled().find("openai", "gpt-4o")).isPresent();
        assertThat(page)
                .as("the one unpriced call is a gpt-4o call the gateway was killed during")
                .doesNotContain("used models missing from the pricing catalog");
    }

    private static UsageRecord.Builder call(String id, Instant t) {
        return UsageRecord.builder()
                .requestId(id)
                .tsStart(t)
                .tsEnd(t.plusSeconds(1))
                .keyId("key_1")
                .attribution(new Attribution("chat", "support", null, "prod", null, null, null))
                .provider("openai")
                .endpoint("chat.completions")
                .modelRequested("gpt-4o")
                .modelServed("gpt-4o");
    }
}
