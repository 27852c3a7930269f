package dev.spendgate.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;

/**
 * {@code ./spendgate console --aws}: a port on this machine that forwards {@code /console/...} to the deployed
 * gateway's IAM-authorised {@code /admin/console/...}, each request signed (SigV4, service {@code execute-api}) with
 * the user's AWS credentials. Only this machine's browser reaches it: it binds to the loopback address, refuses other
 * {@code Host} names (DNS rebinding) and refuses changes whose {@code Origin} is another site, since anything it
 * forwards is signed as the user.
 */
final class SigningConsoleProxy implements AutoCloseable {
    private static final Set<String> ANSWER_HEADERS = Set.of(
            "content-type",
            "content-disposition",
            "location",
            "cache-control",
            "content-security-policy",
            "x-content-type-options",
            "x-frame-options",
            "referrer-policy");

    private final URI apiBase;
    private final String region;
    private final AwsCredentialsProvider credentials;
    private final AwsV4HttpSigner signer = AwsV4HttpSigner.create();
    private final HttpClient http;
    private final HttpServer server;
    private final ExecutorService threads;

    private SigningConsoleProxy(URI apiBase, String region, AwsCredentialsProvider credentials, int port)
            throws IOException {
        String base = apiBase.toString();
        this.apiBase = URI.create(base.endsWith("/") ? base.substring(0, base.length() - 1) : base);
        this.region = region;
        this.credentials = credentials;
        this.http = HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(10))
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
        this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 64);
        this.threads = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "spendgate-console-proxy");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(threads);
        server.createContext("/", this::handle);
    }

    /** Starts on 127.0.0.1:{@code port} (0 picks a free one). */
    static SigningConsoleProxy start(URI apiBase, String region, AwsCredentialsProvider credentials, int port)
            throws IOException {
        SigningConsoleProxy proxy = new SigningConsoleProxy(apiBase, region, credentials, port);
        proxy.server.start();
        return proxy;
    }

    int port() {
        return server.getAddress().getPort();
    }

    String consoleUrl() {
        return "http://127.0.0.1:" + port() + "/console/";
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getRawPath();
            String method = exchange.getRequestMethod().toUpperCase(Locale.ROOT);
            if (!path.equals("/console") && !path.startsWith("/console/")) {
                text(exchange, 404, "Only /console/ is served here.");
                return;
            }
            String host = exchange.getRequestHeaders().getFirst("Host");
            if (!isLoopback(host)) {
                text(exchange, 403, "Refused: this console answers only to 127.0.0.1:" + port() + ".");
                return;
            }
            if (loadedByAnotherSite(exchange)) {
                // an <img> or fetch() of another site's page: each one signed would make the stack read its usage
                // log at the account's cost (a page looping such loads with changing filters defeats the cache)
                text(exchange, 403, "Refused: another site's page cannot load this console.");
                return;
            }
            if (!method.equals("GET") && !method.equals("HEAD") && !sameOrigin(exchange)) {
                text(exchange, 403, "Refused: a change must come from a console page (Origin does not match).");
                return;
            }
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readNBytes(1 << 20);
            }
            String query = exchange.getRequestURI().getRawQuery();
            URI target = URI.create(apiBase + "/admin" + path + (query == null ? "" : "?" + query));
            String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
            HttpResponse<byte[]> answer;
            try {
                answer = http.send(signed(method, target, contentType, body), HttpResponse.BodyHandlers.ofByteArray());
            } catch (IOException e) {
                text(exchange, 502, "The deployed gateway at " + apiBase + " did not answer: " + e.getMessage());
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                text(exchange, 502, "Interrupted.");
                return;
            }
            for (Map.Entry<String, List<String>> h : answer.headers().map().entrySet()) {
                if (ANSWER_HEADERS.contains(h.getKey().toLowerCase(Locale.ROOT))) {
                    exchange.getResponseHeaders().put(h.getKey(), h.getValue());
                }
            }
            byte[] bytes = answer.body();
            exchange.sendResponseHeaders(answer.statusCode(), bytes.length == 0 ? -1 : bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        } catch (RuntimeException e) {
            // credentials that cannot be resolved, a malformed path: say so, never the credentials
            text(exchange, 502, "Could not sign the request: " + e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    /** The request as SigV4 signs it: method, URI, Content-Type and body; the signer adds X-Amz-Date and the rest. */
    HttpRequest signed(String method, URI target, String contentType, byte[] body) {
        SdkHttpRequest.Builder request =
                SdkHttpRequest.builder().method(SdkHttpMethod.fromValue(method)).uri(target);
        if (contentType != null) {
            request.putHeader("Content-Type", contentType);
        }
        SignedRequest signed = signer.sign(r -> r.request(request.build())
                .payload(ContentStreamProvider.fromByteArrayUnsafe(body))
                .identity(credentials.resolveCredentials())
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "execute-api")
                .putProperty(AwsV4HttpSigner.REGION_NAME, region));
        HttpRequest.Builder out = HttpRequest.newBuilder(target)
                .timeout(Duration.ofSeconds(60))
                .method(method, HttpRequest.BodyPublishers.ofByteArray(body));
        signed.request().headers().forEach((name, values) -> {
            if (!name.equalsIgnoreCase("host")) {
                values.forEach(v -> out.header(name, v));
            }
        });
        return out.build();
    }

    private boolean isLoopback(String host) {
        return host != null && (host.equals("127.0.0.1:" + port()) || host.equals("localhost:" + port()));
    }

    /**
     * Whether a browser says another site's page made this request (Fetch Metadata, {@code Sec-Fetch-Site:
     * cross-site}) other than by the user following a link to a console page (a top-level navigation).
     */
    private static boolean loadedByAnotherSite(HttpExchange exchange) {
        var headers = exchange.getRequestHeaders();
        if (!"cross-site".equalsIgnoreCase(headers.getFirst("Sec-Fetch-Site"))) {
            return false;
        }
        return !("navigate".equalsIgnoreCase(headers.getFirst("Sec-Fetch-Mode"))
                && "document".equalsIgnoreCase(headers.getFirst("Sec-Fetch-Dest")));
    }

    private boolean sameOrigin(HttpExchange exchange) {
        String origin = exchange.getRequestHeaders().getFirst("Origin");
        if (origin == null) {
            return "same-origin".equals(exchange.getRequestHeaders().getFirst("Sec-Fetch-Site"));
        }
        return origin.equals("http://127.0.0.1:" + port()) || origin.equals("http://localhost:" + port());
    }

    private static void text(HttpExchange exchange, int status, String message) throws IOException {
        byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
