package dev.spendgate.domain.waste;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.pricing.ModelPrice;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.usage.UsageLogReader;
import dev.spendgate.domain.usage.UsageRecord;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A feature that embeds its search queries with text-embedding-3-large. A query vector is only comparable with the
 * vectors of the same model (OpenAI: 3,072 dimensions for 3-large, 1,536 for 3-small; different models' vectors live
 * in different spaces), so moving the queries to text-embedding-3-small is no model downgrade: it breaks the feature's
 * search until its whole index is embedded again. The model-mismatch finding's savings and its routing fix (advisor
 * apply: a route of the feature's calls to the cheaper model) promise money a route cannot deliver.
 */
class EmbeddingModelMismatchReviewTest {
    private static final PricingCatalog CATALOG = PricingCatalog.bundled();
    private static final ModelPrice LARGE =
            CATALOG.find("openai", "text-embedding-3-large").orElseThrow();
    private static final Instant T0 = Instant.parse("2026-10-05T10:00:00Z");
    private static final WasteWindow WINDOW =
            new WasteWindow(Instant.parse("2026-10-01T00:00:00Z"), Instant.parse("2026-10-31T00:00:00Z"));

    @Test
    void findings_embeddingQueriesOnTheLargeModel_areNoModelMismatch() {
        WasteAnalyzer.Pass pass = WasteAnalyzer.create(
                        CATALOG, Governance.NONE, Clock.fixed(Instant.parse("2026-10-31T01:00:00Z"), ZoneOffset.UTC))
                .newPass();
        for (int i = 0; i < 200; i++) {
            pass.accept(embedding(i, 40 + i % 30));
        }

        WasteReport report = pass.finish(WINDOW, new UsageLogReader.ReadStats(1, 200, 0, 0, 0, List.of()));

        assertThat(report.findings())
                .filteredOn(f -> f.category() == WasteCategory.MODEL_MISMATCH)
                .as("a finding moving search queries to another embedding model")
                .isEmpty();
    }

    private static UsageRecord embedding(int i, long inputTokens) {
        Instant t = T0.plusSeconds(97L * i);
        TokenUsage tokens = new TokenUsage(inputTokens, 0, 0, 0, 0, 0);
        return UsageRecord.builder()
                .requestId("req-" + i)
                .tsStart(t)
                .tsEnd(t.plusMillis(120))
                .keyId("key_1")
                .attribution(new Attribution("doc-search", "support", null, "production", null, null, null))
                .provider("openai")
                .endpoint("embeddings")
                .modelRequested("text-embedding-3-large")
                .modelServed("text-embedding-3-large")
                .statusCode(200)
                .tokens(tokens)
                .costUsd(LARGE.cost(tokens))
                .pricingStatus(UsageRecord.PricingStatus.PRICED)
                .usageSource(UsageRecord.UsageSource.PROVIDER)
                .fingerprints(UsageRecord.Fingerprints.NONE)
                .optimization(UsageRecord.Optimization.NONE)
                .build();
    }
}
