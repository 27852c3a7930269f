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

    private static String chunk(String inner) {
        return "{\"bytes\":\"" + Base64.getEncoder().encodeToString(inner.getBytes(StandardCharsets.UTF_8)) + "\"}";
    }
}
