package dev.spendgate.function.proxy.budget;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.domain.pricing.ImageTokens;
import dev.spendgate.domain.pricing.OutputLimits;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.function.proxy.bedrock.BedrockOperation;
import dev.spendgate.function.proxy.bedrock.BedrockRequests;
import dev.spendgate.function.proxy.upstream.Endpoint;
import dev.spendgate.function.proxy.usage.PromptText;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CostEstimatorTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final CostEstimator estimator = new CostEstimator(PricingCatalog.bundled(), 4096);

    private TokenUsage anthropic(String body) throws Exception {
        JsonNode json = JSON.readTree(body);
        return estimator.worstCase(
                "anthropic", "claude-sonnet-4-5", Endpoint.MESSAGES, PromptText.of(Endpoint.MESSAGES, json), json);
    }

    private TokenUsage converse(String body) throws Exception {
        JsonNode json = JSON.readTree(body);
        return estimator.worstCase(
                "anthropic",
                "anthropic.claude-sonnet-4-5-20250929-v1:0",
                Endpoint.MESSAGES,
                BedrockRequests.prompt(BedrockOperation.CONVERSE, json),
                json);
    }

    /**
     * Anthropic bills {@code inference_geo: "us"} at 1.1x on Claude Opus 4.6, and a workspace may default to it
     * without the request saying so: the worst case reserved must cover that, or a budget admits a call it cannot pay.
     */
    @Test
    void usOnlyOrUnstatedRegion_isReservedWithTheSurcharge_globalWithout() throws Exception {
        String question = "\"max_tokens\":1000,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]";
        JsonNode us = JSON.readTree("{\"model\":\"claude-opus-4-6\",\"inference_geo\":\"us\"," + question + "}");
        JsonNode unstated = JSON.readTree("{\"model\":\"claude-opus-4-6\"," + question + "}");
        JsonNode global =
                JSON.readTree("{\"model\":\"claude-opus-4-6\",\"inference_geo\":\"global\"," + question + "}");

        assertThat(estimate(global)).isEqualByComparingTo(listPrice(global));
        assertThat(estimate(us)).isEqualByComparingTo(listPrice(us).multiply(new java.math.BigDecimal("1.1")));
        assertThat(estimate(unstated))
                .isEqualByComparingTo(listPrice(unstated).multiply(new java.math.BigDecimal("1.1")));
    }

    /** The worst-case tokens of the body at Opus 4.6's list rates, no region multiplier. */
    private java.math.BigDecimal listPrice(JsonNode body) {
        TokenUsage worst = estimator.worstCase(
                "anthropic", "claude-opus-4-6", Endpoint.MESSAGES, PromptText.of(Endpoint.MESSAGES, body), body);
        return PricingCatalog.bundled()
                .find("anthropic", "claude-opus-4-6")
                .orElseThrow()
                .cost(worst);
    }

    private java.math.BigDecimal estimate(JsonNode body) {
        return estimator
                .estimate(
                        "anthropic", "claude-opus-4-6", Endpoint.MESSAGES, PromptText.of(Endpoint.MESSAGES, body), body)
                .orElseThrow();
    }

    @Test
    void anthropicWebSearchTool_reservesItsMaxUsesSearchesAtTheSearchFee() throws Exception {
        String question = "\"messages\":[{\"role\":\"user\",\"content\":\"What changed this week?\"}]";
        String capped = "\"tools\":[{\"type\":\"web_search_20250305\",\"name\":\"web_search\",\"max_uses\":5}]";
        String uncapped = "\"tools\":[{\"type\":\"web_search_20250305\",\"name\":\"web_search\"}]";
        String body = "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":100,%s," + question + "}";
        JsonNode json = JSON.readTree(body.formatted(capped));

        TokenUsage worst = anthropic(body.formatted(capped));
        BigDecimal reserved = estimator
                .estimate(
                        "anthropic",
                        "claude-sonnet-4-5",
                        Endpoint.MESSAGES,
                        PromptText.of(Endpoint.MESSAGES, json),
                        json)
                .orElseThrow();

        assertThat(worst.webSearches()).isEqualTo(5);
        // the tokens at $3 / $15 per 1M, plus 5 searches x $0.01
        BigDecimal tokens = new BigDecimal(worst.inputTokens() * 3 + worst.outputTokens() * 15).movePointLeft(6);
        assertThat(reserved).isEqualByComparingTo(tokens.add(new BigDecimal("0.05")));
        assertThat(anthropic(body.formatted(uncapped)).webSearches()).isEqualTo(WebSearchTools.UNCAPPED);
        assertThat(anthropic(body.formatted("\"tools\":[]")).webSearches()).isZero();
    }

    @Test
    void responsesWebSearchTool_reservesMaxToolCallsSearches() throws Exception {
        String body = "{\"model\":\"gpt-5\",\"input\":\"What changed this week?\",%s"
                + "\"tools\":[{\"type\":\"web_search\"}]}";

        assertThat(responses(body.formatted("\"max_tool_calls\":4,")).webSearches())
                .isEqualTo(4);
        assertThat(responses(body.formatted("")).webSearches()).isEqualTo(WebSearchTools.UNCAPPED);
        assertThat(responses("{\"model\":\"gpt-5\",\"input\":\"Hi\",\"tools\":[{\"type\":\"function\"}]}")
                        .webSearches())
                .isZero();
    }

    @Test
    void responsesWebSearchPreviewTool_onGpt4o_reservesItsSearchesAtThePreviewFee() throws Exception {
        // web_search_preview on the non-reasoning models: $25 per 1,000 calls (platform.openai.com/docs/pricing)
        String body = "{\"model\":\"gpt-4o\",\"input\":\"What changed this week?\",\"max_tool_calls\":4,"
                + "\"max_output_tokens\":100,\"tools\":[{\"type\":\"%s\"}]}";
        JsonNode preview = JSON.readTree(body.formatted("web_search_preview"));
        JsonNode search = JSON.readTree(body.formatted("web_search"));

        BigDecimal atPreview = estimator
                .estimate("openai", "gpt-4o", Endpoint.RESPONSES, PromptText.of(Endpoint.RESPONSES, preview), preview)
                .orElseThrow();
        BigDecimal atSearch = estimator
                .estimate("openai", "gpt-4o", Endpoint.RESPONSES, PromptText.of(Endpoint.RESPONSES, search), search)
                .orElseThrow();

        // 4 searches at $0.025 instead of $0.01; the tool's longer name is a token or two more input ($2.50 per 1M)
        assertThat(atPreview.subtract(atSearch))
                .isCloseTo(new BigDecimal("0.06"), org.assertj.core.api.Assertions.within(new BigDecimal("0.00001")));
    }

    private TokenUsage responses(String body) throws Exception {
        JsonNode json = JSON.readTree(body);
        return estimator.worstCase(
                "openai", "gpt-5", Endpoint.RESPONSES, PromptText.of(Endpoint.RESPONSES, json), json);
    }

    @Test
    void anthropicSystemBlocksAndTools_areCountedAsInput() throws Exception {
        String question = "\"messages\":[{\"role\":\"user\",\"content\":\"Where is my order?\"}]";
        String system =
                "\"system\":[{\"type\":\"text\",\"text\":\"" + "You are a careful support agent. ".repeat(200) + "\"}]";
        String tools = "\"tools\":[{\"name\":\"lookup\",\"description\":\"" + "Looks up an order. ".repeat(100)
                + "\",\"input_schema\":{\"type\":\"object\"}}]";

        long bare = anthropic("{\"model\":\"m\",\"max_tokens\":10," + question + "}")
                .inputTokens();
        long withSystem = anthropic("{\"model\":\"m\",\"max_tokens\":10," + system + "," + question + "}")
                .inputTokens();
        long withTools = anthropic("{\"model\":\"m\",\"max_tokens\":10," + tools + "," + question + "}")
                .inputTokens();

        assertThat(withSystem - bare).isGreaterThan(1_200); // 200 x 7 tokens, times the foreign-tokenizer margin
        assertThat(withTools - bare).isGreaterThan(400);
    }

    /**
     * Anthropic adds a tool-use system prompt to a request with tools, billed as input (pricing page, "Tool use
     * system prompt token count"): 346 tokens on Sonnet 4.5 with tool_choice auto or none, 313 with any or tool.
     */
    @Test
    void claudeWithTools_reservesAnthropicsToolUseSystemPrompt() throws Exception {
        String tool = "\"tools\":[{\"name\":\"label\",\"input_schema\":{\"type\":\"object\"}}]";
        String question = "\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"Label it.\"}]";
        JsonNode auto = JSON.readTree("{" + tool + "," + question + "}");
        JsonNode any = JSON.readTree("{" + tool + ",\"tool_choice\":{\"type\":\"any\"}," + question + "}");
        JsonNode converse =
                JSON.readTree("{\"toolConfig\":{" + tool + ",\"toolChoice\":{\"tool\":{\"name\":\"label\"}}}}");

        assertThat(CostEstimator.toolUseSystemPrompt("claude-sonnet-4-5", auto)).isEqualTo(346);
        assertThat(CostEstimator.toolUseSystemPrompt("claude-sonnet-4-5-20250929", any))
                .isEqualTo(313);
        assertThat(CostEstimator.toolUseSystemPrompt("anthropic.claude-sonnet-4-5-20250929-v1:0", converse))
                .isEqualTo(313);
        assertThat(CostEstimator.toolUseSystemPrompt("claude-3-opus", auto)).isEqualTo(530);
        // a Claude version the table does not list: the largest count of its column
        assertThat(CostEstimator.toolUseSystemPrompt("claude-opus-4-9", auto)).isEqualTo(530);
        assertThat(CostEstimator.toolUseSystemPrompt("claude-opus-4-9", any)).isEqualTo(340);
        assertThat(CostEstimator.toolUseSystemPrompt("gpt-4o", auto)).isZero();
        assertThat(CostEstimator.toolUseSystemPrompt("claude-sonnet-4-5", JSON.readTree("{" + question + "}")))
                .isZero();
        JsonNode without = JSON.readTree("{" + question + "}");
        assertThat(anthropic(auto.toString()).inputTokens()
                        - anthropic(without.toString()).inputTokens())
                .isGreaterThan(346);
    }

    /**
     * OpenAI bills a Responses call continuing stored input (previous_response_id, conversation, a stored prompt) for
     * that input too: its worst case holds the model's context window (gpt-4o: 128,000 tokens); on a model whose window
     * is unknown the worst case is unknown (no estimate: block budgets refuse it, as an unpriced model).
     */
    @Test
    void responsesContinuingStoredInput_reservesTheContextWindow_unknownWindowHasNoEstimate() throws Exception {
        String ask = "\"input\":\"Continue.\",\"max_output_tokens\":16";
        for (String stored : new String[] {
            "\"previous_response_id\":\"resp_1\",",
            "\"conversation\":\"conv_1\",",
            "\"conversation\":{\"id\":\"conv_1\"},",
            "\"prompt\":{\"id\":\"pmpt_1\",\"version\":\"2\"},"
        }) {
            assertThat(responses("gpt-4o", "{" + stored + ask + "}").inputTokens())
                    .as(stored)
                    .isEqualTo(128_000);
        }
        assertThat(responses("gpt-4o", "{" + ask + "}").inputTokens()).isLessThan(100);
        assertThat(responses("gpt-4.1-mini", "{\"previous_response_id\":\"resp_1\"," + ask + "}")
                        .inputTokens())
                .isEqualTo(1_047_576);
        // a newer version than the table lists (gpt-5.9 after gpt-5.6) has no window: no estimate
        JsonNode newer = JSON.readTree("{\"previous_response_id\":\"resp_1\"," + ask + "}");
        assertThat(dev.spendgate.domain.pricing.ContextWindows.tokens("gpt-5.9"))
                .isEmpty();
        assertThat(dev.spendgate.domain.pricing.ContextWindows.tokens("gpt-5-mini"))
                .hasValue(400_000);
        assertThat(dev.spendgate.domain.pricing.ContextWindows.tokens("anthropic.claude-opus-4-6-v1:0"))
                .hasValue(1_000_000);
        assertThat(StoredInput.tokens("gpt-5.9", Endpoint.RESPONSES, newer)).isEqualTo(-1);
        assertThat(StoredInput.tokens("gpt-5.9", Endpoint.CHAT_COMPLETIONS, newer))
                .isZero();
    }

    /**
     * A Gemini chat call on a context cache ({@code cached_content}, under {@code extra_body.google} as Google documents
     * it, or top-level {@code google} as an OpenAI SDK merges {@code extra_body}) bills the cached tokens as input: the
     * worst case holds the model's context window (Gemini 2.5: 1,048,576 tokens); a body without one counts itself.
     */
    @Test
    void geminiChatOnAContextCache_reservesTheContextWindow_inEitherWireForm() throws Exception {
        String ask =
                "\"model\":\"gemini-2.5-pro\",\"max_tokens\":16,\"messages\":[{\"role\":\"user\",\"content\":\"Go.\"}]";
        String cache = "{\"cached_content\":\"cachedContents/abc123\"}";
        for (String body : new String[] {
            "{" + ask + ",\"extra_body\":{\"google\":" + cache + "}}", "{" + ask + ",\"google\":" + cache + "}"
        }) {
            assertThat(chat("gemini-2.5-pro", body).inputTokens()).as(body).isEqualTo(1_048_576);
        }
        assertThat(chat("gemini-2.5-pro", "{" + ask + ",\"google\":{\"cached_content\":\"\"}}")
                        .inputTokens())
                .isLessThan(100);
        assertThat(chat("gemini-2.5-pro", "{" + ask + "}").inputTokens()).isLessThan(100);
    }

    private TokenUsage chat(String model, String body) throws Exception {
        JsonNode json = JSON.readTree(body);
        return estimator.worstCase(
                "gemini", model, Endpoint.CHAT_COMPLETIONS, PromptText.of(Endpoint.CHAT_COMPLETIONS, json), json);
    }

    private TokenUsage responses(String model, String body) throws Exception {
        JsonNode json = JSON.readTree(body);
        return estimator.worstCase("openai", model, Endpoint.RESPONSES, PromptText.of(Endpoint.RESPONSES, json), json);
    }

    /**
     * Anthropic's web fetch tool bills each fetched page or PDF as input, up to max_uses x max_content_tokens: the worst
     * case holds that; without a cap, the model's context window (Sonnet 4.5: 1,000,000 tokens with its beta).
     */
    @Test
    void anthropicWebFetch_reservesMaxUsesTimesMaxContentTokens_orTheContextWindow() throws Exception {
        String question = "\"max_tokens\":100,\"messages\":[{\"role\":\"user\",\"content\":\"Summarise it\"}]";
        String capped = "{\"tools\":[{\"type\":\"web_fetch_20250910\",\"name\":\"web_fetch\",\"max_uses\":2,"
                + "\"max_content_tokens\":75000}]," + question + "}";
        String uncapped = "{\"tools\":[{\"type\":\"web_fetch_20250910\",\"name\":\"web_fetch\",\"max_uses\":2}],"
                + question + "}";
        String without = "{" + question + "}";

        long base = anthropic(without).inputTokens();
        assertThat(anthropic(capped).inputTokens()).isBetween(base + 150_000, base + 150_000 + 1_000);
        assertThat(anthropic(uncapped).inputTokens()).isBetween(base + 1_000_000, base + 1_000_000 + 1_000);
        assertThat(FetchedContent.tokens("claude-opus-9", Endpoint.MESSAGES, JSON.readTree(uncapped)))
                .isEqualTo(-1);
        assertThat(FetchedContent.tokens("claude-opus-9", Endpoint.MESSAGES, JSON.readTree(capped)))
                .isEqualTo(150_000);
    }

    @Test
    void bedrockSystemAndToolConfig_areCountedAsInput() throws Exception {
        String messages = "\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"Hi\"}]}]";
        String system = "\"system\":[{\"text\":\"" + "Answer in French. ".repeat(300) + "\"}]";
        String toolConfig = "\"toolConfig\":{\"tools\":[{\"toolSpec\":{\"name\":\"weather\",\"description\":\""
                + "Returns the weather. ".repeat(300) + "\",\"inputSchema\":{\"json\":{\"type\":\"object\"}}}}]}";

        long bare = converse("{" + messages + "}").inputTokens();
        long full =
                converse("{" + system + "," + toolConfig + "," + messages + "}").inputTokens();

        assertThat(full - bare).isGreaterThan(2_000);
    }

    @Test
    void outputIsTheCapTimesN_orTheModelsMaximumWithoutACap() throws Exception {
        JsonNode n = JSON.readTree("{\"model\":\"gpt-4o\",\"max_tokens\":200,\"n\":5,\"messages\":[]}");
        JsonNode uncapped = JSON.readTree("{\"model\":\"gpt-4o\",\"messages\":[]}");

        assertThat(estimator
                        .worstCase(
                                "openai",
                                "gpt-4o",
                                Endpoint.CHAT_COMPLETIONS,
                                PromptText.of(Endpoint.CHAT_COMPLETIONS, n),
                                n)
                        .outputTokens())
                .isEqualTo(1_000);
        assertThat(estimator
                        .worstCase(
                                "openai",
                                "gpt-4o",
                                Endpoint.CHAT_COMPLETIONS,
                                PromptText.of(Endpoint.CHAT_COMPLETIONS, uncapped),
                                uncapped)
                        .outputTokens())
                .isEqualTo(16_384);
        assertThat(OutputLimits.maxOutputTokens("us.anthropic.claude-sonnet-4-5-20250929-v1:0", 4096))
                .isEqualTo(64_000);
        assertThat(OutputLimits.maxOutputTokens("some-local-model", 4096)).isEqualTo(4096);
    }

    @Test
    void outputLimits_claude3OpusAndSonnet_reserveTheirOwn4096NotTheLargestClaudeFigure() {
        // unlisted, they reserved 128,000 output tokens: $9.60 of Opus 3 output held for an answer of at most $0.31
        assertThat(OutputLimits.maxOutputTokens("claude-3-opus-20240229", 1)).isEqualTo(4096);
        assertThat(OutputLimits.maxOutputTokens("anthropic.claude-3-opus-20240229-v1:0", 1))
                .isEqualTo(4096);
        assertThat(OutputLimits.maxOutputTokens("anthropic.claude-3-sonnet-20240229-v1:0", 1))
                .isEqualTo(4096);
    }

    @Test
    void outputLimits_newerClaudeVersions_neverFallBackToAnOlderSiblingsFigure() {
        assertThat(OutputLimits.maxOutputTokens("global.anthropic.claude-opus-4-6-v1", 4096))
                .isEqualTo(128_000);
        assertThat(OutputLimits.maxOutputTokens("claude-sonnet-4-6", 4096)).isEqualTo(128_000);
        assertThat(OutputLimits.maxOutputTokens("anthropic.claude-opus-4-1-20250805-v1:0", 4096))
                .isEqualTo(32_000);
        assertThat(OutputLimits.maxOutputTokens("claude-opus-4-20250514", 4096)).isEqualTo(32_000);
        assertThat(OutputLimits.maxOutputTokens("claude-opus-4-5-20251101", 4096))
                .isEqualTo(64_000);
        // not listed: the largest Claude maximum, not an older sibling's 32,000 nor the 4,096 default
        assertThat(OutputLimits.maxOutputTokens("us.anthropic.claude-opus-4-9-v1:0", 4096))
                .isEqualTo(128_000);
        assertThat(OutputLimits.maxOutputTokens("claude-mythos-1", 4096)).isEqualTo(128_000);
        assertThat(OutputLimits.maxOutputTokens("gpt-4o-mini-2024-07-18", 4096)).isEqualTo(16_384);
    }

    @Test
    void inlineMediaCountByTheirBound_notByTheirBase64Text() throws Exception {
        String base64 = "JVBERi0xLjQK".repeat(2_000); // 24,000 base64 characters
        String image = "{\"model\":\"gpt-4o\",\"max_tokens\":1,\"messages\":[{\"role\":\"user\",\"content\":["
                + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/png;base64," + base64 + "\"}}]}]}";
        String audio = "{\"model\":\"gpt-4o\",\"max_tokens\":1,\"messages\":[{\"role\":\"user\",\"content\":["
                + "{\"type\":\"input_audio\",\"input_audio\":{\"format\":\"wav\",\"data\":\"" + base64 + "\"}}]}]}";
        JsonNode imageJson = JSON.readTree(image);
        JsonNode audioJson = JSON.readTree(audio);

        long imageTokens = estimator
                .worstCase(
                        "openai",
                        "gpt-4o",
                        Endpoint.CHAT_COMPLETIONS,
                        PromptText.of(Endpoint.CHAT_COMPLETIONS, imageJson),
                        imageJson)
                .inputTokens();
        long audioTokens = estimator
                .worstCase(
                        "openai",
                        "gpt-4o",
                        Endpoint.CHAT_COMPLETIONS,
                        PromptText.of(Endpoint.CHAT_COMPLETIONS, audioJson),
                        audioJson)
                .inputTokens();

        assertThat(imageTokens).isBetween(ImageTokens.UNLISTED, ImageTokens.UNLISTED + 50);
        // 18,000 decoded bytes at one token per 50 bytes
        assertThat(audioTokens).isBetween(360L, 410L);
    }

    /**
     * A request asking for priority is reserved at the priority rate; one naming no tier (or {@code auto}) at standard,
     * as most projects are served unasked; where the operator says the project's default tier is priority
     * ({@code SPENDGATE_RESERVE_UNASKED_TIER=dearest}) at the dearest tier the catalog prices. {@code default} and
     * {@code flex} never below standard, and Bedrock (no account default tier) at standard either way.
     */
    @Test
    void priorityOrNoTierRequested_isReservedAtThePriorityRate_defaultAtStandard() throws Exception {
        CostEstimator dearest = new CostEstimator(PricingCatalog.bundled(), 4096, true);
        java.math.BigDecimal atDefault = gpt5Mini(estimator, "\"service_tier\":\"default\",");
        java.math.BigDecimal atPriority = gpt5Mini(estimator, "\"service_tier\":\"priority\",");

        // priority bills 1.8x standard on gpt-5-mini (catalog service_tiers)
        assertThat(atPriority).isEqualByComparingTo(atDefault.multiply(new java.math.BigDecimal("1.8")));
        assertThat(gpt5Mini(estimator, "")).isEqualByComparingTo(atDefault);
        assertThat(gpt5Mini(estimator, "\"service_tier\":\"auto\",")).isEqualByComparingTo(atDefault);
        assertThat(gpt5Mini(dearest, "")).isEqualByComparingTo(atPriority);
        assertThat(gpt5Mini(dearest, "\"service_tier\":\"auto\",")).isEqualByComparingTo(atPriority);
        assertThat(gpt5Mini(dearest, "\"service_tier\":\"default\",")).isEqualByComparingTo(atDefault);
        assertThat(gpt5Mini(estimator, "\"service_tier\":\"flex\",")).isEqualByComparingTo(atDefault);
        assertThat(CostEstimator.tiersItMayBeServed("bedrock", null, true)).containsExactly("standard");
    }

    private java.math.BigDecimal gpt5Mini(CostEstimator estimator, String tier) throws Exception {
        JsonNode body = JSON.readTree("{\"model\":\"gpt-5-mini\"," + tier + "\"max_tokens\":1000,\"messages\":[]}");
        return estimator
                .estimate(
                        "openai",
                        "gpt-5-mini",
                        Endpoint.CHAT_COMPLETIONS,
                        PromptText.of(Endpoint.CHAT_COMPLETIONS, body),
                        body)
                .orElseThrow();
    }

    /**
     * Anthropic fast mode ({@code speed: "fast"}) bills a per-model multiple of the standard rates
     * (platform.claude.com/docs/en/build-with-claude/fast-mode): 6x on Opus 4.6 and 4.7, 2x on Opus 4.8. A budget
     * must reserve that multiple, or a call it admits near the limit overspends it several times over.
     */
    @Test
    void anthropicFastModeRequested_isReservedAtTheModelsFastModeMultiple() throws Exception {
        for (String[] model : new String[][] {{"claude-opus-4-6", "6"}, {"claude-opus-4-8", "2"}}) {
            JsonNode standard = JSON.readTree("{\"model\":\"" + model[0]
                    + "\",\"max_tokens\":1000,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
            JsonNode fast = JSON.readTree("{\"model\":\"" + model[0] + "\",\"max_tokens\":1000,\"speed\":\"fast\","
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

            java.math.BigDecimal atStandard = estimator
                    .estimate(
                            "anthropic",
                            model[0],
                            Endpoint.MESSAGES,
                            PromptText.of(Endpoint.MESSAGES, standard),
                            standard)
                    .orElseThrow();
            java.math.BigDecimal atFast = estimator
                    .estimate("anthropic", model[0], Endpoint.MESSAGES, PromptText.of(Endpoint.MESSAGES, fast), fast)
                    .orElseThrow();

            // within 0.1 %: the fast body's 15 more bytes are estimated as about 4 more input tokens
            assertThat(atFast)
                    .as(model[0])
                    .isCloseTo(
                            atStandard.multiply(new java.math.BigDecimal(model[1])),
                            org.assertj.core.data.Percentage.withPercentage(0.1));
        }
    }

    @Test
    void promptRouterAliasedToItsDearestModel_withoutMaxTokens_reservesThatModelsOutputLimit(@TempDir Path dir)
            throws Exception {
        // README: a router's alias maps it "to the dearest model it routes between (the worst case reserved before
        // the call)"; the output cap is read from the router's ARN instead, which names no model
        String custom = "arn:aws:bedrock:us-east-1:123456789012:prompt-router/abcd1234efgh";
        String claude = "arn:aws:bedrock:us-east-1:123456789012:default-prompt-router/anthropic.claude:1";
        Path prices = dir.resolve("prices.json");
        Files.writeString(
                prices,
                "{\"aliases\":[{\"provider\":\"bedrock\",\"alias\":\"" + custom + "\","
                        + "\"model\":\"anthropic.claude-sonnet-4-20250514-v1:0\"},"
                        + "{\"provider\":\"bedrock\",\"alias\":\"" + claude + "\","
                        + "\"model\":\"anthropic.claude-3-7-sonnet-20250219-v1:0\"}]}");
        CostEstimator routed = new CostEstimator(PricingCatalog.bundled().withOverrides(prices), 4096);
        JsonNode body = JSON.readTree("{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"Hi\"}]}]}");
        PromptText prompt = BedrockRequests.prompt(BedrockOperation.CONVERSE, body);

        // Sonnet 4 may answer 64,000 tokens ($0.96): reserving the 4,096 default ($0.06) lets the budget admit 15x
        assertThat(routed.worstCase("bedrock", custom, Endpoint.MESSAGES, prompt, body)
                        .outputTokens())
                .isEqualTo(64_000);
        // Claude 3.7 Sonnet answers at most 64,000: reserving 128,000 (twice) refuses calls a tight budget fits
        assertThat(routed.worstCase("bedrock", claude, Endpoint.MESSAGES, prompt, body)
                        .outputTokens())
                .isEqualTo(64_000);
    }

    @Test
    void novaInvokeModel_capInInferenceConfig_boundsTheOutputReserved() throws Exception {
        // Nova's InvokeModel body names its cap in inferenceConfig (maxTokens on Nova 2, max_new_tokens on Nova 1),
        // not max_tokens: without reading it a 500-token call reserved Nova 2 Lite's whole 65,536
        String nova2 = "us.amazon.nova-2-lite-v1:0";
        JsonNode capped = JSON.readTree("{\"schemaVersion\":\"messages-v1\","
                + "\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"Hi\"}]}],"
                + "\"inferenceConfig\":{\"maxTokens\":500}}");
        JsonNode nova1 = JSON.readTree("{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"Hi\"}]}],"
                + "\"inferenceConfig\":{\"max_new_tokens\":300}}");
        JsonNode uncapped = JSON.readTree("{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"Hi\"}]}]}");

        assertThat(estimator.maxOutputTokens(nova2, BedrockRequests.prompt(BedrockOperation.INVOKE, capped), capped))
                .isEqualTo(500);
        assertThat(estimator.maxOutputTokens(
                        "amazon.nova-lite-v1:0", BedrockRequests.prompt(BedrockOperation.INVOKE_STREAM, nova1), nova1))
                .isEqualTo(300);
        assertThat(estimator.maxOutputTokens(
                        nova2, BedrockRequests.prompt(BedrockOperation.INVOKE, uncapped), uncapped))
                .isEqualTo(OutputLimits.maxOutputTokens(nova2, 4096));
    }
}
