package dev.spendgate.aws.athena;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageRecordCodec;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
 * Athena's API over an embedded SQL engine (DuckDB), so the report's queries run for real on records: the table is
 * made from the product's own DDL ({@code CREATE EXTERNAL TABLE}, its columns and partitions), rows are the codec's
 * JSON lines read as the OpenX JSON SerDe reads them (a field not in the table is ignored, a column missing from the
 * line reads NULL, a number in a {@code string} column reads as its text), and the queries' text is run as sent.
 * DuckDB is not Trino: {@code integer_division} makes {@code /} on integers truncate as Athena's does.
 */
final class DuckDbAthena implements AthenaClient {
    private static final Pattern TABLE = Pattern.compile(
            "CREATE EXTERNAL TABLE IF NOT EXISTS `([^`]+)`\\.`([^`]+)` \\((.*?)\\)\\s*PARTITIONED BY \\((.*?)\\)",
            Pattern.DOTALL);
    private static final Pattern COLUMN = Pattern.compile("`?(\\w+)`?\\s+(string|int|bigint|boolean)");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Connection db;
    private final List<String> queries = new ArrayList<>();
    private final Map<String, List<List<String>>> results = new LinkedHashMap<>();
    private final Map<String, String> failures = new LinkedHashMap<>();
    private final Map<String, String> columns = new LinkedHashMap<>();
    private String table;

    DuckDbAthena() {
        try {
            db = DriverManager.getConnection("jdbc:duckdb:");
            try (Statement s = db.createStatement()) {
                s.execute("SET integer_division = true");
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Every query sent, in order. */
    List<String> queries() {
        return queries;
    }

    /** Adds records as the usage log holds them, each in the partition of its start hour (UTC). */
    void add(List<UsageRecord> records) {
        List<String> lines = new ArrayList<>();
        for (UsageRecord r : records) {
            lines.add(new String(UsageRecordCodec.line(r), StandardCharsets.UTF_8).strip());
        }
        addLines(lines);
    }

    /** Adds usage log lines as written (damaged ones too), each in the partition of its {@code ts_start}'s hour. */
    void addLines(List<String> lines) {
        if (table == null) {
            throw new IllegalStateException("no table yet: the source creates it on its first load");
        }
        List<String> names = new ArrayList<>(columns.keySet());
        // rows as literals, many to a statement: a prepared batch inserts a row at a time, seconds for a month
        try (Statement insert = db.createStatement()) {
            StringBuilder sql = new StringBuilder();
            int rows = 0;
            for (String line : lines) {
                JsonNode n = JSON.readTree(line);
                sql.append(rows == 0 ? "INSERT INTO " + table + " VALUES " : ", ")
                        .append('(');
                for (String name : names) {
                    JsonNode v = n.get(name);
                    String type = columns.get(name);
                    if (v == null || v.isNull()) {
                        sql.append("NULL");
                    } else if (type.equals("string")) {
                        sql.append(text(v.isTextual() ? v.asText() : v.toString()));
                    } else if (type.equals("boolean")) {
                        sql.append(v.asBoolean());
                    } else {
                        sql.append(v.asLong());
                    }
                    sql.append(", ");
                }
                String start = n.path("ts_start").asText();
                sql.append(text(start.substring(0, 4)))
                        .append(", ")
                        .append(text(start.substring(5, 7)))
                        .append(", ")
                        .append(text(start.substring(8, 10)))
                        .append(", ")
                        .append(text(start.substring(11, 13)))
                        .append(')');
                if (++rows == 1000) {
                    insert.execute(sql.toString());
                    sql.setLength(0);
                    rows = 0;
                }
            }
            if (rows > 0) {
                insert.execute(sql.toString());
            }
        } catch (SQLException | java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String text(String v) {
        return "'" + v.replace("'", "''") + "'";
    }

    @Override
    public StartQueryExecutionResponse startQueryExecution(StartQueryExecutionRequest r) {
        String id = "q" + queries.size();
        queries.add(r.queryString());
        try {
            Matcher ddl = TABLE.matcher(r.queryString());
            if (ddl.find()) {
                createTable(ddl);
                results.put(id, List.of());
            } else {
                results.put(id, run(r.queryString()));
            }
        } catch (SQLException e) {
            failures.put(id, e.getMessage());
        }
        return StartQueryExecutionResponse.builder().queryExecutionId(id).build();
    }

    private void createTable(Matcher ddl) throws SQLException {
        if (table != null) {
            return; // IF NOT EXISTS
        }
        Matcher c = COLUMN.matcher(ddl.group(3));
        while (c.find()) {
            columns.put(c.group(1), c.group(2));
        }
        StringBuilder create = new StringBuilder();
        columns.forEach((name, type) -> create.append(create.isEmpty() ? "" : ", ")
                .append('"')
                .append(name)
                .append("\" ")
                .append(
                        switch (type) {
                            case "string" -> "VARCHAR";
                            case "int" -> "INTEGER";
                            case "bigint" -> "BIGINT";
                            default -> "BOOLEAN";
                        }));
        for (String partition : new String[] {"year", "month", "day", "hour"}) {
            if (!ddl.group(4).contains(partition + " string")) {
                throw new SQLException("partition " + partition + " missing from the DDL");
            }
            create.append(", \"").append(partition).append("\" VARCHAR");
        }
        table = "\"" + ddl.group(1) + "\".\"" + ddl.group(2) + "\"";
        try (Statement s = db.createStatement()) {
            s.execute("CREATE SCHEMA IF NOT EXISTS \"" + ddl.group(1) + "\"");
            s.execute("CREATE TABLE " + table + " (" + create + ")");
        }
    }

    private List<List<String>> run(String sql) throws SQLException {
        List<List<String>> rows = new ArrayList<>();
        try (Statement s = db.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            int n = rs.getMetaData().getColumnCount();
            List<String> header = new ArrayList<>();
            for (int i = 1; i <= n; i++) {
                header.add(rs.getMetaData().getColumnLabel(i));
            }
            rows.add(header); // Athena's first row of a SELECT's results: the column names
            while (rs.next()) {
                List<String> row = new ArrayList<>(n);
                for (int i = 1; i <= n; i++) {
                    row.add(rs.getString(i));
                }
                rows.add(row);
            }
        }
        return rows;
    }

    @Override
    public GetQueryExecutionResponse getQueryExecution(GetQueryExecutionRequest r) {
        String failure = failures.get(r.queryExecutionId());
        return GetQueryExecutionResponse.builder()
                .queryExecution(q -> q.queryExecutionId(r.queryExecutionId()).status(s -> s.state(
                                failure == null ? QueryExecutionState.SUCCEEDED : QueryExecutionState.FAILED)
                        .stateChangeReason(failure)))
                .build();
    }

    @Override
    public GetQueryResultsResponse getQueryResults(GetQueryResultsRequest r) {
        List<List<String>> all = results.get(r.queryExecutionId());
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
        try {
            db.close();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
