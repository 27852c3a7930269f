package dev.spendgate.function.proxy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A one-call upstream on 127.0.0.1 that writes exactly the bytes a test gives it: a response head, then body pieces,
 * each written and flushed on its own with a short pause between them, so the gateway reads them apart (the split
 * points are the test's). With {@link #holdAfter}, it stops after that many pieces and waits (up to {@code holdMillis})
 * for the gateway to close the connection, noting whether it did, before it sends the rest.
 */
final class ScriptedUpstream implements AutoCloseable {
    private final ServerSocket server;
    private final Thread thread;
    private final CountDownLatch done = new CountDownLatch(1);
    private volatile boolean closedDuringHold;
    private volatile boolean writeFailedAfterHold;
    private volatile int holdAfter = -1;
    private volatile long holdMillis;
    private volatile String requestHead;
    private final CountDownLatch headRead = new CountDownLatch(1);

    ScriptedUpstream(String head, List<byte[]> pieces) throws IOException {
        server = new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
        thread = new Thread(() -> serve(head, pieces), "scripted-upstream");
        thread.setDaemon(true);
        thread.start();
    }

    /** After {@code pieces} pieces, waits up to {@code millis} for the gateway to close the connection. */
    ScriptedUpstream holdAfter(int pieces, long millis) {
        holdMillis = millis;
        holdAfter = pieces;
        return this;
    }

    String base() {
        return "http://127.0.0.1:" + server.getLocalPort();
    }

    /** Whether the gateway closed the connection while this upstream held (sent nothing). */
    boolean closedDuringHold() throws InterruptedException {
        done.await(30, TimeUnit.SECONDS);
        return closedDuringHold;
    }

    /** One HTTP/1.1 chunk of {@code text} (UTF-8). */
    static byte[] chunk(String text) {
        return chunk(text.getBytes(StandardCharsets.UTF_8));
    }

    static byte[] chunk(byte[] bytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes((Integer.toHexString(bytes.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(bytes);
        out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }

    static final byte[] LAST_CHUNK = "0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private void serve(String head, List<byte[]> pieces) {
        try (Socket socket = server.accept()) {
            socket.setTcpNoDelay(true);
            InputStream in = socket.getInputStream();
            requestHead = readRequest(in);
            headRead.countDown();
            OutputStream out = socket.getOutputStream();
            out.write(head.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            for (int i = 0; i < pieces.size(); i++) {
                if (i == holdAfter) {
                    socket.setSoTimeout((int) holdMillis);
                    try {
                        closedDuringHold = in.read() < 0;
                    } catch (SocketTimeoutException e) {
                        closedDuringHold = false;
                    } catch (IOException e) {
                        closedDuringHold = true; // reset
                    }
                    socket.setSoTimeout(0);
                }
                Thread.sleep(40);
                try {
                    out.write(pieces.get(i));
                    out.flush();
                } catch (IOException e) {
                    writeFailedAfterHold = true;
                    return;
                }
            }
            socket.setSoTimeout(10_000);
            try {
                in.read(); // until the gateway closes or reuses the connection
            } catch (IOException e) {
                // gone
            }
        } catch (IOException e) {
            // the gateway went away
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            done.countDown();
        }
    }

    /** The head of the request the gateway sent (request line and headers), once it has arrived; else null. */
    String requestHead() throws InterruptedException {
        headRead.await(30, TimeUnit.SECONDS);
        return requestHead;
    }

    /** Reads the request head and its Content-Length body; returns the head. */
    private static String readRequest(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("request ended early");
            }
            head.write(b);
            matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        int length = 0;
        for (String line : head.toString(StandardCharsets.ISO_8859_1).split("\r\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        in.readNBytes(length);
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
