package dev.spendgate.function.waste;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spendgate.aws.s3.S3ObjectStore;
import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageRecordCodec;
import dev.spendgate.domain.waste.Governance;
import dev.spendgate.testing.aws.LocalS3;
import dev.spendgate.testing.logging.CapturedLog;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

/**
 * The daily waste run is invoked by EventBridge Scheduler, asynchronously: Lambda discards an asynchronous
 * invocation's return value (the stack sets an on-failure destination only, the FailedRuns queue), so what an
 * operator can see of a run that returns is its log in CloudWatch. README (Deploy to AWS, usage stream): an
 * undelivered-usage object with a line that is no usage record "is kept, named in the run's warnings"; the records
 * of that object it could not put back stay out of every report until someone acts.
 */
class WasteRunWarningsIT {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-01T03:00:07Z"), ZoneOffset.UTC);

    private static final String ERROR_KEY =
            "usage-errors/processing-failed/year=2026/month=10/day=30/spendgate-usage-1-2026-10-30-x";

    @Test
    void handleRequest_usageErrorObjectKept_alertTopicGetsANoticeNamingIt() throws Exception {
        S3ObjectStore store = storeWithKeptObject();
        List<dev.spendgate.domain.budget.AlertSink.Notice> notices = new java.util.ArrayList<>();
        dev.spendgate.domain.budget.AlertSink alerts = new dev.spendgate.domain.budget.AlertSink() {
            @Override
            public void send(dev.spendgate.domain.budget.BudgetAlert alert) {}

            @Override
            public void send(Notice notice) {
                notices.add(notice);
            }
        };
        WasteDetectorHandler handler = new WasteDetectorHandler(store, () -> Governance.UNKNOWN, alerts, CLOCK, 5);

        handler.handleRequest(Map.of("scheduled_time", "2026-11-01T03:00:00Z"), null);

        assertThat(notices).singleElement().satisfies(n -> {
            assertThat(n.attributes()).containsEntry("kind", "usage_errors_kept");
            assertThat(n.message()).contains(ERROR_KEY);
        });
    }

    private static S3ObjectStore storeWithKeptObject() throws Exception {
        LocalS3 local = LocalS3.shared();
        S3ObjectStore store = new S3ObjectStore(local.clientBuilder().build(), local.createUniqueBucket("kept"));
        store.put(ERROR_KEY, keptObject());
        return store;
    }

    @Test
    void handleRequest_usageErrorObjectKept_theRunsLogNamesIt() throws Exception {
        LocalS3 local = LocalS3.shared();
        S3ObjectStore store = new S3ObjectStore(local.clientBuilder().build(), local.createUniqueBucket("kept"));
        String errorKey = ERROR_KEY;
        store.put(errorKey, keptObject());
        WasteDetectorHandler handler = new WasteDetectorHandler(store, () -> Governance.UNKNOWN, null, CLOCK, 5);
        AtomicReference<Map<String, Object>> result = new AtomicReference<>();

        CapturedLog log = CapturedLog.during(
                () -> result.set(handler.handleRequest(Map.of("scheduled_time", "2026-11-01T03:00:00Z"), null)));

        // the run keeps the object and says so in its return value...
        assertThat(store.get(errorKey)).isPresent();
        assertThat((List<?>) result.get().get("warnings"))
                .anySatisfy(w -> assertThat(w.toString()).contains(errorKey));
        // ...which no one receives for a scheduled (asynchronous) run: its log must name it
        List<JsonNode> naming = log.lines().stream()
                .filter(l -> List.of("WARN", "ERROR").contains(l.path("level").asText()))
                .filter(l -> l.toString().contains(errorKey))
                .toList();
        assertThat(naming)
                .as("WARN/ERROR log lines of the run naming the kept object " + errorKey + "; the run logged: "
                        + log.lines())
                .isNotEmpty();
    }

    /** An undelivered-usage object (Firehose's error output) with one usage record and one line that is none. */
    private static byte[] keptObject() throws Exception {
        UsageRecord r = UsageRecord.builder()
                .requestId("req-kept-1")
                .tsStart(Instant.parse("2026-10-30T10:00:00Z"))
                .tsEnd(Instant.parse("2026-10-30T10:00:02Z"))
                .keyId("key_1")
                .attribution(new Attribution("faq", "support", null, "prod", null, null, null))
                .provider("openai")
                .endpoint("chat.completions")
                .modelRequested("gpt-4o")
                .modelServed("gpt-4o")
                .statusCode(200)
                .tokens(new TokenUsage(1000, 0, 0, 0, 1000, 0))
                .costUsd(new BigDecimal("0.0125"))
                .pricingStatus(UsageRecord.PricingStatus.PRICED)
                .usageSource(UsageRecord.UsageSource.PROVIDER)
                .build();
        // Firehose's error output: one JSON line per record, the record base64 in rawData; the second line's record
        // is no usage record (what the stream's partitioning refused)
        String lines =
                "{\"attemptsMade\":1,\"errorCode\":\"DynamicPartitioning.MetadataExtractionFailed\",\"rawData\":\""
                        + Base64.getEncoder().encodeToString(UsageRecordCodec.line(r)) + "\"}\n"
                        + "{\"attemptsMade\":1,\"errorCode\":\"DynamicPartitioning.MetadataExtractionFailed\",\"rawData\":\""
                        + Base64.getEncoder()
                                .encodeToString("{\"not\":\"a record\"}\n".getBytes(StandardCharsets.UTF_8))
                        + "\"}\n";
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            out.write(lines.getBytes(StandardCharsets.UTF_8));
        }
        return gz.toByteArray();
    }
}
