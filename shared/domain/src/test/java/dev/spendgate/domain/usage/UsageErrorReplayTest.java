package dev.spendgate.domain.usage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.report.TestStore;
import dev.spendgate.domain.usage.UsageRecord.PricingStatus;
import dev.spendgate.domain.usage.UsageRecord.UsageSource;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

/** Records Firehose could not deliver in its 2 hours come back where the reports read them, once. */
class UsageErrorReplayTest {
    private static final String ERROR_OBJECT =
            "usage-errors/S3DeliveryFailed/year=2026/month=12/day=03/spendgate-usage-1-2026-12-03-17-10-00-abc";

    private final TestStore store = new TestStore();

    private static UsageRecord record(String id, String start, String cost) {
        return UsageRecord.builder()
                .requestId(id)
                .tsStart(Instant.parse(start))
                .tsEnd(Instant.parse(start).plusSeconds(2))
                .keyId("key_1")
                .attribution(new Attribution("faq", "support", null, "prod", null, null, null))
                .provider("openai")
                .endpoint("chat.completions")
                .modelRequested("gpt-4o")
                .modelServed("gpt-4o")
                .statusCode(200)
                .costUsd(new BigDecimal(cost))
                .pricingStatus(PricingStatus.PRICED)
                .usageSource(UsageSource.PROVIDER)
                .build();
    }

    /** Firehose's error line for one record: its metadata and the record as base64 {@code rawData}. */
    private static String errorLine(UsageRecord r) {
        return "{\"attemptsMade\":3,\"arrivalTimestamp\":1764781200000,\"errorCode\":\"S3.AccessDenied\","
                + "\"errorMessage\":\"Access was denied\",\"attemptEndingTimestamp\":1764788400000,\"rawData\":\""
                + Base64.getEncoder().encodeToString(UsageRecordCodec.line(r)) + "\"}";
    }

    private static byte[] gzip(String text) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(text.getBytes(StandardCharsets.UTF_8));
        }
        return out.toByteArray();
    }

    private List<UsageRecord> readDay() {
        List<UsageRecord> out = new ArrayList<>();
        UsageLogReader.create(store)
                .read(Instant.parse("2026-12-03T00:00:00Z"), Instant.parse("2026-12-04T00:00:00Z"), out::add);
        return out;
    }

    @Test
    void run_undeliveredBatch_recordsBackInTheirHoursOnce_errorObjectDeleted() throws IOException {
        store.put(
                ERROR_OBJECT,
                gzip(errorLine(record("req-a", "2026-12-03T14:59:58Z", "0.0100")) + "\n"
                        + errorLine(record("req-b", "2026-12-03T15:00:01Z", "0.0200")) + "\n"));
        assertThat(readDay()).isEmpty(); // no report reads usage-errors/

        UsageErrorReplay.Result first = UsageErrorReplay.create(store).run();
        UsageErrorReplay.Result second = UsageErrorReplay.create(store).run();

        assertThat(first.objectsReplayed()).isEqualTo(1);
        assertThat(first.recordsReplayed()).isEqualTo(2);
        assertThat(second.objectsReplayed()).isZero();
        assertThat(store.list(UsageErrorReplay.PREFIX)).isEmpty();
        assertThat(store.list("usage/v1/year=2026/month=12/day=03/hour=14/")).hasSize(1);
        assertThat(store.list("usage/v1/year=2026/month=12/day=03/hour=15/")).hasSize(1);
        assertThat(readDay())
                .extracting(UsageRecord::requestId, UsageRecord::costUsd)
                .containsExactlyInAnyOrder(
                        org.assertj.core.groups.Tuple.tuple("req-a", new BigDecimal("0.0100")),
                        org.assertj.core.groups.Tuple.tuple("req-b", new BigDecimal("0.0200")));
    }

    @Test
    void run_objectWithALineThatIsNoRecord_keptForAnOperator_readableRecordsBackOnceHoweverOftenItRuns()
            throws IOException {
        store.put(
                ERROR_OBJECT,
                gzip(errorLine(record("req-a", "2026-12-03T09:30:00Z", "0.0100")) + "\n"
                        + "{\"attemptsMade\":1,\"errorCode\":\"DynamicPartitioning.MetadataExtractionFailed\","
                        + "\"rawData\":\"" + Base64.getEncoder().encodeToString("not a record".getBytes()) + "\"}\n"));

        UsageErrorReplay.Result first = UsageErrorReplay.create(store).run();
        UsageErrorReplay.create(store).run();

        assertThat(first.objectsKept()).containsExactly(ERROR_OBJECT);
        assertThat(store.get(ERROR_OBJECT)).isPresent();
        assertThat(store.list("usage/v1/year=2026/month=12/day=03/hour=09/")).hasSize(1);
        assertThat(readDay()).extracting(UsageRecord::requestId).containsExactly("req-a");
    }
}
