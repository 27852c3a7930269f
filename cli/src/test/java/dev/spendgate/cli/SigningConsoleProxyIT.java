package dev.spendgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.spendgate.embedded.FileKeyStore;
import dev.spendgate.function.proxy.GatewayRuntime;
import dev.spendgate.function.proxy.ProxyConfig;
import dev.spendgate.function.proxy.Router;
import dev.spendgate.function.proxy.http.GatewayRequest;
import dev.spendgate.function.proxy.http.Headers;
import dev.spendgate.function.proxy.http.ResponseSink;
import dev.spendgate.function.proxy.local.LocalGatewayRuntime;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;

/**
 * {@code ./spendgate console --aws} against a local stand-in for the deployed, IAM-authorised admin route: an HTTP
 * server under {@code /prod} that checks each request's SigV4 signature (service {@code execute-api}, the test
 * credentials, at most five minutes old) by signing the received request again, refuses a bad one with 403 as API
 * Gateway does, and hands the good ones to the gateway's own admin routing, as the Lambda handler does.
 */
class SigningConsoleProxyIT {
    private static final AwsBasicCredentials CREDENTIALS =
            AwsBasicCredentials.create("AKIDCONSOLETEST", "console-test-secret-key");
    private static final String REGION = "eu-west-1";
    private static final Pattern AUTHORIZATION = Pattern.compile(
            "AWS4-HMAC-SHA256 Credential=([^/]+)/(\\d{8})/([^/]+)/([^/]+)/aws4_request, SignedHeaders=([^,]+),"
                    + " Signature=([0-9a-f]{64})");

    @TempDir
    Path dataDir;

    private GatewayRuntime runtime;
    private HttpServer adminRoute;
    private final AtomicInteger signed = new AtomicInteger();
    private final AtomicInteger refused = new AtomicInteger();
    private SigningConsoleProxy proxy;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void setUp() throws IOException {
        runtime = LocalGatewayRuntime.create(ProxyConfig.fromEnv(Map.of()), dataDir);
        adminRoute = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        adminRoute.createContext("/prod/", this::standIn);
        adminRoute.start();
        proxy = start(CREDENTIALS);
    }

    @AfterEach
    void tearDown() {
        proxy.close();
        adminRoute.stop(0);
        runtime.close();
    }

    @Test
    void console_throughSigningProxy_servesPagesAndCreatesKeyWithSignedRequests() throws Exception {
        HttpResponse<String> spend = get(proxy, "/console/");
        assertThat(spend.statusCode()).isEqualTo(200);
        assertThat(spend.body()).contains("<h1>Spend</h1>", "data-testid=\"spend-total\"");
        assertThat(spend.headers().firstValue("Content-Security-Policy"))
                .hasValueSatisfying(v -> assertThat(v).contains("script-src 'self'"));
        assertThat(get(proxy, "/console/static/chart.umd.min.js").body()).contains("Chart.js v4");

        HttpResponse<String> created = post(proxy, "/console/keys", "name=team-bot&environment=prod&feature=search");
        assertThat(created.statusCode()).isEqualTo(201);
        Matcher secret = Pattern.compile("value=\"(sg-[A-Za-z0-9_-]+)\"").matcher(created.body());
        assertThat(secret.find()).as("the secret is on the answer page").isTrue();
        assertThat(new FileKeyStore(dataDir.resolve("keys.json")).list())
                .singleElement()
                .satisfies(k -> assertThat(k.name()).isEqualTo("team-bot"));
        assertThat(get(proxy, "/console/keys").body()).contains("team-bot").doesNotContain(secret.group(1));

        HttpResponse<String> bad =
                post(proxy, "/console/budgets", "scope=feature:search&period=monthly" + "&limit_usd=lots&mode=block");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("Invalid &#39;limit_usd&#39;");
        HttpResponse<String> saved =
                post(proxy, "/console/budgets", "scope=feature:search&period=monthly" + "&limit_usd=25&mode=block");
        assertThat(saved.statusCode()).isEqualTo(303);
        assertThat(saved.headers().firstValue("Location")).hasValue("budgets?saved=feature%3Asearch%2Fmonthly");
        assertThat(runtime.budgetStores().policies().list()).singleElement().satisfies(p -> assertThat(p.limitUsd())
                .isEqualByComparingTo("25"));
        assertThat(refused.get()).isZero();
        assertThat(signed.get()).isEqualTo(6);
    }

    @Test
    void console_withOtherCredentials_isRefusedByTheSignedRoute() throws Exception {
        proxy.close();
        proxy = start(AwsBasicCredentials.create("AKIDCONSOLETEST", "not-the-secret"));

        HttpResponse<String> answer = get(proxy, "/console/keys");

        assertThat(answer.statusCode()).isEqualTo(403);
        assertThat(refused.get()).isEqualTo(1);
        assertThat(signed.get()).isZero();
    }

    @Test
    void proxy_foreignOriginOrHost_refusedBeforeSigning() throws Exception {
        HttpRequest foreign = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.port() + "/console/keys"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Origin", "https://evil.example")
                .POST(HttpRequest.BodyPublishers.ofString("name=x&environment=prod"))
                .build();
        assertThat(http.send(foreign, HttpResponse.BodyHandlers.ofString()).statusCode())
                .isEqualTo(403);

        String rebound;
        try (Socket socket = new Socket("127.0.0.1", proxy.port())) {
            socket.getOutputStream()
                    .write(("GET /console/ HTTP/1.1\r\nHost: evil.example:" + proxy.port()
                                    + "\r\nConnection: close\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
            rebound = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        }
        assertThat(rebound).startsWith("HTTP/1.1 403");
        assertThat(get(proxy, "/admin/budgets").statusCode()).isEqualTo(404);
        assertThat(signed.get() + refused.get())
                .as("nothing reached the deployed route")
                .isZero();
    }

    /**
     * A hostile page looping {@code <img src="http://127.0.0.1:8788/console/?feature=...">} would have each load
     * signed with the user's credentials, the stack reading its usage log at the account's cost; a link the user
     * follows from another site (a top-level navigation) still opens the console.
     */
    @Test
    void proxy_anotherSitesPageLoadingTheConsole_refusedBeforeSigning() throws Exception {
        HttpRequest image = HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + proxy.port() + "/console/?feature=r4nd0m"))
                .header("Sec-Fetch-Site", "cross-site")
                .header("Sec-Fetch-Mode", "no-cors")
                .header("Sec-Fetch-Dest", "image")
                .build();
        assertThat(http.send(image, HttpResponse.BodyHandlers.ofString()).statusCode())
                .isEqualTo(403);
        assertThat(signed.get() + refused.get())
                .as("nothing reached the deployed route")
                .isZero();

        HttpRequest link = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.port() + "/console/"))
                .header("Sec-Fetch-Site", "cross-site")
                .header("Sec-Fetch-Mode", "navigate")
                .header("Sec-Fetch-Dest", "document")
                .build();
        assertThat(http.send(link, HttpResponse.BodyHandlers.ofString()).statusCode())
                .isEqualTo(200);
        assertThat(signed.get()).as("the link's page was fetched, signed").isEqualTo(1);
    }

    private SigningConsoleProxy start(AwsBasicCredentials credentials) throws IOException {
        return SigningConsoleProxy.start(
                URI.create("http://127.0.0.1:" + adminRoute.getAddress().getPort() + "/prod/"),
                REGION,
                StaticCredentialsProvider.create(credentials),
                0);
    }

    private HttpResponse<String> get(SigningConsoleProxy p, String path) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + p.port() + path))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(SigningConsoleProxy p, String path, String form) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + p.port() + path))
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .header("Origin", "http://127.0.0.1:" + p.port())
                        .POST(HttpRequest.BodyPublishers.ofString(form))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** API Gateway's IAM check, then the Lambda handler's admin routing. */
    private void standIn(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            if (!signatureValid(exchange, body)) {
                refused.incrementAndGet();
                byte[] denied = "{\"message\":\"The request signature we calculated does not match\"}"
                        .getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(403, denied.length);
                exchange.getResponseBody().write(denied);
                return;
            }
            signed.incrementAndGet();
            String raw = exchange.getRequestURI().getRawPath().substring("/prod".length());
            String query = exchange.getRequestURI().getRawQuery();
            Headers headers = new Headers();
            exchange.getRequestHeaders().forEach((name, values) -> values.forEach(v -> headers.add(name, v)));
            runtime.router()
                    .handle(
                            new GatewayRequest(
                                    exchange.getRequestMethod(),
                                    raw + (query == null ? "" : "?" + query),
                                    headers,
                                    body),
                            Router.Caller.IAM_SIGNED,
                            new ExchangeSink(exchange));
        }
    }

    private static boolean signatureValid(HttpExchange exchange, byte[] body) {
        String authorization = exchange.getRequestHeaders().getFirst("Authorization");
        String amzDate = exchange.getRequestHeaders().getFirst("X-Amz-Date");
        Matcher m = authorization == null ? null : AUTHORIZATION.matcher(authorization);
        if (m == null || !m.matches() || amzDate == null) {
            return false;
        }
        if (!m.group(1).equals(CREDENTIALS.accessKeyId())
                || !m.group(3).equals(REGION)
                || !m.group(4).equals("execute-api")) {
            return false;
        }
        Instant signedAt = LocalDateTime.parse(amzDate, DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'"))
                .toInstant(ZoneOffset.UTC);
        if (Duration.between(signedAt, Instant.now()).abs().toMinutes() >= 5) {
            return false;
        }
        URI uri = URI.create("http://" + exchange.getRequestHeaders().getFirst("Host")
                + exchange.getRequestURI().getRawPath()
                + (exchange.getRequestURI().getRawQuery() == null
                        ? ""
                        : "?" + exchange.getRequestURI().getRawQuery()));
        SdkHttpRequest.Builder request = SdkHttpRequest.builder()
                .method(SdkHttpMethod.fromValue(exchange.getRequestMethod()))
                .uri(uri);
        for (String name : List.of(m.group(5).split(";"))) {
            if (!name.equals("host") && !name.equals("x-amz-content-sha256")) {
                String value = exchange.getRequestHeaders().getFirst(name);
                if (value == null) {
                    return false;
                }
                request.putHeader(name, value);
            }
        }
        String expected = AwsV4HttpSigner.create()
                .sign(r -> r.request(request.build())
                        .payload(ContentStreamProvider.fromByteArrayUnsafe(body))
                        .identity(CREDENTIALS)
                        .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "execute-api")
                        .putProperty(AwsV4HttpSigner.REGION_NAME, REGION)
                        .putProperty(AwsV4HttpSigner.SIGNING_CLOCK, Clock.fixed(signedAt, ZoneOffset.UTC)))
                .request()
                .firstMatchingHeader("Authorization")
                .orElse("");
        return MessageDigest.isEqual(
                expected.getBytes(StandardCharsets.US_ASCII), authorization.getBytes(StandardCharsets.US_ASCII));
    }

    private static final class ExchangeSink implements ResponseSink {
        private final HttpExchange exchange;
        private OutputStream out;

        ExchangeSink(HttpExchange exchange) {
            this.exchange = exchange;
        }

        @Override
        public void start(int status, Headers headers, long contentLength) throws IOException {
            headers.forEach((name, value) -> exchange.getResponseHeaders().add(name, value));
            exchange.sendResponseHeaders(status, contentLength == 0 ? -1 : contentLength);
            out = exchange.getResponseBody();
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            out.write(bytes, offset, length);
        }

        @Override
        public void flush() throws IOException {
            out.flush();
        }

        @Override
        public void end() throws IOException {
            out.close();
        }

        @Override
        public void abort() {
            exchange.close();
        }
    }
}
