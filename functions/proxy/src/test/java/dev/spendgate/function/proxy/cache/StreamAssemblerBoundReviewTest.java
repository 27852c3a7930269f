package dev.spendgate.function.proxy.cache;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Final review (session 28, final28b) of b3852818 "Keep a long streamed answer that fits the rule's max_entry_bytes".
 * StreamAssembler's promise: "What it gathers is bounded by the answer it rebuilds ... memory per stream stays a small
 * multiple of max_entry_bytes". Before b3852818 it stopped at 400 KB of raw events whatever they held; now it reads up
 * to 128 times {@code max_entry_bytes} (32 MB at the default 256 KB, 44.8 MB at the 350 KB maximum) and counts only
 * text, refusal, arguments, logprobs and Anthropic blocks against the limit. A choice index (and a tool call index) is
 * gathered for free: each new one is a {@code Choice} with three StringBuilders and two TreeMaps (an ObjectNode for a
 * tool call), some 20 times the 17 bytes of {@code {"index":N}} that made it. An upstream (a self-hosted
 * OpenAI-compatible server, a proxy in front of one) streaming empty choices with new indexes makes one in-flight
 * stream hold hundreds of MB of heap before the raw cap stops it: 30 MB of such events under the default 256 KB
 * limit left 650 MB retained after a GC (measured once, by hand), where the 400 KB cap held it to a few MB.
 */
class StreamAssemblerBoundReviewTest {

    @Test
    void result_streamOfEmptyChoicesPastTheOldCap_isNotHeldPastTheRulesLimit() {
        // a rule with max_entry_bytes 16 KB: raw events are read up to 2 MB now (128 x 16 KB), 400 KB before
        int limit = 16 * 1024;
        byte[] sse = emptyChoices(1_500_000);
        assertThat(sse.length).isBetween(1_500_000, 128 * limit);

        StreamAssembler a = new StreamAssembler("chat.completions", limit);
        for (int i = 0; i < sse.length; i += 8192) { // as the relay hands the stream over, read by read
            a.feed(sse, i, Math.min(8192, sse.length - i));
        }

        // what the assembler holds is what it rebuilds: bounded by the rule's limit, or given up (as before b3852818)
        int held = a.result().map(b -> b.length).orElse(0);
        assertThat(held)
                .as(
                        "bytes of answer the assembler gathered from %,d bytes of empty choices under a %,d-byte limit",
                        sse.length, limit)
                .isLessThanOrEqualTo(limit);
    }

    /** One chunk naming the answer, then events of 1,000 empty choices each, new indexes, then [DONE]. */
    private static byte[] emptyChoices(int atLeast) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        write(
                out,
                "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1764774000,"
                        + "\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\","
                        + "\"content\":\"Hi\"},\"finish_reason\":null}]}\n\n");
        int index = 1;
        while (out.size() < atLeast) {
            StringBuilder event = new StringBuilder("data: {\"choices\":[");
            for (int i = 0; i < 1_000; i++) {
                event.append(i == 0 ? "" : ",")
                        .append("{\"index\":")
                        .append(index++)
                        .append('}');
            }
            write(out, event.append("]}\n\n").toString());
        }
        write(out, "data: [DONE]\n\n");
        return out.toByteArray();
    }

    private static void write(ByteArrayOutputStream out, String s) {
        out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
    }
}
