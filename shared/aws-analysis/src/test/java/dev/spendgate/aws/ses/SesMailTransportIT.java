package dev.spendgate.aws.ses;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.spendgate.aws.AwsClients;
import dev.spendgate.domain.report.MailTransport;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;

/** The SES adapter against a local HTTP endpoint speaking the SES v2 wire protocol: what goes over the wire. */
class SesMailTransportIT {
    static final ObjectMapper JSON = new ObjectMapper();
    HttpServer server;
    final AtomicReference<String> path = new AtomicReference<>();
    final AtomicReference<String> body = new AtomicReference<>();
    volatile int status = 200;
    final java.util.concurrent.atomic.AtomicInteger requests = new java.util.concurrent.atomic.AtomicInteger();

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            requests.incrementAndGet();
            path.set(exchange.getRequestURI().getPath());
            body.set(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            byte[] answer = status == 200
                    ? "{\"MessageId\":\"msg-1\"}".getBytes(StandardCharsets.UTF_8)
                    : "{\"message\":\"Email address is not verified.\"}".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            if (status != 200) {
                exchange.getResponseHeaders().set("x-amzn-ErrorType", "MessageRejected");
            }
            exchange.sendResponseHeaders(status, answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    SesMailTransport transport() {
        AwsClients aws = AwsClients.create(
                Region.US_EAST_1,
                URI.create("http://127.0.0.1:" + server.getAddress().getPort()),
                null);
        return new SesMailTransport(SesMailTransport.client(
                aws, StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDEXAMPLE", "secret"))));
    }

    @Test
    void send_rawMime_postsTheExactBytesAsARawMessage() throws Exception {
        byte[] mime = "From: a@x.test\r\nTo: b@y.test\r\nSubject: hi\r\n\r\nbody\r\n".getBytes(StandardCharsets.UTF_8);

        transport().send("reports@x.test", List.of("cfo@y.test", "ops@y.test"), mime);

        assertThat(path.get()).isEqualTo("/v2/email/outbound-emails");
        JsonNode sent = JSON.readTree(body.get());
        assertThat(sent.get("FromEmailAddress").asText()).isEqualTo("reports@x.test");
        assertThat(sent.at("/Destination/ToAddresses"))
                .extracting(JsonNode::asText)
                .containsExactly("cfo@y.test", "ops@y.test");
        assertThat(Base64.getDecoder().decode(sent.at("/Content/Raw/Data").asText()))
                .isEqualTo(mime);
    }

    @Test
    void send_rejected_throwsMailExceptionWithoutTheMessage() {
        status = 400;
        assertThatThrownBy(() -> transport().send("reports@x.test", List.of("cfo@y.test"), "x".getBytes()))
                .isInstanceOf(MailTransport.MailException.class)
                .hasMessageStartingWith("SES did not accept the report email");
    }

    @Test
    void send_rejected_isNotMaybeSentAndNotSentAgain() {
        status = 400;
        assertThatThrownBy(() -> transport().send("reports@x.test", List.of("cfo@y.test"), "x".getBytes()))
                .isInstanceOfSatisfying(MailTransport.MailException.class, e -> assertThat(e.maybeSent())
                        .isFalse());
        assertThat(requests).hasValue(1);
    }

    /** A server error may come after SES took the message: not sent again by the SDK, and said to be maybe sent. */
    @Test
    void send_serverError_maybeSentAndNotSentAgain() {
        status = 500;
        assertThatThrownBy(() -> transport().send("reports@x.test", List.of("cfo@y.test"), "x".getBytes()))
                .isInstanceOfSatisfying(MailTransport.MailException.class, e -> assertThat(e.maybeSent())
                        .isTrue())
                .hasMessageStartingWith("SES may have taken the report email");
        assertThat(requests).as("SendEmail requests").hasValue(1);
    }

    /** Nothing listens: the request never reached SES, so it is plainly not sent (the run's retry sends). */
    @Test
    void send_noConnection_notMaybeSent() throws java.io.IOException {
        int port;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
            port = free.getLocalPort(); // closed again: nothing listens there
        }
        AwsClients aws = AwsClients.create(Region.US_EAST_1, URI.create("http://127.0.0.1:" + port), null);
        SesMailTransport closed = new SesMailTransport(SesMailTransport.client(
                aws, StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDEXAMPLE", "secret"))));
        assertThatThrownBy(() -> closed.send("reports@x.test", List.of("cfo@y.test"), "x".getBytes()))
                .isInstanceOfSatisfying(MailTransport.MailException.class, e -> assertThat(e.maybeSent())
                        .isFalse());
    }
}
