package dev.spendgate.function.proxy.local;

import dev.spendgate.function.proxy.http.ConnectionInput;
import dev.spendgate.function.proxy.http.GatewayRequest;
import dev.spendgate.function.proxy.http.Headers;
import dev.spendgate.function.proxy.http.ReadDeadlines;
import dev.spendgate.function.proxy.http.ResponseSink;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small HTTP/1.1 server with one thread per connection: the request is read, handled and answered on the thread
 * that owns the socket, with no hand-off between a selector and a worker pool. That keeps a proxied call to four
 * socket system calls (read the request, write upstream, read upstream, write the answer) and measured about a
 * third less CPU per call than the JDK's {@code com.sun.net.httpserver} (bench/RESULTS.md).
 *
 * <p>Supports keep-alive, {@code Content-Length} and chunked request bodies, {@code Expect: 100-continue}, and
 * responses with a known length or chunked (each {@link ResponseSink#flush} sends what was written, for SSE).
 * Connections beyond {@code maxConnections} wait in the listen backlog; an idle keep-alive connection is closed after
 * {@code idleTimeoutMillis}.
 *
 * <p>The threads are virtual on Java 21+: blocked on a socket they cost no OS thread, and the JDK runs the ready ones
 * in FIFO order, so one saturated core is shared fairly. With platform threads (Java 17, tests) the OS scheduler
 * picks among hundreds of runnable threads and some connections starve (p99 above one second at 64 connections on
 * one core), which is why {@link LocalGatewayServer} uses the JDK's server there.
 */
final class Http11Server implements LocalGatewayServer.Engine, AutoCloseable {
    private static final int MAX_HEADER_BYTES = 64 * 1024;
    private static final byte[] CRLF = {'\r', '\n'};

    /** Handles one request; must call {@code start} on the sink exactly once. */
    interface Handler {
        void handle(GatewayRequest request, ResponseSink sink) throws IOException;
    }

    private final ServerSocket serverSocket;
    private final Handler handler;
    private final long maxBodyBytes;
    private final int idleTimeoutMillis;
    private final Semaphore connections;
    private final int maxConnections;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    /** Connections waiting between two requests: closed at once on stop, as no call is running on them. */
    private final Set<Socket> betweenRequests = ConcurrentHashMap.newKeySet();

    private final ThreadFactory threads;
    private final boolean virtual;
    private final Thread acceptor;
    private volatile boolean stopping;

    private Http11Server(
            ServerSocket serverSocket,
            Handler handler,
            long maxBodyBytes,
            int maxConnections,
            int idleTimeoutMillis,
            ThreadFactory virtualThreads) {
        this.serverSocket = serverSocket;
        this.handler = handler;
        this.maxBodyBytes = maxBodyBytes;
        this.maxConnections = maxConnections;
        this.connections = new Semaphore(maxConnections);
        this.idleTimeoutMillis = idleTimeoutMillis;
        this.virtual = virtualThreads != null;
        if (virtualThreads != null) {
            this.threads = virtualThreads;
        } else {
            AtomicInteger n = new AtomicInteger();
            this.threads = r -> {
                Thread t = new Thread(r, "spendgate-http-" + n.incrementAndGet());
                t.setDaemon(true);
                return t;
            };
        }
        this.acceptor = new Thread(this::acceptLoop, "spendgate-http-accept");
        this.acceptor.setDaemon(true);
    }

    /**
     * Starts on {@code host:port}. Each connection gets a thread from {@code virtualThreads} when given (Java 21+),
     * else a platform thread.
     */
    static Http11Server start(
            String host,
            int port,
            Handler handler,
            long maxBodyBytes,
            int maxConnections,
            int idleTimeoutMillis,
            ThreadFactory virtualThreads)
            throws IOException {
        ServerSocket socket = new ServerSocket();
        socket.setReuseAddress(true);
        socket.bind(new InetSocketAddress(InetAddress.getByName(host), port), 1024);
        Http11Server server =
                new Http11Server(socket, handler, maxBodyBytes, maxConnections, idleTimeoutMillis, virtualThreads);
        server.acceptor.start();
        return server;
    }

    @Override
    public String description() {
        return "Spendgate HTTP/1.1 server, Java " + Runtime.version().feature() + ", "
                + (virtual ? "a virtual thread per connection" : "a thread per connection");
    }

    @Override
    public InetSocketAddress address() {
        return (InetSocketAddress) serverSocket.getLocalSocketAddress();
    }

    /** Stops accepting, waits up to {@code graceSeconds} for running requests, then closes what is left. */
    @Override
    public void stop(int graceSeconds) {
        stopping = true;
        try {
            serverSocket.close();
        } catch (IOException e) {
            // already closed
        }
        for (Socket s : betweenRequests) {
            closeQuietly(s); // keep-alive connections of idle SDK clients need not hold the shutdown
        }
        try {
            // Connections that are idle between requests hold a permit too; give running requests the grace period.
            connections.tryAcquire(maxConnections, graceSeconds, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Socket s : open) {
            closeQuietly(s);
        }
    }

    @Override
    public void close() {
        stop(1);
    }

    private void acceptLoop() {
        while (!stopping) {
            try {
                connections.acquire();
            } catch (InterruptedException e) {
                return;
            }
            Socket socket;
            try {
                socket = serverSocket.accept();
            } catch (IOException e) {
                connections.release();
                if (stopping) {
                    return;
                }
                continue;
            }
            threads.newThread(() -> serve(socket)).start();
        }
    }

    private void serve(Socket socket) {
        open.add(socket);
        // the idle timeout (and a client that stops sending mid-request) through a watchdog, not SO_TIMEOUT
        try (socket;
                ReadDeadlines.Guard deadline = ReadDeadlines.guard(socket, idleTimeoutMillis)) {
            socket.setTcpNoDelay(true);
            ConnectionInput in = new ConnectionInput(socket.getInputStream(), 16 * 1024, deadline);
            OutputStream out = new BufferedOutputStream(socket.getOutputStream(), 16 * 1024);
            boolean keepAlive = true;
            while (keepAlive && !stopping) {
                betweenRequests.add(socket);
                if (stopping) {
                    return;
                }
                String requestLine;
                try {
                    requestLine = in.readLine(true, MAX_HEADER_BYTES);
                } finally {
                    betweenRequests.remove(socket);
                }
                if (requestLine == null) {
                    return; // the client closed the connection between requests
                }
                if (requestLine.isEmpty()) {
                    continue; // tolerate a stray CRLF between requests
                }
                keepAlive = exchange(requestLine, in, out);
            }
        } catch (SocketTimeoutException | SocketException e) {
            // idle timeout, or the client went away
        } catch (IOException e) {
            // malformed framing: the connection is dropped
        } finally {
            open.remove(socket);
            connections.release();
        }
    }

    /** Handles one request; returns whether the connection stays open. */
    private boolean exchange(String requestLine, ConnectionInput in, OutputStream out) throws IOException {
        String[] parts = requestLine.split(" ");
        if (parts.length != 3 || !parts[2].startsWith("HTTP/1.")) {
            plain(
                    out,
                    400,
                    "{\"error\":{\"message\":\"Malformed HTTP request line.\",\"type\":\"invalid_request_error\"}}");
            return false;
        }
        String method = parts[0];
        boolean http10 = parts[2].equals("HTTP/1.0");
        Headers headers = new Headers();
        int headerBytes = 0;
        for (String line = in.readLine(false, MAX_HEADER_BYTES);
                !line.isEmpty();
                line = in.readLine(false, MAX_HEADER_BYTES)) {
            headerBytes += line.length();
            if (headerBytes > MAX_HEADER_BYTES) {
                plain(
                        out,
                        431,
                        "{\"error\":{\"message\":\"Request headers too large.\",\"type\":\"invalid_request_error\"}}");
                return false;
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                plain(
                        out,
                        400,
                        "{\"error\":{\"message\":\"Malformed header line.\",\"type\":\"invalid_request_error\"}}");
                return false;
            }
            headers.add(
                    line.substring(0, colon).trim(), line.substring(colon + 1).trim());
        }
        String connection = lower(headers.first("connection"));
        boolean keepAlive = http10 ? "keep-alive".equals(connection) : !"close".equals(connection);
        if ("100-continue".equals(lower(headers.first("expect")))) {
            out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }
        Body body = readBody(headers, in);
        if (body.tooLarge()) {
            keepAlive = false; // the rest of the body was not read
        }
        ConnectionSink sink = new ConnectionSink(out, http10);
        handler.handle(new GatewayRequest(method, parts[1], headers, body.bytes()), sink);
        if (!sink.started) {
            plain(out, 500, "{\"error\":{\"message\":\"No response.\",\"type\":\"api_error\"}}");
        } else if (!sink.ended) {
            sink.end();
        }
        return keepAlive && !sink.closeAfter;
    }

    /** The request body, cut at {@code maxBodyBytes + 1} so the handler can answer 413. */
    private Body readBody(Headers headers, ConnectionInput in) throws IOException {
        long limit = maxBodyBytes + 1;
        String transfer = lower(headers.first("transfer-encoding"));
        if (transfer != null && transfer.contains("chunked")) {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            while (true) {
                String sizeLine = in.readLine(false, MAX_HEADER_BYTES);
                int semicolon = sizeLine.indexOf(';');
                long size = Long.parseLong((semicolon >= 0 ? sizeLine.substring(0, semicolon) : sizeLine).trim(), 16);
                if (size == 0) {
                    while (!in.readLine(false, MAX_HEADER_BYTES).isEmpty()) {
                        // trailers are ignored
                    }
                    return new Body(body.toByteArray(), false);
                }
                if (body.size() + size > limit) {
                    return new Body(new byte[(int) limit], true);
                }
                body.write(in.readNBytes((int) size));
                in.readLine(false, MAX_HEADER_BYTES);
            }
        }
        String length = headers.first("content-length");
        if (length == null) {
            return new Body(new byte[0], false);
        }
        long declared;
        try {
            declared = Long.parseLong(length.trim());
        } catch (NumberFormatException e) {
            throw new IOException("bad Content-Length");
        }
        if (declared > limit) {
            return new Body(in.readNBytes((int) limit), true);
        }
        byte[] bytes = in.readNBytes((int) declared);
        if (bytes.length < declared) {
            throw new IOException("body shorter than its Content-Length");
        }
        return new Body(bytes, false);
    }

    private record Body(byte[] bytes, boolean tooLarge) {}

    private static String lower(String value) {
        return value == null ? null : value.toLowerCase(Locale.ROOT);
    }

    private static void plain(OutputStream out, int status, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        out.write(
                ("HTTP/1.1 " + status + " " + reason(status) + "\r\nContent-Type: application/json\r\nContent-Length: "
                                + body.length + "\r\nConnection: close\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        out.flush();
    }

    private static String reason(int status) {
        return switch (status) {
            case 200 -> "OK";
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 413 -> "Payload Too Large";
            case 415 -> "Unsupported Media Type";
            case 429 -> "Too Many Requests";
            case 431 -> "Request Header Fields Too Large";
            case 500 -> "Internal Server Error";
            case 502 -> "Bad Gateway";
            case 503 -> "Service Unavailable";
            default -> "Status";
        };
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // already closed
        }
    }

    /** Writes one response: a known length, or chunked when the length is not known (-1). */
    private static final class ConnectionSink implements ResponseSink {
        private final OutputStream out;
        private final boolean http10;
        private boolean started;
        private boolean ended;
        private boolean chunked;
        private boolean closeAfter;

        ConnectionSink(OutputStream out, boolean http10) {
            this.out = out;
            this.http10 = http10;
        }

        @Override
        public void start(int status, Headers headers, long contentLength) throws IOException {
            if (started) {
                throw new IllegalStateException("response already started");
            }
            started = true;
            StringBuilder head = new StringBuilder(256);
            head.append("HTTP/1.1 ")
                    .append(status)
                    .append(' ')
                    .append(reason(status))
                    .append("\r\n");
            headers.forEach((name, value) -> {
                String lower = name.toLowerCase(Locale.ROOT);
                if (!lower.equals("content-length")
                        && !lower.equals("transfer-encoding")
                        && !lower.equals("connection")) {
                    head.append(name).append(": ").append(value).append("\r\n");
                }
            });
            if (contentLength >= 0) {
                head.append("Content-Length: ").append(contentLength).append("\r\n");
            } else if (http10) {
                closeAfter = true; // HTTP/1.0 has no chunked encoding: the end of the body is the end of the connection
                head.append("Connection: close\r\n");
            } else {
                chunked = true;
                head.append("Transfer-Encoding: chunked\r\n");
            }
            head.append("\r\n");
            out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
            if (contentLength < 0) {
                out.flush();
            }
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            if (length == 0) {
                return;
            }
            if (chunked) {
                out.write(Integer.toHexString(length).getBytes(StandardCharsets.US_ASCII));
                out.write(CRLF);
                out.write(bytes, offset, length);
                out.write(CRLF);
            } else {
                out.write(bytes, offset, length);
            }
        }

        @Override
        public void flush() throws IOException {
            out.flush();
        }

        @Override
        public void abort() {
            ended = true;
            closeAfter = true; // the connection closes with the body unfinished: the client sees a cut response
            try {
                out.flush();
            } catch (IOException e) {
                // the client is gone already
            }
        }

        @Override
        public void end() throws IOException {
            if (ended) {
                return;
            }
            ended = true;
            if (chunked) {
                out.write('0');
                out.write(CRLF);
                out.write(CRLF);
            }
            out.flush();
        }
    }
}
