package dev.spendgate.function.proxy.bedrock;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.testing.upstream.FakeBedrockRuntime;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A frame whose message CRC fails but whose prelude holds has a sound length: the decoder skips it and reads on, so
 * the usage Bedrock sends last is kept. A frame whose prelude fails has no length to trust: decoding stops there.
 */
class EventStreamDecoderTest {

    @Test
    void payloadCrcFails_frameSkipped_laterFramesRead_streamStillBroken() {
        byte[] bad = frame("contentBlockDelta", "{\"delta\":{\"text\":\"doubled\"}}");
        bad[bad.length - 6] ^= 0x01; // a payload byte
        List<String> events = new ArrayList<>();
        EventStreamDecoder decoder = new EventStreamDecoder((name, data) -> events.add(name));

        feed(decoder, frame("messageStart", "{}"), bad, frame("metadata", "{\"usage\":{\"inputTokens\":1}}"));

        assertThat(events).containsExactly("messageStart", "metadata");
        assertThat(decoder.hasPartialEvent())
                .as("the client's stream must still end in an error")
                .isTrue();
    }

    @Test
    void preludeCrcFails_decodingStops() {
        byte[] bad = frame("contentBlockDelta", "{\"delta\":{\"text\":\"doubled\"}}");
        bad[5] ^= 0x01; // the headers length: the prelude CRC fails, so the frame's total length is not trusted
        List<String> events = new ArrayList<>();
        EventStreamDecoder decoder = new EventStreamDecoder((name, data) -> events.add(name));

        feed(decoder, frame("messageStart", "{}"), bad, frame("metadata", "{\"usage\":{\"inputTokens\":1}}"));

        assertThat(events).containsExactly("messageStart");
        assertThat(decoder.hasPartialEvent()).isTrue();
    }

    @Test
    void intactFrames_allRead_notBroken() {
        List<String> events = new ArrayList<>();
        EventStreamDecoder decoder = new EventStreamDecoder((name, data) -> events.add(name));

        feed(decoder, frame("messageStart", "{}"), frame("metadata", "{}"));

        assertThat(events).containsExactly("messageStart", "metadata");
        assertThat(decoder.hasPartialEvent()).isFalse();
    }

    /** Fed in 7-byte pieces, as a network delivers them, frames split across reads. */
    private static void feed(EventStreamDecoder decoder, byte[]... frames) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (byte[] f : frames) {
            all.writeBytes(f);
        }
        byte[] bytes = all.toByteArray();
        for (int i = 0; i < bytes.length; i += 7) {
            decoder.feed(bytes, i, Math.min(7, bytes.length - i));
        }
    }

    private static byte[] frame(String type, String json) {
        return FakeBedrockRuntime.frame(type, json.getBytes(StandardCharsets.UTF_8));
    }
}
