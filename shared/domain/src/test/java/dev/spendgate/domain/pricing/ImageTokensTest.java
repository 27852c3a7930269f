package dev.spendgate.domain.pricing;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * A request's images are reserved at the most one image bills on its model: Claude Opus 4.7 reads images up to 2,576
 * px on the long edge (4,784 tokens for a 2576 x 1456 px image), earlier Claude models scale them down to about 1,600
 * tokens (Anthropic's vision guide).
 */
class ImageTokensTest {

    @Test
    void maxTokens_isTheBoundOfTheModelsLargestImage() {
        assertThat(ImageTokens.maxTokens("claude-opus-4-7")).isEqualTo(4_784);
        assertThat(ImageTokens.maxTokens("us.anthropic.claude-opus-4-7-v1:0")).isEqualTo(4_784);
        assertThat(ImageTokens.maxTokens("claude-opus-4-6")).isEqualTo(1_600);
        assertThat(ImageTokens.maxTokens("claude-sonnet-4-5-20250929")).isEqualTo(1_600);
        // a Claude model the table does not list (later than Opus 4.7) reads at least as much
        assertThat(ImageTokens.maxTokens("claude-opus-5")).isEqualTo(4_784);
        assertThat(ImageTokens.maxTokens("claude-sonnet-5")).isEqualTo(4_784);
        assertThat(ImageTokens.maxTokens("gpt-4o-mini-2024-07-18")).isEqualTo(48_200);
        assertThat(ImageTokens.maxTokens("gpt-4o")).isEqualTo(ImageTokens.UNLISTED);
        assertThat(ImageTokens.maxTokens("gemini-2.5-pro")).isEqualTo(ImageTokens.UNLISTED);
    }
}
