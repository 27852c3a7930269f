package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.budget.BudgetPeriod;
import dev.spendgate.domain.budget.BudgetPolicy;
import dev.spendgate.domain.budget.BudgetScope;
import dev.spendgate.domain.usage.UsageRecord;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * OpenAI's Responses API runs the {@code image_generation} built-in tool and bills each image at the GPT Image
 * model's image-output rate on top of the mainline model's tokens: gpt-image-1 at $40 per 1M image tokens, 1,056
 * tokens for a 1024x1024 medium image ($0.042), 6,208 for a 1536x1024 high one ($0.25)
 * (platform.openai.com/docs/guides/tools-image-generation and /docs/pricing, "Image generation"). The gateway records
 * such a call {@code unpriced} (README "Pricing") and keeps its worst case as the budget's spend; the worst case a
 * {@code block} budget reserves before the call must therefore bound the images, or the budget admits image spend it
 * never counts.
 */
class ResponsesImageGenerationBudgetReviewIT {
    private static final BigDecimal LIMIT = new BigDecimal("0.02");

    @TempDir
    Path dir;

    private ScriptedUpstream upstream;
    private GatewayFixture gw;

    @AfterEach
    void stop() throws IOException {
        if (gw != null) {
            gw.close();
        }
        if (upstream != null) {
            upstream.close();
        }
    }

    @Test
    @Timeout(60)
    void responsesCallWithImageGenerationTool_isNotAdmittedByABudgetSmallerThanOneImage() throws IOException {
        String answer = "{\"id\":\"resp_1\",\"object\":\"response\",\"created_at\":1796328465,\"status\":\"completed\","
                + "\"model\":\"gpt-5-nano-2025-08-07\",\"service_tier\":\"default\",\"output\":["
                + "{\"id\":\"ig_1\",\"type\":\"image_generation_call\",\"status\":\"completed\",\"background\":\"opaque\","
                + "\"output_format\":\"png\",\"quality\":\"medium\",\"size\":\"1024x1024\",\"revised_prompt\":\"A cat\","
                + "\"result\":\"iVBORw0KGgoAAAANSUhEUgAAAAEAAAAB\"},"
                + "{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"status\":\"completed\",\"content\":"
                + "[{\"type\":\"output_text\",\"text\":\"Here is your cat.\",\"annotations\":[]}]}],"
                + "\"usage\":{\"input_tokens\":40,\"input_tokens_details\":{\"cached_tokens\":0},\"output_tokens\":60,"
                + "\"output_tokens_details\":{\"reasoning_tokens\":32},\"total_tokens\":100}}";
        byte[] body = answer.getBytes(StandardCharsets.UTF_8);
        upstream = new ScriptedUpstream(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n",
                List.of(body));
        gw = GatewayFixture.embedded(dir, Map.of("SPENDGATE_OPENAI_BASE_URL", upstream.base() + "/v1"));
        gw.runtime
                .budgetStores()
                .policies()
                .put(new BudgetPolicy(
                        BudgetScope.parse("feature:illustrations"),
                        BudgetPeriod.MONTHLY,
                        LIMIT,
                        BudgetPolicy.Mode.BLOCK,
                        null,
                        null,
                        null));

        HttpResponse<String> response =
                gw.send(gw.post("/v1/responses", """
                        {"model":"gpt-5-nano","max_output_tokens":200,"input":"Draw a cat.",\
                        "tools":[{"type":"image_generation"}]}""").header("X-Cost-Feature", "illustrations"));

        if (response.statusCode() == 429) {
            return; // refused: the worst case counted at least one image
        }
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        UsageRecord record = gw.record(
                response.headers().firstValue(Gateway.REQUEST_ID_HEADER).orElseThrow());
        // OpenAI bills 40 x $0.05 + 60 x $0.40 per 1M = $0.000026 of tokens and $0.04224 for the image; the gateway
        // reserved about $0.0001 (200 output tokens at $0.40 per 1M), records the call unpriced and keeps that as spent
        assertThat(record.pricingStatus()).isEqualTo(UsageRecord.PricingStatus.UNPRICED);
        assertThat(response.statusCode())
                .as("a call whose image alone ($0.042) exceeds the $%s budget, admitted with nothing spent", LIMIT)
                .isEqualTo(429);
    }
}
