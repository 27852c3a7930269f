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
 * README "At scale": a stored day is stale when its usage objects changed since it was built. A late record can land
 * in a new object (a spool replay) or in an object written again under the same key with more records; the second
 * changes no key, only the listed size, and its records must still reach the findings.
 */
class ReplacedUsageObjectTest {
    private static final PricingCatalog CATALOG = PricingCatalog.bundled();
    private static final ModelPrice MINI = CATALOG.find("openai", "gpt-4o-mini").orElseThrow();
    private static final Instant LOOP = Instant.parse("2026-10-02T10:00:00Z");
    private static final WasteWindow WINDOW =
            new WasteWindow(Instant.parse("2026-10-02T00:00:00Z"), Instant.parse("2026-10-03T00:00:00Z"));
    private static final String KEY = UsageLayout.hourPrefix(LOOP) + "part-0.ndjson.gz";

    private final MemoryStores.Objects store = new MemoryStores.Objects();
    private final DayAggregates aggregates = DayAggregates.create(
            store,
            WasteAnalyzer.create(
                    CATALOG, Governance.NONE, Clock.fixed(Instant.parse("2026-10-03T03:00:00Z"), ZoneOffset.UTC)),
            CATALOG.version(),
            1);

    @Test
    void analyze_objectWrittenAgainWithMoreRecords_rebuildsTheDayAndFindsThem() {
        store.put(KEY, calls(1));
        DayAggregates.Outcome first = aggregates.analyze(WINDOW);
        assertThat(first.built()).containsExactly(LocalDate.parse("2026-10-02"));
        assertThat(first.report().findings()).noneMatch(f -> f.category() == WasteCategory.RETRY_WASTE);
        assertThat(aggregates.analyze(WINDOW).built())
                .as("nothing changed: the stored day is reused")
                .isEmpty();

        // the same object written again with the loop's 11 repeats: same key, another size
        store.put(KEY, calls(12));
        DayAggregates.Outcome again = aggregates.analyze(WINDOW);

        assertThat(again.built()).containsExactly(LocalDate.parse("2026-10-02"));
        assertThat(again.report().callsAnalysed()).isEqualTo(12);
        assertThat(again.report().findings())
                .anyMatch(f -> f.category() == WasteCategory.RETRY_WASTE
                        && f.scopeValue().equals("key_1/loop-1"));
    }

    @Test
    void analyze_dayStoredWithTheKeysDigestOfEarlierBuilds_isReusedNotRebuilt() throws Exception {
        store.put(KEY, calls(3));
        LocalDate day = LocalDate.parse("2026-10-02");
        // as a day built before sizes counted stored it: SHA-256 of the keys alone, one a line
        java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
        sha.update((KEY + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        DayAggregate earlier =
                aggregates.build(day).withSources(1, java.util.HexFormat.of().formatHex(sha.digest()));
        store.put(DayAggregates.key(day), DayAggregates.write(earlier));

        DayAggregates.Outcome outcome = aggregates.analyze(WINDOW);

        assertThat(outcome.reused()).isEqualTo(1);
        assertThat(outcome.built()).isEmpty();
    }

    @Test
    void analyze_dayStoredBeforeTheNextHour00Counted_isReusedWhileItsObjectsStand() throws Exception {
        store.put(KEY, calls(3));
        store.put(UsageLayout.hourPrefix(Instant.parse("2026-10-03T00:00:00Z")) + "part-0.ndjson.gz", calls(1));
        LocalDate day = LocalDate.parse("2026-10-02");
        // as a day built before the next day's hour 00 counted stored it: the day's one object, keys and sizes
        java.security.MessageDigest keys = java.security.MessageDigest.getInstance("SHA-256");
        keys.update((KEY + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        java.security.MessageDigest sizes = java.security.MessageDigest.getInstance("SHA-256");
        sizes.update((KEY + " " + calls(3).length + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        DayAggregate earlier = aggregates
                .build(day)
                .withSources(
                        1,
                        java.util.HexFormat.of().formatHex(keys.digest()) + "/"
                                + java.util.HexFormat.of().formatHex(sizes.digest()));
        store.put(DayAggregates.key(day), DayAggregates.write(earlier));

        DayAggregates.Outcome outcome = aggregates.analyze(WINDOW);

        assertThat(outcome.reused())
                .as("an upgrade does not rebuild every stored day whose next hour 00 holds objects")
                .isEqualTo(1);
        assertThat(outcome.built()).isEmpty();

        store.put(KEY, calls(12)); // its own objects changed: rebuilt, and from then on the hour 00 counts
        assertThat(aggregates.analyze(WINDOW).built()).containsExactly(day);
    }

    private static byte[] calls(int n) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        TokenUsage tokens = new TokenUsage(600, 0, 0, 0, 300, 0);
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
            for (int i = 0; i < n; i++) {
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
