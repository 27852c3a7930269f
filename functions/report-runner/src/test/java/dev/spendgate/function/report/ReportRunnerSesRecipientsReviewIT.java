package dev.spendgate.function.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.spendgate.aws.AwsClients;
import dev.spendgate.aws.s3.S3ObjectStore;
import dev.spendgate.aws.ses.SesMailTransport;
import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.pricing.ModelPrice;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.usage.UsageLayout;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageRecordCodec;
import dev.spendgate.testing.aws.LocalS3;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;

/**
 * The report function sending through SES (v2 {@code SendEmail}, a local endpoint speaking its wire protocol and
 * keeping its documented limit: "The message may not include more than 50 recipients, across the To:, CC: and BCC:
 * fields. If you need to send an email message to a larger audience, you can divide your recipient list into groups
 * of 50 or fewer", the whole message rejected otherwise).
 */
class ReportRunnerSesRecipientsReviewIT {
    static final ObjectMapper JSON = new ObjectMapper();

    S3ObjectStore store;
    HttpServer ses;
    /** The recipient lists of the messages SES took. */
    final List<List<String>> taken = new CopyOnWriteArrayList<>();

    final java.util.concurrent.atomic.AtomicInteger rejected = new java.util.concurrent.atomic.AtomicInteger();

    @BeforeEach
    void start() throws IOException {
        LocalS3 s3 = LocalS3.shared();
        store = new S3ObjectStore(s3.client(), s3.createUniqueBucket("ses-recipients"));
        ModelPrice price =
                PricingCatalog.bundled().find("anthropic", "claude-sonnet-4-5").orElseThrow();
        Instant t = Instant.parse("2026-11-14T09:00:00Z");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
            TokenUsage tokens = TokenUsage.anthropic(500, 1000, 200, 0, 80);
            UsageRecordCodec.write(
                    UsageRecord.builder()
                            .requestId("r-1")
                            .tsStart(t)
                            .tsEnd(t.plusSeconds(1))
                            .attribution(new Attribution("assistant", "sales", null, "prod", null, null, null))
                            .provider("anthropic")
                            .modelServed("claude-sonnet-4-5-20250929")
                            .statusCode(200)
                            .tokens(tokens)
                            .costUsd(price.cost(tokens))
                            .pricingStatus(UsageRecord.PricingStatus.PRICED)
                            .usageSource(UsageRecord.UsageSource.PROVIDER)
                            .build(),
                    gz);
        }
        store.put(UsageLayout.hourPrefix(t) + "part-1.ndjson.gz", bytes.toByteArray());

        ses = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        ses.createContext("/", exchange -> {
            JsonNode request = JSON.readTree(exchange.getRequestBody().readAllBytes());
            List<String> to = new java.util.ArrayList<>();
            request.at("/Destination/ToAddresses").forEach(a -> to.add(a.asText()));
            boolean ok = to.size() <= 50;
            byte[] answer = ok
                    ? "{\"MessageId\":\"msg-1\"}".getBytes(StandardCharsets.UTF_8)
                    : "{\"message\":\"Recipient count exceeds 50.\"}".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            if (ok) {
                taken.add(List.copyOf(to));
            } else {
                rejected.incrementAndGet();
                exchange.getResponseHeaders().set("x-amzn-ErrorType", "MessageRejected");
            }
            exchange.sendResponseHeaders(ok ? 200 : 400, answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        });
        ses.start();
    }

    @AfterEach
    void stop() {
        ses.stop(0);
    }

    SesMailTransport transport() {
        AwsClients aws = AwsClients.create(
                Region.US_EAST_1,
                URI.create("http://127.0.0.1:" + ses.getAddress().getPort()),
                null);
        return new SesMailTransport(SesMailTransport.client(
                aws, StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDEXAMPLE", "secret"))));
    }

    /**
     * A finance distribution of 60 addresses in {@code SPENDGATE_REPORT_EMAIL_TO} (the README: "recipients
     * (comma-separated)", no limit named). Over SMTP all 60 get the report. Over SES the one {@code SendEmail} names all
     * 60, SES rejects it whole, the run fails, Lambda's two retries fail the same way, and nobody gets November: the
     * event lands on the dead-letter queue, every month, with nothing at start or synth having said why. The report
     * should go in groups of at most 50 (as SES advises), or the setting be refused at start naming the limit.
     */
    @Test
    void sixtyRecipientsThroughSes_financeGetsTheReport() {
        String recipients = IntStream.rangeClosed(1, 60)
                .mapToObj(i -> "finance" + i + "@example.test")
                .collect(Collectors.joining(","));
        ReportRunnerConfig config;
        try {
            config = ReportRunnerConfig.fromEnv(Map.of(
                    "SPENDGATE_USAGE_BUCKET", "unused-in-test",
                    "SPENDGATE_REPORT_EMAIL_TO", recipients,
                    "SPENDGATE_REPORT_EMAIL_FROM", "reports@spendgate.test"));
        } catch (IllegalArgumentException refusedAtStart) {
            // a fix that refuses the setting at start, naming SES's limit, is as good: the operator learns at deploy
            assertThat(refusedAtStart).hasMessageContaining("50");
            return;
        }
        ReportRunnerHandler handler = new ReportRunnerHandler(
                store,
                config,
                null,
                List::of,
                transport(),
                key -> "https://example.test/" + key,
                Clock.fixed(Instant.parse("2026-12-02T06:00:00Z"), ZoneOffset.UTC));

        RuntimeException last = null;
        for (int attempt = 0; attempt < 3 && taken.isEmpty(); attempt++) {
            try {
                handler.handleRequest(new HashMap<>(), null);
            } catch (RuntimeException e) {
                last = e; // Lambda retries the asynchronous invocation (ScheduledJobs.onFailure: retryAttempts 2)
            }
        }

        assertThat(taken.stream().flatMap(List::stream).distinct())
                .as("recipients SES took the report for (rejected sends: %s; last failure: %s)", rejected.get(), last)
                .hasSize(60);
        assertThat(store.get("reports/2026-11/email-sent.json")).isPresent();
    }
}
