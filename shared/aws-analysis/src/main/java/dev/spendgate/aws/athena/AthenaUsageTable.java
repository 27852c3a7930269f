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

    static String check(String name, String what) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(what + " must be letters, digits and underscores, got '" + name + "'");
        }
        return name;
    }
}
