package dev.spendgate.domain.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.waste.Evidence;
import dev.spendgate.domain.waste.Finding;
import dev.spendgate.domain.waste.WasteCategory;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code advisor apply FINDING --share 10} is the README's advised "first step" for a model-mismatch finding: move a
 * tenth of the feature's short calls. Applying it must not move fewer calls than the policy already moved. The rule is
 * written first ({@link GatewayPolicy#withRoute}) and "the first matching rule decides", so for every call an earlier
 * 100 % rule also matches, the 90 % the new rule's draw leaves out now keep the expensive model: the step that was to
 * save money raises spend, while the dry run (the change alone) prints a saving.
 */
class AppliedRouteShadowingTest {
    private static final PricingCatalog CATALOG = PricingCatalog.bundled();

    @Test
    void applyTo_sampledAdvisorRoute_keepsMovingTheCallsAnExistingRuleMoved() {
        GatewayPolicy existing = GatewayPolicy.parse("""
                {"format_version": 1,
                 "allowed_moves": {"openai": ["gpt-4o>gpt-4o-mini"]},
                 "routes": [{"id": "low-tier", "from": "gpt-4o", "to": "gpt-4o-mini",
                             "headers": {"X-Cost-Tier": "low"}}]}
                """.getBytes(StandardCharsets.UTF_8));
        Finding mismatch = new Finding(
                WasteCategory.MODEL_MISMATCH,
                "premium_model_simple_task",
                "feature",
                "ticket-triage",
                "ticket-triage",
                "gpt-4o",
                new Evidence(
                        900,
                        900,
                        Instant.parse("2026-10-01T00:00:00Z"),
                        Instant.parse("2026-10-30T00:00:00Z"),
                        List.of("req-1"),
                        Map.of("cheaper_model", "gpt-4o-mini")),
                new BigDecimal("120.00"),
                new BigDecimal("120.00"),
                BigDecimal.ZERO,
                "calls x (gpt-4o - gpt-4o-mini)",
                "Route ticket-triage's short calls to gpt-4o-mini",
                null);
        GatewayPolicy applied =
                FindingFixes.forFinding(mismatch, CATALOG, BigDecimal.TEN).applyTo(existing);

        int movedBefore = 0;
        int movedAfter = 0;
        for (int i = 0; i < 1_000; i++) {
            RequestTraits lowTierTriageCall = new RequestTraits(
                    new Attribution("ticket-triage", "support", null, "production", null, null, null),
                    "key_1",
                    "chat.completions",
                    "gpt-4o",
                    () -> 500,
                    null,
                    false,
                    h -> h.equals("x-cost-tier") ? "low" : null,
                    "req-" + i);
            movedBefore += existing.route(lowTierTriageCall).isPresent() ? 1 : 0;
            movedAfter += applied.route(lowTierTriageCall).isPresent() ? 1 : 0;
        }

        assertThat(movedBefore).isEqualTo(1_000);
        assertThat(movedAfter)
                .as("low-tier calls still moved after applying a 10 % step")
                .isEqualTo(1_000);
    }
}
