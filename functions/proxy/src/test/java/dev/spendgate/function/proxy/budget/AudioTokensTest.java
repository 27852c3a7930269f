package dev.spendgate.function.proxy.budget;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * A minute of the leanest speech codec (6 kbit/s: 45,000 bytes) is bounded above what each provider bills for it:
 * Gemini 32 tokens a second, 1,920 a minute, on Google's API or by its id through another provider; others about 10
 * a second, 600 a minute.
 */
class AudioTokensTest {
    @Test
    void aMinuteAtSixKilobitsASecond_isBoundedAboveWhatEachProviderBills() {
        long minute = 60 * AudioTokens.LEANEST_CODEC_BYTES_PER_SECOND;

        assertThat(AudioTokens.of(minute, "gemini-2.5-flash", "gemini"))
                .isEqualTo(2_250)
                .isGreaterThan(1_920);
        assertThat(AudioTokens.of(minute, "google/gemini-2.5-flash", "openrouter"))
                .isEqualTo(2_250);
        assertThat(AudioTokens.of(minute, "gpt-4o-audio-preview", "openai"))
                .isEqualTo(900)
                .isGreaterThan(600);
        assertThat(AudioTokens.of(10, "gpt-4o-audio-preview", "openai")).isEqualTo(1);
    }
}
