package dev.spendgate.domain.waste;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.simulate.TrafficSimulator;
import dev.spendgate.domain.usage.UsageLogReader.ReadStats;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageRecord.Fingerprints;
import java.time.Clock;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The traffic a response cache would harm: a long shared system prompt with a different short question on every call.
 * help-center has its prompt cached (nothing to advise), kb-assistant sends it uncached (a prompt-caching case).
 */
class SharedPrefixTrafficTest {
    private static final YearMonth MONTH = YearMonth.of(2026, 10);
    private static final PricingCatalog CATALOG = PricingCatalog.bundled();
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-02T06:00:00Z"), ZoneOffset.UTC);
    private static final WasteWindow WINDOW = new WasteWindow(
            MONTH.atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant(),
            MONTH.plusMonths(1).atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant());

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3})
    void analyze_longSharedPrefixWithVaryingQuestions_noResponseCacheFindingButPlantedRepeatsStillFound(long seed) {
        Month month = simulate(seed);

        WasteReport report = analyze(month, UnaryOperator.identity());

        assertThat(report.findings()).noneMatch(f -> "help-center".equals(f.feature()));
        assertThat(report.findings())
                .filteredOn(f -> "kb-assistant".equals(f.feature()))
                .extracting(Finding::category)
                .containsExactly(WasteCategory.CONTEXT_BLOAT);
        assertThat(report.findings())
                .filteredOn(f -> f.category() == WasteCategory.CACHE_MISS)
                .extracting(Finding::feature)
                .containsExactlyInAnyOrder("sales-email", "marketing-copy", "support-chat");
        assertThat(report.findings())
                .filteredOn(f -> f.category() == WasteCategory.CACHE_MISS)
                .allSatisfy(f -> {
                    // 12 planted groups a feature: 3 exact repeats and 3 rewordings within 0.90 each
                    assertThat(f.evidence().details().get("exact_duplicates")).isEqualTo("36");
                    assertThat(f.evidence().details().get("hits_at_0.90")).isEqualTo("72");
                });
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3})
    void analyze_sameTrafficAsSchema1Records_wholePromptSketchesWouldAdviseAResponseCache(long seed) {
        Month month = simulate(seed);

        // schema-1 records have only the whole-prompt sketch: the shared prefix makes the questions look alike
        WasteReport report = analyze(month, SharedPrefixTrafficTest::schema1);

        assertThat(report.findings())
                .filteredOn(f -> f.category() == WasteCategory.CACHE_MISS)
                .extracting(Finding::feature)
                .contains("help-center", "kb-assistant");
    }

    private record Month(List<UsageRecord> records, Governance governance) {}

    private static Month simulate(long seed) {
        TrafficSimulator simulator =
                TrafficSimulator.create(CATALOG, new TrafficSimulator.Settings(MONTH, seed, 20_000, false));
        List<UsageRecord> records = new ArrayList<>();
        simulator.run(records::add, (day, n) -> {});
        return new Month(records, new Governance(simulator.keys(), simulator.policies()));
    }

    private static WasteReport analyze(Month month, UnaryOperator<UsageRecord> view) {
        WasteAnalyzer.Pass pass =
                WasteAnalyzer.create(CATALOG, month.governance(), CLOCK).newPass();
        month.records().forEach(r -> pass.accept(view.apply(r)));
        return pass.finish(WINDOW, new ReadStats(0, month.records().size(), 0, 0, 0, List.of()));
    }

    private static UsageRecord schema1(UsageRecord r) {
        Fingerprints f = r.fingerprints();
        return new UsageRecord(
                UsageRecord.SCHEMA_VERSION,
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
                new Fingerprints(f.systemHash(), f.prefixHash(), f.requestHash(), f.simhash()),
                r.degradedFrom(),
                r.unenforced(),
                r.pricingProvider());
    }
}
