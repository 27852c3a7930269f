package dev.spendgate.aws.ses;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spendgate.aws.AwsClients;
import dev.spendgate.domain.report.MailTransport;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;

/**
 * An SES endpoint whose TLS handshake fails (the connection is closed at once, before any request byte could be sent)
 * is a send that certainly did not reach SES: not "maybe sent", which would keep the month's claim and stop every retry
 * from sending the report email.
 */
class SesNothingSentIT {
    @Test
    void tlsHandshakeFails_nothingSent_isNotMaybeSent() throws Exception {
        AtomicInteger connections = new AtomicInteger();
        AtomicLong bytesReceived = new AtomicLong();
        try (ServerSocket server = new ServerSocket(0)) {
            Thread t = new Thread(() -> {
                while (!server.isClosed()) {
                    try (Socket s = server.accept()) {
                        connections.incrementAndGet();
                        s.setSoTimeout(200);
                        // read the ClientHello only, then hang up: no HTTP request can have been sent
                        InputStream in = s.getInputStream();
                        byte[] b = new byte[16384];
                        try {
                            int n = in.read(b);
                            if (n > 0) bytesReceived.addAndGet(n);
                        } catch (java.net.SocketTimeoutException ignored) {
                        }
                    } catch (Exception e) {
                        return;
                    }
                }
            });
            t.setDaemon(true);
            t.start();
            AwsClients aws =
                    AwsClients.create(Region.US_EAST_1, URI.create("https://127.0.0.1:" + server.getLocalPort()), null);
            SesMailTransport ses = new SesMailTransport(SesMailTransport.client(
                    aws, StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDEXAMPLE", "secret"))));
            assertThatThrownBy(() -> ses.send("reports@x.test", List.of("cfo@y.test"), "x".getBytes()))
                    .isInstanceOfSatisfying(MailTransport.MailException.class, e -> {
                        assertThat(e.maybeSent())
                                .as("a TLS handshake that failed sent nothing to SES")
                                .isFalse();
                    });
        }
    }
}
