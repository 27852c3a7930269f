package dev.spendgate.domain.pricing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * An uncapped call reserves the model's maximum output (README "Worst-case estimate"); a model without a row in
 * {@code output-limits.csv} reserves {@code SPENDGATE_DEFAULT_MAX_OUTPUT_TOKENS} (4,096) instead, which a thinking
 * model answering 65,536 tokens overspends 16 times. So every chat model the bundled catalog prices (an output price
 * above zero; embeddings bill no output) has a row, or is a Claude id, which gets the largest Claude maximum.
 */
class OutputLimitsCoverageTest {

    @Test
    void everyPricedChatModelOfTheBundledCatalog_hasAnOutputLimit() {
        List<String> missing = new ArrayList<>();
        for (ModelPrice price : PricingCatalog.bundled().entries()) {
            if (price.output().signum() == 0) {
                continue;
            }
            List<String> ids = new ArrayList<>(price.aliases());
            ids.add(price.model());
            for (String id : ids) {
                if (!OutputLimits.listed(id) && !id.contains("claude")) {
                    missing.add(price.provider() + "/" + id);
                }
            }
        }

        assertThat(missing)
                .as("priced chat models without a row in output-limits.csv")
                .isEmpty();
    }

    @Test
    void maxOutputTokens_geminiNovaTwoAndGptOss_areTheirProvidersFigures() {
        assertThat(OutputLimits.maxOutputTokens("gemini-2.5-pro", 4096)).isEqualTo(65_536);
        assertThat(OutputLimits.maxOutputTokens("gemini-3.1-flash-lite", 4096)).isEqualTo(65_536);
        assertThat(OutputLimits.maxOutputTokens("global.amazon.nova-2-lite-v1:0", 4096))
                .isEqualTo(65_536);
        assertThat(OutputLimits.maxOutputTokens("openai.gpt-oss-20b-1:0", 4096)).isEqualTo(128_000);
        // a Claude id the table does not list still gets the largest Claude maximum
        assertThat(OutputLimits.maxOutputTokens("claude-fable-5", 4096)).isEqualTo(128_000);
    }
}
