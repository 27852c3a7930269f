package dev.spendgate.function.proxy.upstream;

import dev.spendgate.function.proxy.http.Headers;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Sends a request upstream over HTTP/1.1 with keep-alive and hands back the body as a stream, as it arrives. */
public final class UpstreamClient {
    private final HttpClient client;
    private final Duration requestTimeout;

    public UpstreamClient(Duration connectTimeout, Duration requestTimeout) {
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(connectTimeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
        this.requestTimeout = requestTimeout;
    }

    public Response post(URI uri, Headers headers, byte[] body) throws IOException, InterruptedException {
        HttpRequest.Builder request =
                HttpRequest.newBuilder(uri).timeout(requestTimeout).POST(HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach(request::header);
        HttpResponse<InputStream> response = client.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        return new Response(response.statusCode(), Headers.of(response.headers().map()), response.body());
    }

    /** The upstream's status, headers and body stream; close the stream to abandon the call. */
    public record Response(int status, Headers headers, InputStream body) {}
}
