package dev.spendgate.domain.waste;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.pricing.ModelPrice;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.usage.UsageLayout;
import dev.spendgate.domain.usage.UsageLogReader;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageRecord.Fingerprints;
import dev.spendgate.domain.usage.UsageRecordCodec;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

class WasteAnalyzerTest {
    private static final PricingCatalog CATALOG = PricingCatalog.bundled();
    private static final ModelPrice MINI = CATALOG.find("openai", "gpt-4o-mini").orElseThrow();
    private static final Instant T0 = Instant.parse("2026-10-05T10:00:00Z");
    private static final WasteWindow WINDOW =
            new WasteWindow(Instant.parse("2026-10-01T00:00:00Z"), Instant.parse("2026-10-31T00:00:00Z"));
    private final MemoryStores.Objects store = new MemoryStores.Objects();
    private final WasteAnalyzer analyzer = WasteAnalyzer.create(
            CATALOG, Governance.NONE, Clock.fixed(Instant.parse("2026-10-31T01:00:00Z"), ZoneOffset.UTC));
    private int ids;

    @Test
    void merge_dayOlderThanTheOneBefore_isRejectedNamingBothDays() {
        java.time.LocalDate oct2 = java.time.LocalDate.of(2026, 10, 2);
        java.time.LocalDate oct3 = oct2.plusDays(1);
        UsageLogReader.ReadStats none = new UsageLogReader.ReadStats(0, 0, 0, 0, 0, List.of());
        WasteAnalyzer.Merge merge = analyzer.merge();
        merge.add(analyzer.dayPass(oct3, java.util.Map.of()).dayAggregate(oct3, none));

        DayAggregate earlier = analyzer.dayPass(oct2, java.util.Map.of()).dayAggregate(oct2, none);

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> merge.add(earlier))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("2026-10-02 after 2026-10-03");
    }

    @Test
    void analyze_truncatedObjectUnknownSchemaAndMissingField_skipsThemWithCountedWarningsInTheFindings()
            throws Exception {
        put("a", gzip(line(call("s1", "h1", 0x1L, T0, 200))));
        byte[] whole = gzip(line(call("s1", "h2", 0x2L, T0.plusSeconds(1), 200))
                + line(call("s1", "h3", 0x3L, T0.plusSeconds(2), 200)));
        put("b", Arrays.copyOf(whole, whole.length - 20));
        String good = line(call("s2", "h4", 0x4L, T0.plusSeconds(3), 200));
        put(
                "c",
                gzip(good.replace("\"schema_version\":1", "\"schema_version\":9")
                        + good.replace("\"request_id\":", "\"other\":")
                        + line(call("s2", "h5", 0x5L, T0.plusSeconds(4), 200))));

        WasteReport report = analyzer.analyze(store, WINDOW);

        assertThat(report.input().unreadableObjects()).isEqualTo(1);
        assertThat(report.input().malformedLines()).isGreaterThanOrEqualTo(2);
        assertThat(report.callsAnalysed()).isGreaterThanOrEqualTo(2);
        JsonNode json = new ObjectMapper().readTree(WasteReportJson.toBytes(report));
        assertThat(json.at("/input/unreadable_objects").asInt()).isEqualTo(1);
        assertThat(json.at("/input/malformed_lines_skipped").asInt()).isGreaterThanOrEqualTo(2);
        assertThat(json.at("/input/warnings").toString())
                .contains("unknown schema_version 9 (written by a newer Spendgate")
                .contains("missing field request_id")
                .contains("unreadable gzip");
    }

    @Test
    void analyze_rateLimitedCallRetriedOnce_isNoWaste() {
        write(call("s1", "same", 0x10L, T0, 429), call("s1", "same", 0x10L, T0.plusSeconds(3), 200));

        assertThat(analyzer.analyze(store, WINDOW).findings()).isEmpty();
    }

    @Test
    void analyze_answeredRequestRepeatedBySameSession_reportsTheRepeatsCostAsRetryWaste() {
        List<UsageRecord> records = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            records.add(call("s1", "same", 0x20L, T0.plusSeconds(5L * i), 200));
        }
        write(records.toArray(UsageRecord[]::new));

        WasteReport report = analyzer.analyze(store, WINDOW);

        assertThat(report.findings()).singleElement().satisfies(f -> {
            assertThat(f.category()).isEqualTo(WasteCategory.RETRY_WASTE);
            assertThat(f.scopeType() + ":" + f.scopeValue()).isEqualTo("session:key_1/s1");
            assertThat(f.evidence().wastefulCalls()).isEqualTo(4);
            assertThat(f.windowSavingsUsd())
                    .isEqualByComparingTo(records.get(0).costUsd().multiply(BigDecimal.valueOf(4)));
            assertThat(f.evidence().exampleRequestIds())
                    .containsExactlyElementsOf(records.subList(1, 5).stream()
                            .map(UsageRecord::requestId)
                            .toList());
        });
    }

    @Test
    void analyze_rewordedRequestsFiveBitsApart_areCacheHitsAt085And090ButNot095() {
        List<UsageRecord> records = new ArrayList<>();
        long base = 0x0123_4567_89ab_cdefL;
        records.add(call("u0", "r0", base, T0, 200));
        for (int i = 1; i <= 6; i++) {
            // five bits flipped, a different five for each rewording
            long flipped = base ^ (0x1FL << (5 * i));
            records.add(call("u" + i, "r" + i, flipped, T0.plusSeconds(120L * i), 200));
        }
        write(records.toArray(UsageRecord[]::new));

        WasteReport report = analyzer.analyze(store, WINDOW);

        BigDecimal sixCalls = records.get(1).costUsd().multiply(BigDecimal.valueOf(6));
        assertThat(report.findings()).singleElement().satisfies(f -> {
            assertThat(f.category()).isEqualTo(WasteCategory.CACHE_MISS);
            assertThat(f.savingsByThreshold().get("0.85")).isEqualByComparingTo(sixCalls);
            assertThat(f.savingsByThreshold().get("0.90")).isEqualByComparingTo(sixCalls);
            assertThat(f.savingsByThreshold().get("0.95")).isEqualByComparingTo(BigDecimal.ZERO);
        });
    }

    @Test
    void analyze_runawaySessionWithALateRecordOfThePreviousMinute_stillCountsTheWholeMinute() {
        Instant minute = T0.truncatedTo(java.time.temporal.ChronoUnit.MINUTES).plusSeconds(120);
        List<UsageRecord> records = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            if (i == 20) {
                // written later by another instance: a call of the minute before
                records.add(call("agent-1", "late", 0x5555_aaaa_3333_ccccL, minute.minusSeconds(5), 200));
            }
            records.add(
                    call("agent-1", "step-" + i, 0x9e37_79b9_7f4a_7c15L * (i + 1), minute.plusMillis(1_000L * i), 200));
        }
        write(records.toArray(UsageRecord[]::new));

        WasteReport report = analyzer.analyze(store, WINDOW);

        assertThat(report.findings())
                .filteredOn(f -> f.category() == WasteCategory.RETRY_WASTE)
                .singleElement()
                .satisfies(f -> assertThat(f.evidence().wastefulCalls()).isEqualTo(10));
    }

    @Test
    void analyze_sameRequestsMoreThanAnHourApart_areNoCacheHits() {
        List<UsageRecord> records = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            records.add(call("u" + i, "same", 0x30L, T0.plusSeconds(3_700L * i), 200));
        }
        write(records.toArray(UsageRecord[]::new));

        assertThat(analyzer.analyze(store, WINDOW).findings()).isEmpty();
    }

    @Test
    void analyze_sketchThatIsNotHex_stillMatchesExactRepeatsAndDoesNotFail() {
        List<UsageRecord> records = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            UsageRecord r = call("u" + i, "same", 0, T0.plusSeconds(300L * i), 200);
            records.add(withSketch(r, "not-a-sketch"));
        }
        write(records.toArray(UsageRecord[]::new));

        WasteReport report = analyzer.analyze(store, WINDOW);

        assertThat(report.findings()).singleElement().satisfies(f -> {
            assertThat(f.category()).isEqualTo(WasteCategory.CACHE_MISS);
            assertThat(f.evidence().wastefulCalls()).isEqualTo(5);
        });
    }

    @Test
    void analyze_nearDuplicatesNineBitsApartSpreadOverEveryBand_areFoundAndTenBitsApartAreNot() {
        java.util.SplittableRandom random = new java.util.SplittableRandom(7);
        List<UsageRecord> records = new ArrayList<>();
        Instant t = T0;
        for (int i = 0; i < 2_000; i++) {
            t = t.plusMillis(500);
            records.add(call("bg" + i, "bg" + i, random.nextLong(), t, 200));
        }
        // the index's bands start at bits 0, 12, 25, 38 and 51: two flipped bits in four of them and one in the
        // fifth is the widest spread still within 9 bits; two in each of the five is 10 bits, not a near-duplicate
        long nine = 0;
        for (int bit : new int[] {0, 1, 12, 13, 25, 26, 38, 39, 51}) {
            nine |= 1L << bit;
        }
        long ten = nine | 1L << 52;
        for (int i = 0; i < 20; i++) {
            long near = random.nextLong();
            long far = random.nextLong();
            records.add(call("n" + i, "near" + i, near, t = t.plusMillis(500), 200));
            records.add(call("m" + i, "near-again" + i, near ^ nine, t = t.plusMillis(500), 200));
            records.add(call("f" + i, "far" + i, far, t = t.plusMillis(500), 200));
            records.add(call("g" + i, "far-again" + i, far ^ ten, t = t.plusMillis(500), 200));
        }
        write(records.toArray(UsageRecord[]::new));

        WasteReport report = analyzer.analyze(store, WINDOW);

        assertThat(report.findings())
                .filteredOn(f -> f.category() == WasteCategory.CACHE_MISS)
                .singleElement()
                .satisfies(f -> assertThat(f.evidence().details())
                        .containsEntry("hits_at_0.85", "20")
                        .containsEntry("hits_at_0.90", "0")
                        .containsEntry("exact_duplicates", "0"));
    }

    @Test
    void analyze_denseHoursOfClusteredSketches_countsTheSameHitsAsComparingEveryPair() {
        // 24,000 calls in two hours of one feature and model (past the index's largest bucket table, 8,192 buckets
        // a band), their sketches drawn around 40 common requests with 0 to 12 bits flipped: buckets hold many calls,
        // and a call has near-duplicates at every distance, some just outside the one-hour TTL
        java.util.SplittableRandom random = new java.util.SplittableRandom(11);
        long[] common = new long[40];
        for (int i = 0; i < common.length; i++) {
            common[i] = random.nextLong();
        }
        int n = 24_000;
        long[] sketches = new long[n];
        long[] millis = new long[n];
        WasteAnalyzer.Pass pass = analyzer.newPass();
        for (int i = 0; i < n; i++) {
            long sketch = common[random.nextInt(common.length)];
            for (int f = random.nextInt(13); f > 0; f--) {
                sketch ^= 1L << random.nextInt(64);
            }
            sketches[i] = sketch;
            millis[i] = T0.toEpochMilli() + i * 300L;
            pass.accept(call("s" + i, "r" + i, sketch, Instant.ofEpochMilli(millis[i]), 200));
        }
        // one cache per threshold: a miss fills it for less than an hour, a hit neither fills nor extends it
        long[] expected = new long[3];
        for (int k = 0; k < 3; k++) {
            int bits = new int[] {9, 6, 3}[k];
            List<Integer> fills = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                boolean hit = false;
                for (int f = fills.size() - 1; f >= 0 && millis[fills.get(f)] > millis[i] - 3_600_000L; f--) {
                    if (Long.bitCount(sketches[i] ^ sketches[fills.get(f)]) <= bits) {
                        hit = true;
                        break;
                    }
                }
                if (hit) {
                    expected[k]++;
                } else {
                    fills.add(i);
                }
            }
        }

        WasteReport report = pass.finish(WINDOW, new UsageLogReader.ReadStats(0, n, 0, 0, 0, List.of()));

        assertThat(expected[2]).isPositive().isLessThan(expected[1]);
        assertThat(expected[1]).isLessThan(expected[0]);
        assertThat(report.findings())
                .filteredOn(f -> f.category() == WasteCategory.CACHE_MISS)
                .singleElement()
                .satisfies(f -> assertThat(f.evidence().details())
                        .containsEntry("hits_at_0.85", Long.toString(expected[0]))
                        .containsEntry("hits_at_0.90", Long.toString(expected[1]))
                        .containsEntry("hits_at_0.95", Long.toString(expected[2])));
    }

    @Test
    void analyze_manyQuietFeaturesOnWorkerThreads_givesTheSingleThreadFindingsJson() {
        // 400 features of 200 calls each, interleaved: more records in part-filled batches than the pass holds, so
        // they are handed over early; every feature repeats its requests with a few bits changed
        java.util.SplittableRandom random = new java.util.SplittableRandom(5);
        long[] common = new long[400];
        for (int f = 0; f < common.length; f++) {
            common[f] = random.nextLong();
        }
        List<UsageRecord> calls = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            for (int f = 0; f < common.length; f++) {
                long sketch = common[f] ^ (1L << random.nextInt(64)) ^ (1L << random.nextInt(64));
                UsageRecord r = call("s" + f, "r" + f + "-" + i, sketch, T0.plusMillis((i * 400L + f) * 20), 200);
                calls.add(r.toBuilder()
                        .attribution(new Attribution("feature-" + f, "support", null, "production", null, null, null))
                        .build());
            }
        }
        WasteAnalyzer.Pass single = analyzer.newPass();
        WasteAnalyzer.Pass parallel = analyzer.withIndexThreads(3).newPass();
        calls.forEach(single::accept);
        calls.forEach(parallel::accept);
        UsageLogReader.ReadStats stats = new UsageLogReader.ReadStats(0, calls.size(), 0, 0, 0, List.of());

        WasteReport one = single.finish(WINDOW, stats);
        WasteReport three = parallel.finish(WINDOW, stats);

        assertThat(one.findings())
                .filteredOn(f -> f.category() == WasteCategory.CACHE_MISS)
                .hasSize(400);
        assertThat(new String(WasteReportJson.toBytes(three), StandardCharsets.UTF_8))
                .isEqualTo(new String(WasteReportJson.toBytes(one), StandardCharsets.UTF_8));
        assertThat(parallel.indexWork().partitions()).isEqualTo(400);
        assertThat(parallel.indexWork().totalNanos()).isPositive();
    }

    private static UsageRecord withSketch(UsageRecord r, String sketch) {
        return new UsageRecord(
                r.schemaVersion(),
                r.requestId(),
                r.tsStart(),
                r.tsEnd(),
                r.keyId(),
                r.attribution(),
                r.provider(),
                r.endpoint(),
                r.modelRequested(),
                r.modelServed(),
                r.stream(),
                r.statusCode(),
                r.tokens(),
                r.costUsd(),
                r.pricingStatus(),
                r.pricingVersion(),
                r.usageSource(),
                r.latencyMs(),
                r.upstreamMs(),
                r.overheadMs(),
                r.maxOutputTokens(),
                r.errorType(),
                new Fingerprints(null, null, r.fingerprints().requestHash(), sketch),
                r.degradedFrom(),
                r.unenforced(),
                r.pricingProvider());
    }

    private UsageRecord call(String session, String requestHash, long sketch, Instant t, int status) {
        TokenUsage tokens = status == 200 ? new TokenUsage(600, 0, 0, 0, 300, 0) : TokenUsage.ZERO;
        return UsageRecord.builder()
                .requestId("req-" + ids++)
                .tsStart(t)
                .tsEnd(t.plusMillis(900))
                .keyId("key_1")
                .attribution(new Attribution("chat", "support", null, "production", session, null, null))
                .provider("openai")
                .endpoint("chat.completions")
                .modelRequested("gpt-4o-mini")
                .modelServed("gpt-4o-mini")
                .statusCode(status)
                .tokens(tokens)
                .costUsd(status == 200 ? MINI.cost(tokens) : null)
                .pricingStatus(
                        status == 200 ? UsageRecord.PricingStatus.PRICED : UsageRecord.PricingStatus.NOT_BILLABLE)
                .usageSource(status == 200 ? UsageRecord.UsageSource.PROVIDER : UsageRecord.UsageSource.NONE)
                .fingerprints(new Fingerprints(null, null, requestHash, String.format("%016x", sketch)))
                .build();
    }

    private void write(UsageRecord... records) {
        StringBuilder lines = new StringBuilder();
        for (UsageRecord r : records) {
            lines.append(line(r));
        }
        put("all", gzip(lines.toString()));
    }

    private static String line(UsageRecord r) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        UsageRecordCodec.write(r, out);
        return out.toString(StandardCharsets.UTF_8);
    }

    private void put(String name, byte[] content) {
        store.put(UsageLayout.hourPrefix(T0) + name + ".ndjson.gz", content);
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
