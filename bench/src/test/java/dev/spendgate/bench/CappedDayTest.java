package dev.spendgate.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.usage.UsageLogReader.ReadStats;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.waste.DayAggregates;
import dev.spendgate.domain.waste.Governance;
import dev.spendgate.domain.waste.WasteAnalyzer;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CappedDayTest {
    private static final LocalDate OCT_2 = LocalDate.of(2026, 10, 2);
    private static final Map<String, String> KEYS = Map.of(
            "support-prod", "key_000000000001",
            "people-prod", "key_000000000002",
            "legal-prod", "key_000000000003",
            "finance-prod", "key_000000000004");
    private final CappedDay generator = new CappedDay(PricingCatalog.bundled(), KEYS);

    @Test
    void emit_twoDays_inTimeOrderWithinTheDaySameForTheSameSeedAndNoScopeOnBothDays() {
        CappedDay.Sizes sizes = new CappedDay.Sizes(300, 50, 40);
        List<UsageRecord> first = day(OCT_2, sizes);
        List<UsageRecord> again = day(OCT_2, sizes);
        List<UsageRecord> next = day(OCT_2.plusDays(1), sizes);

        assertThat(first).isEqualTo(again);
        Instant start = OCT_2.atStartOfDay(ZoneOffset.UTC).toInstant();
        assertThat(first).allSatisfy(r -> assertThat(r.tsStart()).isBetween(start, start.plusSeconds(86_399)));
        assertThat(first).isSortedAccordingTo(java.util.Comparator.comparing(UsageRecord::tsStart));
        // 3 calls a prompt, 20 for every tenth job and 3 for the others, 3 a session, then one-off prompts
        assertThat(first.size()).isGreaterThan(900 + 5 * 20 + 45 * 3 + 120);
        Set<String> scopes = scopes(first);
        assertThat(scopes).hasSizeGreaterThanOrEqualTo(300 + 50 + 40);
        Set<String> onBothDays = scopes(next);
        onBothDays.retainAll(scopes);
        assertThat(onBothDays).isEmpty();
    }

    /**
     * Past the context-bloat rule's 100,000 groups its lossy counting drops groups; the generator replays that and
     * fills the rule to just below its cap after the last drop. The real day pass must end there too.
     */
    @Test
    void dayPass_promptsPastTheBloatCap_endsWithTheRuleJustBelowItsCap() {
        WasteAnalyzer analyzer = WasteAnalyzer.create(PricingCatalog.bundled(), Governance.NONE, Clock.systemUTC());
        WasteAnalyzer.Pass pass = analyzer.dayPass(OCT_2, Map.of());
        long[] n = {0};
        generator.emit(OCT_2, 1, new CappedDay.Sizes(105_000, 0, 0), r -> {
            pass.accept(r);
            n[0]++;
        });

        byte[] aggregate = DayAggregates.write(pass.dayAggregate(OCT_2, new ReadStats(1, n[0], 0, 0, 0, List.of())));

        Map<String, Long> sizes = CappedDay.collections(aggregate);
        assertThat(n[0]).isGreaterThan(315_000);
        assertThat(sizes).containsEntry("contextBloat", (long) CappedDay.BLOAT_GROUPS - 500);
        assertThat(sizes.get("promptCache.prompts")).isGreaterThan(105_000);
    }

    private List<UsageRecord> day(LocalDate day, CappedDay.Sizes sizes) {
        List<UsageRecord> out = new ArrayList<>();
        generator.emit(day, 1, sizes, out::add);
        return out;
    }

    /** System prompts, runs and sessions. */
    private static Set<String> scopes(List<UsageRecord> records) {
        Set<String> out = new HashSet<>();
        for (UsageRecord r : records) {
            if (r.fingerprints().systemHash() != null) {
                out.add(r.fingerprints().systemHash());
            }
            if (r.attribution().run() != null) {
                out.add(r.attribution().run());
            }
            if (r.attribution().session() != null) {
                out.add(r.attribution().session());
            }
        }
        return out;
    }
}
