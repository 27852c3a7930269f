package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.errors.UnauthorizedException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageRecord.UsageSource;
import dev.spendgate.testing.upstream.Behavior;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The official SDKs, unchanged but for their base URL and key, exactly as a team would point them at Spendgate. */
class OfficialSdkIT {
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

    private OpenAIClient openAi(String key) {
        return OpenAIOkHttpClient.builder()
                .baseUrl(gw.openAiBase())
                .apiKey(key)
                .maxRetries(0)
                .putHeader("X-Cost-Feature", "chatbot")
                .putHeader("X-Cost-Department", "engineering")
                .build();
    }

    private AnthropicClient anthropic() {
        return AnthropicOkHttpClient.builder()
                .baseUrl(gw.server.baseUrl())
                .apiKey(gw.secret)
                .maxRetries(0)
                .putHeader("X-Cost-Feature", "support-bot")
                .build();
    }

    private static ChatCompletionCreateParams chat() {
        return ChatCompletionCreateParams.builder()
                .model("gpt-4o")
                .addSystemMessage("You are terse.")
                .addUserMessage("Why did the bill double?")
                .build();
    }

    @Test
    void openAiSdk_chatCompletion_worksUnchangedAndIsPricedExactly() {
        gw.upstream.enqueue(Behavior.defaults().withInputTokens(1000).withCachedTokens(200));

        ChatCompletion completion = openAi(gw.secret).chat().completions().create(chat());

        assertThat(completion.choices().get(0).message().content())
                .hasValue(Behavior.defaults().text());
        assertThat(completion.usage().orElseThrow().promptTokens()).isEqualTo(1000);
        UsageRecord r = single();
        assertThat(r.attribution().feature()).isEqualTo("chatbot");
        // gpt-4o: 800 x 2.50 + 200 x 1.25 + 24 x 10.00 per 1M
        assertThat(r.costUsd()).isEqualByComparingTo(new BigDecimal("0.00249"));
    }

    @Test
    void openAiSdk_streamedChat_deliversEveryChunkAndRecordsProviderUsage() {
        gw.upstream.enqueue(Behavior.defaults().withInputTokens(400).withPieceCount(8));

        String text;
        try (var stream = openAi(gw.secret).chat().completions().createStreaming(chat())) {
            List<ChatCompletionChunk> chunks = stream.stream().collect(Collectors.toList());
            text = chunks.stream()
                    .flatMap(c -> c.choices().stream())
                    .map(c -> c.delta().content().orElse(""))
                    .collect(Collectors.joining());
        }

        assertThat(text).isEqualTo(String.join("", Behavior.words(8)));
        UsageRecord r = single();
        assertThat(r.stream()).isTrue();
        assertThat(r.usageSource()).isEqualTo(UsageSource.PROVIDER);
        assertThat(r.costUsd()).isEqualByComparingTo(new BigDecimal("0.00108")); // 400 x 2.50 + 8 x 10.00
    }

    @Test
    void openAiSdk_badKey_raisesTheSdksUnauthorizedError() {
        assertThatThrownBy(() -> openAi("sg-wrong").chat().completions().create(chat()))
                .isInstanceOf(UnauthorizedException.class)
                .hasMessageContaining("Spendgate key");
    }

    @Test
    void anthropicSdk_messageAndStream_workUnchangedAndArePriced() {
        MessageCreateParams params = MessageCreateParams.builder()
                .model("claude-haiku-4-5")
                .maxTokens(256)
                .addUserMessage("Summarise ticket 4411.")
                .build();
        gw.upstream.enqueue(Behavior.defaults().withInputTokens(1000).withPieceCount(10));
        gw.upstream.enqueue(Behavior.defaults().withInputTokens(1000).withPieceCount(10));

        Message message = anthropic().messages().create(params);
        StringBuilder streamed = new StringBuilder();
        try (StreamResponse<RawMessageStreamEvent> stream =
                anthropic().messages().createStreaming(params)) {
            stream.stream()
                    .flatMap(e -> e.contentBlockDelta().stream())
                    .flatMap(d -> d.delta().text().stream())
                    .forEach(t -> streamed.append(t.text()));
        }

        assertThat(message.content().get(0).asText().text()).isEqualTo(String.join("", Behavior.words(10)));
        assertThat(streamed.toString()).isEqualTo(String.join("", Behavior.words(10)));
        List<UsageRecord> records = gw.awaitRecords(2);
        assertThat(records).hasSize(2).allSatisfy(r -> {
            assertThat(r.provider()).isEqualTo("anthropic");
            // Haiku 4.5: 1000 x 1.00 + 10 x 5.00 per 1M
            assertThat(r.costUsd()).isEqualByComparingTo(new BigDecimal("0.00105"));
            assertThat(r.attribution().feature()).isEqualTo("support-bot");
        });
    }

    private UsageRecord single() {
        List<UsageRecord> records = gw.awaitRecords(1);
        assertThat(records).hasSize(1);
        return records.get(0);
    }
}
