package dev.spendgate.aws.firehose;

import static dev.spendgate.testing.contract.UsageSinkContract.batch;
import static dev.spendgate.testing.contract.UsageSinkContract.key;
import static dev.spendgate.testing.contract.UsageSinkContract.records;
import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.aws.s3.S3ObjectStore;
import dev.spendgate.domain.usage.UsageLayout;
import dev.spendgate.domain.usage.UsageLogReader;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageRecordCodec;
import dev.spendgate.domain.usage.UsageSink;
import dev.spendgate.testing.aws.LocalFirehose;
import dev.spendgate.testing.aws.LocalS3;
import dev.spendgate.testing.contract.UsageSinkContract;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.firehose.FirehoseClient;

/**
 * The Firehose sink through the AWS SDK against a local endpoint speaking the Firehose JSON protocol, which
 * delivers to s3proxy the way the stack's delivery stream does (hour partitions of {@code ts_start}, gzip).
 */
class FirehoseUsageSinkIT extends UsageSinkContract {
    private LocalFirehose firehose;
    private FirehoseClient client;
    private S3ObjectStore destination;

    @Override
    protected UsageSink newSink() {
        LocalS3 s3 = LocalS3.shared();
        destination = new S3ObjectStore(s3.client(), s3.createUniqueBucket("firehose"));
        firehose = LocalFirehose.start("spendgate-usage", destination);
        client = FirehoseClient.builder()
                .endpointOverride(firehose.endpoint())
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .httpClientBuilder(UrlConnectionHttpClient.builder()
                        .connectionTimeout(Duration.ofMillis(300))
                        .socketTimeout(Duration.ofSeconds(2)))
                // one attempt per call: the sink's own record retries are what these tests look at
                .overrideConfiguration(o -> o.retryStrategy(r -> r.maxAttempts(1)))
                .build();
        return new FirehoseUsageSink(client, "spendgate-usage", 3, Duration.ofMillis(1));
    }

    @Override
    protected List<String> delivered() {
        firehose.deliver();
        return readAll().stream().map(UsageRecord::requestId).toList();
    }

    @AfterEach
    void stop() {
        client.close();
        firehose.close();
    }

    @Test
    void deliver_recordsOfTwoHours_streamWritesEachUnderItsRecordsHourAsNdjsonGz() {
        List<UsageRecord> records = new ArrayList<>(records("late", 2, T0));
        records.addAll(records("next", 2, T0.plusSeconds(5)));
        UsageSink sink = sink();

        assertThat(sink.deliver(key(T0), batch(records)).isEmpty()).isTrue();
        List<String> keys = firehose.deliver();

        assertThat(keys)
                .hasSize(2)
                .anySatisfy(k -> assertThat(k).startsWith(UsageLayout.hourPrefix(T0)))
                .anySatisfy(k -> assertThat(k).startsWith(UsageLayout.hourPrefix(T0.plusSeconds(5))))
                .allSatisfy(k -> assertThat(k).endsWith(".ndjson.gz"));
        assertThat(readAll())
                .extracting(UsageRecord::requestId)
                .containsExactlyInAnyOrder("late-0", "late-1", "next-0", "next-1");
    }

    @Test
    void deliver_streamRefusesSomeRecordsOnce_sendsThemAgainAndTakesTheWholeBatch() {
        UsageSink sink = sink();
        firehose.failEveryNthRecord(5);

        UsageSink.Refused refused = sink.deliver(key(T0), batch(records("r", 10, T0)));

        assertThat(refused.isEmpty()).isTrue();
        // 10 sent, the 5th and 10th refused; sent again as the 11th and 12th, both taken
        assertThat(firehose.calls()).isEqualTo(2);
        assertThat(firehose.refused()).isEqualTo(2);
        assertThat(delivered()).hasSize(10).doesNotHaveDuplicates();
    }

    @Test
    void deliver_streamRefusesRecordsOnEveryAttempt_returnsExactlyThoseWithTheErrorCode() {
        UsageSink sink = new FirehoseUsageSink(client, "spendgate-usage", 1, Duration.ZERO);
        firehose.failEveryNthRecord(2);

        UsageSink.Refused refused = sink.deliver(key(T0), batch(records("r", 6, T0)));

        assertThat(refused.lines())
                .extracting(line -> UsageRecordCodec.read(line).requestId())
                .containsExactly("r-1", "r-3", "r-5");
        assertThat(refused.reason())
                .contains("spendgate-usage")
                .contains("refused 3 records")
                .contains("ServiceUnavailableException");
        assertThat(delivered()).containsExactlyInAnyOrder("r-0", "r-2", "r-4");
    }

    @Test
    void deliver_streamThrottled_returnsEveryRecordAsRefused() {
        UsageSink sink = sink();
        firehose.throttle(true);

        UsageSink.Refused refused = sink.deliver(key(T0), batch(records("t", 4, T0)));

        assertThat(refused.lines()).hasSize(4);
        assertThat(refused.reason()).contains("ServiceUnavailableException");
        assertThat(firehose.calls()).isEqualTo(3); // the sink's three attempts
        assertThat(delivered()).isEmpty();
    }

    @Test
    void deliver_endpointUnreachable_returnsEveryRecordAsRefusedWithinAFewSeconds() {
        UsageSink sink = sink();
        firehose.stop();

        long started = System.nanoTime();
        UsageSink.Refused refused = sink.deliver(key(T0), batch(records("d", 3, T0)));

        assertThat(refused.lines()).hasSize(3);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
        firehose.restart();
        assertThat(delivered()).isEmpty();
    }

    @Test
    void deliver_1200Records_sendsThreeCallsWithinTheFiveHundredRecordLimit() {
        UsageSink sink = sink();

        assertThat(sink.deliver(key(T0), batch(records("n", 1200, T0))).isEmpty())
                .isTrue();

        assertThat(firehose.calls()).isEqualTo(3);
        assertThat(firehose.accepted()).isEqualTo(1200);
    }

    private List<UsageRecord> readAll() {
        List<UsageRecord> out = new ArrayList<>();
        Instant day = T0.minusSeconds(86_400);
        UsageLogReader.create(destination).read(day, T0.plusSeconds(86_400), out::add);
        return out;
    }
}
