package dev.spendgate.domain.cache;

import dev.spendgate.domain.pricing.TokenUsage;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.Objects;

/**
 * A provider's successful answer kept by the response cache: the non-streamed JSON body (a streamed answer is kept
 * assembled into that shape, so either kind of call can be served from it), what the provider said it ran, the tokens
 * and the cost the original call paid, which a hit records as {@code saved_usd}.
 *
 * @param key the exact cache key ({@link CacheKeys})
 * @param feature the feature whose size limit the entry counts against
 */
public record CachedAnswer(
        String key,
        String feature,
        String endpoint,
        String provider,
        String modelServed,
        byte[] body,
        TokenUsage tokens,
        BigDecimal costUsd,
        Instant storedAt,
        Instant expiresAt) {

    public CachedAnswer {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(feature, "feature");
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(tokens, "tokens");
        Objects.requireNonNull(storedAt, "storedAt");
        Objects.requireNonNull(expiresAt, "expiresAt");
    }

    public boolean expiredAt(Instant now) {
        return !now.isBefore(expiresAt);
    }
}
