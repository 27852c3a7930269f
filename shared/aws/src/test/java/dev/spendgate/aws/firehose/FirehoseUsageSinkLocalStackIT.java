package dev.spendgate.aws.firehose;

import dev.spendgate.aws.AwsClients;
import dev.spendgate.aws.SharedLocalStack;
import dev.spendgate.domain.usage.UsageSink;
import dev.spendgate.testing.aws.DeliveredUsage;
import dev.spendgate.testing.contract.UsageSinkContract;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.testcontainers.junit.jupiter.Testcontainers;
import software.amazon.awssdk.services.firehose.FirehoseClient;
import software.amazon.awssdk.services.firehose.model.CompressionFormat;
import software.amazon.awssdk.services.firehose.model.DeliveryStreamStatus;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The usage sink contract against LocalStack's Firehose, delivering to its S3 (a plain prefix per test: LocalStack
 * does not evaluate dynamic partitioning, so the hour layout is covered by {@code FirehoseUsageSinkIT}); skipped
 * where there is no Docker engine.
 */
@Testcontainers(disabledWithoutDocker = true)
class FirehoseUsageSinkLocalStackIT extends UsageSinkContract {
    private static final AtomicInteger STREAMS = new AtomicInteger();
    private static FirehoseClient firehose;
    private static S3Client s3;
    private static String bucket;
    private String prefix;

    @BeforeAll
    static void connect() {
        AwsClients clients = SharedLocalStack.clients();
        firehose = clients.firehose();
        s3 = clients.s3();
        bucket = "firehose-usage";
        s3.createBucket(b -> b.bucket(bucket));
    }

    @AfterAll
    static void disconnect() {
        firehose.close();
        s3.close();
    }

    @Override
    protected UsageSink newSink() {
        String stream = "spendgate-usage-" + STREAMS.incrementAndGet();
        prefix = stream + "/";
        firehose.createDeliveryStream(b -> b.deliveryStreamName(stream)
                .deliveryStreamType("DirectPut")
                .extendedS3DestinationConfiguration(d -> d.bucketARN("arn:aws:s3:::" + bucket)
                        .roleARN("arn:aws:iam::000000000000:role/spendgate-usage-delivery")
                        .prefix(prefix)
                        .compressionFormat(CompressionFormat.GZIP)
                        .bufferingHints(h -> h.intervalInSeconds(60).sizeInMBs(1))));
        for (int i = 0; i < 60; i++) {
            DeliveryStreamStatus status = firehose.describeDeliveryStream(b -> b.deliveryStreamName(stream))
                    .deliveryStreamDescription()
                    .deliveryStreamStatus();
            if (status == DeliveryStreamStatus.ACTIVE) {
                break;
            }
            pause(500);
        }
        return new FirehoseUsageSink(firehose, stream);
    }

    /** Polls the prefix until the objects stop changing (LocalStack flushes on its own buffering clock). */
    @Override
    protected List<String> delivered() {
        return DeliveredUsage.whenSettled(() -> DeliveredUsage.requestIds(s3, bucket, prefix), 90);
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
