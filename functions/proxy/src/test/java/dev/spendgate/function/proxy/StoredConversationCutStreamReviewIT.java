package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageRecord.UsageSource;
import dev.spendgate.testing.upstream.Behavior;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Responses call that continues a stored conversation ({@code previous_response_id}) is billed for the whole chain:
 * "Even when using previous_response_id, all previous input tokens for responses in the chain are billed as input
 * tokens in the API" (platform.openai.com/docs/guides/conversation-state, quoted in the README's worst-case table,
 * "input stored at the provider"). When such a call's stream is cut before {@code response.completed}, the README has
 * the record estimate what the provider never reported ("Input counts every billed input of the body, as the worst
 * case does"), and the worst case counts the stored input. gpt-4.1: $2 / $8 per 1M.
 */
class StoredConversationCutStreamReviewIT {
    @TempDir
    Path dir;

    GatewayFixture gw;

    @BeforeEach
    void start() {
        gw = GatewayFixture.embedded(dir);
    }

    @AfterEach
    void stop() {
        gw.close();
    }

    @Test
    void cutStreamContinuingAStoredResponse_isNotRecordedAtTheNewTurnAlone() throws Exception {
        // turn 1, through the gateway: OpenAI reports 120,000 input tokens (a long document), stored by default
        gw.upstream.enqueue(Behavior.defaults().withInputTokens(120_000).withPieceCount(50));
        HttpResponse<String> first = gw.send(gw.post("/v1/responses", """
                {"model":"gpt-4.1","input":"Summarise the attached annual report.","store":true}"""));
        assertThat(first.statusCode()).isEqualTo(200);
        String firstId = new ObjectMapper().readTree(first.body()).path("id").asText();
        UsageRecord firstRecord =
                gw.record(first.headers().firstValue(Gateway.REQUEST_ID_HEADER).orElseThrow());
        assertThat(firstRecord.tokens().inputTokens()).isEqualTo(120_000);

        // turn 2 continues it; OpenAI bills turn 1's 120,000 input tokens again (and its output) plus the new text,
        // but the stream is cut after five pieces, before response.completed carries the usage
        gw.upstream.enqueue(
                Behavior.defaults().withInputTokens(120_060).withPieceCount(20).withTruncateAfterPieces(5));
        GatewayFixture.CutResponse second = gw.sendExpectingCut(gw.post("/v1/responses", """
                {"model":"gpt-4.1","previous_response_id":"%s","input":"And the next quarter?","stream":true}""".formatted(firstId)));

        assertThat(second.status()).isEqualTo(200);
        UsageRecord r = gw.record(second.requestId());
        assertThat(r.usageSource()).isEqualTo(UsageSource.ESTIMATED);
        assertThat(r.tokens().inputTokens())
                .as("turn 2 is billed at least turn 1's stored input (recorded %s, $%s)", r.tokens(), r.costUsd())
                .isGreaterThanOrEqualTo(120_000)
                .as("and not at the model's whole context window (1,047,576 tokens, $2.10), which the chain never held")
                .isLessThan(121_000);
    }
}
