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
import java.util.Locale;

/**
 * One local endpoint for two local AWS stand-ins, because the proxy jar takes a single endpoint override
 * ({@code SPENDGATE_AWS_ENDPOINT_URL}) for every service: requests with an {@code X-Amz-Target: DynamoDB_...} header
 * go to dynalite, the rest to s3proxy. Bytes are forwarded unchanged (SigV4 signatures stay valid) except for
 * {@code Connection: close} on both directions, so every request gets its own backend connection.
 */
final class AwsEndpointRouter implements AutoCloseable {
    private final ServerSocket server;
    private final int dynamoDbPort;
    private final int s3Port;

    AwsEndpointRouter(int dynamoDbPort, int s3Port) throws IOException {
        this.dynamoDbPort = dynamoDbPort;
        this.s3Port = s3Port;
        this.server = new ServerSocket(0, 64, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::acceptLoop, "aws-router");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    String endpoint() {
        return "http://127.0.0.1:" + server.getLocalPort();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Thread t = new Thread(() -> serve(client), "aws-router-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket client) {
        try (client) {
            InputStream in = new BufferedInputStream(client.getInputStream());
            Head request = Head.read(in);
            if (request == null) {
                return;
            }
            int port = request.has("x-amz-target") ? dynamoDbPort : s3Port;
            try (Socket backend = new Socket(InetAddress.getLoopbackAddress(), port)) {
                backend.setTcpNoDelay(true);
                OutputStream toBackend = backend.getOutputStream();
                toBackend.write(request.withConnectionClose());
                copyBody(request, in, toBackend);
                toBackend.flush();
                InputStream fromBackend = new BufferedInputStream(backend.getInputStream());
                Head response = Head.read(fromBackend);
                if (response == null) {
                    return;
                }
                OutputStream toClient = client.getOutputStream();
                toClient.write(response.withConnectionClose());
                fromBackend.transferTo(toClient);
                toClient.flush();
            }
        } catch (IOException e) {
            // the client sees a closed connection and retries; nothing to do here
        }
    }

    private static void copyBody(Head head, InputStream in, OutputStream out) throws IOException {
        String length = head.value("content-length");
        if (length != null) {
            out.write(in.readNBytes(Integer.parseInt(length.trim())));
        } else if ("chunked".equalsIgnoreCase(head.value("transfer-encoding"))) {
            while (true) {
                String size = Head.line(in);
                out.write((size + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                int semicolon = size.indexOf(';');
                int n = Integer.parseInt((semicolon < 0 ? size : size.substring(0, semicolon)).trim(), 16);
                if (n == 0) {
                    String trailer;
                    do {
                        trailer = Head.line(in);
                        out.write((trailer + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                    } while (!trailer.isEmpty());
                    return;
                }
                out.write(in.readNBytes(n + 2));
            }
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }

    /** The start line and header lines of an HTTP/1.1 message. */
    private record Head(String[] lines) {
        static Head read(InputStream in) throws IOException {
            java.util.List<String> lines = new java.util.ArrayList<>();
            String line = line(in);
            if (line == null || line.isEmpty()) {
                return null;
            }
            while (line != null && !line.isEmpty()) {
                lines.add(line);
                line = line(in);
            }
            return new Head(lines.toArray(String[]::new));
        }

        boolean has(String name) {
            return value(name) != null;
        }

        String value(String name) {
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                if (colon > 0
                        && lines[i].substring(0, colon)
                                .trim()
                                .toLowerCase(Locale.ROOT)
                                .equals(name)) {
                    return lines[i].substring(colon + 1).trim();
                }
            }
            return null;
        }

        byte[] withConnectionClose() {
            StringBuilder sb = new StringBuilder(lines[0]).append("\r\n");
            for (int i = 1; i < lines.length; i++) {
                if (!lines[i].toLowerCase(Locale.ROOT).startsWith("connection:")) {
                    sb.append(lines[i]).append("\r\n");
                }
            }
            sb.append("Connection: close\r\n\r\n");
            return sb.toString().getBytes(StandardCharsets.ISO_8859_1);
        }

        static String line(InputStream in) throws IOException {
            ByteArrayOutputStream buf = new ByteArrayOutputStream(80);
            int b;
            while ((b = in.read()) != -1) {
                if (b == '\n') {
                    byte[] bytes = buf.toByteArray();
                    int n = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                    return new String(bytes, 0, n, StandardCharsets.ISO_8859_1);
                }
                buf.write(b);
            }
            return buf.size() == 0 ? null : buf.toString(StandardCharsets.ISO_8859_1);
        }
    }
}
