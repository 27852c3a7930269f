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
    void feed_eventLargerThanTheBufferMayGrow_isPassedOverAndTheNextEventsRead() {
        long[] given = {0};
        // the buffer may grow by 1 MB in all past its free 64 KB
        SseDecoder bounded = new SseDecoder(
                (event, data) -> events.add(event + "|" + data), bytes -> (given[0] += bytes) <= 1024 * 1024);
        byte[] filler = "x".repeat(16 * 1024).getBytes(StandardCharsets.UTF_8);
        byte[] start = "data: {\"before\":1}\n\ndata: {\"huge\":\"".getBytes(StandardCharsets.UTF_8);
        bounded.feed(start, 0, start.length);
        for (int i = 0; i < 640; i++) { // 10 MB of one event, fed as a relay reads it
            bounded.feed(filler, 0, filler.length);
        }
        assertThat(given[0]).isLessThanOrEqualTo(2L * 1024 * 1024); // asked, refused, never held
        byte[] end = "\"}\n\nevent: done\ndata: {\"after\":2}\n\n".getBytes(StandardCharsets.UTF_8);
        bounded.feed(end, 0, end.length);

        assertThat(events).containsExactly("null|{\"before\":1}", "done|{\"after\":2}");
        assertThat(bounded.dropped()).isTrue();
        assertThat(bounded.hasPartialEvent()).isFalse();
    }

    @Test
    void feed_streamCutInsideAPassedOverEvent_isAPartialEvent() {
        SseDecoder bounded = new SseDecoder((event, data) -> events.add(event + "|" + data), bytes -> false);
        byte[] huge = ("data: " + "y".repeat(200 * 1024)).getBytes(StandardCharsets.UTF_8);
        bounded.feed(huge, 0, huge.length);

        assertThat(bounded.dropped()).isTrue();
        assertThat(bounded.hasPartialEvent()).isTrue();
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

    @Test
    void feed_threeDataLinesSplitAcrossReads_joinedWithLineFeeds() {
        feed("event: e\ndata: one\nda");
        feed("ta: two\r\ndata:three\n\n");
        assertThat(events).containsExactly("e|one\ntwo\nthree");
    }

    @Test
    void feed_anyReadSizes_sameEventsAsInOneRead() {
        String stream = "event: message_start\ndata: {\"a\":\"\u00e9\"}\n\n: comment\n\n"
                + "data: {\"x\":1}\r\n\r\ndata: a\ndata: b\n\nevent:  ping \n\nid: 7\ndata:\n\n"
                + "data: [DONE]\n\n";
        byte[] bytes = stream.getBytes(StandardCharsets.UTF_8);
        List<String> whole = new ArrayList<>();
        new SseDecoder((event, data) -> whole.add(event + "|" + data)).feed(bytes, 0, bytes.length);
        java.util.Random random = new java.util.Random(13);

        for (int round = 0; round < 200; round++) {
            List<String> split = new ArrayList<>();
            SseDecoder decoder = new SseDecoder((event, data) -> split.add(event + "|" + data));
            for (int at = 0; at < bytes.length; ) {
                int n = Math.min(bytes.length - at, 1 + random.nextInt(12));
                decoder.feed(bytes, at, n);
                at += n;
            }
            assertThat(split).as("round %d", round).isEqualTo(whole);
        }
        assertThat(whole)
                .containsExactly(
                        "message_start|{\"a\":\"\u00e9\"}",
                        "null|{\"x\":1}",
                        "null|a\nb",
                        "ping|",
                        "null|",
                        "null|[DONE]");
    }

    @Test
    void feed_linesEndedByCrAlone_areSplitIntoEvents() {
        feed("event: a\rdata: one\rdata: two\r\rdata: [DONE]\r\r");
        assertThat(events).containsExactly("a|one\ntwo", "null|[DONE]");
        assertThat(decoder.hasPartialEvent()).isFalse();
    }

    @Test
    void feed_crAtTheEndOfARead_endsTheLineWhateverFollows() {
        feed("data: x\r");
        feed("\n\r");
        assertThat(events).as("CRLF then a lone CR: the blank line").containsExactly("null|x");
        feed("\ndata: y\r");
        feed("\r");
        assertThat(events).as("the LF of the CRLF blank line is no event").containsExactly("null|x", "null|y");
    }

    @Test
    void feed_mixedLineEnds_anyReadSizes_sameEventsAsInOneRead() {
        String stream = "event: message_start\rdata: {\"a\":\"\u00e9\"}\r\r: comment\r\n\r\n"
                + "data: {\"x\":1}\r\n\rdata: a\rdata: b\n\revent:  ping \r\n\nid: 7\rdata:\r\r"
                + "data: [DONE]\r\r";
        byte[] bytes = stream.getBytes(StandardCharsets.UTF_8);
        java.util.Random random = new java.util.Random(17);

        for (int round = 0; round < 200; round++) {
            List<String> split = new ArrayList<>();
            SseDecoder decoder = new SseDecoder((event, data) -> split.add(event + "|" + data));
            for (int at = 0; at < bytes.length; ) {
                int n = Math.min(bytes.length - at, 1 + random.nextInt(12));
                decoder.feed(bytes, at, n);
                at += n;
            }
            assertThat(split)
                    .as("round %d", round)
                    .containsExactly(
                            "message_start|{\"a\":\"\u00e9\"}",
                            "null|{\"x\":1}",
                            "null|a\nb",
                            "ping|",
                            "null|",
                            "null|[DONE]");
            assertThat(decoder.hasPartialEvent()).isFalse();
        }
    }

    @Test
    void onEvent_byteView_matchesNameAndDataWithoutDecoding() {
        List<String> seen = new ArrayList<>();
        SseDecoder viewing = new SseDecoder(new SseDecoder.Listener() {
            @Override
            public void onEvent(String event, String data) {
                throw new AssertionError("decoded instead of viewed");
            }

            @Override
            public void onEvent(SseDecoder.Event e) {
                seen.add(e.nameIs("response.output_text.delta") + " " + e.nameEndsWith(".delta") + " "
                        + e.dataContains("\"usage\":{".getBytes(StandardCharsets.US_ASCII)) + " "
                        + new String(e.dataBytes(), e.dataOffset(), e.dataLength(), StandardCharsets.UTF_8));
            }
        });
        byte[] bytes = ("event: response.output_text.delta\ndata: {\"delta\":\"x\"}\n\n"
                        + "data: {\"usage\":{\"total\":3}}\n\n")
                .getBytes(StandardCharsets.UTF_8);

        viewing.feed(bytes, 0, bytes.length);

        assertThat(seen)
                .containsExactly("true true false {\"delta\":\"x\"}", "false false true {\"usage\":{\"total\":3}}");
    }
}
