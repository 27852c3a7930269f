package dev.spendgate.domain.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.waste.Evidence;
import dev.spendgate.domain.waste.Finding;
import dev.spendgate.domain.waste.WasteCategory;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FindingFixesTest {
    private static final PricingCatalog CATALOG = PricingCatalog.bundled();

    /**
     * The gateway adds prompt-cache breakpoints to Anthropic Messages and Bedrock Converse only; OpenAI caches a
     * prefix by itself when it is identical and first. A rule for an OpenAI feature would change nothing billed, while
     * {@code advisor apply} prints the detector's estimate as what it saves and records it as applied.
     */
    @Test
    void forFinding_contextBloatOnAnOpenAiModel_isRefusedWithTheApplicationChange() {
        Finding bloat = new Finding(
                WasteCategory.CONTEXT_BLOAT,
                "uncached_repeated_prefix",
                "feature",
                "kb-assistant",
                "kb-assistant",
                "gpt-4o",
                new Evidence(
                        400,
                        400,
                        Instant.parse("2026-10-01T00:00:00Z"),
                        Instant.parse("2026-10-30T00:00:00Z"),
                        List.of("req-1"),
                        Map.of("model", "gpt-4o", "prefix_tokens", "3000")),
                new BigDecimal("1.20"),
                new BigDecimal("1.20"),
                BigDecimal.ZERO,
                "(N - W) x P x (input - cached input price) - ...",
                "Enable prompt caching for feature kb-assistant on gpt-4o: keep the 3000-token prefix byte-identical"
                        + " and first in every request",
                null);

        assertThatThrownBy(() -> FindingFixes.forFinding(bloat, CATALOG, null))
                .isInstanceOf(FindingFixes.NoFixException.class)
                .hasMessageContaining("kb-assistant");
    }

    /**
     * {@code hits_at_0.90} counts every hit at 0.90, the exact repeats among them; the rule is semantic only when the
     * reworded repeats ({@code hits_at_0.90 - exact_duplicates}) outnumber the exact ones (README, "From finding to
     * fix"): a semantic cache may answer one question with another's answer.
     */
    @Test
    void forFinding_cacheMissOfMostlyExactRepeats_isAnExactCache() {
        Finding repeats = new Finding(
                WasteCategory.CACHE_MISS,
                "exact_duplicates",
                "feature",
                "faq",
                "faq",
                "gpt-4o-mini",
                new Evidence(
                        200,
                        12,
                        Instant.parse("2026-10-01T00:00:00Z"),
                        Instant.parse("2026-10-30T00:00:00Z"),
                        List.of("req-1"),
                        Map.of(
                                "model", "gpt-4o-mini",
                                "exact_duplicates", "10",
                                "hits_at_0.85", "12",
                                "hits_at_0.90", "11",
                                "hits_at_0.95", "10",
                                "ttl_minutes", "60")),
                new BigDecimal("0.011"),
                new BigDecimal("0.011"),
                BigDecimal.ZERO,
                "sum of the recorded cost of calls whose request matched ...",
                "Put a response cache in front of feature faq on gpt-4o-mini (TTL 60 min): 10 exact repeats and 1"
                        + " near-duplicates at similarity 0.90 out of 200 calls. Start with exact matching",
                Map.of());

        FindingFixes.Fix fix = FindingFixes.forFinding(repeats, CATALOG, null);

        assertThat(fix.policyWithOnlyIt().cache()).singleElement().satisfies(rule -> assertThat(rule.mode())
                .isEqualTo(CacheRule.Mode.EXACT));
    }

    /**
     * A model-mismatch finding on an embedding model (one a detector of an older version, or a hand-edited findings
     * file, may still hold) is not fixed by a route: vectors of another embedding model do not match the feature's
     * index, so the route would break its search.
     */
    @Test
    void forFinding_mismatchOnAnEmbeddingModel_isRefused() {
        Finding embeddings = new Finding(
                WasteCategory.MODEL_MISMATCH,
                "premium_model_for_simple_work",
                "feature",
                "doc-search",
                "doc-search",
                "text-embedding-3-large",
                new Evidence(
                        200,
                        200,
                        Instant.parse("2026-10-01T00:00:00Z"),
                        Instant.parse("2026-10-30T00:00:00Z"),
                        List.of("req-1"),
                        Map.of("model", "text-embedding-3-large", "cheaper_model", "text-embedding-3-small")),
                new BigDecimal("0.0009"),
                new BigDecimal("0.0009"),
                BigDecimal.ZERO,
                "sum over the simple calls of cost - cost at the cheaper model's prices",
                "Move feature doc-search from text-embedding-3-large to text-embedding-3-small",
                null);

        assertThatThrownBy(() -> FindingFixes.forFinding(embeddings, CATALOG, null))
                .isInstanceOf(FindingFixes.NoFixException.class)
                .hasMessageContaining("embedding the whole index again");
    }
}
