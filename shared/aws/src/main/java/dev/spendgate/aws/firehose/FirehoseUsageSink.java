package dev.spendgate.aws.firehose;

import dev.spendgate.domain.usage.UsageSink;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.zip.GZIPInputStream;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.firehose.FirehoseClient;
import software.amazon.awssdk.services.firehose.model.PutRecordBatchResponse;
import software.amazon.awssdk.services.firehose.model.PutRecordBatchResponseEntry;
import software.amazon.awssdk.services.firehose.model.Record;

/**
 * Usage records to an Amazon Data Firehose delivery stream (Direct PUT): one Firehose record per usage record (its
 * JSON line, newline included), sent with {@code PutRecordBatch} in calls of at most 500 records and 4 MiB. The
 * stream compresses, buffers and writes the objects under {@code usage/v1/year=/month=/day=/hour=/} by each record's
 * {@code ts_start} (dynamic partitioning, set up by the CDK stack), so the batch's object key is not used here.
 *
 * <p>Firehose answers a batch call with a per-record result: records it refused ({@code FailedPutCount} &gt; 0,
 * e.g. {@code ServiceUnavailableException} when the stream is throttled) are sent again, up to {@code attempts}
 * times with a doubling pause; what is still refused then, or what a failed call (throttled past the SDK's own
 * retries, unreachable) did not send, is returned as {@link UsageSink.Refused} for the writer to spool. A record
 * Firehose took but whose answer was lost is sent again later: a duplicate, which readers drop by request id.
 *
 * <p>A delivery is bounded in time ({@link #deliver(String, byte[], Duration)}; {@link #DEFAULT_TIME_LEFT} without
 * one): a slow or stalled stream leaves the records to the writer's spool rather than holding the caller (a Lambda
 * invocation near its deadline) past it.
 */
public final class FirehoseUsageSink implements UsageSink {
    /** PutRecordBatch limits: records per call, bytes per call, bytes per record. */
    static final int MAX_RECORDS_PER_CALL = 500;

    static final int MAX_BYTES_PER_CALL = 4 * 1024 * 1024;
    static final int MAX_RECORD_BYTES = 1000 * 1024;

    /** How long a delivery may take when its caller gives no time ({@link #deliver(String, byte[])}). */
    public static final Duration DEFAULT_TIME_LEFT = Duration.ofSeconds(5);

    private final FirehoseClient client;
    private final String streamName;
    private final int attempts;
    private final Duration firstPause;

    /** Three attempts per record, pausing 25 ms and then 50 ms between them. */
    public FirehoseUsageSink(FirehoseClient client, String streamName) {
        this(client, streamName, 3, Duration.ofMillis(25));
    }

    public FirehoseUsageSink(FirehoseClient client, String streamName, int attempts, Duration firstPause) {
        this.client = Objects.requireNonNull(client, "client");
        if (streamName == null || streamName.isBlank()) {
            throw new IllegalArgumentException("streamName must not be blank");
        }
        this.streamName = streamName;
        if (attempts < 1) {
            throw new IllegalArgumentException("attempts must be at least 1");
        }
        this.attempts = attempts;
        this.firstPause = Objects.requireNonNull(firstPause, "firstPause");
    }

    public String streamName() {
        return streamName;
    }

    /** Within {@link #DEFAULT_TIME_LEFT}. */
    @Override
    public Refused deliver(String objectKey, byte[] gzipNdjson) {
        return deliver(objectKey, gzipNdjson, DEFAULT_TIME_LEFT);
    }

    /**
     * Sends the batch, each {@code PutRecordBatch} bounded by what is left of {@code timeLeft} (the SDK's overall call
     * timeout, its own retries included) and no attempt started once it is over: a stalled stream costs the caller at
     * most {@code timeLeft}, and what it did not take is returned as refused, for the writer to spool.
     */
    @Override
    public Refused deliver(String objectKey, byte[] gzipNdjson, Duration timeLeft) {
        long deadline = System.nanoTime() + Math.max(0, timeLeft.toNanos());
        List<String> pending = new ArrayList<>();
        List<String> refused = new ArrayList<>();
        Map<String, Integer> tooLarge = new LinkedHashMap<>();
        Map<String, Integer> reasons = new LinkedHashMap<>();
        for (String line : lines(gzipNdjson)) {
            if (line.isBlank()) {
                continue;
            }
            if (line.length() + 1 > MAX_RECORD_BYTES / 4
                    && line.getBytes(StandardCharsets.UTF_8).length + 1 > MAX_RECORD_BYTES) {
                refused.add(line);
                tooLarge.merge("over Firehose's 1,000 KiB record limit", 1, Integer::sum);
            } else {
                pending.add(line);
            }
        }
        Duration pause = firstPause;
        for (int attempt = 1; attempt <= attempts && !pending.isEmpty(); attempt++) {
            if (attempt > 1) {
                if (System.nanoTime() + pause.toNanos() >= deadline) {
                    break; // no time for another attempt: the reasons of the last one stand
                }
                sleep(pause);
                pause = pause.multipliedBy(2);
            }
            Map<String, Integer> attemptReasons = new LinkedHashMap<>();
            pending = sendAll(pending, attemptReasons, deadline);
            reasons.clear();
            reasons.putAll(attemptReasons);
        }
        refused.addAll(pending);
        if (refused.isEmpty()) {
            return Refused.NONE;
        }
        reasons.forEach((k, v) -> tooLarge.merge(k, v, Integer::sum));
        reasons = tooLarge;
        return new Refused(refused, reason(refused.size(), reasons));
    }

    /** Sends the lines in calls within PutRecordBatch's limits; returns those not taken. */
    private List<String> sendAll(List<String> lines, Map<String, Integer> reasons, long deadline) {
        List<String> notTaken = new ArrayList<>();
        List<String> call = new ArrayList<>();
        List<Record> records = new ArrayList<>();
        int bytes = 0;
        for (String line : lines) {
            byte[] data = (line + "\n").getBytes(StandardCharsets.UTF_8);
            if (!records.isEmpty()
                    && (records.size() == MAX_RECORDS_PER_CALL || bytes + data.length > MAX_BYTES_PER_CALL)) {
                notTaken.addAll(send(call, records, reasons, deadline));
                call = new ArrayList<>();
                records = new ArrayList<>();
                bytes = 0;
            }
            call.add(line);
            records.add(
                    Record.builder().data(SdkBytes.fromByteArrayUnsafe(data)).build());
            bytes += data.length;
        }
        if (!records.isEmpty()) {
            notTaken.addAll(send(call, records, reasons, deadline));
        }
        return notTaken;
    }

    private List<String> send(List<String> lines, List<Record> records, Map<String, Integer> reasons, long deadline) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            reasons.merge("no time left to send", lines.size(), Integer::sum);
            return lines;
        }
        Duration timeout = Duration.ofNanos(left);
        PutRecordBatchResponse response;
        try {
            response = client.putRecordBatch(b -> b.deliveryStreamName(streamName)
                    .records(records)
                    .overrideConfiguration(o -> o.apiCallTimeout(timeout)));
        } catch (SdkException e) {
            reasons.merge(summary(e), lines.size(), Integer::sum);
            return lines;
        }
        Integer failed = response.failedPutCount();
        if (failed == null || failed == 0) {
            return List.of();
        }
        List<PutRecordBatchResponseEntry> results = response.requestResponses();
        if (results.size() != lines.size()) {
            // Not the documented answer: resend the whole call rather than guess which records were taken.
            reasons.merge("FailedPutCount " + failed + " without one result per record", lines.size(), Integer::sum);
            return lines;
        }
        List<String> notTaken = new ArrayList<>(failed);
        for (int i = 0; i < results.size(); i++) {
            PutRecordBatchResponseEntry result = results.get(i);
            if (result.errorCode() != null) {
                notTaken.add(lines.get(i));
                reasons.merge(
                        result.errorCode() + (result.errorMessage() == null ? "" : " (" + result.errorMessage() + ")"),
                        1,
                        Integer::sum);
            }
        }
        return notTaken;
    }

    private String reason(int refused, Map<String, Integer> reasons) {
        StringBuilder s = new StringBuilder()
                .append("Firehose stream ")
                .append(streamName)
                .append(" refused ")
                .append(refused)
                .append(refused == 1 ? " record" : " records");
        String sep = ": ";
        for (Map.Entry<String, Integer> e : reasons.entrySet()) {
            s.append(sep).append(e.getValue()).append(" x ").append(e.getKey());
            sep = "; ";
        }
        return s.toString();
    }

    /** The exception's type and first message line (SDK messages carry no credentials or record contents). */
    private static String summary(SdkException e) {
        String message =
                e.getMessage() == null ? "" : e.getMessage().lines().findFirst().orElse("");
        return e.getClass().getSimpleName() + (message.isEmpty() ? "" : " (" + message + ")");
    }

    private static List<String> lines(byte[] gzip) {
        List<String> lines = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(
                new InputStreamReader(new GZIPInputStream(new ByteArrayInputStream(gzip)), StandardCharsets.UTF_8))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                lines.add(line);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("usage batch is not gzip NDJSON", e);
        }
        return lines;
    }

    private static void sleep(Duration pause) {
        try {
            Thread.sleep(pause.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
