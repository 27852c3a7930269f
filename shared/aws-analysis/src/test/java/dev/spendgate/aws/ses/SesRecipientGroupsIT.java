package dev.spendgate.aws.ses;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.spendgate.aws.AwsClients;
import dev.spendgate.domain.report.MailTransport;
import jakarta.mail.Address;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;

/**
 * More than 50 recipients through SES (a local SES v2 endpoint that, like SES, rejects a message naming more than 50
 * recipients in its destination or in the raw message's To: header): sent in groups, each named alone.
 */
class SesRecipientGroupsIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Session SESSION = Session.getInstance(new Properties());

    HttpServer server;
    /** The SendEmail requests SES took. */
    final List<JsonNode> taken = new CopyOnWriteArrayList<>();
    /** The request (1-based) SES rejects as "Email address is not verified."; 0 for none. */
    volatile int rejectRequest;

    final java.util.concurrent.atomic.AtomicInteger requests = new java.util.concurrent.atomic.AtomicInteger();

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            int n = requests.incrementAndGet();
            JsonNode request = JSON.readTree(exchange.getRequestBody().readAllBytes());
            String error = null;
            if (request.at("/Destination/ToAddresses").size() > 50 || headerTo(request).length > 50) {
                error = "Recipient count exceeds 50.";
            } else if (n == rejectRequest) {
                error = "Email address is not verified.";
            }
            byte[] answer = (error == null ? "{\"MessageId\":\"msg-" + n + "\"}" : "{\"message\":\"" + error + "\"}")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            if (error == null) {
                taken.add(request);
            } else {
                exchange.getResponseHeaders().set("x-amzn-ErrorType", "MessageRejected");
            }
            exchange.sendResponseHeaders(error == null ? 200 : 400, answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    static Address[] headerTo(JsonNode request) {
        try {
            Address[] to = raw(request).getRecipients(Message.RecipientType.TO);
            return to == null ? new Address[0] : to;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static MimeMessage raw(JsonNode request) throws Exception {
        return new MimeMessage(
                SESSION,
                new ByteArrayInputStream(Base64.getDecoder()
                        .decode(request.at("/Content/Raw/Data").asText())));
    }

    SesMailTransport transport() {
        AwsClients aws = AwsClients.create(
                Region.US_EAST_1,
                URI.create("http://127.0.0.1:" + server.getAddress().getPort()),
                null);
        return new SesMailTransport(SesMailTransport.client(
                aws, StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDEXAMPLE", "secret"))));
    }

    static List<String> finance(int count) {
        return IntStream.rangeClosed(1, count)
                .mapToObj(i -> "finance" + i + "@example.test")
                .toList();
    }

    /** The report as ReportEmail composes it: every recipient in To:, a text part and an attachment. */
    static byte[] report(List<String> to) throws Exception {
        MimeMessage message = new MimeMessage(SESSION);
        message.setFrom(new InternetAddress("reports@spendgate.test"));
        for (String r : to) {
            message.addRecipient(Message.RecipientType.TO, new InternetAddress(r));
        }
        message.setSubject("AI spend report November 2026", "UTF-8");
        jakarta.mail.internet.MimeMultipart parts = new jakarta.mail.internet.MimeMultipart();
        jakarta.mail.internet.MimeBodyPart text = new jakarta.mail.internet.MimeBodyPart();
        text.setText("November's spend.", "UTF-8");
        parts.addBodyPart(text);
        jakarta.mail.internet.MimeBodyPart csv = new jakarta.mail.internet.MimeBodyPart();
        csv.setDataHandler(new jakarta.activation.DataHandler(new jakarta.mail.util.ByteArrayDataSource(
                "BilledCost\n119.05\n".getBytes(StandardCharsets.UTF_8), "text/csv")));
        csv.setFileName("focus-1.1.csv");
        parts.addBodyPart(csv);
        message.setContent(parts);
        message.saveChanges();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        message.writeTo(out);
        return out.toByteArray();
    }

    static byte[] body(byte[] rawMime) {
        String s = new String(rawMime, StandardCharsets.ISO_8859_1);
        return s.substring(s.indexOf("\r\n\r\n")).getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void sixtyRecipients_twoSendsOf50And10_eachNamingItsGroupOnly() throws Exception {
        List<String> sixty = finance(60);
        byte[] mime = report(sixty);

        MailTransport.Delivery delivery = transport().send("reports@spendgate.test", sixty, mime);

        assertThat(delivery.refused()).isEmpty();
        assertThat(taken).hasSize(2);
        List<String> reached = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            JsonNode request = taken.get(i);
            List<String> destination = new ArrayList<>();
            request.at("/Destination/ToAddresses").forEach(a -> destination.add(a.asText()));
            assertThat(destination).hasSize(i == 0 ? 50 : 10);
            assertThat(Arrays.stream(headerTo(request)).map(a -> ((InternetAddress) a).getAddress()))
                    .as("the To: header of group %s", i + 1)
                    .containsExactlyElementsOf(destination);
            byte[] sent =
                    Base64.getDecoder().decode(request.at("/Content/Raw/Data").asText());
            assertThat(body(sent)).as("the message after its headers").isEqualTo(body(mime));
            assertThat(raw(request).getSubject()).isEqualTo("AI spend report November 2026");
            reached.addAll(destination);
        }
        assertThat(reached).containsExactlyElementsOf(sixty);
    }

    @Test
    void fiftyRecipients_oneSend_theMessageAsComposed() throws Exception {
        List<String> fifty = finance(50);
        byte[] mime = report(fifty);

        transport().send("reports@spendgate.test", fifty, mime);

        assertThat(taken).hasSize(1);
        assertThat(Base64.getDecoder()
                        .decode(taken.get(0).at("/Content/Raw/Data").asText()))
                .isEqualTo(mime);
    }

    /** The first group failing: nobody has it, a plain failure (the run's retry sends), with SES's reason. */
    @Test
    void firstGroupRejected_nothingSent_notMaybeSent_namesSesReason() throws Exception {
        rejectRequest = 1;
        List<String> sixty = finance(60);

        assertThatThrownBy(() -> transport().send("reports@spendgate.test", sixty, report(sixty)))
                .isInstanceOfSatisfying(MailTransport.MailException.class, e -> assertThat(e.maybeSent())
                        .isFalse())
                .hasMessageContaining("Email address is not verified.")
                .hasMessageContaining("group 1 of 2");
        assertThat(requests).as("no second group after the first failed").hasValue(1);
    }

    /**
     * A later group failing: the first 50 have the email, so the failure keeps the run from sending again (maybe sent)
     * and says who has it and who does not.
     */
    @Test
    void secondGroupRejected_maybeSent_namesWhoHasItAndWhoNot() throws Exception {
        rejectRequest = 2;
        List<String> sixty = finance(60);

        assertThatThrownBy(() -> transport().send("reports@spendgate.test", sixty, report(sixty)))
                .isInstanceOfSatisfying(MailTransport.MailException.class, e -> {
                    assertThat(e.maybeSent()).isTrue();
                    assertThat(e.getMessage())
                            .contains("SES took the report email for 50 of 60 recipients")
                            .contains("finance1@example.test, ")
                            .contains("finance50@example.test)")
                            .contains("Email address is not verified.")
                            .contains("not sent to: finance51@example.test")
                            .contains("finance60@example.test");
                });
    }

    @Test
    void singleSendRejected_namesSesReason() {
        rejectRequest = 1;
        assertThatThrownBy(
                        () -> transport().send("reports@spendgate.test", List.of("cfo@example.test"), "x".getBytes()))
                .isInstanceOf(MailTransport.MailException.class)
                .hasMessage("SES did not accept the report email: MessageRejectedException: Email address is not"
                        + " verified.");
    }
}
