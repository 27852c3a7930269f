package dev.spendgate.domain.waste;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.simulate.GroundTruth;
import dev.spendgate.domain.simulate.PlantedWaste;
import dev.spendgate.domain.simulate.Simulation;
import dev.spendgate.domain.simulate.TrafficSimulator;
import java.math.BigDecimal;
import java.math.MathContext;
import java.time.Clock;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Simulated months with planted waste: every detector must find what was planted, and only that, at the right price. */
class WasteAnalyzerAccuracyTest {
    private static final YearMonth MONTH = YearMonth.of(2026, 10);
    private static final PricingCatalog CATALOG = PricingCatalog.bundled();
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-02T06:00:00Z"), ZoneOffset.UTC);

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3})
    void analyze_simulatedMonth_findsPlantedWastePerCategoryWithPrecisionRecallAndSavingsWithinTenPercent(long seed) {
        MemoryStores.Objects store = new MemoryStores.Objects();
        MemoryStores.Keys keys = new MemoryStores.Keys();
        MemoryStores.Policies policies = new MemoryStores.Policies();
        TrafficSimulator simulator =
                TrafficSimulator.create(CATALOG, new TrafficSimulator.Settings(MONTH, seed, 20_000, true));
        GroundTruth truth = Simulation.write(simulator, MONTH, store, keys, policies, CLOCK, (day, n) -> {});

        WasteWindow window = new WasteWindow(
                MONTH.atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant(),
                MONTH.plusMonths(1).atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant());
        WasteReport report = WasteAnalyzer.create(CATALOG, new Governance(keys.list(), policies.list()), CLOCK)
                .analyze(store, window);

        assertThat(report.callsAnalysed()).isEqualTo(truth.records());
        assertThat(report.spendUsd()).isEqualByComparingTo(truth.spendUsd());
        SoftAssertions soft = new SoftAssertions();
        for (WasteCategory category : WasteCategory.values()) {
            List<PlantedWaste> planted = truth.of(category);
            List<Finding> found = report.findings().stream()
                    .filter(f -> f.category() == category)
                    .toList();
            Set<String> plantedScopes = new HashSet<>();
            planted.forEach(p -> plantedScopes.add(scope(p.kind(), p.scopeType(), p.scopeValue(), category)));
            long truePositives = found.stream()
                    .filter(f -> plantedScopes.contains(scope(f.kind(), f.scopeType(), f.scopeValue(), category)))
                    .count();
            Set<String> foundScopes = new HashSet<>();
            found.forEach(f -> foundScopes.add(scope(f.kind(), f.scopeType(), f.scopeValue(), category)));
            long recalled = plantedScopes.stream().filter(foundScopes::contains).count();
            soft.assertThat(planted).as(category + " planted").isNotEmpty();
            soft.assertThat((double) truePositives / Math.max(1, found.size()))
                    .as(category + " precision, found " + foundScopes + " planted " + plantedScopes)
                    .isGreaterThanOrEqualTo(0.9);
            soft.assertThat((double) recalled / planted.size())
                    .as(category + " recall, found " + foundScopes + " planted " + plantedScopes)
                    .isGreaterThanOrEqualTo(0.9);

            System.out.printf(
                    "seed %d %s: planted %d found %d, savings planted %s found %s, at risk planted %s found %s%n",
                    seed,
                    category.label(),
                    planted.size(),
                    found.size(),
                    sum(planted, PlantedWaste::windowSavingsUsd),
                    sumFindings(found, Finding::windowSavingsUsd),
                    window.monthly(sum(planted, PlantedWaste::spendAtRiskUsd)),
                    sumFindings(found, Finding::monthlySpendAtRiskUsd));
            if (category == WasteCategory.UNGOVERNED_KEY) {
                BigDecimal plantedRisk = window.monthly(sum(planted, PlantedWaste::spendAtRiskUsd));
                BigDecimal foundRisk = sumFindings(found, Finding::monthlySpendAtRiskUsd);
                soft.assertThat(ratio(foundRisk, plantedRisk))
                        .as(category + " spend at risk / planted")
                        .isCloseTo(1.0, within(0.10));
            } else {
                soft.assertThat(ratio(
                                sumFindings(found, Finding::windowSavingsUsd),
                                sum(planted, PlantedWaste::windowSavingsUsd)))
                        .as(category + " savings / planted")
                        .isCloseTo(1.0, within(0.10));
            }
            if (category == WasteCategory.CACHE_MISS) {
                for (String threshold : List.of("0.85", "0.90", "0.95")) {
                    BigDecimal plantedAt =
                            sum(planted, p -> p.savingsByThreshold().getOrDefault(threshold, BigDecimal.ZERO));
                    BigDecimal foundAt =
                            sumFindings(found, f -> f.savingsByThreshold().getOrDefault(threshold, BigDecimal.ZERO));
                    soft.assertThat(ratio(foundAt, plantedAt))
                            .as("cache savings at " + threshold + " / planted")
                            .isCloseTo(1.0, within(0.10));
                }
            }
            Set<String> plantedIds = new HashSet<>();
            planted.forEach(p -> plantedIds.addAll(p.requestIds()));
            for (Finding f : found) {
                if (plantedScopes.contains(scope(f.kind(), f.scopeType(), f.scopeValue(), category))
                        && category != WasteCategory.CONTEXT_BLOAT) {
                    soft.assertThat(plantedIds)
                            .as(f.id() + " examples are planted calls")
                            .containsAll(f.evidence().exampleRequestIds());
                }
                soft.assertThat(f.evidence().exampleRequestIds())
                        .as(f.id())
                        .isNotEmpty()
                        .hasSizeLessThanOrEqualTo(10);
            }
        }
        soft.assertAll();
    }

    /** Ungoverned findings are told apart by rule; the other categories by scope. */
    private static String scope(String kind, String type, String value, WasteCategory category) {
        return (category == WasteCategory.UNGOVERNED_KEY ? kind + " " : "") + type + ":" + value;
    }

    private static BigDecimal sum(List<PlantedWaste> planted, Function<PlantedWaste, BigDecimal> f) {
        return planted.stream().map(f).reduce(BigDecimal.ZERO, BigDecimal::add);
    }

    private static BigDecimal sumFindings(List<Finding> found, Function<Finding, BigDecimal> f) {
        return found.stream().map(f).reduce(BigDecimal.ZERO, BigDecimal::add);
    }

    private static double ratio(BigDecimal found, BigDecimal planted) {
        if (planted.signum() <= 0) {
            return Double.NaN;
        }
        return found.divide(planted, MathContext.DECIMAL64).doubleValue();
    }
}
