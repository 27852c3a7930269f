package dev.spendgate.function.proxy.bedrock;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.function.proxy.usage.UsageTracker;
import org.junit.jupiter.api.Test;

class ConverseStreamExceptionTest {

    @Test
    void exceptionBeforeAnyContent_isUnserved() {
        UsageTracker tracker = BedrockOperation.CONVERSE_STREAM.tracker();
        tracker.onEvent("exception:throttlingException", "{\"message\":\"Too many tokens\"}");

        assertThat(tracker.result().unservedException()).isEqualTo("throttlingException");
    }

    @Test
    void exceptionAfterContent_keepsTheStreamedTextForTheEstimate() {
        UsageTracker tracker = BedrockOperation.CONVERSE_STREAM.tracker();
        tracker.onEvent("contentBlockDelta", "{\"contentBlockIndex\":0,\"delta\":{\"text\":\"The bill doubled\"}}");
        tracker.onEvent("exception:modelStreamErrorException", "{\"message\":\"cut\"}");

        assertThat(tracker.result().unservedException()).isNull();
        assertThat(tracker.result().complete()).isFalse();
        assertThat(tracker.result().streamedText()).isEqualTo("The bill doubled");
    }
}
