package dev.spendgate.aws.sns;

import static org.assertj.core.api.Assertions.assertThatCode;

import dev.spendgate.domain.budget.AlertSink;
import dev.spendgate.domain.budget.BudgetAlert;
import dev.spendgate.domain.budget.BudgetPolicy;
import java.math.BigDecimal;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
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
    void send_snsUnreachable_doesNotThrowSoTheCallIsNotFailed() {
        try (SnsClient dead = SnsClient.builder()
                .endpointOverride(URI.create("http://127.0.0.1:9"))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .httpClientBuilder(UrlConnectionHttpClient.builder().connectionTimeout(Duration.ofMillis(200)))
                .overrideConfiguration(o -> o.retryStrategy(r -> r.maxAttempts(1)))
                .build()) {
            assertThatCode(() ->
                            new SnsAlertSink(dead, "arn:aws:sns:us-east-1:000000000000:spendgate-alerts").send(ALERT))
                    .doesNotThrowAnyException();
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
}
