package dev.spendgate.aws.athena;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spendgate.domain.report.CellTotals;
import dev.spendgate.domain.report.MonthlyUsage;
import java.time.Duration;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.athena.AthenaClient;
import software.amazon.awssdk.services.athena.model.Datum;
import software.amazon.awssdk.services.athena.model.GetQueryExecutionRequest;
import software.amazon.awssdk.services.athena.model.GetQueryExecutionResponse;
import software.amazon.awssdk.services.athena.model.GetQueryResultsRequest;
import software.amazon.awssdk.services.athena.model.GetQueryResultsResponse;
import software.amazon.awssdk.services.athena.model.QueryExecutionState;
import software.amazon.awssdk.services.athena.model.Row;
import software.amazon.awssdk.services.athena.model.StartQueryExecutionRequest;
import software.amazon.awssdk.services.athena.model.StartQueryExecutionResponse;

class AthenaMonthlyUsageSourceTest {
    static final YearMonth NOV = YearMonth.of(2026, 11);

    /** A fake Athena: records queries, answers each with the next canned result, in pages of two rows. */
    static final class FakeAthena implements AthenaClient {
        final List<String> queries = new ArrayList<>();
        final List<List<List<String>>> results = new ArrayList<>();
        QueryExecutionState state = QueryExecutionState.SUCCEEDED;
        String reason = "SYNTAX_ERROR: line 1";

        @Override
        public StartQueryExecutionResponse startQueryExecution(StartQueryExecutionRequest r) {
            queries.add(r.queryString());
            return StartQueryExecutionResponse.builder()
                    .queryExecutionId("q" + (queries.size() - 1))
                    .build();
        }

        @Override
        public GetQueryExecutionResponse getQueryExecution(GetQueryExecutionRequest r) {
            return GetQueryExecutionResponse.builder()
                    .queryExecution(q -> q.queryExecutionId(r.queryExecutionId())
                            .status(s -> s.state(state).stateChangeReason(reason)))
                    .build();
        }

        @Override
        public GetQueryResultsResponse getQueryResults(GetQueryResultsRequest r) {
            int q = Integer.parseInt(r.queryExecutionId().substring(1));
            List<List<String>> all = new ArrayList<>();
            all.add(List.of("header"));
            all.addAll(q < results.size() ? results.get(q) : List.of());
            int from = r.nextToken() == null ? 0 : Integer.parseInt(r.nextToken());
            int to = Math.min(all.size(), from + 2);
            List<Row> rows = new ArrayList<>();
            for (List<String> values : all.subList(from, to)) {
                rows.add(Row.builder()
                        .data(values.stream()
                                .map(v -> Datum.builder().varCharValue(v).build())
                                .toList())
                        .build());
            }
            return GetQueryResultsResponse.builder()
                    .resultSet(s -> s.rows(rows))
                    .nextToken(to < all.size() ? Integer.toString(to) : null)
                    .build();
        }

        @Override
        public String serviceName() {
            return "athena";
        }

        @Override
        public void close() {}
    }

    static List<String> cell(String day, String model, String feature, String cost) {
        return Arrays.asList(
                day, "openai", model, "k1", feature, "support", null, "prod", "10", "9", "1", "1000", "200", "0", "0",
                "300", "0", cost);
    }

    AthenaMonthlyUsageSource source(FakeAthena athena) {
        return new AthenaMonthlyUsageSource(
                athena, new AthenaMonthlyUsageSource.Settings("spendgate", "usage", null, null, Duration.ofSeconds(5)));
    }

    @Test
    void load_readsOnlyTheMonthsPartitionsAndEveryResultPage() {
        FakeAthena athena = new FakeAthena();
        athena.results.add(List.of(
                cell("2026-11-01", "gpt-4o", "chatbot", "0.123456789012345678"),
                cell("2026-11-01", "gpt-4o-mini", "chatbot", "0.5"),
                cell("2026-11-02", "gpt-4o", "search", "1.000000000000000000")));
        athena.results.add(List.of(List.of("key-1", "s-1", "0.25")));

        MonthlyUsage usage = source(athena).load(NOV, Set.of("s-1"), Set.of());

        assertThat(athena.queries.get(0))
                .contains("FROM \"spendgate\".\"usage\" WHERE year = '2026' AND month = '11'")
                .contains("substr(ts_start, 1, 7) = '2026-11'")
                .contains("PARTITION BY request_id");
        assertThat(usage.cells()).hasSize(3);
        assertThat(usage.totalCostUsd()).isEqualByComparingTo("1.623456789012345678");
        CellTotals first = usage.cells().values().iterator().next();
        assertThat(first.calls()).isEqualTo(10);
        assertThat(first.unpricedCalls()).isEqualTo(1);
        assertThat(first.uncachedInputTokens()).isEqualTo(800);
        assertThat(athena.queries.get(1)).contains("session IN ('s-1')");
        assertThat(usage.sessionCosts()).containsEntry("s-1", new java.math.BigDecimal("0.25"));
    }

    @Test
    void load_worstCaseCalls_countedApartFromCostBasisAsTheLogReaderDoes() {
        FakeAthena athena = new FakeAthena();
        List<String> row = new ArrayList<>(cell("2026-11-01", "gpt-4o", "chatbot", "0.700000000000000000"));
        row.addAll(Arrays.asList(null, "2", "0.450000000000000000"));
        athena.results.add(List.of(row));

        MonthlyUsage usage = source(athena).load(NOV, Set.of(), Set.of());

        assertThat(athena.queries.get(0))
                .contains("count_if(cost_basis = 'reserved_worst_case' AND cost_usd IS NOT NULL)")
                // of two records of one call, the settled one wins over the sweep's estimate (the log reader's rule)
                .contains("PARTITION BY request_id ORDER BY if(cost_basis = 'reserved_worst_case', 1, 0), ts_end)")
                .contains("sum(if(cost_basis = 'reserved_worst_case' AND cost_usd IS NOT NULL,");
        CellTotals cell = usage.cells().values().iterator().next();
        assertThat(cell.worstCaseCalls()).isEqualTo(2);
        assertThat(cell.worstCaseUsd()).isEqualByComparingTo("0.45");
        assertThat(cell.costUsd()).as("still part of the cost").isEqualByComparingTo("0.7");
    }

    /**
     * Calls priced on tokens the gateway counted itself (a cut stream) are summed apart, as the log reader keeps them:
     * FOCUS marks their rows estimated and reconcile tells them from provider-reported tokens, in AWS as locally.
     */
    @Test
    void load_estimatedTokenCalls_keptApartFromTheProviderReportedOnes() {
        FakeAthena athena = new FakeAthena();
        List<String> row = new ArrayList<>(cell("2026-11-03", "gpt-4o", "chatbot", "0.700000000000000000"));
        row.addAll(Arrays.asList(null, "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", null));
        row.addAll(List.of("0", "0", "0", "0", "0", "0", "0"));
        row.addAll(List.of("1", "0.250000000000000000", "600", "100", "0", "0", "120", "0", "0", "0"));
        athena.results.add(List.of(row));

        MonthlyUsage usage = source(athena).load(NOV, Set.of(), Set.of());

        assertThat(athena.queries.get(0))
                .contains("count_if(usage_source = 'estimated' AND cost_usd IS NOT NULL"
                        + " AND coalesce(cost_basis, '') <> 'reserved_worst_case')")
                .contains("sum(if(usage_source = 'estimated' AND cost_usd IS NOT NULL"
                        + " AND coalesce(cost_basis, '') <> 'reserved_worst_case', output_tokens, 0))");
        CellTotals cell = usage.cells().values().iterator().next();
        assertThat(cell.estimatedTokenCalls()).isEqualTo(1);
        assertThat(cell.estimatedTokenUsd()).isEqualByComparingTo("0.25");
        assertThat(cell.estimatedTokens().inputTokens()).isEqualTo(600);
        assertThat(cell.estimatedTokens().cachedInputTokens()).isEqualTo(100);
        assertThat(cell.estimatedTokens().outputTokens()).isEqualTo(120);
        assertThat(cell.providerReportedTokens().inputTokens())
                .as("of the 1000 priced")
                .isEqualTo(400);
        assertThat(cell.providerReportedTokens().outputTokens()).isEqualTo(180);
        assertThat(cell.costUsd()).as("still part of the cost").isEqualByComparingTo("0.7");
    }

    /** Unpriced calls' tokens are summed apart, so reconciliation compares the provider's tokens with all of them. */
    @Test
    void load_unpricedCallsTokens_keptApartFromThePricedOnes() {
        FakeAthena athena = new FakeAthena();
        List<String> row = new ArrayList<>(cell("2026-11-01", "gpt-9", "chatbot", "0.700000000000000000"));
        row.addAll(Arrays.asList(null, "0", "0", "85000", "10000", "0", "0", "25000", "0"));
        athena.results.add(List.of(row));

        MonthlyUsage usage = source(athena).load(NOV, Set.of(), Set.of());

        assertThat(athena.queries.get(0))
                .contains("sum(if(cost_usd IS NULL AND pricing_status = 'unpriced', input_tokens, 0))");
        CellTotals cell = usage.cells().values().iterator().next();
        assertThat(cell.inputTokens()).as("priced calls only").isEqualTo(1000);
        assertThat(cell.unpricedTokens().inputTokens()).isEqualTo(85_000);
        assertThat(cell.unpricedTokens().cachedInputTokens()).isEqualTo(10_000);
        assertThat(cell.allTokens().outputTokens()).isEqualTo(25_300);
    }

    /**
     * Cells are keyed by the tier their calls were priced at, as the log reader keys them: FOCUS prices a flex or
     * batch cell at that tier's rates and reconciliation matches the bill's batch lines to batch cells.
     */
    @Test
    void load_serviceTiers_keyTheirCellsAsTheLogReaderDoes() {
        FakeAthena athena = new FakeAthena();
        List<List<String>> rows = new ArrayList<>();
        for (String tier : new String[] {"flex", "batch", "default", null, "FLEX"}) {
            List<String> row = new ArrayList<>(cell("2026-11-01", "gpt-5-mini", "chatbot", "0.100000000000000000"));
            row.addAll(Arrays.asList(null, "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", tier));
            rows.add(row);
        }
        athena.results.add(rows);

        MonthlyUsage usage = source(athena).load(NOV, Set.of(), Set.of());

        assertThat(athena.queries.get(0))
                .contains("coalesce(service_tier_served, service_tier_requested)")
                .contains("GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 19, 30");
        Map<String, java.math.BigDecimal> byTier = new java.util.HashMap<>();
        usage.cells()
                .forEach((k, t) ->
                        byTier.merge(String.valueOf(k.serviceTier()), t.costUsd(), java.math.BigDecimal::add));
        assertThat(byTier).containsOnlyKeys("flex", "batch", "null");
        assertThat(byTier.get("flex")).isEqualByComparingTo("0.2");
        assertThat(byTier.get("batch")).isEqualByComparingTo("0.1");
        assertThat(byTier.get("null")).as("standard").isEqualByComparingTo("0.2");
    }

    /**
     * The gateway's own AWS cost prices each call at its recorded length: the cells query sums the lengths per cell
     * and the month holds them per day, as the log reader does.
     */
    @Test
    void load_recordedLengths_summedPerDayForTheGatewaysOwnCost() {
        FakeAthena athena = new FakeAthena();
        List<List<String>> rows = new ArrayList<>();
        for (String feature : new String[] {"chatbot", "search"}) {
            List<String> row = new ArrayList<>(cell("2026-11-03", "gpt-5-mini", feature, "0.1"));
            row.addAll(Arrays.asList(null, "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", null));
            // 10 records in the cell: 1 batch result line, 8 calls with a recorded length of 30 s each; 3 cache
            // look-ups, 1 of them a hit, 2 misses filling the cache with 8 write units
            row.addAll(List.of("8", "240000", "1", "1", "3", "2", "8"));
            rows.add(row);
        }
        athena.results.add(rows);

        MonthlyUsage usage = source(athena).load(NOV, Set.of(), Set.of());

        assertThat(athena.queries.get(0))
                .contains("count_if(batch_id IS NULL AND (latency_ms > 0 OR cache = 'hit'))")
                .contains("count_if(batch_id IS NULL AND cache = 'hit')")
                .contains("2 + 2 * ((2047 + 4 * greatest(coalesce(output_tokens, 0), 0)) / 1024)")
                .contains("count_if(batch_id IS NOT NULL)");
        var day = usage.gatewayWork().get(java.time.LocalDate.of(2026, 11, 3));
        assertThat(day.invocations()).isEqualTo(18);
        assertThat(day.batchLines()).isEqualTo(2);
        assertThat(day.timedInvocations()).isEqualTo(16);
        assertThat(day.untimedInvocations()).isEqualTo(2);
        assertThat(day.cacheHits()).isEqualTo(2);
        assertThat(day.cacheLookups()).isEqualTo(6);
        assertThat(day.cacheFills()).isEqualTo(4);
        assertThat(day.cacheFillWriteUnits()).isEqualTo(16);
        assertThat(day.timedMillis()).isEqualTo(480_000);
    }

    @Test
    void load_trackedRequests_carryTheirSession() {
        FakeAthena athena = new FakeAthena();
        athena.results.add(List.of());
        athena.results.add(List.of(Arrays.asList("k", "r0", "0.013", "s-1"), Arrays.asList("k", "r9", "0.5", null)));

        MonthlyUsage usage = source(athena).load(NOV, Set.of(), Set.of("k|r0", "k|r9"));

        assertThat(athena.queries.get(1)).contains("max(session)").contains("request_id IN ('r0', 'r9')");
        assertThat(usage.requestSessions()).containsExactly(Map.entry("k|r0", "k|s-1"));
        assertThat(usage.requestCosts()).containsEntry("k|r9", new java.math.BigDecimal("0.5"));
    }

    /**
     * Session ids are the clients' own: support's s-1 and sales' s-1 are two sessions. The query sums per key, and
     * support's outcome naming s-1 gets only support's calls (as the in-process reader does).
     */
    @Test
    void load_sameSessionIdUnderTwoKeys_eachOutcomeGetsItsOwnKeysCalls() {
        FakeAthena athena = new FakeAthena();
        athena.results.add(List.of());
        athena.results.add(
                List.of(Arrays.asList("key-support", "s-1", "0.00042"), Arrays.asList("key-sales", "s-1", "16.5")));

        MonthlyUsage usage = source(athena).load(NOV, Set.of("key-support|s-1"), Set.of());

        assertThat(athena.queries.get(1)).contains("SELECT key_id, session,").contains("GROUP BY 1, 2");
        assertThat(usage.sessionCosts())
                .containsExactly(Map.entry("key-support|s-1", new java.math.BigDecimal("0.00042")));
        // an outcome of a third key naming s-1 is matched to no call, as in the log reader
        assertThat(usage.found("s:key-support|s-1")).isTrue();
        assertThat(usage.found("s:key-ops|s-1")).isFalse();
    }

    /**
     * The features an outcome's session used give its fully loaded cost (all the month's spend of those features), as
     * the log reader finds them from the records: per key, one row per feature.
     */
    @Test
    void load_trackedSessionAcrossTwoFeatures_carriesBothFeaturesAndTheWholeCost() {
        FakeAthena athena = new FakeAthena();
        athena.results.add(List.of());
        athena.results.add(List.of(
                Arrays.asList("key-support", "s-1", "0.3", null, "0", "support-chat"),
                Arrays.asList("key-support", "s-1", "0.2", null, "0", "triage"),
                Arrays.asList("key-sales", "s-1", "16.5", null, "0", "lead-gen")));

        MonthlyUsage usage = source(athena).load(NOV, Set.of("key-support|s-1"), Set.of());

        assertThat(athena.queries.get(1)).contains(", feature FROM deduped").contains("GROUP BY 1, 2, 6");
        assertThat(usage.sessionCosts()).containsOnlyKeys("key-support|s-1");
        assertThat(usage.sessionCosts().get("key-support|s-1")).isEqualByComparingTo("0.5");
        assertThat(usage.trackedFeatures())
                .containsExactly(
                        Map.entry("s:key-support|s-1", new java.util.TreeSet<>(Set.of("support-chat", "triage"))));
        // per feature too, as the log reader keeps it: the part of the session's cost the features' cells hold, so
        // fully loaded adds only its calls outside them (those of the month before)
        assertThat(usage.monthCostIn("s:key-support|s-1", Set.of("triage"))).isEqualByComparingTo("0.2");
        assertThat(usage.monthCostIn("s:key-support|s-1", Set.of("triage", "support-chat")))
                .isEqualByComparingTo("0.5");

        // the success rate's denominator: the distinct sessions of those features, counted by Athena when asked,
        // each key's its own (another key's s-1 is another session)
        athena.results.add(List.of(List.of("7")));
        assertThat(usage.distinctSessions(Set.of("triage", "support-chat"))).isEqualTo(7);
        assertThat(athena.queries.get(2))
                .contains("SELECT count(*) FROM (SELECT DISTINCT key_id, session FROM deduped")
                .contains("WHERE session IS NOT NULL")
                .contains("feature IN ('support-chat', 'triage')");
    }

    /**
     * Feature names are the clients' own: sales' "chat" is not support's. The success rate's denominator counts only the
     * sessions of the keys that posted the outcome, as the log reader does.
     */
    @Test
    void load_distinctSessionsOfThePostingKeys_onlyThoseKeysSessionsAreCounted() {
        FakeAthena athena = new FakeAthena();
        athena.results.add(List.of());
        athena.results.add(List.of());
        MonthlyUsage usage = source(athena).load(NOV, Set.of("key-support|s-1"), Set.of());

        athena.results.add(List.of(List.of("2")));
        assertThat(usage.distinctSessions(Set.of("chat"), Set.of("key-support")))
                .isEqualTo(2);
        assertThat(athena.queries.get(2)).contains("feature IN ('chat')").contains("AND key_id IN ('key-support')");
    }

    /**
     * Two successful sessions: s-1 ran in November, s-77 in October (its outcome was posted just after October's end).
     * The success rate counts s-77 among November's sessions of the feature too (numerator and denominator on the same
     * window), as the log reader does; s-1, with calls of the feature this month, is among them already and not asked
     * again.
     */
    @Test
    void load_distinctSessionsWithASuccessfulSessionOfTheMonthBefore_countsItOnce() {
        FakeAthena athena = new FakeAthena();
        athena.results.add(List.of());
        athena.results.add(List.of(Arrays.asList("key-support", "s-1", "0.3", null, "0", "support-chat")));
        MonthlyUsage usage = source(athena).load(NOV, Set.of("key-support|s-77", "key-support|s-1"), Set.of());

        athena.results.add(List.of(List.of("1"))); // this month's sessions of support-chat: s-1
        athena.results.add(List.of(List.of("1"))); // s-77: no call of support-chat in November
        long sessions = usage.distinctSessions(
                Set.of("support-chat"), Set.of("key-support"), Set.of("key-support|s-77", "key-support|s-1"));

        assertThat(sessions).isEqualTo(2);
        assertThat(athena.queries).hasSize(4);
        assertThat(athena.queries.get(3))
                .contains("FROM (VALUES ('key-support', 's-77')) AS named (key_id, session)")
                .contains("EXCEPT SELECT key_id, session FROM deduped")
                .contains("feature IN ('support-chat')")
                .doesNotContain("'s-1'");
    }

    /** A session of only unpriced calls has no known cost: its calls are counted, not read as $0 of priced calls. */
    @Test
    void load_sessionOfUnpricedCalls_countsThemApart() {
        FakeAthena athena = new FakeAthena();
        athena.results.add(List.of());
        athena.results.add(List.of(Arrays.asList("key-support", "s-9", null, null, "20")));

        MonthlyUsage usage = source(athena).load(NOV, Set.of("key-support|s-9"), Set.of());

        assertThat(athena.queries.get(1))
                .contains("count_if(cost_usd IS NULL AND pricing_status = 'unpriced')")
                .contains("(cost_usd IS NOT NULL OR pricing_status = 'unpriced')");
        assertThat(usage.sessionUnpricedCalls()).containsExactly(Map.entry("key-support|s-9", 20L));
    }

    @Test
    void load_30000OutcomeSessions_costedInFewMonthScansEachUnderAthenasQueryLimit() {
        FakeAthena athena = new FakeAthena();
        Set<String> sessions = new java.util.HashSet<>();
        for (int i = 0; i < 30_000; i++) {
            sessions.add(java.util
                    .UUID
                    .nameUUIDFromBytes(Integer.toString(i).getBytes())
                    .toString());
        }

        source(athena).load(NOV, sessions, Set.of());

        // every cost query scans the whole month: 500 ids a query made it 60 scans, past a 15-minute Lambda's time
        List<String> costQueries = athena.queries.subList(1, athena.queries.size());
        assertThat(costQueries).hasSizeLessThanOrEqualTo(7);
        Set<String> asked = new java.util.HashSet<>();
        for (String q : costQueries) {
            assertThat(q.getBytes(java.nio.charset.StandardCharsets.UTF_8).length)
                    .isLessThan(262_144);
            java.util.regex.Matcher m =
                    java.util.regex.Pattern.compile("'([0-9a-f-]{36})'").matcher(q);
            while (m.find()) {
                assertThat(asked.add(m.group(1)))
                        .as("asked once: %s", m.group(1))
                        .isTrue();
            }
        }
        assertThat(asked).isEqualTo(sessions);
    }

    @Test
    void withTableCreatedOnFirstLoad_noQueryUntilTheFirstLoadThenTheDdlOnce() {
        // a SnapStart Lambda's init runs when its version is published, before the same deployment's table may exist
        FakeAthena athena = new FakeAthena();
        AthenaMonthlyUsageSource source = source(athena).withTableCreatedOnFirstLoad("my-usage-bucket");
        assertThat(athena.queries).isEmpty();

        source.load(NOV, Set.of(), Set.of());
        source.load(NOV, Set.of(), Set.of());

        assertThat(athena.queries.get(0)).startsWith("CREATE EXTERNAL TABLE IF NOT EXISTS");
        assertThat(athena.queries).filteredOn(q -> q.startsWith("CREATE")).hasSize(1);
    }

    @Test
    void load_oldRowsWithCostBasisNull_countedAsProviderReported() {
        FakeAthena athena = new FakeAthena();
        // a cell of rows written before schema 4: cost_basis NULL, so Athena's count_if gives 0 and the coalesced
        // sum of nothing 0; and the same cell with the two columns NULL (a result without them) reads the same
        List<String> athenaAnswer = new ArrayList<>(cell("2026-11-01", "gpt-4o", "chatbot", "0.700000000000000000"));
        athenaAnswer.addAll(Arrays.asList(null, "0", "0"));
        List<String> nulls = new ArrayList<>(cell("2026-11-02", "gpt-4o", "chatbot", "0.300000000000000000"));
        nulls.addAll(Arrays.asList(null, null, null));
        athena.results.add(List.of(athenaAnswer, nulls));

        MonthlyUsage usage = source(athena).load(NOV, Set.of(), Set.of());

        // NULL = 'reserved_worst_case' is NULL, never true: the old rows are not worst-case charges
        assertThat(athena.queries.get(0)).contains("count_if(cost_basis = 'reserved_worst_case'");
        assertThat(usage.cells()).hasSize(2);
        assertThat(usage.cells().values()).allSatisfy(c -> {
            assertThat(c.worstCaseCalls()).isZero();
            assertThat(c.worstCaseUsd()).isZero();
            assertThat(c.calls()).isEqualTo(10);
        });
        assertThat(usage.totalCostUsd()).isEqualByComparingTo("1.0");
    }

    @Test
    void load_tableWithoutCostBasis_failureNamesTheAlterTableToRun() {
        FakeAthena athena = new FakeAthena();
        athena.state = QueryExecutionState.FAILED;
        athena.reason = "COLUMN_NOT_FOUND: line 2:1: Column 'cost_basis' cannot be resolved";

        assertThatThrownBy(() -> source(athena).load(NOV, Set.of(), Set.of()))
                .isInstanceOf(AthenaMonthlyUsageSource.AthenaQueryException.class)
                .hasMessageContaining("Column 'cost_basis' cannot be resolved")
                .hasMessageContaining("ALTER TABLE `spendgate`.`usage` ADD COLUMNS (cost_basis string)");
    }

    @Test
    void load_tableMadeByTheFirstDdl_failureNamesTheColumnsToAdd() {
        FakeAthena athena = new FakeAthena();
        athena.state = QueryExecutionState.FAILED;
        athena.reason = "COLUMN_NOT_FOUND: line 3:12: Column 'service_tier_served' cannot be resolved";

        assertThatThrownBy(() -> source(athena).load(NOV, Set.of(), Set.of()))
                .hasMessageContaining("Column 'service_tier_served' cannot be resolved")
                .hasMessageContaining("ALTER TABLE `spendgate`.`usage` ADD COLUMNS (varying_hash string,")
                .hasMessageContaining("web_searches bigint, web_search_tool string,");
    }

    @Test
    void ddl_everyColumnTheReportsQueriesRead() {
        String ddl = AthenaUsageTable.ddl("spendgate", "usage", "my-usage-bucket");
        for (Map.Entry<String, String> added : AthenaUsageTable.ADDED_COLUMNS.entrySet()) {
            assertThat(ddl).containsPattern("\n  " + added.getKey() + " " + added.getValue() + ",?\n");
        }
        // a malformed line is skipped, not the whole query failed (as the stack's Glue table says too)
        assertThat(ddl).contains("WITH SERDEPROPERTIES ('ignore.malformed.json' = 'true')");
    }

    @Test
    void addCostBasis_sameColumnAndTypeAsTheDdl() {
        assertThat(AthenaUsageTable.addCostBasis("spendgate", "usage_records"))
                .isEqualTo("ALTER TABLE `spendgate`.`usage_records` ADD COLUMNS (cost_basis string)");
        assertThat(AthenaUsageTable.ddl("spendgate", "usage", "my-usage-bucket"))
                .contains("  cost_basis string\n");
        assertThatThrownBy(() -> AthenaUsageTable.addCostBasis("spendgate", "usage; DROP"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("table");
    }

    @Test
    void ddl_hasTheCostBasisColumnTheReportQueries() {
        assertThat(AthenaUsageTable.ddl("spendgate", "usage", "my-usage-bucket"))
                .contains("cost_basis string");
    }

    @Test
    void load_failedQuery_throwsWithAthenasReason() {
        FakeAthena athena = new FakeAthena();
        athena.state = QueryExecutionState.FAILED;
        assertThatThrownBy(() -> source(athena).load(NOV, Set.of(), Set.of()))
                .isInstanceOf(AthenaMonthlyUsageSource.AthenaQueryException.class)
                .hasMessageContaining("failed")
                .hasMessageContaining("SYNTAX_ERROR");
    }

    @Test
    void ddl_projectsPartitionsOverTheUsageLayout() {
        String ddl = AthenaUsageTable.ddl("spendgate", "usage", "my-usage-bucket");
        assertThat(ddl)
                .startsWith("CREATE EXTERNAL TABLE IF NOT EXISTS `spendgate`.`usage`")
                .contains("PARTITIONED BY (year string, month string, day string, hour string)")
                .contains("'projection.enabled' = 'true'")
                .contains("'projection.month.digits' = '2'")
                .contains("LOCATION 's3://my-usage-bucket/usage/v1/'")
                .contains("'storage.location.template' = "
                        + "'s3://my-usage-bucket/usage/v1/year=${year}/month=${month}/day=${day}/hour=${hour}/'")
                .contains("cost_usd string");
        assertThatThrownBy(() -> AthenaUsageTable.ddl("x; DROP", "usage", "b-1"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
