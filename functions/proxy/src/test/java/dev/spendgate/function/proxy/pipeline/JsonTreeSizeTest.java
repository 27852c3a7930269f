package dev.spendgate.function.proxy.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** {@link JsonTreeSize} is documented as an upper bound of the tree a body parses into. */
class JsonTreeSizeTest {

    @Test
    void repeatedNameInside_isMeasuredNotRefused() throws Exception {
        // an Anthropic batch create over 64 KB whose one request repeats a name: the batch reader keeps the last, as
        // for a small one; measuring the body must not refuse it as "not a JSON object"
        byte[] raw = ("{\"requests\":[{\"custom_id\":\"a\",\"params\":{\"model\":\"claude-sonnet-4-5\","
                        + "\"max_tokens\":10,\"max_tokens\":20,\"messages\":[{\"role\":\"user\",\"content\":\""
                        + "x".repeat(70_000) + "\"}]}}]}")
                .getBytes(StandardCharsets.UTF_8);

        assertThat(JsonTreeSize.of(raw)).isGreaterThan(raw.length);
    }

    @Test
    void proseWithCurlyApostrophes_countsAtLeastTheHeapItsStringTakes() throws Exception {
        // pasted English prose: ASCII but for a ’ (U+2019) now and then, 1 byte a character in UTF-8 but the whole
        // String held as UTF-16 (2 bytes a character) because one character is not Latin-1
        String prose = "it’s what the customer wrote in the ticket. ".repeat(50_000);
        byte[] raw = ("{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"" + prose + "\"}]}")
                .getBytes(StandardCharsets.UTF_8);
        long stringHeap = 2L * prose.length(); // the String's byte[] alone, UTF-16

        long counted = JsonTreeSize.of(raw);

        assertThat(counted)
                .as(
                        "counted %d for a body of %d bytes whose content String alone takes %d",
                        counted, raw.length, stringHeap)
                .isGreaterThanOrEqualTo(stringHeap);
    }
}
