package dev.spendgate.function.proxy.usage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.pricing.CallPricer;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.function.proxy.upstream.Endpoint;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * OpenAI's Responses API runs the {@code image_generation} built-in tool and returns each image as an
 * {@code image_generation_call} output item. The tool is billed on top of the mainline model's tokens, at the GPT
 * Image model's image-output rate: gpt-image-1 bills image output at $40 per 1M tokens, and a 1024x1024 image of
 * medium quality is 1,056 tokens, $0.042 (https://platform.openai.com/docs/guides/tools-image-generation and
 * https://platform.openai.com/docs/pricing, "Image generation"). The call's {@code usage} holds the mainline model's
 * tokens only. README "Pricing" sets the rule for per-call tool fees: a call that ran a billed tool the catalog has
 * no fee for is {@code unpriced}, "never priced at its tokens alone".
 */
class ImageGenerationToolReviewTest {
    private static final Instant CALL_DAY = Instant.parse("2026-12-01T12:00:00Z");

    @Test
    void responsesWithImageGenerationCall_isNotPricedAtItsTokensAlone() {
        UsageTracker tracker = UsageTracker.forEndpoint(Endpoint.RESPONSES);
        tracker.onBody("""
                {"id":"resp_1","object":"response","status":"completed","model":"gpt-5-2025-08-07",\
                "service_tier":"default","output":[{"id":"ig_1","type":"image_generation_call","status":"completed",\
                "background":"opaque","output_format":"png","quality":"medium","size":"1024x1024",\
                "revised_prompt":"A grey tabby cat hugging an otter","result":"iVBORw0KGgoAAAANSUhEUgAAAAEAAAAB"},\
                {"id":"msg_1","type":"message","role":"assistant","status":"completed","content":[{"type":"output_text",\
                "text":"Here is your image.","annotations":[]}]}],\
                "usage":{"input_tokens":1000,"input_tokens_details":{"cached_tokens":0},"output_tokens":100,\
                "output_tokens_details":{"reasoning_tokens":64},"total_tokens":1100}}""".getBytes(StandardCharsets.UTF_8));
        TrackedUsage u = tracker.result();
        assertThat(u.complete()).isTrue();

        CallPricer.Priced priced = CallPricer.create(PricingCatalog.bundled())
                .price(new CallPricer.Call(
                        "openai", u.modelServed(), "gpt-5", u.tokens(), true, u.serviceTier(), null, null, CALL_DAY));

        // tokens: 1,000 x $1.25 + 100 x $10 per 1M = $0.00225; the image: 1,056 x $40 per 1M = $0.04224.
        // OpenAI bills $0.04449; the call is either priced with the image or unpriced, never $0.00225.
        assertThat(priced.cost() == null || priced.cost().compareTo(new BigDecimal("0.04449")) >= 0)
                .as("recorded at $%s (%s)", priced.cost(), priced.reason())
                .isTrue();
    }
}
