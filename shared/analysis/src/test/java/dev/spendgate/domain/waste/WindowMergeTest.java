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
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A window merge settles what no later day can reach instead of holding every day's scopes to the end: days that
 * each bring scopes of their own (sessions with repeats, system prompts with cache writes, batch runs, runs of an
 * unattributed key) leave about two days of entries held, with the findings of the merge that holds them all and of
 * one pass over the records.
 */
class WindowMergeTest {
    private static final PricingCatalog CATALOG = PricingCatalog.bundled();
    private static final ModelPrice MINI = CATALOG.find("openai", "gpt-4o-mini").orElseThrow();
    private static final ModelPrice SONNET =
            CATALOG.find("anthropic", "claude-sonnet-4").orElseThrow();
    private static final LocalDate FIRST = LocalDate.of(2026, 10, 2);
    private static final int DAYS = 8;
    /** Scopes of each kind that each day brings. */
    private static final int SCOPES = 40;

    private static final WasteWindow WINDOW = new WasteWindow(
            FIRST.atStartOfDay(ZoneOffset.UTC).toInstant(),
            FIRST.plusDays(DAYS).atStartOfDay(ZoneOffset.UTC).toInstant());
    private final WasteAnalyzer analyzer = WasteAnalyzer.create(
            CATALOG, Governance.NONE, Clock.fixed(Instant.parse("2026-10-31T01:00:00Z"), ZoneOffset.UTC));
    private int ids;
    /** Request ids of the cache writes a later write of the same prompt overwrote unread, in call order. */
    private final List<String> overwritten = new ArrayList<>();
    /** Request ids of the cache writes still unread at the end, in the order of their prompts' first calls. */
    private final List<String> pending = new ArrayList<>();

    @Test
    void merge_daysEachWithScopesOfTheirOwn_holdsAboutTwoDaysAndFindsTheSame() throws Exception {
        List<List<UsageRecord>> days = new ArrayList<>();
        for (int d = 0; d < DAYS; d++) {
            days.add(day(d));
        }
        WasteAnalyzer.Merge bounded = analyzer.withMergeBounds(new WasteAnalyzer.Bounds(60, 60, 60, 1_000))
                .merge();
        WasteAnalyzer.Merge unbounded = analyzer.merge();
        WasteAnalyzer.Pass one = analyzer.newPass();
        int retryFindings = 0;
        for (int d = 0; d < DAYS; d++) {
            LocalDate day = FIRST.plusDays(d);
            WasteAnalyzer.Pass pass = analyzer.dayPass(day, Map.of());
            days.get(d).forEach(pass::accept);
            days.get(d).forEach(one::accept);
            DayAggregate aggregate = pass.dayAggregate(day, stats(days.get(d).size()));
            bounded.add(aggregate);
            unbounded.add(aggregate);
            retryFindings += SCOPES / 10;

            WasteAnalyzer.Held held = bounded.held();
            assertThat(held.retryScopes()).isLessThanOrEqualTo(2 * SCOPES + retryFindings);
            assertThat(held.prompts()).isLessThanOrEqualTo(2 * SCOPES);
            assertThat(held.jobs()).isLessThanOrEqualTo(2 * SCOPES);
            assertThat(held.keyAttributions()).isZero();
        }
        assertThat(unbounded.held().retryScopes()).isEqualTo(DAYS * SCOPES);
        assertThat(unbounded.held().prompts()).isEqualTo(DAYS * SCOPES);
        assertThat(unbounded.held().jobs()).isEqualTo(DAYS * SCOPES);

        WasteReport settled = bounded.finish(WINDOW, List.of());
        WasteReport all = unbounded.finish(WINDOW, List.of());
        WasteReport single = one.finish(WINDOW, stats(0));

        JsonNode findings = json(settled).get("findings");
        assertThat(findings).isEqualTo(json(all).get("findings"));
        assertThat(findings).isEqualTo(json(single).get("findings"));
        assertThat(settled.findings())
                .extracting(f -> f.category() + "/" + f.kind())
                .contains(
                        "RETRY_WASTE/duplicate_repeats",
                        "PROMPT_CACHE/unread_cache_writes",
                        "BATCH_TIER/batch_eligible",
                        "UNGOVERNED_KEY/unattributed");
        // overwritten writes as they came, then the writes still unread at the end in their prompts' order
        List<String> examples = new ArrayList<>(overwritten);
        examples.addAll(pending);
        assertThat(settled.findings().stream()
                        .filter(f -> f.kind().equals("unread_cache_writes"))
                        .findFirst()
                        .orElseThrow()
                        .evidence()
                        .exampleRequestIds())
                .containsExactlyElementsOf(examples.subList(0, Evidence.MAX_EXAMPLES));
        assertThat(String.join("\n", settled.input().warnings()))
                .contains("sessions and keys with fewer than 3 redundant calls")
                .contains("system prompts with a cache write")
                .contains("jobs, past 60 in the window");
        assertThat(all.input().warnings()).isEmpty();
    }

    @Test
    void merge_storedDaysReadAsAStream_boundedMergeHoldsAndFindsTheSame() throws Exception {
        WasteAnalyzer bounds = analyzer.withMergeBounds(new WasteAnalyzer.Bounds(60, 60, 60, 10));
        WasteAnalyzer.Merge whole = bounds.merge();
        WasteAnalyzer.Merge streamed = bounds.merge();
        for (int d = 0; d < DAYS; d++) {
            LocalDate day = FIRST.plusDays(d);
            List<UsageRecord> records = day(d);
            WasteAnalyzer.Pass pass = analyzer.dayPass(day, Map.of());
            records.forEach(pass::accept);
            byte[] stored = DayAggregates.write(pass.dayAggregate(day, stats(records.size())));

            whole.add(DayAggregates.read(stored));
            DayAggregates.merge(stored, streamed);

            assertThat(streamed.held()).isEqualTo(whole.held());
        }

        WasteReport expected = whole.finish(WINDOW, List.of());
        WasteReport actual = streamed.finish(WINDOW, List.of());
        assertThat(WasteReportJson.toBytes(actual)).isEqualTo(WasteReportJson.toBytes(expected));
        assertThat(actual.input().warnings()).anySatisfy(w -> assertThat(w).contains("jobs, past 60 in the window"));
    }

    /**
     * One day's calls, in time order: per scope a session sending one request 3 times (4 for every tenth: a
     * finding), a system prompt written once (the first overwritten unread, a quarter read), a batch run (20 calls
     * for every fifth, 3 for the others) on a key without department defaults.
     */
    private List<UsageRecord> day(int d) {
        Instant base =
                FIRST.plusDays(d).atStartOfDay(ZoneOffset.UTC).toInstant().plusSeconds(10 * 3600);
        List<UsageRecord> out = new ArrayList<>();
        for (int i = 0; i < SCOPES; i++) {
            Instant t = base.plusSeconds(60L * i);
            String scope = d + "-" + i;
            for (int k = 0; k < (i % 10 == 0 ? 4 : 3); k++) {
                out.add(mini(t.plusSeconds(5L * k), "key_1", chat("s" + scope), "q" + scope));
            }
            UsageRecord write = sonnet(t.plusSeconds(20), "sys" + scope, new TokenUsage(2_000, 0, 1_500, 0, 200, 0));
            out.add(write);
            if (i == 0) {
                overwritten.add(write.requestId());
                UsageRecord again =
                        sonnet(t.plusSeconds(140), "sys" + scope, new TokenUsage(2_000, 0, 1_500, 0, 200, 0));
                out.add(again);
                pending.add(again.requestId());
            } else if (i % 4 != 1) {
                pending.add(write.requestId());
            }
            if (i % 4 == 1) {
                out.add(sonnet(t.plusSeconds(140), "sys" + scope, new TokenUsage(2_000, 1_500, 0, 0, 200, 0)));
            }
            Attribution job = new Attribution("backfill", null, null, "batch", null, null, "r" + scope);
            for (int k = 0; k < (i % 5 == 0 ? 20 : 3); k++) {
                out.add(mini(t.plusSeconds(30).plusMillis(900L * k), "key_2", job, "j" + scope + "-" + k));
            }
        }
        out.sort(Comparator.comparing(UsageRecord::tsStart));
        return out;
    }

    private static Attribution chat(String session) {
        return new Attribution("chat", "support", null, "production", session, null, null);
    }

    private UsageRecord mini(Instant t, String key, Attribution a, String requestHash) {
        TokenUsage tokens = new TokenUsage(600, 0, 0, 0, 300, 0);
        return call(t, key, a, "openai", MINI, tokens, new Fingerprints(null, null, requestHash, null));
    }

    private UsageRecord sonnet(Instant t, String systemHash, TokenUsage tokens) {
        Attribution a = new Attribution("assistant", "support", null, "production", null, null, null);
        return call(t, "key_1", a, "anthropic", SONNET, tokens, new Fingerprints(systemHash, null, null, null));
    }

    private UsageRecord call(
            Instant t,
            String key,
            Attribution a,
            String provider,
            ModelPrice price,
            TokenUsage tokens,
            Fingerprints fingerprints) {
        return UsageRecord.builder()
                .requestId("req-" + ids++)
                .tsStart(t)
                .tsEnd(t.plusMillis(800))
                .keyId(key)
                .attribution(a)
                .provider(provider)
                .endpoint("chat.completions")
                .modelRequested(price.model())
                .modelServed(price.model())
                .statusCode(200)
                .tokens(tokens)
                .costUsd(price.cost(tokens))
                .pricingStatus(UsageRecord.PricingStatus.PRICED)
                .usageSource(UsageRecord.UsageSource.PROVIDER)
                .fingerprints(fingerprints)
                .build();
    }

    private static ReadStats stats(int records) {
        return new ReadStats(0, records, 0, 0, 0, List.of());
    }

    private static JsonNode json(WasteReport report) throws Exception {
        return new ObjectMapper().readTree(WasteReportJson.toBytes(report));
    }
}
