package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.domain.usage.UsageRecord.UsageSource;
import dev.spendgate.testing.upstream.Behavior;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Spendgate asks the provider for a streamed chat completion's usage ({@code stream_options.include_usage}) so the
 * call is priced. A client that did not ask must still get the stream the provider sends such a client: every chunk
 * with a choice, no trailing chunk with {@code "choices":[]} (OpenAI's docs: that chunk comes only when
 * {@code include_usage} is set). Client code written against OpenAI reads {@code chunk.choices[0]} and fails on the
 * extra chunk (the same crash Azure's empty-choices chunk causes in mentat#429, autogen#6465, vim-llm-agent#37).
 */
class InjectedUsageChunkIT {
    private static final ObjectMapper JSON = new ObjectMapper();

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
    void chatStream_clientDidNotAskForUsage_getsNoChunkWithoutChoicesYetTheCallIsPriced() throws Exception {
        gw.upstream.enqueue(Behavior.defaults().withInputTokens(500).withPieceCount(3));

        HttpResponse<String> response = gw.send(gw.post(
                "/v1/chat/completions",
                "{\"model\":\"gpt-4o\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}"));

        assertThat(response.statusCode()).isEqualTo(200);
        List<JsonNode> chunks = new ArrayList<>();
        for (String event : response.body().split("\n\n")) {
            String data = event.strip().substring("data: ".length());
            if (!data.equals("[DONE]")) {
                chunks.add(JSON.readTree(data));
            }
        }
        assertThat(chunks).isNotEmpty().allSatisfy(chunk -> assertThat(chunk.path("choices"))
                .as(chunk.toString())
                .isNotEmpty());
        // and the call is still priced from the provider's usage
        assertThat(gw.awaitRecords(1).get(0).usageSource()).isEqualTo(UsageSource.PROVIDER);
    }
}
