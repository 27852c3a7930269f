package dev.spendgate.domain.pricing;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PromptCacheMinimumsTest {

    @Test
    void minimumTokens_documentedModels_resolveFromDatedAndBedrockIds() {
        assertThat(PromptCacheMinimums.minimumTokens("claude-haiku-4-5")).hasValue(4_096);
        assertThat(PromptCacheMinimums.minimumTokens("claude-opus-4-1-20250805"))
                .hasValue(1_024);
        assertThat(PromptCacheMinimums.minimumTokens("claude-opus-4-20250514")).hasValue(1_024);
        assertThat(PromptCacheMinimums.minimumTokens("global.anthropic.claude-haiku-4-5-20251001-v1:0"))
                .hasValue(4_096);
        assertThat(PromptCacheMinimums.minimumTokens("anthropic.claude-3-5-haiku-20241022-v1:0"))
                .hasValue(2_048);
    }

    @Test
    void minimumTokens_modelsTheDocsDoNotGive_haveNone() {
        assertThat(PromptCacheMinimums.minimumTokens("claude-opus-4-9")).isEmpty();
        assertThat(PromptCacheMinimums.minimumTokens("gpt-4o-mini")).isEmpty();
        assertThat(PromptCacheMinimums.minimumTokens(null)).isEmpty();
    }

    @Test
    void onModel_prefixBelowTheMinimum_isPlainInput() {
        TokenUsage read = new TokenUsage(3_000, 2_000, 0, 0, 500, 0);

        assertThat(PromptCacheMinimums.onModel("claude-haiku-4-5", read))
                .isEqualTo(new TokenUsage(3_000, 0, 0, 0, 500, 0));
        assertThat(PromptCacheMinimums.onModel("claude-sonnet-4-5", read)).isEqualTo(read);
        assertThat(PromptCacheMinimums.onModel("claude-haiku-4-5", new TokenUsage(6_000, 2_000, 3_000, 0, 500, 0)))
                .as("reads and writes together reach 4,096")
                .isEqualTo(new TokenUsage(6_000, 2_000, 3_000, 0, 500, 0));
    }
}
