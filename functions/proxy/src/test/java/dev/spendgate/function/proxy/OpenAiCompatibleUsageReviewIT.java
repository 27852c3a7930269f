package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageRecord.UsageSource;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * OpenAI-compatible providers configured as the README's "More OpenAI-compatible providers" shows, priced through
 * the overrides file, each answering with its own documented usage shape:
 *
 * <ul>
 *   <li>xAI (Grok): "The reasoning token count is outputted in the reasoning_tokens field, separated from the
 *       completion_tokens" (Grok reasoning guide); reasoning is billed as output, and {@code total_tokens} is
 *       prompt + completion + reasoning.
 *   <li>DeepSeek: cache hits are reported as {@code prompt_cache_hit_tokens} / {@code prompt_cache_miss_tokens}
 *       (DeepSeek "Context caching" guide: "prompt_cache_hit_tokens: the number of tokens in the input of this
 *       request that resulted in a cache hit"), not OpenAI's {@code prompt_tokens_details.cached_tokens}; hits are
 *       billed at the cache-hit rate.
 * </ul>
 */
class OpenAiCompatibleUsageReviewIT {
    @TempDir
    Path dir;

    HttpServer upstream;
    GatewayFixture gw;

    @BeforeEach
    void start() throws IOException {
        upstream = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        upstream.createContext("/xai/v1/chat/completions", exchange -> {
            exchange.getRequestBody().readAllBytes();
            reply(
                    exchange,
                    "{\"id\":\"x1\",\"object\":\"chat.completion\",\"created\":1796328465,\"model\":\"grok-4\","
                            + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":"
                            + "\"Traffic doubled.\"},\"finish_reason\":\"stop\"}],"
                            + "\"usage\":{\"prompt_tokens\":1000,\"completion_tokens\":50,\"total_tokens\":2000,"
                            + "\"prompt_tokens_details\":{\"text_tokens\":1000,\"audio_tokens\":0,"
                            + "\"image_tokens\":0,\"cached_tokens\":0},"
                            + "\"completion_tokens_details\":{\"reasoning_tokens\":950,\"audio_tokens\":0,"
                            + "\"accepted_prediction_tokens\":0,\"rejected_prediction_tokens\":0}}}");
        });
        upstream.createContext("/deepseek/v1/chat/completions", exchange -> {
            exchange.getRequestBody().readAllBytes();
            reply(
                    exchange,
                    "{\"id\":\"d1\",\"object\":\"chat.completion\",\"created\":1796328465,"
                            + "\"model\":\"deepseek-chat\",\"choices\":[{\"index\":0,\"message\":{\"role\":"
                            + "\"assistant\",\"content\":\"Traffic doubled.\"},\"finish_reason\":\"stop\"}],"
                            + "\"usage\":{\"prompt_tokens\":10000,\"completion_tokens\":100,"
                            + "\"total_tokens\":10100,\"prompt_cache_hit_tokens\":8000,"
                            + "\"prompt_cache_miss_tokens\":2000}}");
        });
        upstream.createContext("/gemini/v1beta/openai/chat/completions", exchange -> {
            exchange.getRequestBody().readAllBytes();
            reply(
                    exchange,
                    "{\"choices\":[{\"finish_reason\":\"stop\",\"index\":0,\"message\":{\"content\":"
                            + "\"Traffic doubled.\",\"role\":\"assistant\"}}],\"created\":1796328465,"
                            + "\"id\":\"g1\",\"model\":\"gemini-3-flash-preview\",\"object\":\"chat.completion\","
                            + "\"usage\":{\"completion_tokens\":100,\"prompt_tokens\":1000,"
                            + "\"total_tokens\":2100}}");
        });
        upstream.start();
        String base = "http://127.0.0.1:" + upstream.getAddress().getPort();
        Path providers = dir.resolve("providers.json");
        Files.writeString(
                providers,
                "[{\"name\":\"xai\",\"format\":\"openai\",\"base_url\":\"" + base + "/xai/v1\","
                        + "\"api_key_env\":\"XAI_API_KEY\",\"models\":[\"grok-*\"]},"
                        + "{\"name\":\"deepseek\",\"format\":\"openai\",\"base_url\":\"" + base + "/deepseek/v1\","
                        + "\"api_key_env\":\"DEEPSEEK_API_KEY\",\"models\":[\"deepseek-*\"]},"
                        + "{\"name\":\"gemini\",\"format\":\"openai\",\"base_url\":\"" + base
                        + "/gemini/v1beta/openai\",\"api_key_env\":\"GEMINI_API_KEY\",\"models\":[\"gemini-*\"]}]");
        Path overrides = dir.resolve("prices.json");
        Files.writeString(
                overrides,
                "{\"models\":["
                        + "{\"provider\":\"xai\",\"model\":\"grok-4\",\"input\":\"3.00\",\"cached_input\":\"0.75\","
                        + "\"output\":\"15.00\"},"
                        + "{\"provider\":\"deepseek\",\"model\":\"deepseek-chat\",\"input\":\"0.28\","
                        + "\"cached_input\":\"0.028\",\"output\":\"0.42\"}]}");
        gw = GatewayFixture.embedded(
                dir,
                Map.of(
                        "SPENDGATE_PROVIDERS_FILE",
                        providers.toString(),
                        "XAI_API_KEY",
                        "xai-key",
                        "GEMINI_API_KEY",
                        "gemini-key",
                        "DEEPSEEK_API_KEY",
                        "deepseek-key",
                        "SPENDGATE_PRICING_OVERRIDES",
                        overrides.toString()));
    }

    @AfterEach
    void stop() {
        if (gw != null) {
            gw.close();
        }
        upstream.stop(0);
    }

    @Test
    void xai_reasoningTokensBesideCompletionTokens_billedAsOutput() {
        HttpResponse<String> response = gw.send(gw.post(
                "/v1/chat/completions",
                "{\"model\":\"grok-4\",\"messages\":[{\"role\":\"user\",\"content\":\"Why did the bill double?\"}]}"));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        UsageRecord r = gw.awaitRecords(1).get(0);
        assertThat(r.usageSource()).isEqualTo(UsageSource.PROVIDER);
        assertThat(r.tokens().outputTokens())
                .as("50 answer tokens + 950 reasoning tokens, as total_tokens 2000 - prompt 1000 says")
                .isEqualTo(1000);
        // 1000 x $3.00 + (50 + 950) x $15.00 per 1M
        assertThat(r.costUsd()).isEqualByComparingTo(new BigDecimal("0.018"));
    }

    @Test
    void deepseek_promptCacheHitTokens_pricedAtTheCacheHitRate() {
        HttpResponse<String> response = gw.send(gw.post(
                "/v1/chat/completions",
                "{\"model\":\"deepseek-chat\",\"messages\":[{\"role\":\"user\",\"content\":\"Why did the bill"
                        + " double?\"}]}"));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        UsageRecord r = gw.awaitRecords(1).get(0);
        assertThat(r.tokens().cachedInputTokens()).isEqualTo(8000);
        // 2000 x $0.28 + 8000 x $0.028 + 100 x $0.42 per 1M
        assertThat(r.costUsd()).isEqualByComparingTo(new BigDecimal("0.000826"));
    }

    /**
     * Gemini's OpenAI compatibility endpoint reports a thinking model's thought tokens in neither
     * {@code completion_tokens} nor {@code reasoning_tokens}: only {@code total_tokens} holds them (prompt 1000 +
     * answer 100 + 1000 thoughts = 2100; Google AI developer forum "endpoint .../v1beta/openai/chat/completions is not
     * compliant": "completion_tokens, prompt_tokens, and total_tokens do not add up"). Gemini bills thinking tokens
     * as output (ai.google.dev pricing: "Output price (including thinking tokens)"); the bundled catalog prices
     * gemini-3-flash-preview at $0.50 in / $3.00 out.
     */
    @Test
    void gemini_thinkingTokensOnlyInTotalTokens_billedAsOutput() {
        HttpResponse<String> response = gw.send(gw.post(
                "/v1/chat/completions",
                "{\"model\":\"gemini-3-flash-preview\",\"messages\":[{\"role\":\"user\",\"content\":"
                        + "\"Why did the bill double?\"}]}"));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        UsageRecord r = gw.awaitRecords(1).get(0);
        assertThat(r.tokens().outputTokens())
                .as("100 answer tokens + 1000 thinking tokens (total 2100 - prompt 1000)")
                .isEqualTo(1100);
        // 1000 x $0.50 + 1100 x $3.00 per 1M
        assertThat(r.costUsd()).isEqualByComparingTo(new BigDecimal("0.0038"));
    }

    private static void reply(com.sun.net.httpserver.HttpExchange exchange, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }
}
