package dev.spendgate.function.proxy.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.spendgate.function.proxy.http.Headers;
import dev.spendgate.function.proxy.http.TestKeyStores;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The upstream HTTP/1.1 client against real sockets: framing, keep-alive, stale connections and TLS checks. */
class UpstreamClientTest {
    private final UpstreamClient client = new UpstreamClient(Duration.ofSeconds(5), Duration.ofSeconds(5));
    private RawServer server;

    @TempDir
    Path dir;

    @AfterEach
    void stop() throws IOException {
        if (server != null) {
            server.close();
        }
    }

    /** What one accepted connection does: read requests and answer, any way the test likes. */
    interface ConnectionScript {
        void run(int connection, InputStream in, OutputStream out) throws IOException;
    }

    /** A server on a raw socket, so a test can answer with any framing, close at will and count connections. */
    static final class RawServer implements AutoCloseable {
        final ServerSocket socket;
        final AtomicInteger connections = new AtomicInteger();
        /** Connections whose script ended: for the scripts here, the client closed them. */
        final AtomicInteger ended = new AtomicInteger();

        final List<String> requests = new CopyOnWriteArrayList<>();

        RawServer(ConnectionScript script) throws IOException {
            socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thread acceptor = new Thread(() -> {
                while (!socket.isClosed()) {
                    try {
                        Socket s = socket.accept();
                        int n = connections.incrementAndGet();
                        Thread t = new Thread(() -> {
                            try (s) {
                                script.run(n, s.getInputStream(), s.getOutputStream());
                            } catch (IOException e) {
                                // the client went away
                            }
                            ended.incrementAndGet();
                        });
                        t.setDaemon(true);
                        t.start();
                    } catch (IOException e) {
                        return;
                    }
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
        }

        URI uri(String path) {
            return URI.create("http://127.0.0.1:" + socket.getLocalPort() + path);
        }

        /** Reads one request (head and Content-Length body); null when the client closed the connection. */
        String readRequest(InputStream in) throws IOException {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            int matched = 0;
            while (matched < 4) {
                int b = in.read();
                if (b < 0) {
                    return null;
                }
                head.write(b);
                matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (b == '\r' ? 1 : 0);
            }
            String text = head.toString(StandardCharsets.ISO_8859_1);
            int length = 0;
            for (String line : text.split("\r\n")) {
                if (line.toLowerCase().startsWith("content-length:")) {
                    length = Integer.parseInt(line.substring(15).trim());
                }
            }
            String request = text + new String(in.readNBytes(length), StandardCharsets.UTF_8);
            requests.add(request);
            return request;
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    private static void write(OutputStream out, String raw) throws IOException {
        out.write(raw.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static String body(UpstreamClient.Response response) throws IOException {
        try (InputStream in = response.body()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private UpstreamClient.Response post(URI uri, String body) throws IOException {
        return client.post(
                uri,
                new Headers().set("Content-Type", "application/json").set("Authorization", "Bearer sk-test"),
                body.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void join_randomHeads_areTheHeadsIso88591BytesThenTheBody() {
        java.util.SplittableRandom random = new java.util.SplittableRandom(11);
        for (int n = 0; n < 2_000; n++) {
            StringBuilder head = new StringBuilder();
            int length = random.nextInt(600);
            while (head.length() < length) {
                switch (random.nextInt(40)) {
                    case 0 -> head.append((char) (0x100 + random.nextInt(0x3000))); // past Latin-1: sent as ?
                    case 1 -> head.appendCodePoint(0x1F600 + random.nextInt(60)); // a pair: one ?
                    case 2 -> head.append((char) (0x80 + random.nextInt(0x80)));
                    default -> head.append((char) (0x20 + random.nextInt(0x5f)));
                }
            }
            byte[] body = new byte[random.nextInt(3_000)];
            random.nextBytes(body);
            ByteArrayOutputStream expected = new ByteArrayOutputStream();
            expected.writeBytes(head.toString().getBytes(StandardCharsets.ISO_8859_1));
            expected.writeBytes(body);

            assertThat(UpstreamClient.join(head, body)).isEqualTo(expected.toByteArray());
        }
    }

    @Test
    void post_sendsHostLengthHeadersAndBody_andReusesTheConnection() throws IOException {
        server = new RawServer((n, in, out) -> {
            while (server.readRequest(in) != null) {
                write(
                        out,
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"ok\":true}");
            }
        });

        UpstreamClient.Response first = post(server.uri("/v1/chat/completions?x=1"), "{\"a\":1}");
        assertThat(first.status()).isEqualTo(200);
        assertThat(first.headers().first("content-type")).isEqualTo("application/json");
        assertThat(body(first)).isEqualTo("{\"ok\":true}");
        assertThat(body(post(server.uri("/v1/chat/completions"), "{\"b\":2}"))).isEqualTo("{\"ok\":true}");

        assertThat(server.connections).hasValue(1);
        assertThat(server.requests.get(0))
                .startsWith("POST /v1/chat/completions?x=1 HTTP/1.1\r\n")
                .contains("Host: 127.0.0.1:" + server.socket.getLocalPort() + "\r\n")
                .contains("Authorization: Bearer sk-test\r\n")
                .contains("Content-Length: 7\r\n")
                .endsWith("\r\n\r\n{\"a\":1}");
    }

    @Test
    void post_pooledConnectionClosedByTheServer_sentOnceOnANewConnection() throws IOException {
        // Answers one request per connection, then closes without saying so (as an idle timeout would).
        server = new RawServer((n, in, out) -> {
            if (server.readRequest(in) != null) {
                write(out, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nc" + n);
            }
        });

        assertThat(body(post(server.uri("/v1/x"), "{}"))).isEqualTo("c1");
        assertThat(body(post(server.uri("/v1/x"), "{}"))).isEqualTo("c2");

        assertThat(server.requests).hasSize(2); // nothing sent twice
        assertThat(server.connections).hasValue(2);
    }

    @Test
    void post_chunkedAnswerWithExtensionsAndTrailers_decodedAndConnectionReused() throws IOException {
        server = new RawServer((n, in, out) -> {
            while (server.readRequest(in) != null) {
                write(
                        out,
                        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
                                + "c;ext=1\r\ndata: hello\n\r\n" + "9\r\ndata: [D]\r\n" + "0\r\nX-Trailer: t\r\n\r\n");
            }
        });

        assertThat(body(post(server.uri("/v1/x"), "{}"))).isEqualTo("data: hello\ndata: [D]");
        assertThat(body(post(server.uri("/v1/x"), "{}"))).isEqualTo("data: hello\ndata: [D]");
        assertThat(server.connections).hasValue(1);
    }

    @Test
    void post_interimContinue_skipped() throws IOException {
        server = new RawServer((n, in, out) -> {
            server.readRequest(in);
            write(out, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 4\r\n\r\ndone");
        });

        UpstreamClient.Response response = post(server.uri("/v1/x"), "{}");

        assertThat(response.status()).isEqualTo(201);
        assertThat(body(response)).isEqualTo("done");
    }

    @Test
    void post_bodyEndingAtClose_readToTheEnd_connectionNotReused() throws IOException {
        server = new RawServer((n, in, out) -> {
            server.readRequest(in);
            write(out, "HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain\r\n\r\nupstream down " + n);
        });

        UpstreamClient.Response first = post(server.uri("/v1/x"), "{}");
        assertThat(first.status()).isEqualTo(502);
        assertThat(body(first)).isEqualTo("upstream down 1");
        assertThat(body(post(server.uri("/v1/x"), "{}"))).isEqualTo("upstream down 2");
        assertThat(server.connections).hasValue(2);
    }

    @Test
    void post_bodyClosedEarly_connectionDropped() throws IOException {
        server = new RawServer((n, in, out) -> {
            while (server.readRequest(in) != null) {
                write(out, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789");
            }
        });

        try (InputStream in = post(server.uri("/v1/x"), "{}").body()) {
            assertThat(in.readNBytes(3)).hasSize(3); // the client left after 3 bytes
        }
        assertThat(body(post(server.uri("/v1/x"), "{}"))).isEqualTo("0123456789");

        assertThat(server.connections).hasValue(2);
    }

    @Test
    void post_malformedAnswerOnAPooledConnection_connectionDroppedNotReused() throws IOException {
        AtomicInteger calls = new AtomicInteger();
        server = new RawServer((n, in, out) -> {
            while (server.readRequest(in) != null) {
                if (calls.incrementAndGet() == 2) {
                    write(out, "NOT HTTP\r\n\r\n");
                } else {
                    write(out, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
                }
            }
        });

        assertThat(body(post(server.uri("/v1/x"), "{}"))).isEqualTo("ok");
        assertThatThrownBy(() -> post(server.uri("/v1/x"), "{}")).hasMessageContaining("malformed status line");
        assertThat(body(post(server.uri("/v1/x"), "{}"))).isEqualTo("ok");

        assertThat(server.connections).hasValue(2);
        long deadline = System.nanoTime() + 2_000_000_000L;
        while (server.ended.get() < 1 && System.nanoTime() < deadline) {
            Thread.yield();
        }
        assertThat(server.ended).hasValue(1); // the connection that answered garbage was closed, not leaked
    }

    @Test
    void post_headerValueWithLineBreak_refusedBeforeAnythingIsSent() throws IOException {
        server = new RawServer((n, in, out) -> server.readRequest(in));

        assertThatThrownBy(() ->
                        client.post(server.uri("/v1/x"), new Headers().set("X-Evil", "a\r\nInjected: 1"), new byte[0]))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("X-Evil");
        assertThat(server.connections).hasValue(0);
    }

    @Test
    @Timeout(10)
    void post_upstreamGzipsAStreamThoughAskedForIdentity_eventsDecodedAsTheyArrive() throws Exception {
        java.io.ByteArrayOutputStream coded = new java.io.ByteArrayOutputStream();
        java.util.zip.GZIPOutputStream gzip = new java.util.zip.GZIPOutputStream(coded, true);
        java.util.concurrent.CountDownLatch firstRead = new java.util.concurrent.CountDownLatch(1);
        server = new RawServer((n, in, out) -> {
            server.readRequest(in);
            write(
                    out,
                    "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Encoding: gzip\r\n"
                            + "Transfer-Encoding: chunked\r\n\r\n");
            for (String event : new String[] {"data: {\"a\":1}\n\n", "data: [DONE]\n\n"}) {
                gzip.write(event.getBytes(StandardCharsets.UTF_8));
                gzip.flush(); // a sync flush: the event decodes on its own
                if (event.contains("[DONE]")) {
                    gzip.finish();
                }
                byte[] chunk = coded.toByteArray();
                coded.reset();
                write(out, Integer.toHexString(chunk.length) + "\r\n");
                out.write(chunk);
                write(out, "\r\n");
                try {
                    firstRead.await(5, java.util.concurrent.TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    return;
                }
            }
            write(out, "0\r\n\r\n");
            in.read();
        });

        UpstreamClient.Response response = post(server.uri("/v1/chat/completions"), "{}");
        byte[] buffer = new byte[256];
        int n;
        try (InputStream stream = response.body()) {
            n = stream.read(buffer); // the first event, before the provider sends the second
            firstRead.countDown();
            assertThat(new String(buffer, 0, n, StandardCharsets.UTF_8)).isEqualTo("data: {\"a\":1}\n\n");
            assertThat(new String(stream.readAllBytes(), StandardCharsets.UTF_8))
                    .isEqualTo("data: [DONE]\n\n");
        }
        assertThat(response.headers().contains("content-encoding")).isFalse();
        assertThat(server.requests.get(0)).containsIgnoringCase("Accept-Encoding: identity\r\n");
    }

    @Test
    @Timeout(10)
    void post_answerHeadWithLengthsThatDiffer_noAnswerNotUnreachable() throws IOException {
        // the provider answered (and bills the call): a head Spendgate cannot frame must not read as "never sent"
        server = new RawServer((n, in, out) -> {
            server.readRequest(in);
            write(out, "HTTP/1.1 200 OK\r\nContent-Length: 2, 3\r\n\r\nok!");
            in.read();
        });

        assertThatThrownBy(() -> post(server.uri("/v1/x"), "{}")).isInstanceOf(UpstreamClient.NoAnswer.class);
    }

    @Test
    @Timeout(10)
    void post_upstreamSilentLongerThanTheReadTimeout_timesOut() throws IOException {
        server = new RawServer((n, in, out) -> {
            server.readRequest(in);
            in.read(); // never answers; returns when the client gives up
        });
        UpstreamClient impatient = new UpstreamClient(Duration.ofSeconds(5), Duration.ofMillis(300));

        long start = System.nanoTime();
        // the request went out whole: the provider may be working on it, so the timeout says it was delivered
        assertThatThrownBy(() -> impatient.post(server.uri("/v1/x"), new Headers(), new byte[0]))
                .isInstanceOfSatisfying(UpstreamClient.NoAnswer.class, e -> assertThat(e.timedOut())
                        .isTrue())
                .hasCauseInstanceOf(SocketTimeoutException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - start))
                .isBetween(Duration.ofMillis(250), Duration.ofSeconds(3));
    }

    @Test
    @Timeout(10)
    void post_streamStallsMidBody_readTimesOut() throws IOException {
        server = new RawServer((n, in, out) -> {
            server.readRequest(in);
            write(out, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\ndata: \r\n");
            in.read(); // then nothing more
        });
        UpstreamClient impatient = new UpstreamClient(Duration.ofSeconds(5), Duration.ofMillis(300));

        UpstreamClient.Response response = impatient.post(server.uri("/v1/x"), new Headers(), new byte[0]);
        InputStream body = response.body();
        assertThat(body.readNBytes(6)).isEqualTo("data: ".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> body.read(new byte[10], 0, 10)).isInstanceOf(SocketTimeoutException.class);
        body.close();
    }

    @Test
    void post_connectionRefused_throwsIOException() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }

        assertThatThrownBy(() -> post(URI.create("http://127.0.0.1:" + port + "/v1/x"), "{}"))
                .isInstanceOf(IOException.class);
    }

    @Test
    void post_https_verifiesTheCertificateAndTheHostName() throws Exception {
        try (Https good = new Https(keystore("localhost"));
                Https wrongName = new Https(keystore("other.example"))) {
            SSLContext trustsBoth = tls(null, List.of(good.keystore, wrongName.keystore));
            UpstreamClient tlsClient =
                    new UpstreamClient(Duration.ofSeconds(5), Duration.ofSeconds(5), trustsBoth.getSocketFactory());

            UpstreamClient.Response ok = tlsClient.post(
                    URI.create("https://localhost:" + good.port() + "/v1/x"), new Headers(), new byte[0]);
            assertThat(ok.status()).isEqualTo(200);
            assertThat(body(ok)).isEqualTo("secure");

            // A trusted certificate for another name: refused, as a browser would.
            assertThatThrownBy(() -> tlsClient.post(
                            URI.create("https://localhost:" + wrongName.port() + "/v1/x"), new Headers(), new byte[0]))
                    .isInstanceOf(SSLHandshakeException.class);
            // The JVM's default trust store does not know the test certificate.
            assertThatThrownBy(() -> client.post(
                            URI.create("https://localhost:" + good.port() + "/v1/x"), new Headers(), new byte[0]))
                    .isInstanceOf(SSLHandshakeException.class);
        }
    }

    @Test
    void post_httpsTwice_theSecondCallReusesTheIdleConnection() throws Exception {
        // an idle TLS connection with nothing waiting is reused: the check for stray bytes sees no TLS record
        try (Https good = new Https(keystore("localhost"))) {
            UpstreamClient tlsClient = new UpstreamClient(
                    Duration.ofSeconds(5),
                    Duration.ofSeconds(5),
                    tls(null, List.of(good.keystore)).getSocketFactory());
            List<Boolean> reused = new CopyOnWriteArrayList<>();
            UpstreamClient.timeExchanges((port, wasReused, began, written, head) -> reused.add(wasReused));
            try {
                for (int i = 0; i < 2; i++) {
                    assertThat(body(tlsClient.post(
                                    URI.create("https://localhost:" + good.port() + "/v1/x"),
                                    new Headers(),
                                    new byte[0])))
                            .isEqualTo("secure");
                    Thread.sleep(200); // anything the server sends after its answer has arrived
                }
            } finally {
                UpstreamClient.timeExchanges(null);
            }

            assertThat(reused).containsExactly(false, true);
        }
    }

    private final class Https implements AutoCloseable {
        final HttpsServer server;
        final Path keystore;

        Https(Path keystore) throws Exception {
            this.keystore = keystore;
            SSLContext context = tls(keystore, null);
            server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.setHttpsConfigurator(new HttpsConfigurator(context));
            server.createContext("/", exchange -> {
                exchange.getRequestBody().readAllBytes();
                byte[] answer = "secure".getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(200, answer.length);
                exchange.getResponseBody().write(answer);
                exchange.close();
            });
            server.start();
        }

        int port() {
            return server.getAddress().getPort();
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }

    /** A PKCS12 key store with a self-signed certificate for {@code name}, made by the JDK's keytool. */
    private Path keystore(String name) throws IOException, InterruptedException {
        return TestKeyStores.selfSigned(dir.resolve(name + ".p12"), "changeit", "dns:" + name);
    }

    /** Server side: the key in {@code keys}; client side: trusts the certificates in {@code trusted}. */
    private static SSLContext tls(Path keys, List<Path> trusted) throws Exception {
        SSLContext context = SSLContext.getInstance("TLS");
        KeyManagerFactory kmf = null;
        if (keys != null) {
            KeyStore store = KeyStore.getInstance(keys.toFile(), "changeit".toCharArray());
            kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(store, "changeit".toCharArray());
        }
        TrustManagerFactory tmf = null;
        if (trusted != null) {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            for (Path p : trusted) {
                KeyStore store = KeyStore.getInstance(p.toFile(), "changeit".toCharArray());
                trust.setCertificateEntry(p.getFileName().toString(), store.getCertificate(TestKeyStores.ALIAS));
            }
            tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
        }
        context.init(kmf == null ? null : kmf.getKeyManagers(), tmf == null ? null : tmf.getTrustManagers(), null);
        return context;
    }
}
