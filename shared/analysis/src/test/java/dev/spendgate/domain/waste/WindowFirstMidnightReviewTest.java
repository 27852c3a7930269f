package dev.spendgate.domain.waste;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.pricing.ModelPrice;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.usage.UsageLayout;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageRecord.Fingerprints;
import dev.spendgate.domain.usage.UsageRecordCodec;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

/**
 * README "At scale: day aggregates": the findings JSON from day aggregates is the single pass's, and where it is not
 * ("Approximated, and said so in input.warnings when it happens": "The window's first midnight is primed by the hour
 * before it like every other midnight, where the single pass started cold") the findings' input.warnings say so.
 * Here a session's duplicate loop straddles the window's first midnight: a call succeeds at 23:59:50 the day before
 * the window, and the same request is sent again at 00:00:05, :15 and :25. The single pass over the window sees a
 * chain of 3 with 2 redundant repeats (no finding, a finding needs 3); the day-aggregate path primes the window's
 * first day with the hour before and counts 3 redundant repeats, a retry_waste finding with a dollar figure. The two
 * paths of the same command disagree on the same records and nothing in the document says so.
 */
class WindowFirstMidnightReviewTest {
    private static final PricingCatalog CATALOG = PricingCatalog.bundled();
    private static final ModelPrice MINI = CATALOG.find("openai", "gpt-4o-mini").orElseThrow();
    private static final Instant FIRST_MIDNIGHT = Instant.parse("2026-10-02T00:00:00Z");
    private static final WasteWindow WINDOW = new WasteWindow(FIRST_MIDNIGHT, Instant.parse("2026-10-04T00:00:00Z"));

    private final MemoryStores.Objects store = new MemoryStores.Objects();
    private final WasteAnalyzer analyzer = WasteAnalyzer.create(
            CATALOG, Governance.NONE, Clock.fixed(Instant.parse("2026-10-04T01:00:00Z"), ZoneOffset.UTC));
    private int ids;

    @Test
    void analyze_duplicateLoopAcrossTheWindowsFirstMidnight_sameFindingsOrAWarning() {
        write(
                call(FIRST_MIDNIGHT.minusSeconds(10)),
                call(FIRST_MIDNIGHT.plusSeconds(5)),
                call(FIRST_MIDNIGHT.plusSeconds(15)),
                call(FIRST_MIDNIGHT.plusSeconds(25)));

        WasteReport single = analyzer.analyze(store, WINDOW);
        WasteReport days = DayAggregates.create(store, analyzer, CATALOG.version(), 1)
                .analyze(WINDOW)
                .report();

        String singleJson = json(single);
        String daysJson = json(days);
        if (!daysJson.equals(singleJson)) {
            // the README's promise for an approximation: said so in input.warnings when it happens
            assertThat(days.input().warnings())
                    .as(
                            "findings differ from the single pass (single: %s findings, aggregates: %s findings "
                                    + "%s) and no input warning says why",
                            single.findings().size(),
                            days.findings().size(),
                            days.findings().stream()
                                    .map(f -> f.id() + " $" + f.windowSavingsUsd())
                                    .toList())
                    .isNotEmpty();
        }
    }

    private UsageRecord call(Instant t) {
        TokenUsage tokens = new TokenUsage(600, 0, 0, 0, 300, 0);
        return UsageRecord.builder()
                .requestId("req-" + ids++)
                .tsStart(t)
                .tsEnd(t.plusMillis(900))
                .keyId("key_1")
                .attribution(new Attribution("chat", "support", null, "production", "s1", null, null))
                .provider("openai")
                .endpoint("chat.completions")
                .modelRequested("gpt-4o-mini")
                .modelServed("gpt-4o-mini")
                .statusCode(200)
                .tokens(tokens)
                .costUsd(MINI.cost(tokens))
                .pricingStatus(UsageRecord.PricingStatus.PRICED)
                .pricingVersion(CATALOG.version())
                .usageSource(UsageRecord.UsageSource.PROVIDER)
                .fingerprints(new Fingerprints(null, null, "h-same-request", String.format("%016x", 0x5L)))
                .build();
    }

    private void write(UsageRecord... records) {
        Map<String, StringBuilder> byHour = new LinkedHashMap<>();
        for (UsageRecord r : records) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            UsageRecordCodec.write(r, out);
            byHour.computeIfAbsent(UsageLayout.hourPrefix(r.tsStart()), k -> new StringBuilder())
                    .append(out.toString(StandardCharsets.UTF_8));
        }
        byHour.forEach((prefix, lines) -> store.put(prefix + "part-0.ndjson.gz", gzip(lines.toString())));
    }

    private static String json(WasteReport report) {
        return new String(WasteReportJson.toBytes(report), StandardCharsets.UTF_8);
    }

    private static byte[] gzip(String text) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(text.getBytes(StandardCharsets.UTF_8));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
