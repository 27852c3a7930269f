package dev.spendgate.function.proxy.usage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.pricing.CallPricer;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.function.proxy.upstream.Endpoint;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * README "Pricing", "Zero is zero, unknown is unknown": usage the provider reported as zero costs 0, and a count the
 * provider did not give is unknown, not zero. README "Usage record": {@code usage_source} is {@code provider} only for
 * the provider's own counts; a call whose counts are missing is {@code estimated}. An answer that generated text but
 * whose {@code usage} counts are JSON {@code null} (as OpenAI-compatible servers send when they did not count) was
 * billed by the provider; the gateway must estimate it, not record it as provider usage priced at exactly $0.
 *
 * <p>Each answer is read by the tracker the gateway uses for the endpoint and priced as {@code pipeline.Price} does
 * for a usage the tracker calls complete (providerReported = complete, usage_source provider).
 */
class NullUsageCountsReviewTest {
    private static final Instant CALL_DAY = Instant.parse("2026-12-01T12:00:00Z");

    private static TrackedUsage body(Endpoint endpoint, String body) {
        UsageTracker tracker = UsageTracker.forEndpoint(endpoint);
        tracker.onBody(body.getBytes(StandardCharsets.UTF_8));
        return tracker.result();
    }

    /** What pipeline.Price records: the tracker's tokens as provider usage when complete. */
    private static String recorded(String provider, String model, TrackedUsage u) {
        if (!u.complete()) {
            return "estimated";
        }
        CallPricer.Priced priced = CallPricer.create(PricingCatalog.bundled())
                .price(new CallPricer.Call(
                        provider, u.modelServed(), model, u.tokens(), true, u.serviceTier(), null, null, CALL_DAY));
        return "provider usage at $"
                + (priced.cost() == null ? "null" : priced.cost().toPlainString());
    }

    @Test
    void chatCompletion_withNullUsageCounts_isEstimatedNotPricedAtZero() {
        TrackedUsage u = body(Endpoint.CHAT_COMPLETIONS, """
                {"id":"chatcmpl-1","object":"chat.completion","model":"gpt-4o-2024-08-06","choices":[{"index":0,\
                "message":{"role":"assistant","content":"Here is a long and billed answer to your question."},\
                "finish_reason":"stop"}],"usage":{"prompt_tokens":null,"completion_tokens":null,\
                "total_tokens":null}}""");

        // gpt-4o bills $2.50 / $10 per 1M tokens (platform.openai.com/docs/pricing): an answer was generated and
        // billed, so its cost is unknown until estimated, never a provider-reported $0.
        assertThat(recorded("openai", "gpt-4o", u)).isEqualTo("estimated");
    }

    @Test
    void responses_withNullUsageCounts_isEstimatedNotPricedAtZero() {
        TrackedUsage u = body(Endpoint.RESPONSES, """
                {"id":"resp_1","object":"response","status":"completed","model":"gpt-5-mini-2025-08-07",\
                "output":[{"type":"message","id":"msg_1","role":"assistant","content":[{"type":"output_text",\
                "text":"Here is a long and billed answer to your question."}]}],\
                "usage":{"input_tokens":null,"output_tokens":null,"total_tokens":null}}""");

        assertThat(recorded("openai", "gpt-5-mini", u)).isEqualTo("estimated");
    }

    @Test
    void anthropicMessage_withNullUsageCounts_isEstimatedNotPricedAtZero() {
        TrackedUsage u = body(Endpoint.MESSAGES, """
                {"id":"msg_01","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929",\
                "content":[{"type":"text","text":"Here is a long and billed answer to your question."}],\
                "stop_reason":"end_turn","usage":{"input_tokens":null,"output_tokens":null}}""");

        // claude-sonnet-4-5 bills $3 / $15 per 1M tokens (docs.anthropic.com/en/docs/about-claude/pricing)
        assertThat(recorded("anthropic", "claude-sonnet-4-5", u)).isEqualTo("estimated");
    }

    @Test
    void control_zeroCountsReportedAsZero_areProviderUsageAtZero() {
        // the README's rule the defect must not break: counts the provider gave as 0 cost exactly $0
        TrackedUsage u = body(Endpoint.CHAT_COMPLETIONS, """
                {"model":"gpt-4o","choices":[],"usage":{"prompt_tokens":0,"completion_tokens":0,"total_tokens":0}}""");

        assertThat(recorded("openai", "gpt-4o", u)).isEqualTo("provider usage at $0");
    }
}
