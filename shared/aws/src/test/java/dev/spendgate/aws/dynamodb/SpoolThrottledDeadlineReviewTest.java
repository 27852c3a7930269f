package dev.spendgate.aws.dynamodb;

import static dev.spendgate.testing.contract.UsageSinkContract.records;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.spendgate.aws.AwsClients;
import dev.spendgate.domain.usage.UsageJournal;
import dev.spendgate.domain.usage.UsageLogWriter;
import dev.spendgate.domain.usage.UsageSink;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * README (Budgets, "The record's delivery is bounded by the invocation's deadline"): "Firehose gets what is left of the
 * invocation less 400 ms kept for the spool ... What Firehose did not take by then goes to the spool, so [the record]
 * is durable before Lambda ends the invocation". The spool is written with the proxy's plain DynamoDB client
 * ({@link AwsClients#dynamoDb()}: SDK default retries, no overall call timeout). When the spool table throttles
 * (DynamoDB answers {@code ThrottlingException}, as after a Firehose outage when every invocation spills), the SDK
 * retries with its throttling back-off (500 ms base, doubling) far past the 400 ms kept: the flush holds the invocation
 * past its deadline, and Lambda kills it with the record neither in Firehose nor in the spool.
 */
class SpoolThrottledDeadlineReviewTest {
    private HttpServer dynamo;
    private DynamoDbClient client;
    private final AtomicInteger requests = new AtomicInteger();

    @AfterEach
    void stop() {
        if (client != null) {
            client.close();
        }
        if (dynamo != null) {
            dynamo.stop(0);
        }
    }

    @Test
    void flushWithin_streamAndSpoolTableThrottled_returnsWithinTheInvocationsTime() throws Exception {
        dynamo = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        dynamo.setExecutor(Executors.newFixedThreadPool(2));
        dynamo.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            requests.incrementAndGet();
            byte[] body = ("{\"__type\":\"com.amazonaws.dynamodb.v20120810#ThrottlingException\","
                            + "\"message\":\"Rate of requests exceeds the allowed throughput.\"}")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/x-amz-json-1.0");
            exchange.sendResponseHeaders(400, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        dynamo.start();
        // the proxy's spool client, as AwsGatewayRuntime builds it
        client = AwsClients.create(
                        Region.US_EAST_1,
                        URI.create("http://127.0.0.1:" + dynamo.getAddress().getPort()),
                        StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .dynamoDb();
        DynamoDbUsageSpool spool = new DynamoDbUsageSpool(client, "spendgate-usage-spool");
        // Firehose throttled too: it refuses the record at once (FirehoseUsageSink's Refused after its attempts)
        UsageSink throttledStream = (key, gzip) -> new UsageSink.Refused(
                UsageLogWriterLines.of(gzip), "Firehose stream spendgate-usage refused 1 record: ServiceUnavailable");
        UsageLogWriter writer =
                UsageLogWriter.create(throttledStream, spool, UsageJournal.NONE, Clock.systemUTC(), 500);
        writer.append(records("throttled-", 1, Instant.parse("2026-11-30T23:59:59.900Z"))
                .get(0));

        Duration timeLeft = Duration.ofSeconds(2); // the invocation's time left after the answer
        var pool = Executors.newSingleThreadExecutor();
        long started = System.nanoTime();
        Future<Integer> flush = pool.submit(() -> writer.flushWithin(timeLeft));
        boolean ended;
        try {
            flush.get(30, TimeUnit.SECONDS);
            ended = true;
        } catch (java.util.concurrent.TimeoutException e) {
            ended = false;
        } finally {
            pool.shutdownNow();
        }
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        assertThat(took)
                .as(
                        "flushWithin(%s) with the spool table throttling took %s (still running after 30 s: %s),"
                                + " %d DynamoDB requests",
                        timeLeft, took, !ended, requests.get())
                .isLessThan(timeLeft);
    }

    /** The lines of a gzip NDJSON batch, as a sink that refuses them returns them. */
    private static final class UsageLogWriterLines {
        static List<String> of(byte[] gzip) {
            try (var in = new java.io.BufferedReader(new java.io.InputStreamReader(
                    new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(gzip)),
                    StandardCharsets.UTF_8))) {
                return in.lines().filter(l -> !l.isBlank()).toList();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }
}
