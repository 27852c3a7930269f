package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageRecord.UsageSource;
import dev.spendgate.testing.upstream.BedrockReply;
import dev.spendgate.testing.upstream.FakeBedrockRuntime;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An InvokeModelWithResponseStream answer of a model whose chunks are not Anthropic's (Meta Llama's
 * {@code generation} chunks here) that Bedrock cuts before its last chunk: the invocation metrics never arrive, so
 * the output is estimated from the text that was relayed, as for a cut Converse stream or a cut Anthropic stream.
 */
class BedrockInvokeStreamCutIT {
    @TempDir
    Path dir;

    FakeBedrockRuntime bedrock;
    GatewayFixture gw;

    @BeforeEach
    void start() {
        bedrock = FakeBedrockRuntime.start();
        gw = GatewayFixture.embedded(
                dir,
                Map.of(
                        "SPENDGATE_BEDROCK_BASE_URL", bedrock.baseUri().toString(),
                        "SPENDGATE_BEDROCK_REGION", FakeBedrockRuntime.REGION,
                        "AWS_ACCESS_KEY_ID", FakeBedrockRuntime.ACCESS_KEY_ID,
                        "AWS_SECRET_ACCESS_KEY", FakeBedrockRuntime.SECRET_ACCESS_KEY));
    }

    @AfterEach
    void stop() {
        gw.close();
        bedrock.close();
    }

    @Test
    void invokeStream_llamaCutBeforeTheLastChunk_outputEstimatedFromTheRelayedText() throws Exception {
        bedrock.setDefaultReply(BedrockReply.defaults()
                .withText(
                        "The bill doubled because traffic doubled and every call now carries a long system"
                                + " prompt that is sent again on each turn of the conversation.",
                        4)
                .withCutAfter(3));

        GatewayFixture.CutResponse response = gw.sendExpectingCut(gw.post(
                "/model/us.meta.llama3-3-70b-instruct-v1:0/invoke-with-response-stream",
                "{\"prompt\":\"Why did the bill double?\",\"max_gen_len\":512}"));

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.error()).as("the client sees the cut as an error").isNotNull();
        UsageRecord record = gw.record(response.requestId());
        assertThat(record.errorType()).isEqualTo("upstream_truncated");
        assertThat(record.usageSource()).isEqualTo(UsageSource.ESTIMATED);
        assertThat(record.tokens().inputTokens()).isPositive();
        assertThat(record.tokens().outputTokens())
                .as("three chunks of text reached the client before the cut")
                .isPositive();
    }
}
