package dev.spendgate.function.proxy.upstream;

import dev.spendgate.function.proxy.http.Headers;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Sends a request upstream over HTTP/1.1 with keep-alive and hands back the body as a stream, as it arrives.
 *
 * <p>Built on {@link HttpURLConnection}: the call runs on the caller's thread with no hand-off to selector threads,
 * which measured about half the CPU per proxied call of {@code java.net.http.HttpClient} (bench/RESULTS.md). Idle
 * connections are pooled per host by the JDK; the pool size is raised from its default of 5 so that concurrent
 * calls do not open a new connection each time.
 */
public final class UpstreamClient {
    static {
        if (System.getProperty("http.maxConnections") == null) {
            System.setProperty("http.maxConnections", "256");
        }
    }

    private final int connectTimeoutMillis;
    private final int readTimeoutMillis;

    public UpstreamClient(Duration connectTimeout, Duration readTimeout) {
        this.connectTimeoutMillis = (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis());
        this.readTimeoutMillis = (int) Math.min(Integer.MAX_VALUE, readTimeout.toMillis());
    }

    /**
     * Posts the body. Throws {@link IOException} when no response arrives (connection refused, reset, timed out).
     */
    public Response post(URI uri, Headers headers, byte[] body) throws IOException {
        HttpURLConnection connection = (HttpURLConnection) uri.toURL().openConnection();
        try {
            connection.setRequestMethod("POST");
            connection.setConnectTimeout(connectTimeoutMillis);
            connection.setReadTimeout(readTimeoutMillis);
            connection.setInstanceFollowRedirects(false);
            connection.setUseCaches(false);
            connection.setDoOutput(true);
            // No fixed-length streaming mode: the JDK then buffers the body and sends it with the headers in one
            // write. Streamed, the body follows as a second small segment that Nagle's algorithm holds back until
            // the headers are acknowledged (HttpURLConnection offers no TCP_NODELAY); measured +1 ms per call.
            headers.forEach(connection::addRequestProperty);
            if (!headers.contains("accept")) {
                // Otherwise the JDK sends its own browser-style Accept header.
                connection.setRequestProperty("Accept", "*/*");
            }
            try (OutputStream out = connection.getOutputStream()) {
                out.write(body);
            }
            int status = connection.getResponseCode();
            Headers responseHeaders = new Headers();
            for (Map.Entry<String, List<String>> header :
                    connection.getHeaderFields().entrySet()) {
                if (header.getKey() != null) {
                    header.getValue().forEach(v -> responseHeaders.add(header.getKey(), v));
                }
            }
            InputStream stream = status >= 400 ? connection.getErrorStream() : connection.getInputStream();
            if (stream == null) {
                stream = InputStream.nullInputStream();
            }
            return new Response(status, responseHeaders, new Body(stream, connection));
        } catch (IOException | RuntimeException e) {
            connection.disconnect();
            throw e;
        }
    }

    /** The upstream's status, headers and body stream; close the stream when done. */
    public record Response(int status, Headers headers, InputStream body) {}

    /**
     * The response body. Closing it after reading to the end returns the connection to the keep-alive pool; closing
     * it early (the client left) drops the connection, so the provider stops generating.
     */
    private static final class Body extends FilterInputStream {
        private final HttpURLConnection connection;
        private boolean ended;

        Body(InputStream in, HttpURLConnection connection) {
            super(in);
            this.connection = connection;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            ended |= b < 0;
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = super.read(buffer, offset, length);
            ended |= n < 0;
            return n;
        }

        @Override
        public byte[] readAllBytes() throws IOException {
            byte[] all = super.readAllBytes();
            ended = true;
            return all;
        }

        @Override
        public void close() throws IOException {
            if (ended) {
                super.close();
            } else {
                connection.disconnect();
            }
        }
    }
}
