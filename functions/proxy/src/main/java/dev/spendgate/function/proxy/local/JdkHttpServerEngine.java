package dev.spendgate.function.proxy.local;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.spendgate.function.proxy.http.GatewayRequest;
import dev.spendgate.function.proxy.http.Headers;
import dev.spendgate.function.proxy.http.ResponseSink;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The local server on the JDK's {@code com.sun.net.httpserver} with a fixed pool of worker threads: the engine on
 * Java 17-20, where a thread per connection would leave one saturated core to the OS scheduler's choice among
 * hundreds of runnable threads (bench/RESULTS.md: a p99 above one second at 64 connections).
 */
final class JdkHttpServerEngine implements LocalGatewayServer.Engine {
    private final HttpServer server;
    private final ExecutorService executor;
    private final long maxBodyBytes;
    private final Http11Server.Handler handler;
    private final int threads;

    private JdkHttpServerEngine(
            HttpServer server, ExecutorService executor, long maxBodyBytes, Http11Server.Handler handler, int threads) {
        this.threads = threads;
        this.server = server;
        this.executor = executor;
        this.maxBodyBytes = maxBodyBytes;
        this.handler = handler;
    }

    static JdkHttpServerEngine start(
            String host, int port, Http11Server.Handler handler, long maxBodyBytes, int threads) throws IOException {
        // Without TCP_NODELAY, small SSE writes and responses wait on delayed ACKs (about 40 ms each). The JDK reads
        // this once, when its first HttpServer is created.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
        HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 1024);
        AtomicInteger n = new AtomicInteger();
        ExecutorService executor = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "spendgate-http-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        JdkHttpServerEngine engine = new JdkHttpServerEngine(server, executor, maxBodyBytes, handler, threads);
        server.createContext("/", engine::handle);
        server.start();
        return engine;
    }

    @Override
    public InetSocketAddress address() {
        return server.getAddress();
    }

    @Override
    public String description() {
        return "JDK HTTP server, Java " + Runtime.version().feature() + ", a pool of " + threads + " worker threads";
    }

    @Override
    public void stop(int graceSeconds) {
        server.stop(graceSeconds);
        executor.shutdown();
        try {
            executor.awaitTermination(graceSeconds, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        ExchangeSink sink = new ExchangeSink(exchange);
        try {
            String path = exchange.getRequestURI().getRawPath();
            String query = exchange.getRequestURI().getRawQuery();
            byte[] body = readBody(exchange.getRequestBody(), maxBodyBytes + 1);
            GatewayRequest request = new GatewayRequest(
                    exchange.getRequestMethod(),
                    query == null ? path : path + "?" + query,
                    Headers.of(exchange.getRequestHeaders()),
                    body);
            handler.handle(request, sink);
        } finally {
            if (!sink.aborted) {
                exchange.close();
            }
        }
        if (sink.aborted) {
            // Thrown to the JDK server, which then closes the connection without the terminating chunk.
            throw new IOException("response aborted: the upstream broke off mid-stream");
        }
    }

    private static byte[] readBody(InputStream in, long limit) throws IOException {
        return in.readNBytes((int) Math.min(limit, Integer.MAX_VALUE - 8));
    }

    private static final class ExchangeSink implements ResponseSink {
        private final HttpExchange exchange;
        private OutputStream out;
        private boolean aborted;

        ExchangeSink(HttpExchange exchange) {
            this.exchange = exchange;
        }

        @Override
        public void start(int status, Headers headers, long contentLength) throws IOException {
            headers.forEach((name, value) -> exchange.getResponseHeaders().add(name, value));
            exchange.sendResponseHeaders(status, contentLength < 0 ? 0 : contentLength == 0 ? -1 : contentLength);
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
            aborted = true;
            try {
                if (out != null) {
                    out.flush();
                }
            } catch (IOException e) {
                // the client is gone already
            }
        }
    }
}
