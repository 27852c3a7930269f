package dev.spendgate.bench;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.keys.ProxyKey;
import dev.spendgate.domain.keys.ProxyKeys;
import dev.spendgate.function.proxy.GatewayRuntime;
import dev.spendgate.function.proxy.ProxyConfig;
import dev.spendgate.function.proxy.http.BodyMemory;
import dev.spendgate.function.proxy.local.LocalGatewayRuntime;
import dev.spendgate.function.proxy.local.LocalGatewayServer;
import dev.spendgate.function.proxy.local.ServerLimits;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.http2.hpack.HpackDecoder;

/**
 * What idle HTTP/2 streams cost the gateway's heap: {@code Http2IdleStreams CONNECTIONS STREAMS DECLARED_BYTES}
 * opens CONNECTIONS cleartext HTTP/2 connections from one address, each with STREAMS chat calls whose heads declare
 * DECLARED_BYTES of body and that send none of it, then prints the gateway's used heap after a full GC before and after
 * (same JVM, Serial GC advised), the body memory pool's use, and how the streams were answered. Limits from the
 * {@code SPENDGATE_*} environment, body deadline 120 s so the streams stay open while the heap is read.
 */
public final class Http2IdleStreams {
    private Http2IdleStreams() {}

    public static void main(String[] args) throws Exception {
        int connections = Integer.parseInt(args[0]);
        int streams = Integer.parseInt(args[1]);
        long declared = Long.parseLong(args[2]);
        Path dataDir = Files.createTempDirectory("h2-idle");
        GatewayRuntime runtime = LocalGatewayRuntime.create(ProxyConfig.fromEnv(System.getenv()), dataDir);
        String secret = "sk-bench-h2-idle-streams";
        new dev.spendgate.embedded.FileKeyStore(dataDir.resolve("keys.json"))
                .create(new ProxyKey(
                        ProxyKeys.newId(),
                        ProxyKeys.hash(secret),
                        "bench",
                        "bench",
                        null,
                        new Attribution(null, null, null, "bench", null, null, null),
                        true,
                        Instant.now()));
        ServerLimits limits = ServerLimits.fromEnv(System.getenv()).withTimeouts(10_000, 120_000, 120_000);
        LocalGatewayServer server = LocalGatewayServer.start(runtime, "127.0.0.1", 0, limits);
        BodyMemory pool = runtime.gateway().bodyMemory();
        try {
            // warm: one connection's worth, closed, so class loading and Jetty's pools are not in the figure
            run(server.port(), secret, 1, Math.min(streams, 16), declared).forEach(Http2IdleStreams::closeQuietly);
            Thread.sleep(1_000);
            long before = usedAfterGc();
            List<Socket> open = run(server.port(), secret, connections, streams, declared);
            Thread.sleep(2_000); // every head handled
            long after = usedAfterGc();
            Map<Integer, Integer> answered = new TreeMap<>();
            for (Socket s : open) {
                statuses(s).values().forEach(status -> answered.merge(status, 1, Integer::sum));
            }
            int held = connections * streams
                    - answered.values().stream().mapToInt(Integer::intValue).sum();
            System.out.printf(
                    "RESULT connections=%d streams_per_connection=%d declared_bytes=%d held_streams=%d answered=%s"
                            + " heap_before_kb=%d heap_after_kb=%d heap_delta_kb=%d per_held_stream_b=%d"
                            + " pool_in_use_b=%d limits=%s%n",
                    connections,
                    streams,
                    declared,
                    held,
                    answered,
                    before / 1024,
                    after / 1024,
                    (after - before) / 1024,
                    held == 0 ? 0 : (after - before) / held,
                    pool.inUse(),
                    limits);
            open.forEach(Http2IdleStreams::closeQuietly);
        } finally {
            server.stop(0);
            runtime.close();
        }
    }

    private static List<Socket> run(int port, String secret, int connections, int streams, long declared)
            throws IOException {
        List<Socket> sockets = new ArrayList<>();
        for (int c = 0; c < connections; c++) {
            Socket s = new Socket("127.0.0.1", port);
            s.setSoTimeout(500);
            OutputStream out = s.getOutputStream();
            out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.write(frame(0x4, 0, 0, new byte[0])); // SETTINGS
            for (int i = 0; i < streams; i++) {
                out.write(frame(0x1, 0x4, 1 + 2 * i, head(secret, declared))); // HEADERS, END_HEADERS only
            }
            out.flush();
            sockets.add(s);
        }
        return sockets;
    }

    /** HPACK literals without indexing: POST /v1/chat/completions with a key and a declared length. */
    private static byte[] head(String secret, long declared) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(0x83); // :method POST
        b.write(0x86); // :scheme http
        literal(b, 4, null, "/v1/chat/completions");
        literal(b, 1, null, "127.0.0.1");
        literal(b, 0, "authorization", "Bearer " + secret);
        literal(b, 0, "content-type", "application/json");
        literal(b, 0, "content-length", Long.toString(declared));
        return b.toByteArray();
    }

    private static void literal(ByteArrayOutputStream b, int index, String name, String value) {
        b.write(index);
        if (name != null) {
            string(b, name);
        }
        string(b, value);
    }

    private static void string(ByteArrayOutputStream b, String s) {
        byte[] bytes = s.getBytes(StandardCharsets.US_ASCII);
        b.write(bytes.length); // all under 127 bytes here
        b.writeBytes(bytes);
    }

    private static byte[] frame(int type, int flags, int stream, byte[] payload) {
        ByteBuffer f = ByteBuffer.allocate(9 + payload.length);
        f.put((byte) (payload.length >>> 16)).put((byte) (payload.length >>> 8)).put((byte) payload.length);
        f.put((byte) type).put((byte) flags).putInt(stream).put(payload);
        return f.array();
    }

    /** The statuses answered so far on one connection, by stream. */
    private static Map<Integer, Integer> statuses(Socket s) throws IOException {
        Map<Integer, Integer> statuses = new TreeMap<>();
        HpackDecoder hpack = new HpackDecoder(64 * 1024, System::nanoTime);
        DataInputStream in = new DataInputStream(s.getInputStream());
        try {
            while (true) {
                int length = (in.readUnsignedByte() << 16) | (in.readUnsignedByte() << 8) | in.readUnsignedByte();
                int type = in.readUnsignedByte();
                in.readUnsignedByte();
                int stream = in.readInt() & 0x7fffffff;
                byte[] payload = in.readNBytes(length);
                if (type == 0x1) {
                    statuses.put(stream, ((MetaData.Response) hpack.decode(ByteBuffer.wrap(payload))).getStatus());
                }
            }
        } catch (SocketTimeoutException e) {
            return statuses;
        } catch (org.eclipse.jetty.http2.hpack.HpackException e) {
            throw new IOException(e);
        }
    }

    private static long usedAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(200);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // done with it
        }
    }
}
