package dev.spendgate.function.proxy.budget;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.function.proxy.upstream.Endpoint;
import dev.spendgate.function.proxy.usage.PromptText;
import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

/**
 * OpenAI's embeddings endpoint takes {@code input} as a string, an array of strings, an array of token ids (one input)
 * or an array of token-id arrays, and bills the input tokens alone: one token per id, no chat framing. The worst case
 * a budget reserves (and the input an answer without usage is estimated at) must not bill a token array several times
 * over.
 */
class EmbeddingTokenIdsReviewTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final CostEstimator estimator = new CostEstimator(PricingCatalog.bundled(), 4096);

    private static ObjectNode tokenIds(int count, boolean nested) {
        ObjectNode body = JSON.createObjectNode().put("model", "text-embedding-3-large");
        ArrayNode ids = JSON.createArrayNode();
        for (int i = 0; i < count; i++) {
            ids.add(1000 + i);
        }
        if (nested) {
            body.putArray("input").add(ids);
        } else {
            body.set("input", ids);
        }
        return body;
    }

    @Test
    void embeddingsTokenArray_isReservedAtItsTokensNotThreeFramingTokensPerId() {
        JsonNode flat = tokenIds(8_000, false); // one input of 8,000 token ids: OpenAI bills 8,000 tokens
        JsonNode nested = tokenIds(8_000, true); // the same ids as the one array of an array of inputs

        TokenUsage worstFlat = estimator.worstCase(
                "openai",
                "text-embedding-3-large",
                Endpoint.EMBEDDINGS,
                PromptText.of(Endpoint.EMBEDDINGS, flat),
                flat);
        TokenUsage worstNested = estimator.worstCase(
                "openai",
                "text-embedding-3-large",
                Endpoint.EMBEDDINGS,
                PromptText.of(Endpoint.EMBEDDINGS, nested),
                nested);
        long estimatedFlat = estimator.billedInputTokens(
                "openai", "text-embedding-3-large", PromptText.of(Endpoint.EMBEDDINGS, flat), flat);
        BigDecimal reservedFlat = estimator
                .estimate(
                        "openai",
                        "text-embedding-3-large",
                        Endpoint.EMBEDDINGS,
                        PromptText.of(Endpoint.EMBEDDINGS, flat),
                        flat)
                .orElseThrow();

        // the nested form is reserved at the ids plus a few framing tokens ...
        assertThat(worstNested.inputTokens()).isBetween(8_000L, 8_010L);
        // ... and so must the flat form be, which is the same single input; on main each id counts as a "message"
        // with 3 framing tokens: 8,000 + 3 x 8,001 = 32,003 tokens, $0.00416 reserved for a $0.00104 call
        assertThat(worstFlat.inputTokens()).isBetween(8_000L, 8_010L);
        assertThat(estimatedFlat).isBetween(8_000L, 8_010L);
        assertThat(reservedFlat).isLessThan(new BigDecimal("0.0011")); // 8,000 x $0.13 per 1M = $0.00104
    }

    @Test
    void embeddingsStringArray_isReservedAtItsTokensNotThreeFramingTokensPerString() {
        ObjectNode body = JSON.createObjectNode().put("model", "text-embedding-3-large");
        ArrayNode inputs = body.putArray("input");
        for (int i = 0; i < 2_048; i++) {
            inputs.add("hello"); // one token each: OpenAI bills 2,048 tokens for the batch
        }

        TokenUsage worst = estimator.worstCase(
                "openai",
                "text-embedding-3-large",
                Endpoint.EMBEDDINGS,
                PromptText.of(Endpoint.EMBEDDINGS, body),
                body);
        long estimated = estimator.billedInputTokens(
                "openai", "text-embedding-3-large", PromptText.of(Endpoint.EMBEDDINGS, body), body);

        // on main 2,048 + 3 x 2,049 = 8,195 tokens
        assertThat(worst.inputTokens()).isBetween(2_048L, 2_058L);
        assertThat(estimated).isBetween(2_048L, 2_058L);
    }
}
