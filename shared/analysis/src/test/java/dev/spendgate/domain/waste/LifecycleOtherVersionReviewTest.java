package dev.spendgate.domain.waste;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code findings/lifecycle.json} is kept across versions (README, "Finance reports": findings keep their id and a
 * life cycle; the board PDF's recovery is measured per resolved finding). A document holding one finding of a
 * category this version does not know, as a version with more detectors writes it (the life cycle at 02702799 knew
 * five categories; the current one writes {@code prompt_cache} and {@code batch_tier}), must not cost the findings it
 * does know their states, nor the report's guard against re-running an earlier month ({@code analysed_through}).
 */
class LifecycleOtherVersionReviewTest {
    private static final String RESOLVED_ID = "cache_miss/near_duplicate/feature:support/gpt-4o-mini";
    private static final Instant THROUGH = Instant.parse("2026-10-31T00:00:00Z");

    private static final String DOCUMENT = """
            {
              "schema_version" : 1,
              "updated_at" : "2026-11-01T06:00:00Z",
              "analysed_through" : "2026-10-31T00:00:00Z",
              "findings" : [ {
                "id" : "cache_miss/near_duplicate/feature:support/gpt-4o-mini",
                "status" : "resolved",
                "category" : "cache_miss",
                "scope" : { "type" : "feature", "value" : "support", "feature" : "support", "model" : "gpt-4o-mini" },
                "first_seen" : "2026-10-05T10:00:00Z",
                "last_seen" : "2026-10-05T10:14:00Z",
                "resolved_at" : "2026-10-05T10:14:00Z",
                "baseline_monthly_savings_usd" : "412.50"
              }, {
                "id" : "idle_reservation/unused/feature:search",
                "status" : "open",
                "category" : "idle_reservation",
                "scope" : { "type" : "feature", "value" : "search", "feature" : "search", "model" : null },
                "first_seen" : "2026-10-02T00:00:00Z",
                "last_seen" : "2026-10-30T00:00:00Z",
                "resolved_at" : null,
                "baseline_monthly_savings_usd" : "90.00"
              } ]
            }
            """;

    @Test
    void load_oneFindingOfAnUnknownCategory_keepsTheOthersStatesAndTheAnalysedWindow() {
        MemoryStores.Objects store = new MemoryStores.Objects();
        store.put(FindingLifecycle.KEY, DOCUMENT.getBytes(StandardCharsets.UTF_8));

        FindingLifecycle loaded = FindingLifecycle.load(store);

        assertThat(loaded.analysedThrough()).isEqualTo(THROUGH);
        assertThat(loaded.entries()).containsKey(RESOLVED_ID);
        FindingLifecycle.Entry resolved = loaded.entries().get(RESOLVED_ID);
        assertThat(resolved.status()).isEqualTo(FindingLifecycle.Status.RESOLVED);
        assertThat(resolved.resolvedAt()).isEqualTo(Instant.parse("2026-10-05T10:14:00Z"));
        assertThat(resolved.baselineMonthlySavingsUsd()).isEqualByComparingTo(new BigDecimal("412.50"));
    }

    @Test
    void nextMonthsSave_afterADocumentWithAnUnknownCategory_keepsTheResolvedFindingAndItsFixDay() {
        MemoryStores.Objects store = new MemoryStores.Objects();
        store.put(FindingLifecycle.KEY, DOCUMENT.getBytes(StandardCharsets.UTF_8));

        // November's report: the resolved finding is not seen again; its state and fix day must stay
        FindingLifecycle.load(store)
                .after(List.of(), Instant.parse("2026-11-30T00:00:00Z"))
                .save(store, Instant.parse("2026-12-01T06:00:00Z"));

        FindingLifecycle.Entry resolved = FindingLifecycle.load(store).entries().get(RESOLVED_ID);
        assertThat(resolved).as("the resolved finding after November's save").isNotNull();
        assertThat(resolved.resolvedAt()).isEqualTo(Instant.parse("2026-10-05T10:14:00Z"));
    }
}
