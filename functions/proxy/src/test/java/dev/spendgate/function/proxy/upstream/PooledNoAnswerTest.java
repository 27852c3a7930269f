package dev.spendgate.function.proxy.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spendgate.function.proxy.http.Headers;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A request sent whole on a pooled connection that the provider held for a while and then dropped without an answer
 * is the case {@link UpstreamClient.NoAnswer} was made for: the provider had the call and may bill it. Sending it
 * again on a new connection makes the provider run (and bill) it twice while Spendgate records and charges one call.
 */
class PooledNoAnswerTest {
    private final UpstreamClient client = new UpstreamClient(Duration.ofSeconds(5), Duration.ofSeconds(5));
    private UpstreamClientTest.RawServer server;

    @AfterEach
    void stop() throws IOException {
        if (server != null) {
            server.close();
        }
    }

    private static void write(OutputStream out, String raw) throws IOException {
        out.write(raw.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private UpstreamClient.Response post(String body) throws IOException {
        return client.post(
                server.uri("/v1/chat/completions"),
                new Headers().set("Content-Type", "application/json"),
                body.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    @Timeout(20)
    void post_pooledConnectionDroppedAfterTheProviderHeldTheCall_notSentAgain() throws IOException {
        // connection 1 answers its first call, then takes the second, works on it for 1.5 s and drops the
        // connection (a provider's load balancer reset mid-generation); later connections answer at once
        server = new UpstreamClientTest.RawServer((n, in, out) -> {
            if (server.readRequest(in) == null) {
                return;
            }
            write(out, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
            if (n == 1 && server.readRequest(in) != null) {
                try {
                    Thread.sleep(1_500);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                // the try-with-resources of RawServer closes the socket: no answer
            }
        });
        try (InputStream first = post("{\"call\":1}").body()) {
            first.readAllBytes(); // the connection goes back to the pool
        }

        assertThatThrownBy(() -> post("{\"call\":2}").body().readAllBytes())
                .isInstanceOf(UpstreamClient.NoAnswer.class);
        // the provider received call 2 once, not twice
        assertThat(server.requests).filteredOn(r -> r.contains("\"call\":2")).hasSize(1);
    }
}
