package dev.spendgate.testing.aws;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.domain.store.ObjectStore;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

/**
 * Athena's query engine, locally: an embedded SQL engine (DuckDB, close to Athena's Trino dialect) that runs the
 * queries' text as sent. {@code CREATE EXTERNAL TABLE} makes the table from the DDL's columns and partitions; a SELECT
 * first reads the table's location as Athena does (every object under it, gzip or not, NDJSON as the OpenX JSON SerDe
 * reads it: a field not in the table ignored, a missing one NULL, a number in a {@code string} column read as its
 * text, a malformed line skipped; partitions from the key's {@code year=/month=/day=/hour=}). Rows may also be added
 * directly ({@link #addLines}) when no bucket backs the table. DuckDB is not Trino: {@code integer_division} makes
 * {@code /} on integers truncate as Athena's does.
 */
public final class LocalAthena implements AutoCloseable {
    private static final Pattern TABLE = Pattern.compile(
            "CREATE EXTERNAL TABLE IF NOT EXISTS `([^`]+)`\\.`([^`]+)` \\((.*?)\\)\\s*PARTITIONED BY \\((.*?)\\)"
                    + ".*?LOCATION 's3://([^/']+)/([^']*)'",
            Pattern.DOTALL);
    private static final Pattern COLUMN = Pattern.compile("`?(\\w+)`?\\s+(string|int|bigint|boolean)");
    private static final Pattern PARTITION =
            Pattern.compile("year=(\\d{4})/month=(\\d{2})/day=(\\d{2})/hour=(\\d{2})/");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Connection db;
    private final Function<String, ObjectStore> buckets;
    private final Map<String, List<List<String>>> results = new HashMap<>();
    private final Map<String, String> failures = new HashMap<>();
    private final Map<String, String> columns = new LinkedHashMap<>();
    private final List<String> queries = new ArrayList<>();
    private String table;
    private String bucket;
    private String prefix;

    /** An engine whose tables read the bucket {@code buckets} gives for their location's bucket (null: none). */
    public LocalAthena(Function<String, ObjectStore> buckets) {
        this.buckets = buckets;
        try {
            db = DriverManager.getConnection("jdbc:duckdb:");
            try (Statement s = db.createStatement()) {
                s.execute("SET integer_division = true");
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot start the embedded SQL engine", e);
        }
    }

    /** An engine whose rows are only those {@link #addLines} adds. */
    public LocalAthena() {
        this(null);
    }

    /** Runs a query; its id, for {@link #failure} and {@link #results}. */
    public synchronized String start(String sql) {
        String id = "local-" + queries.size();
        queries.add(sql);
        try {
            Matcher ddl = TABLE.matcher(sql);
            if (ddl.find()) {
                createTable(ddl);
                results.put(id, List.of());
            } else {
                if (buckets != null && table != null) {
                    reload();
                }
                results.put(id, run(sql));
            }
        } catch (SQLException | IOException e) {
            failures.put(id, e.getMessage());
        }
        return id;
    }

    /** Every query run, in order. */
    public synchronized List<String> queries() {
        return List.copyOf(queries);
    }

    /** Why the query failed, or empty when it succeeded. */
    public synchronized Optional<String> failure(String id) {
        return Optional.ofNullable(failures.get(id));
    }

    /** The query's rows, the column names first (as Athena's first row of a SELECT's results). */
    public synchronized List<List<String>> results(String id) {
        List<List<String>> rows = results.get(id);
        if (rows == null) {
            throw new IllegalArgumentException("no query " + id);
        }
        return rows;
    }

    /** Adds usage log lines (damaged ones too), each in the partition of its {@code ts_start}'s hour (UTC). */
    public synchronized void addLines(List<String> lines) {
        if (table == null) {
            throw new IllegalStateException("no table yet: CREATE EXTERNAL TABLE makes it");
        }
        try {
            insert(lines, line -> {
                String start = JSON.readTree(line).path("ts_start").asText();
                return new String[] {
                    start.substring(0, 4), start.substring(5, 7), start.substring(8, 10), start.substring(11, 13)
                };
            });
        } catch (SQLException | IOException e) {
            throw new IllegalStateException(e);
        }
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
        bucket = ddl.group(5);
        prefix = ddl.group(6);
        try (Statement s = db.createStatement()) {
            s.execute("CREATE SCHEMA IF NOT EXISTS \"" + ddl.group(1) + "\"");
            s.execute("CREATE TABLE " + table + " (" + create + ")");
        }
    }

    /** Reads the table's location afresh, as each Athena query does. */
    private void reload() throws SQLException, IOException {
        ObjectStore store = buckets.apply(bucket);
        if (store == null) {
            return;
        }
        try (Statement s = db.createStatement()) {
            s.execute("DELETE FROM " + table);
        }
        for (String key : store.list(prefix)) {
            Matcher partition = PARTITION.matcher(key);
            byte[] bytes = store.get(key).orElse(null);
            if (!partition.find() || bytes == null) {
                continue;
            }
            List<String> lines = new ArrayList<>();
            boolean gzip = bytes.length > 1 && (bytes[0] & 0xff) == 0x1f && (bytes[1] & 0xff) == 0x8b;
            try (BufferedReader in = new BufferedReader(new InputStreamReader(
                    gzip ? new GZIPInputStream(new ByteArrayInputStream(bytes)) : new ByteArrayInputStream(bytes),
                    StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    if (!line.isBlank()) {
                        lines.add(line);
                    }
                }
            } catch (IOException e) {
                // a damaged object: the lines before the damage are read, as Athena reads them
            }
            String[] values = {partition.group(1), partition.group(2), partition.group(3), partition.group(4)};
            insert(lines, line -> values);
        }
    }

    private interface PartitionOf {
        String[] of(String line) throws IOException;
    }

    /** Rows as literals, many to a statement (a prepared batch inserts a row at a time: seconds for a month). */
    private void insert(List<String> lines, PartitionOf partitionOf) throws SQLException, IOException {
        List<String> names = new ArrayList<>(columns.keySet());
        try (Statement insert = db.createStatement()) {
            StringBuilder sql = new StringBuilder();
            int rows = 0;
            for (String line : lines) {
                JsonNode n;
                try {
                    n = JSON.readTree(line);
                } catch (IOException e) {
                    continue; // ignore.malformed.json
                }
                if (n == null || !n.isObject()) {
                    continue;
                }
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
                String[] partition = partitionOf.of(line);
                sql.append(text(partition[0]))
                        .append(", ")
                        .append(text(partition[1]))
                        .append(", ")
                        .append(text(partition[2]))
                        .append(", ")
                        .append(text(partition[3]))
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
        }
    }

    private static String text(String v) {
        return "'" + v.replace("'", "''") + "'";
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
            rows.add(header);
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
    public synchronized void close() {
        try {
            db.close();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
