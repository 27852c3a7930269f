package dev.spendgate.domain.pricing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * {@link BedrockPromptCaching} decides whether a feature's prompt caching rule marks a Bedrock prompt at all, and with
 * which TTL (the gateway adds no {@code cachePoint} for a model it does not list, and none when it plans a 1-hour
 * cache on a model it lists without one); the waste detector advises the 1-hour TTL by it too. Its own rule: Bedrock
 * caches prompts of Claude and Amazon Nova models, and keeps the 1-hour cache for the Claude 4.5 and later models.
 * The bundled catalog prices Bedrock cache reads for every Claude and Nova model below, and 1-hour cache writes
 * for the Claude ones (source https://aws.amazon.com/bedrock/pricing/): Bedrock caches them. The table matches by
 * name fragment and was not extended past Opus 4.6, so Opus 4.7 and 4.8 fall under {@code claude-opus-4} (no 1-hour
 * cache) and Opus 5, Sonnet 5, Fable 5 and Nova 2 Lite under nothing: a prompt caching rule never marks their
 * prompts, and every call pays the full input price for a prefix Bedrock would serve at a tenth.
 */
class BedrockPromptCachingCoverageReviewTest {

    @Test
    void everyBedrockModelTheCatalogPricesCacheReadsFor_isCachedAtTheTtlsItIsPricedFor() {
        List<String> wrong = new ArrayList<>();
        for (ModelPrice price : PricingCatalog.bundled().models()) {
            if (!"bedrock".equals(price.provider()) || price.cachedInput() == null) {
                continue;
            }
            Optional<BedrockPromptCaching.Support> support = BedrockPromptCaching.of(price.model());
            if (support.isEmpty()) {
                wrong.add(price.model() + ": not cached at all");
            } else if (price.cacheWrite1h() != null && !support.get().hourTtl()) {
                wrong.add(price.model() + ": no 1-hour cache, though priced at $" + price.cacheWrite1h() + " per 1M");
            }
        }
        assertThat(wrong).isEmpty();
    }
}
