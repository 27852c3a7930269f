package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.function.proxy.http.TestKeyStores;
import dev.spendgate.function.proxy.local.LocalGatewayServer;
import dev.spendgate.function.proxy.local.ServerLimits;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.StringRequestContent;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.client.transport.HttpClientTransportOverHTTP2;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTP/2 cleartext on the gateway's port, as the AWS SDK for JavaScript v3 and {@code curl --http2-prior-knowledge}
 * speak it: by prior knowledge (Jetty's HTTP/2 client) and by {@code Upgrade: h2c} (the JDK's client). Plain and
 * streamed calls are proxied with one usage record each. Over TLS, ALPN offers h2 beside http/1.1.
 */
class Http2IT {
    private static final String CHAT = """
            {"model":"gpt-4o-mini","messages":[{"role":"user","content":"Say hi."}]}""";
    private static final String STREAMED_CHAT = """
            {"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"Count to three."}]}""";

    @TempDir
    Path dir;

    GatewayFixture gw;
    org.eclipse.jetty.client.HttpClient priorKnowledge;

    @BeforeEach
    void start() throws Exception {
        gw = GatewayFixture.embedded(dir);
        priorKnowledge = new org.eclipse.jetty.client.HttpClient(new HttpClientTransportOverHTTP2(new HTTP2Client()));
        priorKnowledge.start();
    }

    @AfterEach
    void stop() throws Exception {
        priorKnowledge.stop();
        gw.close();
    }

    @Test
    void priorKnowledge_plainAndStreamedCalls_proxiedOverHttp2WithOneRecordEach() throws Exception {
        ContentResponse plain = h2(CHAT);
        ContentResponse streamed = h2(STREAMED_CHAT);

        assertThat(plain.getVersion()).isEqualTo(HttpVersion.HTTP_2);
        assertThat(plain.getStatus()).as(plain.getContentAsString()).isEqualTo(200);
        assertThat(plain.getContentAsString()).contains("\"chat.completion\"");
        assertThat(streamed.getVersion()).isEqualTo(HttpVersion.HTTP_2);
        assertThat(streamed.getStatus()).isEqualTo(200);
        assertThat(streamed.getContentAsString()).contains("data: [DONE]");
        assertOneRecordEach(
                plain.getHeaders().get(Gateway.REQUEST_ID_HEADER),
                streamed.getHeaders().get(Gateway.REQUEST_ID_HEADER));
    }

    @Test
    void upgradeH2c_plainAndStreamedCalls_proxiedOverHttp2WithOneRecordEach() throws Exception {
        HttpClient jdk =
                HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
        // The JDK client upgrades on its first request (a GET), then sends the calls on the HTTP/2 connection.
        HttpResponse<String> health = jdk.send(
                HttpRequest.newBuilder(URI.create(gw.server.baseUrl() + "/health"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> plain =
                jdk.send(gw.post("/v1/chat/completions", CHAT).build(), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> streamed =
                jdk.send(gw.post("/v1/chat/completions", STREAMED_CHAT).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(health.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(plain.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(plain.statusCode()).as(plain.body()).isEqualTo(200);
        assertThat(streamed.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(streamed.body()).contains("data: [DONE]");
        assertOneRecordEach(
                plain.headers().firstValue(Gateway.REQUEST_ID_HEADER).orElseThrow(),
                streamed.headers().firstValue(Gateway.REQUEST_ID_HEADER).orElseThrow());
    }

    @Test
    void alpnOverTls_plainAndStreamedCalls_proxiedOverHttp2WithOneRecordEach() throws Exception {
        Path keyStore = TestKeyStores.selfSigned(dir.resolve("gateway.p12"), "h2-pass", "ip:127.0.0.1");
        SSLContext ssl = TestKeyStores.trusting(keyStore, "h2-pass");
        LocalGatewayServer https = LocalGatewayServer.start(
                gw.runtime, "127.0.0.1", 0, ServerLimits.defaults().withTls(keyStore, "h2-pass"));
        try {
            HttpClient jdk = HttpClient.newBuilder()
                    .sslContext(ssl)
                    .version(HttpClient.Version.HTTP_2)
                    .build();
            HttpResponse<String> plain = jdk.send(overTls(https, CHAT).build(), HttpResponse.BodyHandlers.ofString());
            HttpResponse<String> streamed =
                    jdk.send(overTls(https, STREAMED_CHAT).build(), HttpResponse.BodyHandlers.ofString());
            HttpResponse<String> http11 = HttpClient.newBuilder()
                    .sslContext(ssl)
                    .version(HttpClient.Version.HTTP_1_1)
                    .build()
                    .send(
                            HttpRequest.newBuilder(URI.create(https.baseUrl() + "/health"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());

            assertThat(https.engineDescription()).contains("HTTP/2 and HTTP/1.1 over TLS");
            assertThat(plain.version()).isEqualTo(HttpClient.Version.HTTP_2);
            assertThat(plain.statusCode()).as(plain.body()).isEqualTo(200);
            assertThat(plain.body()).contains("\"chat.completion\"");
            assertThat(streamed.version()).isEqualTo(HttpClient.Version.HTTP_2);
            assertThat(streamed.statusCode()).isEqualTo(200);
            assertThat(streamed.body()).contains("data: [DONE]");
            assertThat(http11.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
            assertThat(http11.statusCode()).isEqualTo(200);
            assertOneRecordEach(
                    plain.headers().firstValue(Gateway.REQUEST_ID_HEADER).orElseThrow(),
                    streamed.headers().firstValue(Gateway.REQUEST_ID_HEADER).orElseThrow());
        } finally {
            https.stop(0);
        }
    }

    private HttpRequest.Builder overTls(LocalGatewayServer https, String body) {
        return HttpRequest.newBuilder(URI.create(https.baseUrl() + "/v1/chat/completions"))
                .header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + gw.secret)
                .POST(HttpRequest.BodyPublishers.ofString(body));
    }

    private ContentResponse h2(String body) throws Exception {
        return priorKnowledge
                .newRequest(gw.server.baseUrl() + "/v1/chat/completions")
                .method(HttpMethod.POST)
                .headers(h -> h.put("Authorization", "Bearer " + gw.secret))
                .body(new StringRequestContent("application/json", body))
                .timeout(10, TimeUnit.SECONDS)
                .send();
    }

    private void assertOneRecordEach(String plainId, String streamedId) {
        assertThat(plainId).isNotNull();
        assertThat(streamedId).isNotNull().isNotEqualTo(plainId);
        gw.record(plainId);
        gw.record(streamedId);
        List<UsageRecord> all = gw.records();
        assertThat(all).hasSize(2);
        assertThat(all).extracting(UsageRecord::requestId).containsExactlyInAnyOrder(plainId, streamedId);
        assertThat(gw.upstream.requestCount()).isEqualTo(2);
        assertThat(all).allMatch(r -> r.tokens().outputTokens() > 0);
    }
}
