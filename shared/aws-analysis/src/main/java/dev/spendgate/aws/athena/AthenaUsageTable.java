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

    static String check(String name, String what) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(what + " must be letters, digits and underscores, got '" + name + "'");
        }
        return name;
    }
}
