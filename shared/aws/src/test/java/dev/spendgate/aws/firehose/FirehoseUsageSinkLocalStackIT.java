package dev.spendgate.aws.firehose;

import dev.spendgate.aws.AwsClients;
import dev.spendgate.aws.SharedLocalStack;
import dev.spendgate.domain.usage.UsageRecordCodec;
import dev.spendgate.domain.usage.UsageSink;
import dev.spendgate.testing.contract.UsageSinkContract;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.testcontainers.junit.jupiter.Testcontainers;
import software.amazon.awssdk.services.firehose.FirehoseClient;
import software.amazon.awssdk.services.firehose.model.CompressionFormat;
import software.amazon.awssdk.services.firehose.model.DeliveryStreamStatus;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

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
        List<String> ids = List.of();
        int stableRounds = 0;
        for (int i = 0; i < 90 && stableRounds < 3; i++) {
            List<String> now = readPrefix();
            stableRounds = !now.isEmpty() && now.size() == ids.size() ? stableRounds + 1 : 0;
            ids = now;
            pause(1000);
        }
        return ids;
    }

    private List<String> readPrefix() {
        List<String> ids = new ArrayList<>();
        for (S3Object object :
                s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix)).contents()) {
            byte[] content =
                    s3.getObjectAsBytes(b -> b.bucket(bucket).key(object.key())).asByteArray();
            try (BufferedReader in =
                    new BufferedReader(new InputStreamReader(decompressed(content), StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    if (!line.isBlank()) {
                        ids.add(UsageRecordCodec.read(line).requestId());
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return ids;
    }

    private static InputStream decompressed(byte[] content) throws IOException {
        boolean gzip = content.length > 1 && (content[0] & 0xff) == 0x1f && (content[1] & 0xff) == 0x8b;
        return gzip ? new GZIPInputStream(new ByteArrayInputStream(content)) : new ByteArrayInputStream(content);
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
