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
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

/**
 * README "Waste detection": records are counted by their {@code ts_start}, not by where they are stored; each read takes
 * the window's records from the hour partition just outside each edge ("a call that started at 23:59:59.9 on 31
 * October, stored under 1 November's hour 00 by a writer partitioning by arrival time, is in October's report"), and
 * the day pass does read day D+1's hour 00 for day D. README "At scale": a stored day "older than its day's usage
 * objects ... a late object" is rebuilt. But a day's sources are the hour before it and the day itself, not the hour
 * after that its pass reads: a late object under D+1's hour 00 holding D's calls leaves D's stored aggregate "current",
 * and those calls never reach the findings, though one pass over the log ({@code SPENDGATE_WASTE_SOURCE=log}) counts them.
 */
class LateObjectAfterMidnightReviewTest {
    private static final PricingCatalog CATALOG = PricingCatalog.bundled();
    private static final ModelPrice MINI = CATALOG.find("openai", "gpt-4o-mini").orElseThrow();
    /** A loop of identical calls 5 s apart starting 23:59:00 on 2 October: all twelve are that day's. */
    private static final Instant LOOP = Instant.parse("2026-10-02T23:59:00Z");

    private static final LocalDate DAY = LocalDate.parse("2026-10-02");
    private static final WasteWindow WINDOW =
            new WasteWindow(Instant.parse("2026-10-02T00:00:00Z"), Instant.parse("2026-10-03T00:00:00Z"));

    private final MemoryStores.Objects store = new MemoryStores.Objects();
    private final DayAggregates aggregates = DayAggregates.create(
            store,
            WasteAnalyzer.create(
                    CATALOG, Governance.NONE, Clock.fixed(Instant.parse("2026-10-03T03:00:00Z"), ZoneOffset.UTC)),
            CATALOG.version(),
            1);

    @Test
    void analyze_lateObjectOfTheDaysCallsUnderTheNextHour00_rebuildsTheDayAndCountsThem() {
        store.put(UsageLayout.hourPrefix(LOOP) + "part-0.ndjson.gz", calls(0, 1));
        DayAggregates.Outcome first = aggregates.analyze(WINDOW);
        assertThat(first.built()).containsExactly(DAY);
        assertThat(first.report().callsAnalysed()).isEqualTo(1);

        // the loop's 11 repeats arrive late, stored under the next day's hour 00 (a writer partitioning by arrival)
        store.put(UsageLayout.hourPrefix(Instant.parse("2026-10-03T00:00:00Z")) + "part-late.ndjson.gz", calls(1, 12));
        DayAggregates.Outcome again = aggregates.analyze(WINDOW);

        assertThat(again.report().callsAnalysed())
                .as("the day's 12 calls, as a first build with the late object already there counts them")
                .isEqualTo(12);
        assertThat(again.built()).containsExactly(DAY);
    }

    @Test
    void analyze_sameObjectsBeforeTheFirstBuild_countsAllTwelve() {
        // control: with the late object present from the start, the day pass takes the twelve calls
        store.put(UsageLayout.hourPrefix(LOOP) + "part-0.ndjson.gz", calls(0, 1));
        store.put(UsageLayout.hourPrefix(Instant.parse("2026-10-03T00:00:00Z")) + "part-late.ndjson.gz", calls(1, 12));

        assertThat(aggregates.analyze(WINDOW).report().callsAnalysed()).isEqualTo(12);
    }

    private static byte[] calls(int from, int to) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        TokenUsage tokens = new TokenUsage(600, 0, 0, 0, 300, 0);
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
            for (int i = from; i < to; i++) {
                Instant t = LOOP.plusSeconds(5L * i);
                UsageRecordCodec.write(
                        UsageRecord.builder()
                                .requestId("req-" + i)
                                .tsStart(t)
                                .tsEnd(t.plusMillis(900))
                                .keyId("key_1")
                                .attribution(
                                        new Attribution("chat", "support", null, "production", "loop-1", null, null))
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
                                .fingerprints(new Fingerprints(null, null, "h-loop", String.format("%016x", 0x5L)))
                                .build(),
                        gz);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }
}
