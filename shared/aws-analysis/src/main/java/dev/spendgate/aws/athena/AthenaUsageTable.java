package dev.spendgate.aws.athena;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * The Glue/Athena table over the usage log: one column per record field (schema 1, gzip NDJSON read by the OpenX
 * JSON SerDe), partitioned by {@code year/month/day/hour} with partition projection, so queries find partitions
 * without crawlers or {@code MSCK REPAIR}.
 */
public final class AthenaUsageTable {
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,127}");
    private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");

    private AthenaUsageTable() {}

    /** {@code CREATE EXTERNAL TABLE IF NOT EXISTS} for the usage log in {@code bucket} (objects under usage/v1/). */
    public static String ddl(String database, String table, String bucket) {
        check(database, "database");
        check(table, "table");
        if (!BUCKET.matcher(bucket).matches()) {
            throw new IllegalArgumentException("'" + bucket + "' is not an S3 bucket name");
        }
        try (InputStream in = AthenaUsageTable.class.getResourceAsStream("usage-table.sql")) {
            String sql = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return sql.replace("${DATABASE}", database)
                    .replace("${TABLE}", table)
                    .replace("${LOCATION}", "s3://" + bucket + "/usage/v1/");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The column schema 4 added ({@code reserved_worst_case} for calls charged at their worst case, else NULL). */
    public static final String COST_BASIS = "cost_basis";

    /**
     * The upgrade of a table created before schema 4 ({@code CREATE ... IF NOT EXISTS} leaves an existing table as it
     * is): {@code ALTER TABLE ... ADD COLUMNS (cost_basis string)}. Athena adds the column to the table's metadata only;
     * no data is rewritten, and rows written before it read it as NULL (provider-reported).
     */
    public static String addCostBasis(String database, String table) {
        return "ALTER TABLE `" + check(database, "database") + "`.`" + check(table, "table") + "` ADD COLUMNS ("
                + COST_BASIS + " string)";
    }

    /**
     * The columns the report's queries read that this DDL's first version lacked (a table it made then lacks them,
     * as {@code IF NOT EXISTS} leaves a table as it is), with their types as in the DDL.
     */
    static final java.util.Map<String, String> ADDED_COLUMNS = added();

    private static java.util.Map<String, String> added() {
        java.util.Map<String, String> c = new java.util.LinkedHashMap<>();
        for (String name : new String[] {
            "varying_hash",
            "varying_simhash",
            "system_simhash",
            "service_tier_requested",
            "service_tier_served",
            "batch_id",
            "batch_created_at",
            "inference_profile_arn",
            "inference_geo",
            "web_searches",
            "web_search_tool",
            "routed_by",
            "cache",
            "saved_usd",
            "prompt_cache",
            COST_BASIS
        }) {
            c.put(name, name.equals("web_searches") ? "bigint" : "string");
        }
        return java.util.Collections.unmodifiableMap(c);
    }

    /**
     * The upgrade of a table made by an earlier version of the DDL, for the error a query on it fails with: {@code
     * ALTER TABLE ... ADD COLUMNS} with the added columns, to run with those the table lacks (Athena changes only the
     * table's metadata; rows written before a column read it as NULL).
     */
    public static String addColumns(String database, String table) {
        StringBuilder columns = new StringBuilder();
        ADDED_COLUMNS.forEach((name, type) -> columns.append(columns.isEmpty() ? "" : ", ")
                .append(name)
                .append(' ')
                .append(type));
        return "ALTER TABLE `" + check(database, "database") + "`.`" + check(table, "table") + "` ADD COLUMNS ("
                + columns + ")";
    }

    /** Whether Athena's failure {@code reason} names a column an earlier version of the DDL did not make. */
    static boolean namesAddedColumn(String reason) {
        if (reason == null || !reason.contains("COLUMN_NOT_FOUND") && !reason.contains("cannot be resolved")) {
            return false;
        }
        for (String name : ADDED_COLUMNS.keySet()) {
            if (reason.contains("'" + name + "'")) {
                return true;
            }
        }
        return false;
    }

    static String check(String name, String what) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(what + " must be letters, digits and underscores, got '" + name + "'");
        }
        return name;
    }
}
