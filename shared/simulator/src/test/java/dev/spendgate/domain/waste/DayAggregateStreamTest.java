package dev.spendgate.domain.waste;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.simulate.Simulation;
import dev.spendgate.domain.simulate.TrafficSimulator;
import dev.spendgate.domain.store.ObjectStore;
import dev.spendgate.domain.store.ObjectStoreException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Stored days merged as a stream (each part decoded, merged and dropped) against the same days decoded whole, and
 * stored days damaged in the middle of a large section: refused before any of the day is merged, then rebuilt.
 */
class DayAggregateStreamTest {
    private static final PricingCatalog CATALOG = PricingCatalog.bundled();
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-02T06:00:00Z"), ZoneOffset.UTC);
    private static final LocalDate DAMAGED = LocalDate.of(2026, 10, 7);

    private record Month(YearMonth month, MemoryStores.Objects store, Governance governance) {
        WasteWindow window() {
            return new WasteWindow(
                    month.atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant(),
                    month.plusMonths(1).atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant());
        }

        WasteAnalyzer analyzer() {
            return WasteAnalyzer.create(CATALOG, governance, CLOCK);
        }

        DayAggregates aggregates() {
            return DayAggregates.create(store, analyzer(), CATALOG.version(), 1);
        }

        byte[] stored(LocalDate day) {
            return store.get(DayAggregates.key(day)).orElseThrow();
        }
    }

    private static Month built(YearMonth month, long seed, long calls) {
        MemoryStores.Objects store = new MemoryStores.Objects();
        MemoryStores.Keys keys = new MemoryStores.Keys();
        MemoryStores.Policies policies = new MemoryStores.Policies();
        TrafficSimulator simulator =
                TrafficSimulator.create(CATALOG, new TrafficSimulator.Settings(month, seed, calls, true));
        Simulation.write(simulator, month, store, keys, policies, CLOCK, (day, n) -> {});
        Month m = new Month(month, store, new Governance(keys.list(), policies.list()));
        m.aggregates().analyze(m.window());
        return m;
    }

    @ParameterizedTest
    @CsvSource({"2026-10, 1, 20000", "2026-11, 2, 20000", "2026-10, 3, 200000"})
    void merge_storedDaysAsAStream_givesTheFindingsJsonOfTheDaysDecodedWhole(String month, long seed, long calls) {
        Month m = built(YearMonth.parse(month), seed, calls);
        WasteAnalyzer.Merge whole = m.analyzer().merge();
        WasteAnalyzer.Merge streamed = m.analyzer().merge();

        for (LocalDate day = m.month.atDay(1); !day.isAfter(m.month.atEndOfMonth()); day = day.plusDays(1)) {
            whole.add(DayAggregates.read(m.stored(day)));
            DayAggregate.Header header = DayAggregates.merge(m.stored(day), streamed);
            assertThat(header.day()).isEqualTo(day);
        }

        String expected = json(whole.finish(m.window(), List.of()));
        assertThat(json(streamed.finish(m.window(), List.of()))).isEqualTo(expected);
        assertThat(expected).contains("unread_cache_writes");
    }

    @Test
    void merge_dayDamagedInTheMiddleOfItsPromptHeads_refusedWithNothingOfItMerged() {
        Month m = built(YearMonth.of(2026, 10), 4, 20_000);
        String text = gunzip(m.stored(DAMAGED));
        int heads = text.indexOf("\"heads\":[");
        int middle = text.indexOf("\"firstPos\":", heads + (text.indexOf("\"unread\":", heads) - heads) / 2);
        assertThat(heads).isPositive();
        assertThat(middle).isPositive();
        byte[] damaged = gzip(text.substring(0, middle) + "\"firstPos\":\"not a number\","
                + text.substring(text.indexOf(',', middle) + 1));

        WasteAnalyzer.Merge merge = m.analyzer().merge();
        WasteAnalyzer.Merge without = m.analyzer().merge();
        for (LocalDate day = m.month.atDay(1); day.isBefore(DAMAGED); day = day.plusDays(1)) {
            DayAggregates.merge(m.stored(day), merge);
            DayAggregates.merge(m.stored(day), without);
        }
        assertThatThrownBy(() -> DayAggregates.merge(damaged, merge))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unreadable day aggregate");
        DayAggregates.merge(m.stored(DAMAGED), merge);
        DayAggregates.merge(m.stored(DAMAGED), without);

        assertThat(json(merge.finish(m.window(), List.of()))).isEqualTo(json(without.finish(m.window(), List.of())));
    }

    @Test
    void analyze_storedDayDamagedMidSectionOrReordered_rebuildsItAndFindsTheSame() {
        Month m = built(YearMonth.of(2026, 10), 4, 20_000);
        String expected = json(m.aggregates().analyze(m.window()).report());
        byte[] good = m.stored(DAMAGED);
        String text = gunzip(good);
        // a byte of the compressed data flipped halfway: the inflater or the gzip CRC refuses it
        byte[] flipped = good.clone();
        flipped[flipped.length / 2] ^= 0x5a;
        // the header written last: a valid day, but not in the order written
        int input = text.indexOf(",\"input\":");
        int calls = text.indexOf(",\"calls\":");
        String reordered = text.substring(0, input)
                + text.substring(calls, text.length() - 1)
                + text.substring(input, calls)
                + "}";

        for (byte[] bad : List.of(flipped, gzip(reordered))) {
            m.store.put(DayAggregates.key(DAMAGED), bad);

            DayAggregates.Outcome outcome = m.aggregates().analyze(m.window());

            assertThat(outcome.built()).containsExactly(DAMAGED);
            assertThat(outcome.notes()).singleElement().satisfies(n -> assertThat(n)
                    .startsWith(DayAggregates.key(DAMAGED) + ": damaged"));
            assertThat(json(withoutWarnings(outcome.report()))).isEqualTo(expected);
            assertThat(m.stored(DAMAGED)).isEqualTo(good);
        }
    }

    /**
     * The stored day is rewritten while the window reads it (another run rebuilding it, a damaged copy): every pass
     * reads the one copy taken when the day was fetched, so the day is merged whole from that copy, never half from
     * one object and half from another, and fetched once.
     */
    @Test
    void analyze_storedDayChangedAfterItsFirstRead_mergesTheFirstReadWholeAndFetchesItOnce() {
        Month m = built(YearMonth.of(2026, 10), 4, 20_000);
        String expected = json(m.aggregates().analyze(m.window()).report());
        String key = DayAggregates.key(DAMAGED);
        byte[] good = m.stored(DAMAGED);
        byte[] other = m.stored(DAMAGED.plusDays(1));
        String text = gunzip(good);
        int heads = text.indexOf("\"heads\":[");
        byte[] cut = gzip(text.substring(0, heads + (text.length() - heads) / 2));
        for (byte[] next : List.of(other, cut)) {
            AtomicInteger opens = new AtomicInteger();
            ObjectStore changing = new ObjectStore() {
                @Override
                public void put(String k, byte[] content) {
                    m.store.put(k, content);
                }

                @Override
                public Optional<byte[]> get(String k) {
                    return m.store.get(k);
                }

                @Override
                public Optional<InputStream> open(String k) {
                    Optional<InputStream> in = m.store.open(k);
                    if (k.equals(key) && opens.incrementAndGet() == 1) {
                        m.store.put(key, next); // written again once the first read began
                    }
                    return in;
                }

                @Override
                public List<String> list(String prefix) {
                    return m.store.list(prefix);
                }
            };
            m.store.put(key, good);

            DayAggregates.Outcome outcome = DayAggregates.create(changing, m.analyzer(), CATALOG.version(), 1)
                    .analyze(m.window());

            assertThat(outcome.built()).isEmpty();
            assertThat(outcome.notes()).isEmpty();
            assertThat(json(outcome.report())).isEqualTo(expected);
            assertThat(opens).hasValue(1);
        }
    }

    /**
     * The connection drops halfway through fetching a stored day: the run fails (to be retried) instead of taking the
     * day for damaged, rebuilding it from the log and overwriting the good one.
     */
    @Test
    void analyze_storedDayFetchFailsHalfway_failsTheRunAndKeepsTheStoredDay() {
        Month m = built(YearMonth.of(2026, 10), 4, 20_000);
        String key = DayAggregates.key(DAMAGED);
        byte[] good = m.stored(DAMAGED);
        ObjectStore dropping = new ObjectStore() {
            @Override
            public void put(String k, byte[] content) {
                m.store.put(k, content);
            }

            @Override
            public Optional<byte[]> get(String k) {
                return m.store.get(k);
            }

            @Override
            public Optional<InputStream> open(String k) {
                if (!k.equals(key)) {
                    return m.store.open(k);
                }
                return Optional.of(
                        new SequenceInputStream(new ByteArrayInputStream(good, 0, good.length / 2), new InputStream() {
                            @Override
                            public int read() throws IOException {
                                throw new IOException("connection reset");
                            }
                        }));
            }

            @Override
            public List<String> list(String prefix) {
                return m.store.list(prefix);
            }
        };

        assertThatThrownBy(() -> DayAggregates.create(dropping, m.analyzer(), CATALOG.version(), 1)
                        .analyze(m.window()))
                .isInstanceOf(ObjectStoreException.class)
                .hasMessageContaining(key);
        assertThat(m.stored(DAMAGED)).isEqualTo(good);
    }

    @Test
    void analyze_storedDayOfAnotherSchemaVersion_rebuildsItWithoutCallingItDamaged() {
        Month m = built(YearMonth.of(2026, 10), 4, 20_000);
        byte[] good = m.stored(DAMAGED);
        m.store.put(
                DayAggregates.key(DAMAGED),
                gzip(gunzip(good)
                        .replaceFirst(
                                "\"schemaVersion\":" + DayAggregate.SCHEMA_VERSION,
                                "\"schemaVersion\":" + (DayAggregate.SCHEMA_VERSION + 1))));

        DayAggregates.Outcome outcome = m.aggregates().analyze(m.window());

        assertThat(outcome.built()).containsExactly(DAMAGED);
        assertThat(outcome.notes()).isEmpty();
        assertThat(m.stored(DAMAGED)).isEqualTo(good);
    }

    private static String json(WasteReport report) {
        return new String(WasteReportJson.toBytes(report), StandardCharsets.UTF_8);
    }

    private static WasteReport withoutWarnings(WasteReport r) {
        var in = r.input();
        return new WasteReport(
                r.generatedAt(),
                r.window(),
                new dev.spendgate.domain.usage.UsageLogReader.ReadStats(
                        in.objects(),
                        in.records(),
                        in.duplicates(),
                        in.malformedLines(),
                        in.unreadableObjects(),
                        List.of(),
                        in.malformedByField()),
                r.callsAnalysed(),
                r.spendUsd(),
                r.findings(),
                r.overall(),
                r.features(),
                r.settings());
    }

    private static String gunzip(byte[] gzip) {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gzip))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] gzip(String text) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(bytes)) {
            out.write(text.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }
}
