package dev.spendgate.infra;

import dev.spendgate.domain.usage.UsageLayout;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.services.glue.CfnTable;

/**
 * The Glue table over the usage log: gzip NDJSON objects under {@code usage/v1/year=/month=/day=/hour=/}, one JSON
 * object per call as {@code UsageRecordCodec} writes it. Partition projection computes the partitions from the
 * query's predicates, so no crawler or {@code MSCK REPAIR} is needed. Money stays exact: {@code cost_usd} is the plain
 * decimal string the codec writes ({@code CAST(cost_usd AS DECIMAL(38,18))} to sum it), and so is {@code saved_usd}.
 * Columns a record does not write (the optional fields of schemas 2 and 3) read as null.
 */
final class UsageTableDefinition {
    /** Column name to Hive type, in the codec's field order. */
    static final Map<String, String> COLUMNS = columns();

    private UsageTableDefinition() {}

    /**
     * The columns of the usage table's DDL ({@code dev/spendgate/aws/athena/usage-table.sql}, which the report function
     * runs when no table exists): one list of columns for both, so the stack's table and the one the report would make
     * cannot drift apart (the report's queries name columns of both).
     */
    private static Map<String, String> columns() {
        String sql;
        try (java.io.InputStream in =
                UsageTableDefinition.class.getResourceAsStream("/dev/spendgate/aws/athena/usage-table.sql")) {
            sql = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        String list = sql.substring(sql.indexOf("(\n") + 2, sql.indexOf("\n)\nPARTITIONED BY"));
        Map<String, String> c = new LinkedHashMap<>();
        for (String line : list.split("\n")) {
            String[] column = line.strip().replace(",", "").replace("`", "").split("\\s+");
            c.put(column[0], column[1]);
        }
        return Collections.unmodifiableMap(c);
    }

    static CfnTable.TableInputProperty tableInput(String name, String bucketName) {
        String location = "s3://" + bucketName + "/" + UsageLayout.ROOT;
        List<CfnTable.ColumnProperty> columns = new ArrayList<>();
        COLUMNS.forEach((column, type) -> columns.add(
                CfnTable.ColumnProperty.builder().name(column).type(type).build()));
        List<CfnTable.ColumnProperty> partitions =
                List.of(partition("year"), partition("month"), partition("day"), partition("hour"));
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("classification", "json");
        parameters.put("compressionType", "gzip");
        parameters.put("projection.enabled", "true");
        parameters.put("projection.year.type", "integer");
        parameters.put("projection.year.range", "2024,2099");
        parameters.put("projection.month.type", "integer");
        parameters.put("projection.month.range", "1,12");
        parameters.put("projection.month.digits", "2");
        parameters.put("projection.day.type", "integer");
        parameters.put("projection.day.range", "1,31");
        parameters.put("projection.day.digits", "2");
        parameters.put("projection.hour.type", "integer");
        parameters.put("projection.hour.range", "0,23");
        parameters.put("projection.hour.digits", "2");
        parameters.put("storage.location.template", location + "year=${year}/month=${month}/day=${day}/hour=${hour}/");
        return CfnTable.TableInputProperty.builder()
                .name(name)
                .description("Spendgate usage records, one per call (gzip NDJSON, partitioned by UTC start hour)")
                .tableType("EXTERNAL_TABLE")
                .parameters(parameters)
                .partitionKeys(partitions)
                .storageDescriptor(CfnTable.StorageDescriptorProperty.builder()
                        .location(location)
                        .columns(columns)
                        .inputFormat("org.apache.hadoop.mapred.TextInputFormat")
                        .outputFormat("org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat")
                        .compressed(true)
                        .serdeInfo(CfnTable.SerdeInfoProperty.builder()
                                .serializationLibrary("org.openx.data.jsonserde.JsonSerDe")
                                .parameters(Map.of("ignore.malformed.json", "true"))
                                .build())
                        .build())
                .build();
    }

    private static CfnTable.ColumnProperty partition(String name) {
        return CfnTable.ColumnProperty.builder().name(name).type("string").build();
    }
}
