package dev.spendgate.function.proxy.bedrock;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.function.proxy.usage.UsageTracker;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class InvokeStreamChunksTest {

    @Test
    void otherFamiliesChunks_cutBeforeMetrics_theirTextIsKeptForTheEstimate() {
        UsageTracker tracker = BedrockOperation.INVOKE_STREAM.tracker();
        InvokeStreamChunks chunks = new InvokeStreamChunks(tracker, new InvocationMetrics());

        chunks.onEvent("chunk", chunk("{\"generation\":\"Llama \",\"prompt_token_count\":9}"));
        chunks.onEvent("chunk", chunk("{\"outputText\":\"Titan \",\"index\":0}"));
        chunks.onEvent(
                "chunk", chunk("{\"contentBlockDelta\":{\"delta\":{\"text\":\"Nova \"},\"contentBlockIndex\":0}}"));
        chunks.onEvent("chunk", chunk("{\"outputs\":[{\"text\":\"Mistral \",\"stop_reason\":null}]}"));
        chunks.onEvent("chunk", chunk("{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\\\"gpt-oss\\\"\"}}]}"));

        assertThat(tracker.result().complete()).isFalse();
        assertThat(tracker.result().streamedText()).isEqualTo("Llama Titan Nova Mistral \"gpt-oss\"");
    }

    @Test
    void toolCallAndReasoningChunks_cutBeforeMetrics_theirArgumentsAreKeptForTheEstimate() {
        UsageTracker tracker = BedrockOperation.INVOKE_STREAM.tracker();
        InvokeStreamChunks chunks = new InvokeStreamChunks(tracker, new InvocationMetrics());

        // Nova: a tool call's name, then its arguments; gpt-oss: reasoning, then a tool call in OpenAI's shape
        chunks.onEvent(
                "chunk",
                chunk("{\"contentBlockStart\":{\"start\":{\"toolUse\":{\"toolUseId\":\"t1\",\"name\":\"lookup\"}},"
                        + "\"contentBlockIndex\":0}}"));
        chunks.onEvent(
                "chunk",
                chunk("{\"contentBlockDelta\":{\"delta\":{\"toolUse\":{\"input\":\"{\\\"sku\\\":1} \"}},"
                        + "\"contentBlockIndex\":0}}"));
        chunks.onEvent("chunk", chunk("{\"choices\":[{\"index\":0,\"delta\":{\"reasoning_content\":\"think \"}}]}"));
        chunks.onEvent(
                "chunk",
                chunk("{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"c1\","
                        + "\"function\":{\"name\":\"find\",\"arguments\":\"{\\\"q\\\":2}\"}}]}}]}"));

        assertThat(tracker.result().complete()).isFalse();
        assertThat(tracker.result().streamedText()).isEqualTo("lookup{\"sku\":1} think find{\"q\":2}");
    }

    private static String chunk(String inner) {
        return "{\"bytes\":\"" + Base64.getEncoder().encodeToString(inner.getBytes(StandardCharsets.UTF_8)) + "\"}";
    }
}
