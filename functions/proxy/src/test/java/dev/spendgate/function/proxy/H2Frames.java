package dev.spendgate.function.proxy;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.http2.hpack.HpackDecoder;
import org.eclipse.jetty.http2.hpack.HpackException;

/**
 * Raw HTTP/2 frames (RFC 9113) and HPACK literals (RFC 7541), for tests that send what a client library would refuse
 * to: a head trickled in CONTINUATION frames, a head over the server's size limit.
 */
final class H2Frames {
    static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    static final int HEADERS = 0x1;
    static final int RST_STREAM = 0x3;
    static final int SETTINGS = 0x4;
    static final int GOAWAY = 0x7;
    static final int CONTINUATION = 0x9;
    static final int END_STREAM = 0x1;
    static final int END_HEADERS = 0x4;

    private H2Frames() {}

    static byte[] frame(int type, int flags, int stream, byte[] payload) {
        ByteArrayOutputStream f = new ByteArrayOutputStream();
        f.write(payload.length >>> 16);
        f.write(payload.length >>> 8);
        f.write(payload.length);
        f.write(type);
        f.write(flags);
        f.write(stream >>> 24);
        f.write(stream >>> 16);
        f.write(stream >>> 8);
        f.write(stream);
        f.writeBytes(payload);
        return f.toByteArray();
    }

    /** HPACK: the pseudo-headers of a POST to the chat endpoint and the key, not indexed. */
    static byte[] chatPostStart(String secret) {
        ByteArrayOutputStream block = new ByteArrayOutputStream();
        block.write(0x83); // :method POST
        block.write(0x86); // :scheme http
        block.writeBytes(indexedName(4, "/v1/chat/completions")); // :path
        block.writeBytes(indexedName(1, "127.0.0.1")); // :authority
        block.writeBytes(literal("authorization", "Bearer " + secret));
        return block.toByteArray();
    }

    /** A literal without indexing whose name is in the static table ({@code index} under 15). */
    static byte[] indexedName(int index, String value) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(index);
        string(b, value);
        return b.toByteArray();
    }

    /** A literal without indexing with a new name. */
    static byte[] literal(String name, String value) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(0x00);
        string(b, name);
        string(b, value);
        return b.toByteArray();
    }

    private static void string(ByteArrayOutputStream b, String s) {
        byte[] bytes = s.getBytes(StandardCharsets.US_ASCII);
        if (bytes.length < 127) {
            b.write(bytes.length);
        } else {
            b.write(127); // 7-bit prefix full: the rest of the length follows in 7-bit groups
            int rest = bytes.length - 127;
            while (rest >= 128) {
                b.write((rest & 0x7f) | 0x80);
                rest >>>= 7;
            }
            b.write(rest);
        }
        b.writeBytes(bytes);
    }

    /**
     * How the server answered stream 1: {@code status N}, {@code RST_STREAM error N}, {@code GOAWAY error N} or
     * {@code closed}.
     */
    static String answer(InputStream in) throws IOException {
        DataInputStream data = new DataInputStream(in);
        try {
            while (true) {
                int length = (data.readUnsignedByte() << 16) | (data.readUnsignedByte() << 8) | data.readUnsignedByte();
                int type = data.readUnsignedByte();
                data.readUnsignedByte(); // flags
                int stream = data.readInt() & 0x7fffffff;
                byte[] payload = data.readNBytes(length);
                if (type == HEADERS && stream == 1) {
                    MetaData meta = new HpackDecoder(64 * 1024, System::nanoTime).decode(ByteBuffer.wrap(payload));
                    return "status " + ((MetaData.Response) meta).getStatus();
                }
                if (type == RST_STREAM && stream == 1) {
                    return "RST_STREAM error " + ByteBuffer.wrap(payload).getInt();
                }
                if (type == GOAWAY) {
                    return "GOAWAY error " + ByteBuffer.wrap(payload, 4, 4).getInt();
                }
            }
        } catch (EOFException e) {
            return "closed";
        } catch (HpackException e) {
            throw new IOException(e);
        }
    }

    /**
     * The statuses the server answered, by stream, reading frames until {@code wanted} answers came, the connection
     * closed or a read timed out (the socket's timeout). One HPACK decoder for the whole connection, as its dynamic
     * table requires.
     */
    static Map<Integer, Integer> statuses(InputStream in, int wanted) throws IOException {
        Map<Integer, Integer> statuses = new TreeMap<>();
        HpackDecoder hpack = new HpackDecoder(64 * 1024, System::nanoTime);
        DataInputStream data = new DataInputStream(in);
        try {
            while (statuses.size() < wanted) {
                int length = (data.readUnsignedByte() << 16) | (data.readUnsignedByte() << 8) | data.readUnsignedByte();
                int type = data.readUnsignedByte();
                data.readUnsignedByte(); // flags
                int stream = data.readInt() & 0x7fffffff;
                byte[] payload = data.readNBytes(length);
                if (type == HEADERS && !statuses.containsKey(stream)) {
                    MetaData meta = hpack.decode(ByteBuffer.wrap(payload));
                    statuses.put(stream, ((MetaData.Response) meta).getStatus());
                }
            }
        } catch (SocketTimeoutException | EOFException e) {
            // what came until then
        } catch (HpackException e) {
            throw new IOException(e);
        }
        return statuses;
    }

    /** Whether the server has sent GOAWAY or closed the connection, reading what has arrived until a read times out. */
    static boolean goneAway(InputStream in) {
        DataInputStream data = new DataInputStream(in);
        try {
            while (true) {
                int length = (data.readUnsignedByte() << 16) | (data.readUnsignedByte() << 8) | data.readUnsignedByte();
                int type = data.readUnsignedByte();
                data.readUnsignedByte(); // flags
                data.readInt(); // stream
                data.readNBytes(length);
                if (type == GOAWAY) {
                    return true;
                }
            }
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // end of stream or reset by the server
        }
    }
}
