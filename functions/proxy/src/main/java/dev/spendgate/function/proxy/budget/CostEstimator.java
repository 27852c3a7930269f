package dev.spendgate.function.proxy.budget;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spendgate.domain.pricing.ModelPrice;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.function.proxy.upstream.Endpoint;
import dev.spendgate.function.proxy.usage.PromptText;
import dev.spendgate.function.proxy.usage.TokenCounter;
import java.math.BigDecimal;
import java.util.Optional;

/**
 * The worst-case cost of a call, reserved before it is forwarded:
 *
 * <ul>
 *   <li>input: the prompt's real token count with jtokkit for OpenAI models, plus framing tokens per message; for
 *       other providers (tokenizer not public) the {@code o200k_base} count times {@value #FOREIGN_TOKENIZER_FACTOR},
 *       a margin for tokenizers that split English text finer; all at the full input price (no cache discount);
 *   <li>output: the request's {@code max_tokens} / {@code max_completion_tokens} / {@code max_output_tokens}, or the
 *       configured cap when it sets none, at the output price;
 *   <li>cache writes: when an Anthropic request marks content with {@code cache_control}, every input token at the
 *       cache-write price (1-hour when any mark asks for {@code ttl: 1h}).
 * </ul>
 *
 * Settlement replaces the estimate by the provider's figure, so the estimate only decides admission.
 */
public final class CostEstimator {
    /** Headroom for tokenizers other than OpenAI's, relative to {@code o200k_base}. */
    public static final String FOREIGN_TOKENIZER_FACTOR = "1.35";

    private final PricingCatalog pricing;
    private final long defaultMaxOutputTokens;

    public CostEstimator(PricingCatalog pricing, long defaultMaxOutputTokens) {
        this.pricing = pricing;
        this.defaultMaxOutputTokens = defaultMaxOutputTokens;
    }

    /** The worst-case cost on {@code model}, or empty when the model has no price. */
    public Optional<BigDecimal> estimate(
            String pricingProvider, String model, Endpoint endpoint, PromptText prompt, JsonNode body) {
        Optional<ModelPrice> price = pricing.find(pricingProvider, model);
        if (price.isEmpty()) {
            return Optional.empty();
        }
        long input = TokenCounter.count(model, prompt.full())
                + (long) TokenCounter.TOKENS_PER_MESSAGE * (prompt.messages() + 1);
        if (!"openai".equals(pricingProvider)) {
            input = new BigDecimal(input)
                    .multiply(new BigDecimal(FOREIGN_TOKENIZER_FACTOR))
                    .setScale(0, java.math.RoundingMode.CEILING)
                    .longValueExact();
        }
        long output = endpoint == Endpoint.EMBEDDINGS
                ? 0
                : prompt.maxOutputTokens() != null ? prompt.maxOutputTokens() : defaultMaxOutputTokens;
        TokenUsage worstCase;
        if (endpoint == Endpoint.MESSAGES && body.findValue("cache_control") != null) {
            boolean oneHour = body.findValues("ttl").stream().anyMatch(ttl -> "1h".equals(ttl.asText()));
            worstCase = new TokenUsage(input, 0, oneHour ? 0 : input, oneHour ? input : 0, output, 0);
        } else {
            worstCase = new TokenUsage(input, 0, 0, 0, output, 0);
        }
        return Optional.of(price.get().cost(worstCase));
    }
}
