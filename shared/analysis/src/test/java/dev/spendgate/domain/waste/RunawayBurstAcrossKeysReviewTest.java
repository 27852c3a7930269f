package dev.spendgate.domain.waste;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.attribution.Attribution;
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
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Review (session 21): the retry detector's runaway-burst rule ("a session's billed calls beyond 30 in one clock
 * minute") when two Spendgate keys' clients name a session alike. README (Finance reports): "session ids are the
 * clients' own, so another key's s-1 is another session".
 */
class RunawayBurstAcrossKeysReviewTest {
    private static final PricingCatalog CATALOG = PricingCatalog.bundled();
    private static final ModelPrice MINI = CATALOG.find("openai", "gpt-4o-mini").orElseThrow();
    private static final LocalDate DAY = LocalDate.of(2026, 10, 2);
    private final WasteAnalyzer analyzer = WasteAnalyzer.create(
            CATALOG, Governance.NONE, Clock.fixed(Instant.parse("2026-10-31T01:00:00Z"), ZoneOffset.UTC));
    private int ids;

    /**
     * Two apps (keys), each with its own session {@code main}, each sending 20 different questions within one clock
     * minute: neither session is past 30 calls a minute and no request repeats. The detector counts the 40 calls as one
     * session's burst and reports 10 of them as runaway-burst waste, advising a session breaker for calls that were
     * not repeated at all.
     */
    @Test
    void runawayBurst_twoKeysEachUnderTheLimitInASessionOfTheSameName_isNoFinding() {
        Instant minute = DAY.atStartOfDay(ZoneOffset.UTC).toInstant().plusSeconds(10 * 3600);
        List<UsageRecord> records = new ArrayList<>();
        for (String key : List.of("key_app_a", "key_app_b")) {
            for (int i = 0; i < 20; i++) {
                records.add(call(minute.plusSeconds(2L * i + (key.endsWith("b") ? 1 : 0)), key, "q-" + key + "-" + i));
            }
        }
        records.sort(Comparator.comparing(UsageRecord::tsStart));
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
                .filteredOn(f -> f.category() == WasteCategory.RETRY_WASTE)
                .as("no session of either key passed 30 calls a minute, and nothing was repeated")
                .isEmpty();
    }

    private UsageRecord call(Instant t, String keyId, String requestHash) {
        TokenUsage tokens = new TokenUsage(600, 0, 0, 0, 300, 0);
        return UsageRecord.builder()
                .requestId("req-" + ids++)
                .tsStart(t)
                .tsEnd(t.plusMillis(800))
                .keyId(keyId)
                .attribution(new Attribution("chat", "support", null, "production", "main", null, null))
                .provider("openai")
                .endpoint("chat.completions")
                .modelRequested(MINI.model())
                .modelServed(MINI.model())
                .statusCode(200)
                .tokens(tokens)
                .costUsd(MINI.cost(tokens))
                .pricingStatus(UsageRecord.PricingStatus.PRICED)
                .usageSource(UsageRecord.UsageSource.PROVIDER)
                .fingerprints(new Fingerprints(null, null, requestHash, null))
                .build();
    }
}
