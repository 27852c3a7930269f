package dev.spendgate.bench;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A cheap stand-in for {@code FakeLlmUpstream} in load runs: it answers with responses captured from the real fake
 * upstream at start, byte for byte, and for streams one write per HTTP chunk as the real one does (one chunk per
 * event), but without building JSON per call. The real fake upstream costs about as much CPU per streamed call as a
 * gateway, so with it on the harness core the direct run saturates that core and stops being a baseline (bench/README,
 * "Streamed calls"). Three answers are captured: a plain completion, a stream, and a stream with the usage chunk
 * (what the gateway asks for with {@code stream_options.include_usage}); a request gets the one its body asks for.
 * Loopback only, one platform thread per connection, HTTP/1.1 keep-alive.
 */
final class ReplayUpstream implements AutoCloseable {
    private final ServerSocket server;
    private final byte[] plain;
    private final byte[] streamHead;
    private final List<byte[]> streamChunks;
    private final byte[] usageStreamHead;
    private final List<byte[]> usageStreamChunks;
    private final Thread acceptor;

    private ReplayUpstream(Captured plain, Captured stream, Captured usageStream) throws IOException {
        this.plain = plain.whole();
        this.streamHead = stream.head;
        this.streamChunks = stream.chunks;
        this.usageStreamHead = usageStream.head;
        this.usageStreamChunks = usageStream.chunks;
        this.server = new ServerSocket(0, 1024, InetAddress.getLoopbackAddress());
        this.acceptor = new Thread(this::accept, "replay-upstream-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /**
     * Captures the answers of the fake upstream on {@code realPort} to {@code body} (a chat request with {@code
     * "stream":true} or without) and starts serving them on an ephemeral loopback port.
     */
    static ReplayUpstream start(int realPort, String body) throws IOException {
        String plainBody = body.replace("\"stream\":true,", "");
        String streamBody = plainBody.replace("\"max_tokens\":256,", "\"max_tokens\":256,\"stream\":true,");
        String usageBody = plainBody.replace(
                "\"max_tokens\":256,",
                "\"max_tokens\":256,\"stream\":true,\"stream_options\":{\"include_usage\":true},");
        return new ReplayUpstream(
                capture(realPort, plainBody), capture(realPort, streamBody), capture(realPort, usageBody));
    }

    int port() {
        return server.getLocalPort();
    }

    /** The base URL to give the gateway as {@code SPENDGATE_OPENAI_BASE_URL}. */
    String openAiBaseUrl() {
        return "http://127.0.0.1:" + port() + "/v1";
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                Thread t = new Thread(() -> serve(socket), "replay-upstream");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            socket.setTcpNoDelay(true);
            InputStream in = new BufferedInputStream(socket.getInputStream(), 16384);
            OutputStream out = socket.getOutputStream();
            while (true) {
                byte[] body = readRequest(in);
                if (body == null) {
                    return;
                }
                String text = new String(body, StandardCharsets.UTF_8);
                if (!text.contains("\"stream\":true")) {
                    out.write(plain);
                    out.flush();
                    continue;
                }
                boolean usage = text.contains("\"include_usage\":true");
                out.write(usage ? usageStreamHead : streamHead);
                out.flush();
                for (byte[] chunk : usage ? usageStreamChunks : streamChunks) {
                    out.write(chunk); // one write per chunk, as the real fake upstream flushes each event
                    out.flush();
                }
            }
        } catch (IOException e) {
            // the client went away
        }
    }

    /** Reads one request; returns its body, or null at the end of the connection. */
    private static byte[] readRequest(InputStream in) throws IOException {
        String first = line(in);
        if (first == null) {
            return null;
        }
        int length = 0;
        for (String h = line(in); h != null && !h.isEmpty(); h = line(in)) {
            int colon = h.indexOf(':');
            if (colon > 0 && h.substring(0, colon).trim().equalsIgnoreCase("content-length")) {
                length = Integer.parseInt(h.substring(colon + 1).trim());
            }
        }
        return in.readNBytes(length);
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder(64);
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0) {
                return sb.isEmpty() ? null : sb.toString();
            }
            if (c != '\r') {
                sb.append((char) c);
            }
        }
        return sb.toString();
    }

    /** A captured answer: the head (status line and headers, blank line included) and, if chunked, each chunk. */
    private record Captured(byte[] head, List<byte[]> chunks, byte[] body) {
        byte[] whole() {
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            all.writeBytes(head);
            all.writeBytes(body);
            return all.toByteArray();
        }
    }

    private static Captured capture(int port, String body) throws IOException {
        byte[] request = LoadClient.request(
                "/v1/chat/completions", body.getBytes(StandardCharsets.UTF_8), "Authorization: Bearer sk-fake-openai");
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.getOutputStream().write(request);
            socket.getOutputStream().flush();
            InputStream in = new BufferedInputStream(socket.getInputStream());
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            String status = line(in);
            if (status == null || !status.contains(" 200 ")) {
                throw new IOException("the fake upstream answered " + status);
            }
            head.writeBytes((status + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            int length = -1;
            boolean chunked = false;
            for (String h = line(in); h != null && !h.isEmpty(); h = line(in)) {
                String name = h.substring(0, h.indexOf(':')).trim();
                String value = h.substring(h.indexOf(':') + 1).trim();
                // framing is written below, once; keep-alive is the default; a captured date would only mislead
                if (name.equalsIgnoreCase("content-length")) {
                    length = Integer.parseInt(value);
                    continue;
                } else if (name.equalsIgnoreCase("transfer-encoding")) {
                    chunked = value.equalsIgnoreCase("chunked");
                    continue;
                } else if (name.equalsIgnoreCase("connection") || name.equalsIgnoreCase("date")) {
                    continue;
                }
                head.writeBytes((h + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            }
            if (!chunked) {
                byte[] content = in.readNBytes(Math.max(0, length));
                head.writeBytes(
                        ("Content-Length: " + content.length + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                return new Captured(head.toByteArray(), List.of(), content);
            }
            head.writeBytes("Transfer-Encoding: chunked\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            List<byte[]> chunks = new ArrayList<>();
            for (int size = Integer.parseInt(line(in).trim(), 16);
                    size > 0;
                    size = Integer.parseInt(line(in).trim(), 16)) {
                byte[] data = in.readNBytes(size);
                line(in);
                ByteArrayOutputStream chunk = new ByteArrayOutputStream();
                chunk.writeBytes((Integer.toHexString(size) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                chunk.writeBytes(data);
                chunk.writeBytes("\r\n".getBytes(StandardCharsets.ISO_8859_1));
                chunks.add(chunk.toByteArray());
            }
            line(in);
            chunks.add("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            return new Captured(head.toByteArray(), chunks, new byte[0]);
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
