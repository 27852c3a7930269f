package dev.spendgate.report.quality;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.spendgate.domain.gatewaycost.GatewayWork;
import dev.spendgate.domain.report.DataQuality;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.YearMonth;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code data-quality.json} (schema {@value #SCHEMA_VERSION}): what a month's report rests on, beside its other
 * files. Field names are a promise to scripts; a change that breaks them raises {@code schema_version}.
 */
public final class DataQualityJson {
    public static final int SCHEMA_VERSION = 1;
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * What a month aggregated by a query over the usage table (the Athena path: no record reaches the report) still
     * checks. Stated in {@code data-quality.json} and the PDF instead of counts it cannot give.
     */
    public static List<String> aggregatedChecked(DataQuality q) {
        List<String> checked = new java.util.ArrayList<>(List.of(
                "repeated request ids are dropped: one row per request_id, as the in-process reader does",
                "only the month's partitions, and only calls whose ts_start falls in the month",
                "costs are summed exactly (DECIMAL(38,18)), never as floating point",
                "unpriced calls (no cost_usd) are counted apart, not as $0"));
        switch (q.aggregatedCostCheck()) {
            case CATALOG_MAXIMUM ->
                checked.add("each record's cost before it is summed: not a number, negative, or above the model's"
                        + " maximum for its tokens (the catalog's highest per-token price, plus its web searches), as"
                        + " the in-process reader checks it: such records are quarantined, counted here and left out"
                        + " of every figure");
            case SIGN_AND_NUMBER ->
                checked.add("each record's cost before it is summed: not a number or negative: such records are"
                        + " quarantined, counted here and left out of every figure");
            case NONE -> {}
        }
        return List.copyOf(checked);
    }

    /** What the aggregated path does not check, so its figures may include what the per-record path quarantines. */
    public static List<String> aggregatedNotChecked(DataQuality q) {
        String costs =
                switch (q.aggregatedCostCheck()) {
                    case CATALOG_MAXIMUM ->
                        "a cost is not compared with the price of the catalog version it names: a mismatched cost"
                                + " within the model's maximum is summed as written";
                    case SIGN_AND_NUMBER ->
                        "no cost is held to its model's maximum or catalog version (no catalog was given):"
                                + " implausible or mismatched costs are summed as written";
                    case NONE ->
                        "no record's cost is checked against its tokens and catalog version: negative, implausible or"
                                + " mismatched costs are summed as written";
                };
        List<String> notChecked = new java.util.ArrayList<>(List.of(
                "damaged objects and unreadable lines are not counted (the query skips or fails on them)", costs));
        if (q.uncheckedRecords() > 0) {
            notChecked.add(String.format(
                    java.util.Locale.ROOT,
                    "%,d records of %,d priced models were checked for sign and number only: the query had no room"
                            + " to list their models' maximums (the models with the most records are listed first)",
                    q.uncheckedRecords(),
                    q.uncheckedIdentities()));
        }
        return List.copyOf(notChecked);
    }

    private DataQualityJson() {}

    public static byte[] write(YearMonth month, DataQuality q, Instant generatedAt) {
        return write(month, q, generatedAt, null);
    }

    /**
     * What the FOCUS rows estimating the gateway's own AWS cost rest on: {@code compute} ({@code lambda} or
     * {@code managed-instances}, the stack's proxy compute), {@code basis} in words, their {@code usd} total and
     * {@code rows}, and {@code records}: what the priced records were ({@link GatewayWork#summary}: the invocations,
     * how many of them had a recorded length and how many were priced at the assumed duration). Written as
     * {@code gateway_cost_estimate} (with {@code "estimated": true}) when the report has them; added fields, so
     * {@code schema_version} stays.
     */
    public record GatewayEstimate(
            String compute, String basis, java.math.BigDecimal usd, int rows, GatewayWork records) {
        public GatewayEstimate(String compute, String basis, java.math.BigDecimal usd, int rows) {
            this(compute, basis, usd, rows, null);
        }
    }

    /** As {@link #write(YearMonth, DataQuality, Instant)}, with the gateway cost estimate when not null. */
    public static byte[] write(YearMonth month, DataQuality q, Instant generatedAt, GatewayEstimate gateway) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("schema_version", SCHEMA_VERSION);
        root.put("month", month.toString());
        root.put("generated_at", generatedAt.truncatedTo(ChronoUnit.SECONDS).toString());
        root.put("month_state", q.state().key());
        root.put("has_data", !q.noData());
        root.put("records_checked", q.recordsChecked());
        if (!q.recordsChecked()) {
            Map<String, Object> checks = new LinkedHashMap<>();
            checks.put("checked", aggregatedChecked(q));
            checks.put("not_checked", aggregatedNotChecked(q));
            root.put("aggregated_checks", checks);
        }
        root.put("strict_ok", !q.damagedOrQuarantined());
        Map<String, Object> objects = new LinkedHashMap<>();
        objects.put("read", q.objects());
        objects.put("damaged", q.damagedObjects());
        root.put("objects", objects);
        Map<String, Object> records = new LinkedHashMap<>();
        records.put("read", q.linesRead());
        records.put("unreadable", q.unreadableRecords());
        records.put("duplicates_dropped", q.duplicatesDropped());
        records.put("quarantined", q.quarantinedCount());
        records.put("included", q.includedCalls());
        root.put("records", records);
        Map<String, Object> quarantined = new LinkedHashMap<>();
        q.quarantined().forEach((reason, n) -> quarantined.put(reason.key(), n));
        root.put("quarantined", quarantined);
        root.put("quarantined_claimed_usd", q.quarantinedClaimedUsd().toPlainString());
        Map<String, Object> calls = new LinkedHashMap<>();
        calls.put("included", q.includedCalls());
        calls.put("estimated", q.estimatedCalls());
        calls.put("estimated_usd", q.estimatedUsd().toPlainString());
        calls.put("worst_case", q.worstCaseCalls());
        calls.put("worst_case_usd", q.worstCaseUsd().toPlainString());
        calls.put("unpriced", q.unpricedCalls());
        calls.put("rejected", q.rejectedCalls());
        root.put("calls", calls);
        // added field (schema_version stays): outcomes whose session or request id no call of their key carries
        Map<String, Object> outcomes = new LinkedHashMap<>();
        outcomes.put("matched_to_no_call", q.outcomesMatchedToNoCall());
        root.put("outcomes", outcomes);
        if (gateway != null) {
            Map<String, Object> estimate = new LinkedHashMap<>();
            estimate.put("estimated", true);
            estimate.put("compute", gateway.compute());
            estimate.put("basis", gateway.basis());
            estimate.put("usd", gateway.usd().stripTrailingZeros().toPlainString());
            estimate.put("rows", gateway.rows());
            if (gateway.records() != null) {
                estimate.put("records", gateway.records().summary());
            }
            root.put("gateway_cost_estimate", estimate);
        }
        root.put("summary", q.summaryLine());
        root.put("quarantined_examples", q.examples());
        root.put("reader_warnings", q.readerWarnings());
        try {
            return (JSON.writeValueAsString(root) + "\n").getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
