package dev.spendgate.function.proxy.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.function.proxy.usage.GoogleOptions;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;

/**
 * The tokens a Gemini context cache bills into a chat call that names it ({@code google.cached_content}, {@link
 * GoogleOptions}): Google bills the cached tokens as part of the prompt, at the cache rate (its caching guide). When
 * such a call's stream ends before any usage came, the gateway estimates its input as the body's plus the cache's, as
 * the provider reported the cache's tokens ({@code cached_tokens}) on an earlier call naming it through this gateway;
 * a lower bound, as {@link StoredChains} is for a stored response. Kept in memory, the most recent {@value
 * #MAX_CACHES} caches: a cache first used before a restart or through another instance is not known, and its estimate
 * counts the body alone.
 */
final class GeminiCaches {
    /** Caches remembered (about 150 bytes each: ~3 MB at most). */
    static final int MAX_CACHES = 20_000;

    /** The longest cache name remembered; Gemini's are {@code cachedContents/} and a short id. */
    private static final int MAX_NAME_LENGTH = 256;

    private final Map<String, Long> cachedTokens = new LinkedHashMap<>(1_024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
            return size() > MAX_CACHES;
        }
    };

    /** Remembers the cached tokens the provider reported for a call whose body names a cache. */
    void remember(JsonNode body, TokenUsage reported) {
        String name = cacheName(body);
        if (name == null || reported == null || reported.cachedInputTokens() <= 0) {
            return;
        }
        synchronized (cachedTokens) {
            cachedTokens.put(name, reported.cachedInputTokens());
        }
    }

    /** The tokens the cache a body names bills into it; empty when it names none or the cache is not known. */
    OptionalLong cachedInto(JsonNode body) {
        String name = cacheName(body);
        if (name == null) {
            return OptionalLong.empty();
        }
        Long cached;
        synchronized (cachedTokens) {
            cached = cachedTokens.get(name);
        }
        return cached == null ? OptionalLong.empty() : OptionalLong.of(cached);
    }

    private static String cacheName(JsonNode body) {
        JsonNode name = GoogleOptions.get(body, "cached_content");
        return name.isTextual() && !name.asText().isBlank() && name.asText().length() <= MAX_NAME_LENGTH
                ? name.asText()
                : null;
    }
}
