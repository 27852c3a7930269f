package dev.spendgate.domain.waste;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.pricing.ModelPrice;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.usage.UsageLogReader;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageRecord.Fingerprints;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A feature whose repeats stopped (a response cache now answers them) while it goes on asking new questions: its
 * waste stopped, so its finding is resolved once the last wasteful call is more than 7 days old (README, "Waste in
 * the PDF").
 */
class FixedWasteLifecycleTest {
    private static final PricingCatalog CATALOG = PricingCatalog.bundled();
    private static final ModelPrice MINI = CATALOG.find("openai", "gpt-4o-mini").orElseThrow();
    private static final Instant END = Instant.parse("2026-10-31T00:00:00Z");
    private static final WasteWindow WINDOW = new WasteWindow(Instant.parse("2026-10-01T00:00:00Z"), END);
    private int ids;

    @Test
    void after_repeatsStoppedThreeWeeksAgoButNewQuestionsGoOn_isResolvedAtTheLastRepeat() {
        WasteAnalyzer.Pass pass = WasteAnalyzer.create(
                        CATALOG, Governance.NONE, Clock.fixed(END.plusSeconds(3600), ZoneOffset.UTC))
                .newPass();
        Instant oct5 = Instant.parse("2026-10-05T10:00:00Z");
        for (int i = 0; i < 8; i++) {
            pass.accept(call(oct5.plus(Duration.ofMinutes(2L * i)), "same-question", 0x0123_4567_89ab_cdefL));
        }
        Instant lastRepeat = oct5.plus(Duration.ofMinutes(14));
        // from Oct 6 the cache answers the repeats (cost 0); the feature's new questions are billed up to Oct 30
        for (int day = 6; day <= 30; day++) {
            Instant t = Instant.parse("2026-10-01T12:00:00Z").plus(Duration.ofDays(day - 1));
            pass.accept(call(t, "question-" + day, mix(day)));
        }

        WasteReport report = pass.finish(WINDOW, new UsageLogReader.ReadStats(1, 33, 0, 0, 0, List.of()));
        Finding cacheMiss = report.findings().stream()
                .filter(f -> f.category() == WasteCategory.CACHE_MISS)
                .findFirst()
                .orElseThrow();
        FindingLifecycle lifecycle = FindingLifecycle.empty().after(List.of(FindingLifecycle.Seen.of(cacheMiss)), END);

        assertThat(cacheMiss.evidence().wastefulCalls()).isEqualTo(7);
        assertThat(lifecycle.entries().get(cacheMiss.id()))
                .satisfies(e -> assertThat(e.status()).isEqualTo(FindingLifecycle.Status.RESOLVED))
                .satisfies(e -> assertThat(e.resolvedAt()).isEqualTo(lastRepeat));
    }

    private static long mix(long x) {
        long z = x * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private UsageRecord call(Instant t, String requestHash, long sketch) {
        TokenUsage tokens = new TokenUsage(600, 0, 0, 0, 300, 0);
        return UsageRecord.builder()
                .requestId("req-" + ids++)
                .tsStart(t)
                .tsEnd(t.plusMillis(900))
                .keyId("key_1")
                .attribution(new Attribution("faq", "support", null, "production", "s" + ids, null, null))
                .provider("openai")
                .endpoint("chat.completions")
                .modelRequested("gpt-4o-mini")
                .modelServed("gpt-4o-mini")
                .statusCode(200)
                .tokens(tokens)
                .costUsd(MINI.cost(tokens))
                .pricingStatus(UsageRecord.PricingStatus.PRICED)
                .usageSource(UsageRecord.UsageSource.PROVIDER)
                .fingerprints(new Fingerprints(null, null, requestHash, String.format("%016x", sketch)))
                .build();
    }
}
