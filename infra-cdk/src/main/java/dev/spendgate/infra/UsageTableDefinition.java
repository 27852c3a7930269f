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

    private static Map<String, String> columns() {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("schema_version", "int");
        c.put("request_id", "string");
        c.put("ts_start", "string");
        c.put("ts_end", "string");
        c.put("key_id", "string");
        c.put("feature", "string");
        c.put("department", "string");
        c.put("team", "string");
        c.put("environment", "string");
        c.put("session", "string");
        c.put("user", "string");
        c.put("run", "string");
        c.put("attributed", "boolean");
        c.put("provider", "string");
        c.put("endpoint", "string");
        c.put("model_requested", "string");
        c.put("model_served", "string");
        c.put("stream", "boolean");
        c.put("status_code", "int");
        c.put("input_tokens", "bigint");
        c.put("cached_input_tokens", "bigint");
        c.put("cache_write_tokens", "bigint");
        c.put("cache_write_1h_tokens", "bigint");
        c.put("output_tokens", "bigint");
        c.put("reasoning_tokens", "bigint");
        c.put("cost_usd", "string");
        c.put("pricing_status", "string");
        c.put("pricing_version", "string");
        c.put("usage_source", "string");
        c.put("latency_ms", "bigint");
        c.put("upstream_ms", "bigint");
        c.put("overhead_ms", "bigint");
        c.put("max_output_tokens", "bigint");
        c.put("error_type", "string");
        c.put("system_hash", "string");
        c.put("prefix_hash", "string");
        c.put("request_hash", "string");
        c.put("simhash", "string");
        // schema 2: the varying part of the request (written when the request has one)
        c.put("varying_hash", "string");
        c.put("varying_simhash", "string");
        c.put("system_simhash", "string");
        c.put("degraded_from", "string");
        c.put("unenforced", "boolean");
        c.put("pricing_provider", "string");
        // served tier, batches and inference profiles (written when set)
        c.put("service_tier_requested", "string");
        c.put("service_tier_served", "string");
        c.put("batch_id", "string");
        c.put("batch_created_at", "string"); // a batch result line: when its batch was created (ts_start: its end)
        c.put("inference_profile_arn", "string");
        c.put("inference_geo", "string");
        c.put("web_searches", "bigint"); // written when the call ran any
        c.put("web_search_tool", "string"); // web_search_preview, when that tool ran them
        // schema 3: routing and caching (written when set); saved_usd is a plain decimal string, as cost_usd
        c.put("routed_by", "string");
        c.put("cache", "string");
        c.put("saved_usd", "string");
        c.put("prompt_cache", "string");
        // schema 4: reserved_worst_case when the sweeper charged a call that never settled (written when set)
        c.put("cost_basis", "string");
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
