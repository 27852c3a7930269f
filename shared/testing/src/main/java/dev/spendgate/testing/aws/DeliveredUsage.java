package dev.spendgate.testing.aws;

import dev.spendgate.domain.usage.UsageRecordCodec;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.zip.GZIPInputStream;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Reads back what a real (LocalStack) Firehose stream delivered: the request ids of the usage records in the NDJSON
 * objects under a prefix, gzip or not, waiting until the stream has stopped writing.
 */
public final class DeliveredUsage {
    private DeliveredUsage() {}

    /** Request ids of every record in the objects under {@code prefix}, in listing order, repeats kept. */
    public static List<String> requestIds(S3Client s3, String bucket, String prefix) {
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

    /**
     * Polls {@code read} once a second until it has answered the same non-empty number of ids three times running,
     * or {@code maxSeconds} have passed (a stream flushes on its own buffering clock); returns the last answer.
     */
    public static List<String> whenSettled(Supplier<List<String>> read, int maxSeconds) {
        List<String> ids = List.of();
        int stableRounds = 0;
        for (int i = 0; i < maxSeconds && stableRounds < 3; i++) {
            List<String> now = read.get();
            stableRounds = !now.isEmpty() && now.size() == ids.size() ? stableRounds + 1 : 0;
            ids = now;
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return ids;
    }

    private static InputStream decompressed(byte[] content) throws IOException {
        boolean gzip = content.length > 1 && (content[0] & 0xff) == 0x1f && (content[1] & 0xff) == 0x8b;
        return gzip ? new GZIPInputStream(new ByteArrayInputStream(content)) : new ByteArrayInputStream(content);
    }
}
