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

    @Test
    @Timeout(20)
    void post_throughAJvmWideHttpProxy_pooledConnectionDroppedAfterTheProviderHeldTheCall_notSentAgain()
            throws IOException {
        // the same provider behind the JVM-wide proxy an operator sets for egress (http.proxyHost): the call then
        // goes through the JDK's client, which sends a POST again when its kept-alive connection fails
        server = new UpstreamClientTest.RawServer((n, in, out) -> {
            String request;
            while ((request = server.readRequest(in)) != null) {
                if (request.contains("\"call\":2") && n == 1) {
                    try {
                        Thread.sleep(1_500);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return; // dropped without an answer
                }
                write(out, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
            }
        });
        String host = System.getProperty("http.proxyHost");
        String port = System.getProperty("http.proxyPort");
        System.setProperty("http.proxyHost", "127.0.0.1");
        System.setProperty("http.proxyPort", Integer.toString(server.socket.getLocalPort()));
        try {
            UpstreamClient proxied = new UpstreamClient(Duration.ofSeconds(5), Duration.ofSeconds(5));
            java.net.URI provider = java.net.URI.create("http://llm-provider.example/v1/chat/completions");
            Headers headers = new Headers().set("Content-Type", "application/json");
            try (InputStream first = proxied.post(provider, headers, "{\"call\":1}".getBytes(StandardCharsets.UTF_8))
                    .body()) {
                first.readAllBytes();
            }

            try (InputStream second = proxied.post(provider, headers, "{\"call\":2}".getBytes(StandardCharsets.UTF_8))
                    .body()) {
                second.readAllBytes();
            } catch (IOException e) {
                // the expected outcome: no answer
            }
        } finally {
            restore("http.proxyHost", host);
            restore("http.proxyPort", port);
        }

        // today the JDK's client sent call 2 a second time on a new connection: the provider runs and bills it twice
        assertThat(server.requests).filteredOn(r -> r.contains("\"call\":2")).hasSize(1);
    }

    private static void restore(String name, String value) {
        if (value == null) {
            System.clearProperty(name);
        } else {
            System.setProperty(name, value);
        }
    }
}
