package dev.spendgate.function.proxy.budget;

import java.util.Locale;

/**
 * The most input tokens a provider bills for a clip of audio, from its decoded size (the body says nothing of its
 * duration), assuming no speech codec a provider takes goes below {@value #LEANEST_CODEC_BYTES_PER_SECOND} bytes a second
 * (6 kbit/s, the lowest Opus rate; an 8 kbit/s MP3 takes 1,000):
 *
 * <ul>
 *   <li>Gemini bills 32 tokens a second whatever the codec ("Gemini represents each second of audio as 32 tokens; for
 *       example, one minute of audio is represented as 1,920 tokens", ai.google.dev/gemini-api/docs/audio): one token
 *       per {@value #GEMINI_BYTES_PER_TOKEN} bytes (750 bytes a second / 32 tokens is 23.4, less a margin);
 *   <li>other providers bill about 10 audio tokens a second (OpenAI: one per 100 ms): one token per {@value
 *       #BYTES_PER_TOKEN} bytes, 20 a second at 1 KB a second.
 * </ul>
 */
final class AudioTokens {
    static final long LEANEST_CODEC_BYTES_PER_SECOND = 750;
    static final long BYTES_PER_TOKEN = 50;
    static final long GEMINI_BYTES_PER_TOKEN = 20;

    private AudioTokens() {}

    /** The bound for {@code decodedBytes} of audio sent to {@code model} (priced as {@code pricingProvider}). */
    static long of(long decodedBytes, String model, String pricingProvider) {
        long perToken = gemini(model, pricingProvider) ? GEMINI_BYTES_PER_TOKEN : BYTES_PER_TOKEN;
        return Math.max(1, decodedBytes / perToken);
    }

    /** A Gemini model: on Google's own API, or by its id elsewhere (OpenRouter's {@code google/gemini-...}). */
    private static boolean gemini(String model, String pricingProvider) {
        return "gemini".equals(pricingProvider)
                || (model != null && model.toLowerCase(Locale.ROOT).contains("gemini"));
    }
}
