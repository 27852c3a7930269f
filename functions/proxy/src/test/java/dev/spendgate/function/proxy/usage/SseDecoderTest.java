package dev.spendgate.function.proxy.usage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SseDecoderTest {
    private final List<String> events = new ArrayList<>();
    private final SseDecoder decoder = new SseDecoder((event, data) -> events.add(event + "|" + data));

    private void feed(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        decoder.feed(bytes, 0, bytes.length);
    }

    @Test
    void feed_eventSplitAcrossReads_isDeliveredOnceWhole() {
        feed("event: message_start\nda");
        feed("ta: {\"a\":1}\n");
        assertThat(events).isEmpty();
        feed("\nevent: ping\ndata: {}\n\n");
        assertThat(events).containsExactly("message_start|{\"a\":1}", "ping|{}");
    }

    @Test
    void feed_crlfLineEndsAndDataOnlyEvents_areDecoded() {
        feed("data: {\"x\":1}\r\n\r\ndata: [DONE]\r\n\r\n");
        assertThat(events).containsExactly("null|{\"x\":1}", "null|[DONE]");
    }

    @Test
    void feed_multiLineDataAndComments_joinDataAndIgnoreComments() {
        feed(": keep-alive\n\ndata: line one\ndata: line two\n\n");
        assertThat(events).containsExactly("null|line one\nline two");
    }

    @Test
    void hasPartialEvent_streamCutMidEvent_isTrue() {
        feed("data: {\"complete\":true}\n\ndata: {\"cut");
        assertThat(events).hasSize(1);
        assertThat(decoder.hasPartialEvent()).isTrue();
    }

    @Test
    void feed_multiByteCharacterSplitAcrossReads_isNotCorrupted() {
        byte[] bytes = "data: {\"t\":\"caf\u00e9 \u2713\"}\n\n".getBytes(StandardCharsets.UTF_8);
        for (byte b : bytes) {
            decoder.feed(new byte[] {b}, 0, 1);
        }
        assertThat(events).containsExactly("null|{\"t\":\"caf\u00e9 \u2713\"}");
    }
}
