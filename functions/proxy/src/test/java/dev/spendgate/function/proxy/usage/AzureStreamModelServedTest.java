package dev.spendgate.function.proxy.usage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.pricing.CallPricer;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.function.proxy.upstream.Endpoint;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * Azure OpenAI opens every streamed chat completion with a content-filter chunk that has no model
 * ({@code "model":""}, {@code "choices":[]}, {@code prompt_filter_results}); the model it served is in the chunks
 * after it. The record's {@code model_served} and the price must come from the served model, as they do for the same
 * call unstreamed (README: Azure calls "price at OpenAI list prices by the model Azure reports").
 */
class AzureStreamModelServedTest {

    private static final String AZURE_STREAM = """
            data: {"choices":[],"created":0,"id":"","model":"","object":"","prompt_filter_results":[{"prompt_index":0,\
            "content_filter_results":{"hate":{"filtered":false,"severity":"safe"}}}]}

            data: {"choices":[{"content_filter_results":{},"delta":{"content":"","role":"assistant"},\
            "finish_reason":null,"index":0}],"created":1796328465,"id":"chatcmpl-1","model":"gpt-4o-2024-08-06",\
            "object":"chat.completion.chunk","system_fingerprint":"fp_1","usage":null}

            data: {"choices":[{"content_filter_results":{"hate":{"filtered":false,"severity":"safe"}},\
            "delta":{"content":"Hello"},"finish_reason":null,"index":0}],"created":1796328465,"id":"chatcmpl-1",\
            "model":"gpt-4o-2024-08-06","object":"chat.completion.chunk","usage":null}

            data: {"choices":[{"content_filter_results":{},"delta":{},"finish_reason":"stop","index":0}],\
            "created":1796328465,"id":"chatcmpl-1","model":"gpt-4o-2024-08-06","object":"chat.completion.chunk",\
            "usage":null}

            data: {"choices":[],"created":1796328465,"id":"chatcmpl-1","model":"gpt-4o-2024-08-06",\
            "object":"chat.completion.chunk","usage":{"completion_tokens":1000,"prompt_tokens":1000,\
            "total_tokens":2000}}

            data: [DONE]

            """;

    private static TrackedUsage stream(String sse) {
        UsageTracker tracker = UsageTracker.forEndpoint(Endpoint.CHAT_COMPLETIONS);
        byte[] bytes = sse.getBytes(StandardCharsets.UTF_8);
        new SseDecoder(tracker).feed(bytes, 0, bytes.length);
        return tracker.result();
    }

    @Test
    void azureChatStream_contentFilterChunkFirst_modelServedIsTheModelAzureRan() {
        TrackedUsage u = stream(AZURE_STREAM);

        assertThat(u.complete()).isTrue();
        assertThat(u.modelServed()).isEqualTo("gpt-4o-2024-08-06");
    }

    @Test
    void azureChatStream_clientNamesItsDeployment_pricedByTheServedModelAsUnstreamed() {
        // the client names the deployment ("prod-chat", not in the catalog); Azure reports the model it ran
        TrackedUsage u = stream(AZURE_STREAM);

        CallPricer.Priced priced = CallPricer.create(PricingCatalog.bundled())
                .price(new CallPricer.Call(
                        "openai",
                        u.modelServed(),
                        "prod-chat",
                        u.tokens(),
                        u.complete(),
                        u.serviceTier(),
                        null,
                        u.inferenceGeo(),
                        Instant.parse("2026-12-01T00:00:00Z")));

        // gpt-4o: 1000 x $2.50 + 1000 x $10.00 per 1M
        assertThat(priced.priced()).as(priced.reason()).isTrue();
        assertThat(priced.cost()).isEqualByComparingTo("0.0125");
    }
}
