package dev.spendgate.domain.gatewaycost;

import java.math.BigDecimal;
import java.util.Objects;

/**
 * The AWS operations one proxied call causes, on average: what {@link GatewayCostModel} prices. Counts are per call
 * and may be fractions (a cache miss every tenth call is 0.1).
 *
 * @param billedMillis Lambda billed duration per call: the LLM call's wall time plus what the gateway adds
 * @param memoryMb the proxy function's configured memory
 * @param arm64 whether the function runs on arm64 (else x86_64)
 * @param apiGatewayRequests REST API requests (1)
 * @param dynamoDbWriteUnits write request units (items under 1 KB: one per write, and one per index write)
 * @param dynamoDbReadUnits read request units
 * @param s3Puts S3 PUT requests (the usage log's objects)
 * @param s3Gets S3 GET/HEAD requests
 * @param firehoseRecords records sent to Firehose, each billed as at least 5 KB
 * @param firehoseRecordBytes bytes of one Firehose record
 * @param secretsManagerCalls GetSecretValue calls (once per cold start, spread over the calls of an instance)
 * @param logBytes CloudWatch Logs bytes ingested for the call: the function's lines, Lambda's own START/END/REPORT
 *     lines and the API's access log line
 */
public record CallProfile(
        long billedMillis,
        int memoryMb,
        boolean arm64,
        BigDecimal apiGatewayRequests,
        BigDecimal dynamoDbWriteUnits,
        BigDecimal dynamoDbReadUnits,
        BigDecimal s3Puts,
        BigDecimal s3Gets,
        BigDecimal firehoseRecords,
        long firehoseRecordBytes,
        BigDecimal secretsManagerCalls,
        long logBytes) {

    /** The usage record's way to S3: one object per call (today's proxy), or Firehose records batched by AWS. */
    public enum Delivery {
        S3_OBJECT_PER_CALL,
        FIREHOSE
    }

    /**
     * Counted in {@code DeployedStackIT} (deployed-it module) on 2026-12-03, warm instance: one journal put (sent with
     * the reservations), one conditional update per budget to reserve and one to settle, the journal entry's
     * confirmation and its delete, so 3 + 2 per budget writes with a budget and none without; one Firehose
     * {@code PutRecordBatch} with one record of about 1.1 KB per call ({@link #USAGE_RECORD_BYTES}); 215 bytes of the
     * function's own log lines. Since 2026-12-05 the settlement marks the journal entry settled (one conditional
     * update, where it deleted it) and the entry is deleted once the call's usage record is in Firehose or the spool,
     * so a process that dies in between leaves the record to the sweeper: 4 + 2 per budget on the wire. Billed, 2
     * more: the entry carries the keys of the budgets table's {@code reservations-by-expiry} index ({@code resv_shard}
     * and {@code expires_at_ms}, keys only), so its put also writes the index and its delete removes it from the index,
     * one write unit each (DynamoDB bills a table write's index writes; the confirmation and the settled mark change
     * no index key nor projected attribute, so they write no index). {@link #INDEX_WRITES_PER_CALL_WITH_BUDGETS} of
     * these 6; {@code DeployedStackIT} counts both.
     */
    public static final int WRITES_PER_CALL_WITH_BUDGETS = 6;

    /** Of {@link #WRITES_PER_CALL_WITH_BUDGETS}: the journal entry's put into and delete from the expiry index. */
    public static final int INDEX_WRITES_PER_CALL_WITH_BUDGETS = 2;

    public static final int WRITES_PER_BUDGET = 2;
    public static final long FUNCTION_LOG_BYTES = 215;
    /**
     * Not counted here (AWS writes them): Lambda's START, END and REPORT lines (about 300 bytes) and one API Gateway
     * access log line in {@code jsonWithStandardFields} format (about 300 bytes).
     */
    public static final long PLATFORM_LOG_BYTES = 600;
    /**
     * One usage record as the proxy sends it to Firehose (one NDJSON line, one record per call in one
     * {@code PutRecordBatch}): the largest counted in {@code DeployedStackIT} was 1,086 bytes on 2026-12-03 (1,083 to
     * 1,086 with 0, 1 and 3 budgets, streamed or not) and 1,088 on 2026-12-05, 1,106 with a price override file
     * (its {@code pricing_version} ends in {@code +overrides-} and 8 hex digits); 1,150 leaves room for a record's
     * varying figures. Billed as 5 KB for ingestion, by the byte for dynamic partitioning. The test fails if a
     * counted record is larger, or reaches 5 KB.
     */
    public static final long USAGE_RECORD_BYTES = 1150;
    /**
     * Key look-ups (cached 30 s) and policy scans (cached 10 s) per warm instance: at one call a second per instance
     * about 0.13 read units per call; 0.5 is taken as a cautious allowance.
     */
    public static final BigDecimal READ_UNITS_PER_CALL = new BigDecimal("0.5");
    /**
     * A response-cache look-up (hit or miss) reads the answer item {@code cache#<key>} once, eventually consistent:
     * half a read unit up to 4 KB.
     */
    public static final BigDecimal CACHE_LOOKUP_READ_UNITS = new BigDecimal("0.5");

    /**
     * A kept answer's item ({@code cache#<key>}) beyond the answer's text: the completion's JSON envelope and the
     * item's key, feature, model, token counts and times, taken as 1 KB (the body as kept is the non-streamed JSON,
     * a streamed answer rebuilt into it).
     */
    public static final long CACHE_ANSWER_ITEM_BASE_BYTES = 1024;

    /** Bytes of answer text per output token kept (about 4 characters a token in English). */
    public static final long CACHE_ANSWER_BYTES_PER_OUTPUT_TOKEN = 4;

    /** A fill's writes beside its answer: the feature counter's atomic ADD and the slot's put (items under 1 KB). */
    public static final long CACHE_FILL_SLOT_WRITES = 2;

    /**
     * Write units of one response-cache fill whose answer had {@code outputTokens} output tokens (README "Routing and
     * caching", stores): the answer item's put (one unit per KB), the counter and the slot, and the delete of the
     * answer the slot held, once the feature's ring of {@code max_entries} is full (taken as the same size). A
     * semantic rule's index item rewrite is not counted: the record does not say the rule was semantic.
     */
    public static long cacheFillWriteUnits(long outputTokens) {
        long answerUnits = Math.ceilDiv(
                CACHE_ANSWER_ITEM_BASE_BYTES + CACHE_ANSWER_BYTES_PER_OUTPUT_TOKEN * Math.max(0, outputTokens), 1024L);
        return CACHE_FILL_SLOT_WRITES + 2 * answerUnits;
    }

    /** One GetSecretValue per cold start; one cold start per 10,000 calls is taken. */
    public static final BigDecimal SECRET_CALLS_PER_CALL = new BigDecimal("0.0001");

    /**
     * Billed time the gateway adds to a call (p50, one budget, 5 ms AWS round trips; {@code DeployedPathBench},
     * bench/rightsize.sh, bench/RESULTS.md, 2026-12-03): 53 ms on unthrottled cores (48 ms at 1024 MB's emulated CPU
     * share; a lower bound for 384 and 512 MB), 96 ms at 320 MB's share and 184 ms at 256 MB's.
     */
    public static final long GATEWAY_MS_UNTHROTTLED = 53;

    public static final long GATEWAY_MS_320 = 96;
    public static final long GATEWAY_MS_256 = 184;

    /**
     * What Lambda bills of a call beyond the provider's time at {@code memoryMb}: the gateway's own measured time
     * (184 ms up to 256 MB, 96 ms up to 320 MB, 53 ms above).
     */
    public static long gatewayMillis(int memoryMb) {
        if (memoryMb <= 256) {
            return GATEWAY_MS_256;
        }
        return memoryMb <= 320 ? GATEWAY_MS_320 : GATEWAY_MS_UNTHROTTLED;
    }

    public CallProfile {
        if (billedMillis < 0 || memoryMb < 128) {
            throw new IllegalArgumentException("billedMillis must be 0 or more and memoryMb at least 128");
        }
        for (BigDecimal n : new BigDecimal[] {
            apiGatewayRequests,
            dynamoDbWriteUnits,
            dynamoDbReadUnits,
            s3Puts,
            s3Gets,
            firehoseRecords,
            secretsManagerCalls
        }) {
            Objects.requireNonNull(n, "counts must not be null");
            if (n.signum() < 0) {
                throw new IllegalArgumentException("counts must not be negative");
            }
        }
        if (firehoseRecordBytes < 0 || logBytes < 0) {
            throw new IllegalArgumentException("byte counts must not be negative");
        }
    }

    /**
     * A call of {@code billedMillis} through today's deployed proxy with {@code budgets} budgets applying, from the
     * operations counted per call (see the constants).
     */
    public static CallProfile measured(int budgets, long billedMillis, int memoryMb, boolean arm64, Delivery delivery) {
        if (budgets < 0) {
            throw new IllegalArgumentException("budgets must be 0 or more");
        }
        long writes = budgets == 0 ? 0 : WRITES_PER_CALL_WITH_BUDGETS + (long) WRITES_PER_BUDGET * budgets;
        boolean s3 = delivery == Delivery.S3_OBJECT_PER_CALL;
        return new CallProfile(
                billedMillis,
                memoryMb,
                arm64,
                BigDecimal.ONE,
                BigDecimal.valueOf(writes),
                READ_UNITS_PER_CALL,
                s3 ? BigDecimal.ONE : BigDecimal.ZERO,
                BigDecimal.ZERO,
                s3 ? BigDecimal.ZERO : BigDecimal.ONE,
                s3 ? 0 : USAGE_RECORD_BYTES,
                SECRET_CALLS_PER_CALL,
                FUNCTION_LOG_BYTES + PLATFORM_LOG_BYTES);
    }

    /** The same calls on another memory size and architecture. */
    public CallProfile resized(int memoryMb, boolean arm64) {
        return new CallProfile(
                billedMillis,
                memoryMb,
                arm64,
                apiGatewayRequests,
                dynamoDbWriteUnits,
                dynamoDbReadUnits,
                s3Puts,
                s3Gets,
                firehoseRecords,
                firehoseRecordBytes,
                secretsManagerCalls,
                logBytes);
    }
}
