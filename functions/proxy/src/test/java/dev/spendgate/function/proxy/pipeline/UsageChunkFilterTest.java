package dev.spendgate.function.proxy.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The relay's filter for a usage chunk the client did not ask for, driven as the relay drives it: reads of every size
 * into a small buffer, a write after each read.
 */
class UsageChunkFilterTest {
    private static final String CHUNK =
            "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o\","
                    + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"%s\"},\"finish_reason\":null}],\"usage\":null}\n\n";
    private static final String USAGE =
            "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o\","
                    + "\"choices\":[],\"usage\":{\"prompt_tokens\":41,\"completion_tokens\":6,\"total_tokens\":47}}\n\n";
    private static final String AZURE_FILTER = "data: {\"choices\":[],\"created\":0,\"id\":\"\",\"model\":\"\","
            + "\"prompt_filter_results\":[{\"prompt_index\":0}]}\r\n\r\n";
    private static final String DONE = "data: [DONE]\n\n";

    /** What the client gets; asserts that each whole event had left by the write after its last byte was read. */
    private static String relay(List<String> events, int bufferSize, int readSize) throws IOException {
        String stream = String.join("", events);
        byte[] in = stream.getBytes(StandardCharsets.UTF_8);
        RecordingSink sink = new RecordingSink();
        UsageChunkFilter filter = new UsageChunkFilter();
        byte[] buffer = new byte[bufferSize];
        int pending = 0;
        int pos = 0;
        while (pos < in.length) {
            int n = Math.min(readSize, Math.min(in.length - pos, buffer.length - pending));
            System.arraycopy(in, pos, buffer, pending, n);
            pos += n;
            pending = filter.write(sink, buffer, pending + n, false);
            assertThat(sink.text()).startsWith(expected(events, pos));
        }
        filter.write(sink, buffer, pending, true);
        return sink.text();
    }

    /** The events wholly within the first {@code read} bytes, without usage chunks. */
    private static String expected(List<String> events, int read) {
        StringBuilder out = new StringBuilder();
        int at = 0;
        for (String event : events) {
            at += event.length();
            if (at > read) {
                break;
            }
            if (!usageOnly(event)) {
                out.append(event);
            }
        }
        return out.toString();
    }

    @Test
    void write_everyReadSize_dropsOnlyTheUsageChunkAndLetsEachEventGoAtOnce() throws IOException {
        List<String> events =
                List.of(AZURE_FILTER, CHUNK.formatted("Hel"), CHUNK.formatted("lo"), CHUNK.formatted(""), USAGE, DONE);
        String want = String.join("", events).replace(USAGE, "");

        for (int read = 1; read <= 400; read++) {
            assertThat(relay(events, 512, read)).as("reads of %d bytes", read).isEqualTo(want);
        }
    }

    @Test
    void write_eventLargerThanTheBuffer_passesWholeAndTheUsageChunkAfterItIsStillDropped() throws IOException {
        String big = CHUNK.formatted("x".repeat(1000)); // the relay's buffer is 16 KB; the usage chunk < 1 KB
        List<String> events = List.of(CHUNK.formatted("a"), big, USAGE, DONE);

        for (int read : new int[] {1, 7, 64, 255, 256}) {
            assertThat(relay(events, 256, read))
                    .as("reads of %d bytes", read)
                    .isEqualTo(CHUNK.formatted("a") + big + DONE);
        }
    }

    @Test
    void write_linesEndedByCrAlone_everyReadSize_dropsOnlyTheUsageChunk() throws IOException {
        List<String> events = java.util.stream.Stream.of(
                        AZURE_FILTER, CHUNK.formatted("Hel"), CHUNK.formatted("lo"), USAGE, DONE)
                .map(e -> e.replace("\r\n", "\r").replace('\n', '\r'))
                .toList();
        String want = String.join("", events).replace(events.get(3), "");

        for (int read = 1; read <= 400; read++) {
            assertThat(relay(events, 512, read)).as("reads of %d bytes", read).isEqualTo(want);
        }
    }

    @Test
    void write_crlfUsageChunkWhoseBlankLineSplitsBetweenCrAndLf_droppedWhole() throws IOException {
        String usage = USAGE.replace("\n", "\r\n");
        List<String> events = List.of(CHUNK.formatted("a").replace("\n", "\r\n"), usage, DONE.replace("\n", "\r\n"));
        String want = events.get(0) + events.get(2);

        for (int read = 1; read <= 300; read++) {
            assertThat(relay(events, 512, read)).as("reads of %d bytes", read).isEqualTo(want);
        }
    }

    @Test
    void usageOnly_chunksWithChoicesOrWithoutUsage_areKept() {
        assertThat(usageOnly(USAGE)).isTrue();
        assertThat(usageOnly("data: {\"choices\": [ ], \"usage\": {\"prompt_tokens\":1}}\n\n"))
                .isTrue();
        assertThat(usageOnly(CHUNK.formatted("\\\"choices\\\":[],\\\"usage\\\":{}")))
                .isFalse();
        assertThat(usageOnly(AZURE_FILTER)).as("Azure sends it unasked").isFalse();
        assertThat(usageOnly("data: {\"choices\":[{\"index\":0,\"delta\":{}}],\"usage\":{\"prompt_tokens\":1}}\n\n"))
                .as("Mistral's last chunk: usage with a choice")
                .isFalse();
        assertThat(usageOnly(DONE)).isFalse();
    }

    private static boolean usageOnly(String event) {
        byte[] b = event.getBytes(StandardCharsets.UTF_8);
        return UsageChunkFilter.usageOnly(b, 0, b.length);
    }
}
