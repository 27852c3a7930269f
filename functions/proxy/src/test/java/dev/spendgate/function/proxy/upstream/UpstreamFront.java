package dev.spendgate.function.proxy.upstream;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.spendgate.testing.upstream.FakeLlmUpstream;
import dev.spendgate.testing.upstream.RecordedRequest;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * A provider's front door in front of {@link FakeLlmUpstream}: accepts the provider's own URL shape and
 * authentication (Azure OpenAI's {@code /openai/deployments/{d}/chat/completions?api-version=..} with
 * {@code api-key}, an Ollama endpoint with no key at all), records what arrived, and relays the call to the fake's
 * OpenAI endpoint, streaming included. Requests it does not accept get 404 or 401 and are not relayed.
 */
public final class UpstreamFront implements AutoCloseable {
    private final HttpServer server;
    private final FakeLlmUpstream fake;
    private final UnaryOperator<String> pathToFake;
    private final Predicate<HttpExchange> authorized;
    private final List<RecordedRequest> requests = new CopyOnWriteArrayList<>();

    private UpstreamFront(FakeLlmUpstream fake, UnaryOperator<String> pathToFake, Predicate<HttpExchange> authorized)
            throws IOException {
        this.fake = fake;
        this.pathToFake = pathToFake;
        this.authorized = authorized;
        this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "upstream-front");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/", this::handle);
        server.start();
    }

    /**
     * Azure OpenAI: {@code /openai/deployments/{deployment}/{chat/completions|embeddings}?api-version=..} and
     * {@code /openai/responses?api-version=..} (the deployment in the body's model), with an {@code api-key} header
     * equal to {@code key}.
     */
    public static UpstreamFront azure(FakeLlmUpstream fake, String key) {
        return start(
                fake,
                path -> path.matches("/openai/deployments/[^/]+/(chat/completions|embeddings)")
                        ? "/v1/" + path.replaceFirst("/openai/deployments/[^/]+/", "")
                        : path.equals("/openai/responses") ? "/v1/responses" : null,
                exchange -> key.equals(exchange.getRequestHeaders().getFirst("api-key"))
                        && exchange.getRequestHeaders().getFirst("Authorization") == null
                        && exchange.getRequestURI().getRawQuery() != null
                        && exchange.getRequestURI().getRawQuery().startsWith("api-version="));
    }

    /** A self-hosted OpenAI-compatible server ({@code /v1/...}) that needs no key. */
    public static UpstreamFront open(FakeLlmUpstream fake) {
        return start(fake, path -> path.startsWith("/v1/") ? path : null, exchange -> true);
    }

    private static UpstreamFront start(
            FakeLlmUpstream fake, UnaryOperator<String> pathToFake, Predicate<HttpExchange> authorized) {
        try {
            return new UpstreamFront(fake, pathToFake, authorized);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public List<RecordedRequest> requests() {
        return List.copyOf(requests);
    }

    public RecordedRequest lastRequest() {
        return requests.get(requests.size() - 1);
    }

    @Override
    public void close() {
        server.stop(0);
    }

    private void handle(HttpExchange exchange) throws IOException {
        byte[] body = exchange.getRequestBody().readAllBytes();
        String path = exchange.getRequestURI().getRawPath();
        requests.add(new RecordedRequest(
                exchange.getRequestMethod(),
                path,
                exchange.getRequestURI().getRawQuery(),
                exchange.getRequestHeaders(),
                body,
                Instant.now()));
        String target = pathToFake.apply(path);
        if (target == null) {
            send(exchange, 404, "{\"error\":{\"code\":\"404\",\"message\":\"Resource not found\"}}");
            return;
        }
        if (!authorized.test(exchange)) {
            send(exchange, 401, "{\"error\":{\"code\":\"401\",\"message\":\"Access denied due to invalid key.\"}}");
            return;
        }
        HttpURLConnection connection =
                (HttpURLConnection) URI.create(fake.baseUri() + target).toURL().openConnection();
        connection.setRequestMethod("POST");
        connection.setDoOutput(true);
        connection.setRequestProperty("Content-Type", "application/json");
        connection.setRequestProperty("Authorization", "Bearer " + fake.openAiKey());
        try (OutputStream out = connection.getOutputStream()) {
            out.write(body);
        }
        int status = connection.getResponseCode();
        InputStream in = status >= 400 ? connection.getErrorStream() : connection.getInputStream();
        String type = connection.getContentType();
        exchange.getResponseHeaders().set("Content-Type", type == null ? "application/json" : type);
        exchange.sendResponseHeaders(status, 0);
        try (in;
                OutputStream out = exchange.getResponseBody()) {
            byte[] buffer = new byte[4096];
            int n;
            while ((n = in.read(buffer)) >= 0) {
                out.write(buffer, 0, n);
                out.flush();
            }
        }
    }

    private static void send(HttpExchange exchange, int status, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}
