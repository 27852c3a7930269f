package dev.spendgate.function.proxy.bedrock;

import dev.spendgate.function.proxy.usage.SseDecoder;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.zip.CRC32;
import software.amazon.awssdk.eventstream.HeaderValue;
import software.amazon.awssdk.eventstream.Message;

/**
 * Reads AWS event-stream frames ({@code application/vnd.amazon.eventstream}) as the bytes pass on their way to the
 * client, and hands each event's {@code :event-type} and payload to a listener; exceptions arrive with their
 * {@code :exception-type} prefixed by {@code exception:}. Frames are decoded by the AWS SDK's codec, which checks
 * their CRCs. A frame whose prelude CRC holds but whose message CRC fails is skipped, its length being sound, and the
 * frames after it are read (Bedrock's usage comes last); the stream still counts as broken, so the client's stream ends
 * in an error. A frame whose prelude fails ends decoding (the relay continues, usage is then estimated).
 */
public final class EventStreamDecoder {
    /** Bedrock's frames are far smaller; anything larger is a broken stream, not an event. */
    private static final int MAX_FRAME = 16 * 1024 * 1024;

    private final SseDecoder.Listener listener;
    private byte[] pending = new byte[0];
    private int pendingLength;
    private boolean broken;
    private boolean skipped;

    public EventStreamDecoder(SseDecoder.Listener listener) {
        this.listener = listener;
    }

    public void feed(byte[] bytes, int offset, int count) {
        if (broken) {
            return;
        }
        if (pendingLength + count > pending.length) {
            pending = Arrays.copyOf(pending, Math.max(pendingLength + count, pending.length * 2));
        }
        System.arraycopy(bytes, offset, pending, pendingLength, count);
        pendingLength += count;
        int start = 0;
        while (pendingLength - start >= 4) {
            int total = ByteBuffer.wrap(pending, start, 4).getInt();
            if (total < Message.MESSAGE_OVERHEAD || total > MAX_FRAME) {
                broken = true;
                return;
            }
            if (pendingLength - start < total) {
                break;
            }
            Message message;
            try {
                message = Message.decode(ByteBuffer.wrap(pending, start, total));
            } catch (RuntimeException e) {
                if (!preludeHolds(start)) {
                    broken = true; // its length cannot be trusted: where the next frame starts is unknown
                    return;
                }
                skipped = true; // one bad frame: the frames after it (Bedrock's usage among them) are read
                start += total;
                continue;
            }
            start += total;
            deliver(message);
        }
        if (start > 0) {
            System.arraycopy(pending, start, pending, 0, pendingLength - start);
            pendingLength -= start;
        }
    }

    /** True when the stream ended inside a frame, or held a frame that could not be decoded. */
    public boolean hasPartialEvent() {
        return broken || skipped || pendingLength > 0;
    }

    /** Whether the frame at {@code start}'s prelude (its total and headers lengths) matches the prelude CRC. */
    private boolean preludeHolds(int start) {
        CRC32 crc = new CRC32();
        crc.update(pending, start, 8);
        return (int) crc.getValue() == ByteBuffer.wrap(pending, start + 8, 4).getInt();
    }

    private void deliver(Message message) {
        String type = header(message, ":message-type");
        String name = "exception".equals(type)
                ? "exception:" + header(message, ":exception-type")
                : "error".equals(type) ? "exception:" + header(message, ":error-code") : header(message, ":event-type");
        listener.onEvent(SseDecoder.Event.of(name, message.getPayload()));
    }

    private static String header(Message message, String name) {
        HeaderValue value = message.getHeaders().get(name);
        return value == null ? null : value.getString();
    }
}
