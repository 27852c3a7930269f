package dev.spendgate.domain.waste;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.keys.ProxyKey;
import dev.spendgate.domain.keys.ProxyKeys;
import dev.spendgate.domain.pricing.ModelPrice;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.usage.UsageLogReader.ReadStats;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageRecord.Fingerprints;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Review (session 26, proxy keys): a platform team rotates a key mid-month (a replacement created, the old key revoked:
 * Spendgate has no rotate command). The waste window (30 days) still holds the old key's calls. The ungoverned-key
 * findings are advice ("Put key ... under a budget. For example: ./spendgate budgets set --scope key:ID ..."); for a
 * key that is revoked, and so can make no call, there is nothing to budget, and the advice leads the team to budget a
 * dead key (which {@code budgets set} takes) instead of the one now spending.
 */
class UngovernedRevokedKeyReviewTest {
    private static final PricingCatalog CATALOG = PricingCatalog.bundled();
    private static final ModelPrice MINI = CATALOG.find("openai", "gpt-4o-mini").orElseThrow();
    private static final LocalDate DAY = LocalDate.of(2026, 10, 2);
    private static final ProxyKey KEY = new ProxyKey(
            "key_0a1b2c3d4e5f",
            ProxyKeys.hash("sg-" + "c".repeat(64)),
            "support bot",
            "prod",
            null,
            new Attribution("faq", "support", null, "prod", null, null, null),
            false, // revoked on 2026-10-03, after its replacement took over
            Instant.parse("2026-09-01T00:00:00Z"));
    private int ids;

    @Test
    void noBudget_keyRevokedSinceItsCalls_isNotAdvisedABudget() {
        WasteAnalyzer analyzer = WasteAnalyzer.create(
                CATALOG,
                new Governance(List.of(KEY), List.of()),
                Clock.fixed(Instant.parse("2026-10-31T01:00:00Z"), ZoneOffset.UTC));
        Instant start = DAY.atStartOfDay(ZoneOffset.UTC).toInstant().plusSeconds(9 * 3600);
        List<UsageRecord> records = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            records.add(call(start.plusSeconds(60L * i), "prod"));
        }
        WasteAnalyzer.Merge merge = analyzer.merge();
        WasteAnalyzer.Pass pass = analyzer.dayPass(DAY, Map.of());
        records.forEach(pass::accept);
        merge.add(pass.dayAggregate(DAY, new ReadStats(0, records.size(), 0, 0, 0, List.of())));
        WasteReport report = merge.finish(
                new WasteWindow(
                        DAY.atStartOfDay(ZoneOffset.UTC).toInstant(),
                        DAY.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant()),
                List.of());

        assertThat(report.findings())
                .filteredOn(f -> f.category() == WasteCategory.UNGOVERNED_KEY)
                .extracting(Finding::recommendation)
                .as("advice for key %s, revoked", KEY.id())
                .noneMatch(r -> r.contains("budgets set --scope key:" + KEY.id()));
    }

    private UsageRecord call(Instant t, String environment) {
        TokenUsage tokens = new TokenUsage(600, 0, 0, 0, 300, 0);
        return UsageRecord.builder()
                .requestId("req-" + ids++)
                .tsStart(t)
                .tsEnd(t.plusMillis(800))
                .keyId(KEY.id())
                .attribution(new Attribution("faq", "support", null, environment, null, null, null))
                .provider("openai")
                .endpoint("chat.completions")
                .modelRequested(MINI.model())
                .modelServed(MINI.model())
                .statusCode(200)
                .tokens(tokens)
                .costUsd(MINI.cost(tokens))
                .pricingStatus(UsageRecord.PricingStatus.PRICED)
                .usageSource(UsageRecord.UsageSource.PROVIDER)
                .fingerprints(new Fingerprints(null, null, "q-" + ids, null))
                .build();
    }
}
