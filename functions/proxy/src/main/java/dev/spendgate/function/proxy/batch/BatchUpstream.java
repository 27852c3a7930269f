package dev.spendgate.function.proxy.batch;

import dev.spendgate.function.proxy.http.BodyMemory;
import dev.spendgate.function.proxy.http.Headers;
import dev.spendgate.function.proxy.pipeline.AnswerBuffer;
import dev.spendgate.function.proxy.upstream.ApiFormat;
import dev.spendgate.function.proxy.upstream.ForwardedRequestHeaders;
import dev.spendgate.function.proxy.upstream.Provider;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;

/**
 * Forwards a batch-API request (any method) to the provider with its credentials, and reads the whole answer on the
 * call's share of the body memory pool. Batch
 * calls are few and not latency-bound, so the JDK client serves them rather than the gateway's pooled
 * {@code UpstreamClient} (POST only).
 */
final class BatchUpstream {
    static final Set<String> DROP_RESPONSE = Set.of(
            "connection",
            "keep-alive",
            "transfer-encoding",
            "content-length",
            "content-encoding",
            "trailer",
            "upgrade",
            ":status");

    private final Duration connectTimeout;
    private final Duration timeout;
    /** Built at the first batch call: a JDK HttpClient starts a selector thread, which an LLM call never needs. */
    private volatile HttpClient http;

    BatchUpstream(Duration connectTimeout, Duration timeout) {
        this.connectTimeout = connectTimeout;
        this.timeout = timeout;
    }

    private HttpClient http() {
        HttpClient client = http;
        if (client == null) {
            synchronized (this) {
                client = http;
                if (client == null) {
                    client = HttpClient.newBuilder()
                            .version(HttpClient.Version.HTTP_1_1)
                            .connectTimeout(connectTimeout)
                            .build();
                    http = client;
                }
            }
        }
        return client;
    }

    /**
     * The provider's answer, its body held on {@code lease} past 64 KB as it is read ({@link AnswerBuffer}); {@code
     * path} is the gateway path with its query ({@code /v1/batches?limit=2}).
     *
     * @throws AnswerTooLarge when the body outgrows what the pool can give (a results file of hundreds of MB): the
     *     download is dropped, nothing of it is kept
     */
    Answer send(Provider provider, String method, String path, Headers headers, byte[] body, BodyMemory.Lease lease)
            throws IOException {
        // OpenAI base URLs end in /v1 by convention, Anthropic's do not (as for the model endpoints)
        String suffix = provider.format() == ApiFormat.OPENAI ? path.substring(3) : path;
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(provider.baseUrl() + suffix))
                .timeout(timeout)
                .method(
                        method,
                        body.length == 0 && !"POST".equals(method)
                                ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofByteArray(body));
        java.util.Set<String> clientHops = headers.connectionNamed(); // RFC 9110 7.6.1
        headers.forEach((name, value) -> {
            String lower = Headers.lower(name);
            if (ForwardedRequestHeaders.forwarded(lower) && !clientHops.contains(lower)) {
                request.header(name, value);
            }
        });
        switch (provider.auth()) {
            case BEARER -> request.header("Authorization", "Bearer " + provider.apiKey());
            case X_API_KEY -> request.header("x-api-key", provider.apiKey());
            case API_KEY -> request.header("api-key", provider.apiKey());
            default -> {}
        }
        if (provider.format() == ApiFormat.ANTHROPIC && headers.first("anthropic-version") == null) {
            request.header("anthropic-version", "2023-06-01");
        }
        try {
            HttpResponse<InputStream> response =
                    http().send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
            byte[] answer;
            try (InputStream in = response.body()) {
                answer = AnswerBuffer.read(in, lease);
            } catch (AnswerBuffer.TooLarge e) {
                throw new AnswerTooLarge(provider.name(), path, e.bytesRead);
            }
            Headers back = new Headers();
            response.headers().map().forEach((name, values) -> {
                String lower = name.toLowerCase(Locale.ROOT);
                if (!DROP_RESPONSE.contains(lower) && !Headers.isSpendgates(lower)) {
                    values.forEach(v -> back.add(name, v));
                }
            });
            return new Answer(response.statusCode(), back, answer);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for the provider", e);
        }
    }

    /** A provider's answer larger than the body memory pool could give ({@code SPENDGATE_BODY_MEMORY_BYTES}). */
    static final class AnswerTooLarge extends IOException {
        AnswerTooLarge(String provider, String path, long bytesRead) {
            super("provider '" + provider + "' answered " + path.replaceAll("\\?.*", "") + " with more than "
                    + bytesRead
                    + " bytes, more than this gateway can hold for one answer now (SPENDGATE_BODY_MEMORY_BYTES)");
        }
    }

    /** The provider's status, headers (hop-by-hop ones dropped) and body. */
    record Answer(int status, Headers headers, byte[] body) {
        boolean ok() {
            return status >= 200 && status < 300;
        }
    }
}
