package dev.spendgate.aws.athena;

import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageRecordCodec;
import dev.spendgate.testing.aws.LocalAthena;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
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
import software.amazon.awssdk.services.athena.model.StopQueryExecutionRequest;
import software.amazon.awssdk.services.athena.model.StopQueryExecutionResponse;

/**
 * Athena's API in process over {@link LocalAthena}, so the report's queries run for real on records: the table is made
 * from the product's own DDL, rows are the codec's JSON lines as the OpenX JSON SerDe reads them, and the queries'
 * text is run as sent.
 */
final class DuckDbAthena implements AthenaClient {
    private final LocalAthena engine = new LocalAthena();

    /** Adds records as the usage log holds them, each in the partition of its start hour (UTC). */
    void add(List<UsageRecord> records) {
        List<String> lines = new ArrayList<>();
        for (UsageRecord r : records) {
            lines.add(new String(UsageRecordCodec.line(r), StandardCharsets.UTF_8).strip());
        }
        addLines(lines);
    }

    /** Adds usage log lines as written (damaged ones too). */
    void addLines(List<String> lines) {
        engine.addLines(lines);
    }

    @Override
    public StartQueryExecutionResponse startQueryExecution(StartQueryExecutionRequest r) {
        return StartQueryExecutionResponse.builder()
                .queryExecutionId(engine.start(r.queryString()))
                .build();
    }

    @Override
    public GetQueryExecutionResponse getQueryExecution(GetQueryExecutionRequest r) {
        String failure = engine.failure(r.queryExecutionId()).orElse(null);
        return GetQueryExecutionResponse.builder()
                .queryExecution(q -> q.queryExecutionId(r.queryExecutionId()).status(s -> s.state(
                                failure == null ? QueryExecutionState.SUCCEEDED : QueryExecutionState.FAILED)
                        .stateChangeReason(failure)))
                .build();
    }

    @Override
    public GetQueryResultsResponse getQueryResults(GetQueryResultsRequest r) {
        List<List<String>> all = engine.results(r.queryExecutionId());
        int from = r.nextToken() == null ? 0 : Integer.parseInt(r.nextToken());
        int to = Math.min(all.size(), from + (r.maxResults() == null ? 1000 : r.maxResults()));
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
    public StopQueryExecutionResponse stopQueryExecution(StopQueryExecutionRequest r) {
        return StopQueryExecutionResponse.builder().build();
    }

    @Override
    public String serviceName() {
        return "athena";
    }

    @Override
    public void close() {
        engine.close();
    }
}
