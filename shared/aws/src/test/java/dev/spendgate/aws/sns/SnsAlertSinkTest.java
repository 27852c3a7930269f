package dev.spendgate.aws.sns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.spendgate.domain.budget.AlertSink;
import dev.spendgate.domain.budget.BudgetAlert;
import dev.spendgate.domain.budget.BudgetPolicy;
import dev.spendgate.testing.logging.CapturedLog;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sns.SnsClient;

class SnsAlertSinkTest {
    static final BudgetAlert ALERT = new BudgetAlert(
            "feature:chatbot/monthly",
            "chatbot",
            "2026-11",
            80,
            new BigDecimal("500"),
            new BigDecimal("401.25"),
            BudgetPolicy.Mode.BLOCK,
            Instant.parse("2026-11-28T10:00:00Z"));

    @Test
    void send_snsUnreachable_logsOneJsonErrorLineAndDoesNotThrow() throws Exception {
        try (SnsClient dead = SnsClient.builder()
                .endpointOverride(URI.create("http://127.0.0.1:9"))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .httpClientBuilder(UrlConnectionHttpClient.builder().connectionTimeout(Duration.ofMillis(200)))
                .overrideConfiguration(o -> o.retryStrategy(r -> r.maxAttempts(1)))
                .build()) {
            SnsAlertSink sink = new SnsAlertSink(dead, "arn:aws:sns:us-east-1:000000000000:spendgate-alerts");
            CapturedLog log = CapturedLog.during(
                    () -> assertThatCode(() -> sink.send(ALERT)).doesNotThrowAnyException());

            JsonNode line = log.single("alert.sns_publish_failed");
            assertThat(CapturedLog.hasCommonShape(line)).isTrue();
            assertThat(line.get("level").asText()).isEqualTo("ERROR");
            assertThat(line.get("service").asText()).isEqualTo("aws-sns");
            assertThat(line.get("policy").asText()).isEqualTo("feature:chatbot/monthly");
            assertThat(line.get("error").asText()).startsWith("software.amazon.awssdk.");
        }
    }

    @Test
    void sendNotice_snsUnreachable_doesNotThrow() {
        try (SnsClient dead = SnsClient.builder()
                .endpointOverride(URI.create("http://127.0.0.1:9"))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .httpClientBuilder(UrlConnectionHttpClient.builder().connectionTimeout(Duration.ofMillis(200)))
                .overrideConfiguration(o -> o.retryStrategy(r -> r.maxAttempts(1)))
                .build()) {
            assertThatCode(() -> new SnsAlertSink(dead, "arn:aws:sns:us-east-1:000000000000:spendgate-alerts")
                            .send(new AlertSink.Notice("Spendgate waste findings for 2026-11-01", "text", Map.of())))
                    .doesNotThrowAnyException();
        }
    }

    @Test
    void send_budgetAlert_publishesTheSentenceAndFiguresToTheTopic() throws Exception {
        List<String> requests = new CopyOnWriteArrayList<>();
        HttpServer sns = fakeSns(requests);
        try (SnsClient client = client(sns)) {
            new SnsAlertSink(client, "arn:aws:sns:us-east-1:000000000000:spendgate-alerts").send(ALERT);
        } finally {
            sns.stop(0);
        }

        assertThat(requests).singleElement().satisfies(body -> assertThat(body)
                .contains("Action=Publish")
                .contains("TopicArn=arn:aws:sns:us-east-1:000000000000:spendgate-alerts")
                .contains("Subject=Spendgate budget alert: feature:chatbot/monthly at 80 %")
                .contains("Message=" + ALERT.message())
                .contains("=spent_usd")
                .contains("=401.25"));
    }

    @Test
    void send_budgetAlert_namesTheScopeValueAndPeriodAsAttributes() throws Exception {
        // the webhook's body carries scope_value and period; an SNS subscriber filtering on them needs them too
        // (a budget on "each feature" alerts per feature: the policy id alone does not say which one)
        List<String> requests = new CopyOnWriteArrayList<>();
        HttpServer sns = fakeSns(requests);
        try (SnsClient client = client(sns)) {
            new SnsAlertSink(client, "arn:aws:sns:us-east-1:000000000000:spendgate-alerts").send(ALERT);
        } finally {
            sns.stop(0);
        }

        assertThat(requests).singleElement().satisfies(body -> assertThat(body)
                .containsPattern("MessageAttributes\\.entry\\.(\\d+)\\.Name=scope_value&"
                        + "MessageAttributes\\.entry\\.\\1\\.Value\\.DataType=String&"
                        + "MessageAttributes\\.entry\\.\\1\\.Value\\.StringValue=chatbot")
                .containsPattern("MessageAttributes\\.entry\\.(\\d+)\\.Name=period&"
                        + "MessageAttributes\\.entry\\.\\1\\.Value\\.DataType=String&"
                        + "MessageAttributes\\.entry\\.\\1\\.Value\\.StringValue=2026-11"));
    }

    @Test
    void send_notice_publishesSubjectMessageAndAttributes() throws Exception {
        List<String> requests = new CopyOnWriteArrayList<>();
        HttpServer sns = fakeSns(requests);
        try (SnsClient client = client(sns)) {
            new SnsAlertSink(client, "arn:aws:sns:us-east-1:000000000000:spendgate-alerts")
                    .send(new AlertSink.Notice(
                            "Spendgate waste findings for 2026-11-01",
                            "1. $52.58/month - model_mismatch",
                            Map.of("findings_key", "findings/2026-11-01.json")));
        } finally {
            sns.stop(0);
        }

        assertThat(requests).singleElement().satisfies(body -> assertThat(body)
                .contains("Subject=Spendgate waste findings for 2026-11-01")
                .contains("Message=1. $52.58/month - model_mismatch")
                .contains("=findings_key")
                .contains("=findings/2026-11-01.json"));
    }

    /** A local endpoint answering SNS's query-protocol Publish; records each request body, URL-decoded. */
    private static HttpServer fakeSns(List<String> requests) throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            requests.add(URLDecoder.decode(body, StandardCharsets.UTF_8));
            byte[] answer = ("<PublishResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\">"
                            + "<PublishResult><MessageId>m-1</MessageId></PublishResult>"
                            + "<ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></PublishResponse>")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/xml");
            exchange.sendResponseHeaders(200, answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        });
        server.start();
        return server;
    }

    private static SnsClient client(HttpServer server) {
        return SnsClient.builder()
                .endpointOverride(
                        URI.create("http://127.0.0.1:" + server.getAddress().getPort()))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .overrideConfiguration(o -> o.retryStrategy(r -> r.maxAttempts(1)))
                .build();
    }
}
