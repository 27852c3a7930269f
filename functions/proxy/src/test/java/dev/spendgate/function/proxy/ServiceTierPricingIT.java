package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageRecord.PricingStatus;
import dev.spendgate.domain.usage.UsageRecord.UsageSource;
import dev.spendgate.testing.upstream.Behavior;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The official SDKs asking for a service tier through Spendgate: each call is recorded at the price of the tier the
 * provider says it served (the fake upstream answers {@code service_tier} the way OpenAI and Anthropic do). Expected
 * costs are worked out by hand from the public prices: gpt-5-mini $0.25 / $2.00 standard, $0.125 / $1.00 flex,
 * $0.45 / $3.60 priority (platform.openai.com/docs/pricing, openai.com/api-priority-processing); claude-sonnet-4-5
 * $3 / $15, above 200K input tokens $6 / $22.50 (docs.anthropic.com/en/docs/about-claude/pricing).
 */
class ServiceTierPricingIT {
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

    private OpenAIClient openAi() {
        return OpenAIOkHttpClient.builder()
                .baseUrl(gw.openAiBase())
                .apiKey(gw.secret)
                .maxRetries(0)
                .build();
    }

    private AnthropicClient anthropic() {
        return AnthropicOkHttpClient.builder()
                .baseUrl(gw.server.baseUrl())
                .apiKey(gw.secret)
                .maxRetries(0)
                .build();
    }

    private static ChatCompletionCreateParams.Builder chat(ChatCompletionCreateParams.ServiceTier tier) {
        return ChatCompletionCreateParams.builder()
                .model("gpt-5-mini")
                .addUserMessage("Classify ticket 4411.")
                .serviceTier(tier);
    }

    @Test
    void openAiSdk_flexChat_isRecordedAtFlexRates() {
        gw.upstream.enqueue(Behavior.defaults().withInputTokens(10_000).withPieceCount(8));

        ChatCompletion completion = openAi().chat()
                .completions()
                .create(chat(ChatCompletionCreateParams.ServiceTier.FLEX).build());

        assertThat(completion.serviceTier().orElseThrow().asString()).isEqualTo("flex");
        UsageRecord r = single();
        assertThat(r.billing().serviceTierRequested()).isEqualTo("flex");
        assertThat(r.billing().serviceTierServed()).isEqualTo("flex");
        // 10,000 x 0.125 + 8 x 1.00 = 1,258 / 1M (standard would be 0.002516)
        assertThat(r.costUsd()).isEqualByComparingTo(new BigDecimal("0.001258"));
    }

    @Test
    void openAiSdk_streamedPriorityChat_isRecordedAtPriorityRatesFromTheChunks() {
        gw.upstream.enqueue(Behavior.defaults().withInputTokens(10_000).withPieceCount(8));

        try (var stream = openAi().chat()
                .completions()
                .createStreaming(chat(ChatCompletionCreateParams.ServiceTier.PRIORITY)
                        .streamOptions(ChatCompletionStreamOptions.builder()
                                .includeUsage(true)
                                .build())
                        .build())) {
            List<ChatCompletionChunk> chunks = stream.stream().toList();
            assertThat(chunks)
                    .allSatisfy(c ->
                            assertThat(c.serviceTier().orElseThrow().asString()).isEqualTo("priority"));
        }

        UsageRecord r = single();
        assertThat(r.stream()).isTrue();
        assertThat(r.usageSource()).isEqualTo(UsageSource.PROVIDER);
        assertThat(r.billing().serviceTierServed()).isEqualTo("priority");
        // 10,000 x 0.45 + 8 x 3.60 = 4,528.8 / 1M
        assertThat(r.costUsd()).isEqualByComparingTo(new BigDecimal("0.0045288"));
    }

    @Test
    void openAiSdk_priorityDowngradedToDefault_isRecordedAtWhatWasServed() {
        gw.upstream.enqueue(
                Behavior.defaults().withInputTokens(10_000).withPieceCount(8).withServedServiceTier("default"));

        openAi().chat()
                .completions()
                .create(chat(ChatCompletionCreateParams.ServiceTier.PRIORITY).build());

        UsageRecord r = single();
        assertThat(r.billing().serviceTierRequested()).isEqualTo("priority");
        assertThat(r.billing().serviceTierServed()).isEqualTo("default");
        // 10,000 x 0.25 + 8 x 2.00 = 2,516 / 1M: the requested priority price would be 0.0045288
        assertThat(r.costUsd()).isEqualByComparingTo(new BigDecimal("0.002516"));
    }

    @Test
    void openAiSdk_flexResponses_isRecordedAtFlexRates() {
        gw.upstream.enqueue(Behavior.defaults().withInputTokens(10_000).withPieceCount(8));

        Response response = openAi().responses()
                .create(ResponseCreateParams.builder()
                        .model("gpt-5-mini")
                        .input("Classify ticket 4411.")
                        .serviceTier(ResponseCreateParams.ServiceTier.FLEX)
                        .build());

        assertThat(response.serviceTier().orElseThrow().asString()).isEqualTo("flex");
        assertThat(single().costUsd()).isEqualByComparingTo(new BigDecimal("0.001258"));
    }

    @Test
    void openAiSdk_scaleTier_isUnpricedNotPricedAsStandard() {
        gw.upstream.enqueue(Behavior.defaults().withInputTokens(10_000).withPieceCount(8));

        openAi().chat()
                .completions()
                .create(chat(ChatCompletionCreateParams.ServiceTier.SCALE).build());

        UsageRecord r = single();
        assertThat(r.billing().serviceTierServed()).isEqualTo("scale");
        assertThat(r.pricingStatus()).isEqualTo(PricingStatus.UNPRICED);
        assertThat(r.costUsd()).isNull();
    }

    @Test
    void anthropicSdk_longContextMessageAndStream_areRepricedWhole() {
        MessageCreateParams params = MessageCreateParams.builder()
                .model("claude-sonnet-4-5")
                .maxTokens(256)
                .addUserMessage("Summarise the attached contract.")
                .serviceTier(MessageCreateParams.ServiceTier.STANDARD_ONLY)
                .build();
        gw.upstream.enqueue(Behavior.defaults().withInputTokens(250_000).withPieceCount(10));
        gw.upstream.enqueue(Behavior.defaults().withInputTokens(250_000).withPieceCount(10));

        Message message = anthropic().messages().create(params);
        try (StreamResponse<RawMessageStreamEvent> stream =
                anthropic().messages().createStreaming(params)) {
            stream.stream().forEach(e -> {});
        }

        assertThat(message.usage().serviceTier().orElseThrow().asString()).isEqualTo("standard");
        List<UsageRecord> records = gw.awaitRecords(2);
        assertThat(records).hasSize(2).allSatisfy(r -> {
            assertThat(r.billing().serviceTierRequested()).isEqualTo("standard_only");
            assertThat(r.billing().serviceTierServed()).isEqualTo("standard");
            // 250,000 x 6.00 + 10 x 22.50 = 1,500,225 / 1M (the base rate would record 0.75015)
            assertThat(r.costUsd()).isEqualByComparingTo(new BigDecimal("1.500225"));
        });
    }

    @Test
    void anthropicSdk_justBelowTheThreshold_isPricedAtBaseRates() {
        gw.upstream.enqueue(Behavior.defaults().withInputTokens(200_000).withPieceCount(10));

        anthropic()
                .messages()
                .create(MessageCreateParams.builder()
                        .model("claude-sonnet-4-5")
                        .maxTokens(256)
                        .addUserMessage("Summarise the attached contract.")
                        .build());

        // 200,000 x 3.00 + 10 x 15.00 = 600,150 / 1M
        assertThat(single().costUsd()).isEqualByComparingTo(new BigDecimal("0.60015"));
    }

    @Test
    void anthropicSdk_usOnlyInference_isRecordedWithItsRegionAndTheMultiplier() {
        MessageCreateParams params = MessageCreateParams.builder()
                .model("claude-opus-4-6")
                .maxTokens(256)
                .addUserMessage("Summarise the attached contract.")
                .putAdditionalBodyProperty("inference_geo", com.anthropic.core.JsonValue.from("us"))
                .build();
        gw.upstream.enqueue(Behavior.defaults().withInputTokens(100_000).withPieceCount(10));
        gw.upstream.enqueue(Behavior.defaults().withInputTokens(100_000).withPieceCount(10));

        anthropic().messages().create(params);
        try (StreamResponse<RawMessageStreamEvent> stream =
                anthropic().messages().createStreaming(params)) {
            stream.stream().forEach(e -> {});
        }

        List<UsageRecord> records = gw.awaitRecords(2);
        assertThat(records).hasSize(2).allSatisfy(r -> {
            // the record says where the call ran, so re-pricing it later (pricing check, the report's cost check)
            // applies the same 1.1x: (100,000 x 5.00 + 10 x 25.00) / 1M x 1.1
            assertThat(r.billing().inferenceGeo()).isEqualTo("us");
            assertThat(r.costUsd()).isEqualByComparingTo(new BigDecimal("0.550275"));
        });
    }

    /**
     * Fast mode (platform.claude.com/docs/en/build-with-claude/fast-mode): Opus 4.6 at 6x, $30 / $150 per million,
     * the usage reporting {@code speed: "fast"}. Before, the call was recorded at the standard $5 / $25.
     */
    @Test
    void anthropicSdk_fastMode_isRecordedAtTheFastModeRates() {
        MessageCreateParams params = MessageCreateParams.builder()
                .model("claude-opus-4-6")
                .maxTokens(256)
                .addUserMessage("Refactor this module.")
                .putAdditionalBodyProperty("speed", com.anthropic.core.JsonValue.from("fast"))
                .build();
        gw.upstream.enqueue(Behavior.defaults().withInputTokens(10_000).withPieceCount(10));
        gw.upstream.enqueue(Behavior.defaults().withInputTokens(10_000).withPieceCount(10));

        anthropic().messages().create(params);
        try (StreamResponse<RawMessageStreamEvent> stream =
                anthropic().messages().createStreaming(params)) {
            stream.stream().forEach(e -> {});
        }

        List<UsageRecord> records = gw.awaitRecords(2);
        assertThat(records).hasSize(2).allSatisfy(r -> {
            assertThat(r.billing().serviceTierServed()).isEqualTo("fast_mode");
            // 10,000 x 30.00 + 10 x 150.00 = 301,500 / 1M
            assertThat(r.costUsd()).isEqualByComparingTo(new BigDecimal("0.3015"));
        });
    }

    private UsageRecord single() {
        List<UsageRecord> records = gw.awaitRecords(1);
        assertThat(records).hasSize(1);
        return records.get(0);
    }
}
