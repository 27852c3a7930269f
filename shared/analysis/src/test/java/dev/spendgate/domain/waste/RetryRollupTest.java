package dev.spendgate.domain.waste;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.pricing.ModelPrice;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.usage.UsageLogReader.ReadStats;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageRecord.Fingerprints;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Past the window's bound on retry findings listed one by one, a merge folds the least wasteful sessions the last day
 * did not have into one finding per feature: the window's waste, its total and the efficiency scores stay exactly
 * those of the merge that lists every session.
 */
class RetryRollupTest {
    private static final PricingCatalog CATALOG = PricingCatalog.bundled();
    private static final ModelPrice MINI = CATALOG.find("openai", "gpt-4o-mini").orElseThrow();
    private static final LocalDate FIRST = LocalDate.of(2026, 10, 2);
    private static final int DAYS = 8;
    /** Sessions with a finding that each day brings, per feature. */
    private static final int SESSIONS = 12;

    private static final int BOUND = 40;
    private static final WasteWindow WINDOW = new WasteWindow(
            FIRST.atStartOfDay(ZoneOffset.UTC).toInstant(),
            FIRST.plusDays(DAYS).atStartOfDay(ZoneOffset.UTC).toInstant());
    private final WasteAnalyzer analyzer = WasteAnalyzer.create(
            CATALOG, Governance.NONE, Clock.fixed(Instant.parse("2026-10-31T01:00:00Z"), ZoneOffset.UTC));
    private int ids;

    @Test
    void merge_pastTheBoundOnRetryFindings_rollsUpTheSmallestAndKeepsTheWasteExact() throws Exception {
        WasteAnalyzer.Merge bounded = analyzer.withMergeBounds(new WasteAnalyzer.Bounds(1_000, 1_000, 1_000, BOUND))
                .merge();
        WasteAnalyzer.Merge unbounded = analyzer.merge();
        for (int d = 0; d < DAYS; d++) {
            LocalDate day = FIRST.plusDays(d);
            WasteAnalyzer.Pass pass = analyzer.dayPass(day, Map.of());
            List<UsageRecord> records = day(d);
            records.forEach(pass::accept);
            DayAggregate aggregate = pass.dayAggregate(day, new ReadStats(0, records.size(), 0, 0, 0, List.of()));
            bounded.add(aggregate);
            unbounded.add(aggregate);

            // what is held: the bound, plus the sessions of the day just merged
            assertThat(bounded.held().retryScopes()).isLessThanOrEqualTo(BOUND + 2 * SESSIONS);
        }
        WasteReport rolled = bounded.finish(WINDOW, List.of());
        WasteReport all = unbounded.finish(WINDOW, List.of());

        List<Finding> listed = retry(rolled, "session");
        List<Finding> rollups = retry(rolled, "sessions");
        List<Finding> every = retry(all, "session");
        assertThat(every).hasSize(DAYS * 2 * SESSIONS);
        assertThat(rollups).extracting(Finding::scopeValue).containsExactlyInAnyOrder("chat", "agent");
        long folded = rollups.stream()
                .mapToLong(f -> Long.parseLong(f.evidence().details().get("scopes_rolled_up")))
                .sum();
        assertThat(listed.size() + folded).isEqualTo(every.size());
        assertThat(listed.size()).isLessThanOrEqualTo(BOUND + 2 * SESSIONS);

        // the rolled-up waste is exactly that of the sessions no longer listed, per feature
        Set<String> listedIds = listed.stream().map(Finding::scopeValue).collect(Collectors.toSet());
        for (Finding r : rollups) {
            BigDecimal unlisted = every.stream()
                    .filter(f -> f.feature().equals(r.feature()) && !listedIds.contains(f.scopeValue()))
                    .map(Finding::windowSavingsUsd)
                    .reduce(BigDecimal.ZERO, BigDecimal::add);
            assertThat(r.windowSavingsUsd()).isEqualByComparingTo(unlisted);
            assertThat(r.evidence().wastefulCalls())
                    .isEqualTo(every.stream()
                            .filter(f -> f.feature().equals(r.feature()) && !listedIds.contains(f.scopeValue()))
                            .mapToLong(f -> f.evidence().wastefulCalls())
                            .sum());
        }
        // the sessions still listed are the most wasteful of the days before the last: none folded one was larger
        BigDecimal smallestListedBeforeLastDay = listed.stream()
                .filter(f -> !f.scopeValue().startsWith("key_1/" + (DAYS - 1) + "-"))
                .map(Finding::windowSavingsUsd)
                .min(Comparator.naturalOrder())
                .orElseThrow();
        assertThat(every.stream()
                        .filter(f -> !listedIds.contains(f.scopeValue()))
                        .map(Finding::windowSavingsUsd))
                .allMatch(w -> w.compareTo(smallestListedBeforeLastDay) <= 0);

        // the total waste, the scores and the settings are those of the merge that lists every session
        JsonNode a = json(rolled);
        JsonNode b = json(all);
        assertThat(a.get("efficiency_score")).isEqualTo(b.get("efficiency_score"));
        assertThat(a.get("recommended_settings").get(0).get("setting").asText())
                .isEqualTo("SPENDGATE_SESSION_CALLS_PER_MINUTE");
        assertThat(rolled.input().warnings())
                .anyMatch(w -> w.startsWith("rolled up: " + folded + " sessions and keys")
                        && w.contains("past " + BOUND + " in the window"));
        assertThat(all.input().warnings()).isEmpty();
    }

    private static List<Finding> retry(WasteReport report, String scopeType) {
        return report.findings().stream()
                .filter(f -> f.category() == WasteCategory.RETRY_WASTE
                        && f.scopeType().equals(scopeType))
                .toList();
    }

    /**
     * One day's calls: per feature ({@code chat}, {@code agent}) {@link #SESSIONS} new sessions, each sending one
     * request 4 to 11 times 5 s apart (3 to 10 redundant repeats: each a finding, of a different size).
     */
    private List<UsageRecord> day(int d) {
        Instant base =
                FIRST.plusDays(d).atStartOfDay(ZoneOffset.UTC).toInstant().plusSeconds(10 * 3600);
        List<UsageRecord> out = new ArrayList<>();
        for (String feature : List.of("chat", "agent")) {
            for (int i = 0; i < SESSIONS; i++) {
                Instant t = base.plusSeconds(120L * i + (feature.equals("chat") ? 0 : 3_600));
                String session = d + "-" + feature + "-" + i;
                int sends = 4 + (i * 7 + d * 3) % 8;
                for (int k = 0; k < sends; k++) {
                    out.add(call(t.plusSeconds(5L * k), feature, session));
                }
            }
        }
        out.sort(Comparator.comparing(UsageRecord::tsStart));
        return out;
    }

    private UsageRecord call(Instant t, String feature, String session) {
        TokenUsage tokens = new TokenUsage(600, 0, 0, 0, 300, 0);
        return UsageRecord.builder()
                .requestId("req-" + ids++)
                .tsStart(t)
                .tsEnd(t.plusMillis(800))
                .keyId("key_1")
                .attribution(new Attribution(feature, "support", null, "production", session, null, null))
                .provider("openai")
                .endpoint("chat.completions")
                .modelRequested(MINI.model())
                .modelServed(MINI.model())
                .statusCode(200)
                .tokens(tokens)
                .costUsd(MINI.cost(tokens))
                .pricingStatus(UsageRecord.PricingStatus.PRICED)
                .usageSource(UsageRecord.UsageSource.PROVIDER)
                .fingerprints(new Fingerprints(null, null, "q" + session, null))
                .build();
    }

    private static JsonNode json(WasteReport report) throws Exception {
        return new ObjectMapper().readTree(WasteReportJson.toBytes(report));
    }
}
