package dev.spendgate.aws.sns;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.budget.BudgetAlert;
import dev.spendgate.domain.budget.BudgetPolicy;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sns.SnsClient;

/**
 * Budget alerts for budgets on long scope values. Attribution values may be up to {@link Attribution#MAX_LENGTH}
 * characters, and SNS refuses a Publish whose {@code Subject} is 100 characters or more (HTTP 400
 * {@code InvalidParameter}, "Subject must be less than 100 characters"): the local endpoint here answers as SNS does.
 */
class SnsAlertSinkSubjectLimitTest {
    private static final Pattern SUBJECT = Pattern.compile("(?:^|&)Subject=([^&]*)");

    /** A user budget on an e-mail address of 58 characters, well within the attribution limit of 128. */
    @Test
    void send_budgetOnALongUserValue_publishAcceptedBySns() throws Exception {
        String user = "firstname.lastname@finance-operations.emea.examplecorp.com";
        BudgetAlert alert = new BudgetAlert(
                "user:" + user + "/monthly",
                user,
                "2026-12",
                100,
                new BigDecimal("200"),
                new BigDecimal("201.40"),
                BudgetPolicy.Mode.BLOCK,
                Instant.parse("2026-12-03T10:00:00Z"));
        List<String> accepted = new CopyOnWriteArrayList<>();
        List<String> refused = new CopyOnWriteArrayList<>();
        List<String> bodies = new CopyOnWriteArrayList<>();
        HttpServer sns = snsCheckingSubjects(accepted, refused, bodies);
        try (SnsClient client = client(sns)) {
            new SnsAlertSink(client, "arn:aws:sns:us-east-1:000000000000:spendgate-alerts").send(alert);
        } finally {
            sns.stop(0);
        }

        assertThat(refused)
                .as("Publish requests SNS refused (subject of 100 characters or more)")
                .isEmpty();
        assertThat(accepted).as("budget alerts delivered to the topic").hasSize(1);
        assertThat(accepted.get(0))
                .as("the subject names the budget and the threshold")
                .startsWith("Spendgate budget alert: user:firstname.lastname@")
                .endsWith("... at 100 %");
        assertThat(URLDecoder.decode(bodies.get(0), StandardCharsets.UTF_8))
                .as("the message and the policy attribute keep the full policy id")
                .contains("Message=Budget user:" + user + "/monthly")
                .contains("StringValue=user:" + user + "/monthly");
    }

    /** Publish as SNS answers it: {@code InvalidParameter} for a subject of 100 characters or more. */
    private static HttpServer snsCheckingSubjects(List<String> accepted, List<String> refused, List<String> bodies)
            throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            bodies.add(body);
            Matcher m = SUBJECT.matcher(body);
            String subject = m.find() ? URLDecoder.decode(m.group(1), StandardCharsets.UTF_8) : null;
            boolean ok = subject == null || subject.length() < 100;
            (ok ? accepted : refused).add(subject);
            byte[] answer = (ok
                            ? "<PublishResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\">"
                                    + "<PublishResult><MessageId>m-1</MessageId></PublishResult>"
                                    + "<ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata>"
                                    + "</PublishResponse>"
                            : "<ErrorResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\"><Error>"
                                    + "<Type>Sender</Type><Code>InvalidParameter</Code>"
                                    + "<Message>Invalid parameter: Subject</Message></Error>"
                                    + "<RequestId>r-2</RequestId></ErrorResponse>")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/xml");
            exchange.sendResponseHeaders(ok ? 200 : 400, answer.length);
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
