package dev.spendgate.domain.cache;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.routing.CacheRule;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * The response cache's decisions: look a call up before it is admitted (a hit is answered without spending budget or
 * calling the provider), and keep a successful answer after it. Exact mode matches the normalised request
 * ({@link CacheKeys}); semantic mode also matches a question behind the identical shared prefix whose
 * {@link QuestionSimilarity} reaches the rule's threshold. A failing store never fails the call: the lookup is a miss
 * and {@link Lookup#storeError()} says why.
 */
public final class ResponseCache {
    /** At most this many questions are compared behind one shared prefix. */
    public static final int MAX_PER_PREFIX = 256;

    private final ResponseCacheStore store;
    private final Clock clock;

    public ResponseCache(ResponseCacheStore store, Clock clock) {
        this.store = Objects.requireNonNull(store, "store");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** What the record says: {@code hit}, {@code miss} or {@code bypass}. */
    public enum Outcome {
        HIT,
        MISS,
        BYPASS;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * The cache's answer for one call.
     *
     * @param answer on a hit, the kept answer
     * @param similarity on a semantic hit, the similarity of the two questions (1 for an exact hit)
     * @param reason on a bypass, why ({@code no-cache}, {@code temperature})
     * @param storeError the store's failure, when the lookup could not be made
     */
    public record Lookup(
            Outcome outcome,
            CachedAnswer answer,
            double similarity,
            String reason,
            String key,
            String prefixKey,
            QuestionSimilarity.Sketch sketch,
            RuntimeException storeError,
            Instant at) {

        public static Lookup bypass(String reason) {
            return new Lookup(Outcome.BYPASS, null, 0, reason, null, null, null, null, null);
        }

        /** This hit as a miss of the same keys: the call goes to the provider, and its answer may be kept anew. */
        public Lookup asMiss() {
            return new Lookup(Outcome.MISS, null, 0, null, key, prefixKey, sketch, null, at);
        }
    }

    /**
     * Looks the call up.
     *
     * @param keyDepartment the department stored on the calling key (not the header's), null when it has none
     * @param noCache the client sent {@code Cache-Control: no-cache} (or {@code no-store})
     * @param temperature the request's temperature, or null when it sets none
     */
    public Lookup lookup(
            CacheRule rule,
            String endpoint,
            JsonNode body,
            Attribution attribution,
            String keyId,
            String keyDepartment,
            boolean noCache,
            BigDecimal temperature) {
        if (noCache) {
            return Lookup.bypass("no-cache");
        }
        if (!rule.allowsTemperature(temperature)) {
            return Lookup.bypass("temperature");
        }
        Lookup keys = missAt(rule, endpoint, body, attribution, keyId, keyDepartment, clock.instant());
        String key = keys.key();
        String prefixKey = keys.prefixKey();
        QuestionSimilarity.Sketch sketch = keys.sketch();
        Instant now = keys.at();
        try {
            Optional<CachedAnswer> exact = store.get(key, now).filter(a -> servable(a, rule, now));
            if (exact.isPresent()) {
                return new Lookup(Outcome.HIT, exact.get(), 1, null, key, prefixKey, sketch, null, now);
            }
            if (prefixKey != null && !sketch.isEmpty()) {
                double threshold = rule.threshold().doubleValue();
                SemanticEntry best = null;
                double bestScore = 0;
                for (SemanticEntry e : store.similar(prefixKey, now)) {
                    double s = QuestionSimilarity.similarity(sketch, e.sketch());
                    if (s >= threshold && s > bestScore) {
                        best = e;
                        bestScore = s;
                    }
                }
                if (best != null) {
                    Optional<CachedAnswer> near = store.get(best.key(), now).filter(a -> servable(a, rule, now));
                    if (near.isPresent()) {
                        return new Lookup(Outcome.HIT, near.get(), bestScore, null, key, prefixKey, sketch, null, now);
                    }
                }
            }
        } catch (RuntimeException e) {
            return new Lookup(Outcome.MISS, null, 0, null, key, prefixKey, sketch, e, now);
        }
        return new Lookup(Outcome.MISS, null, 0, null, key, prefixKey, sketch, null, now);
    }

    /**
     * Whether a kept answer is within the TTL of the rule in force: its expiry was fixed when it was filled, and a
     * policy that lowered {@code ttl_seconds} since must not go on serving it up to the old TTL.
     */
    private static boolean servable(CachedAnswer a, CacheRule rule, Instant now) {
        return now.isBefore(a.storedAt().plus(rule.ttl()));
    }

    /**
     * The miss {@code missed} keyed as if the call had sent {@code body}: a call a degrade budget moved to another
     * model is kept under that model, whose answer it is, not under the model the client asked for.
     */
    public Lookup rekeyed(
            Lookup missed,
            CacheRule rule,
            String endpoint,
            JsonNode body,
            Attribution attribution,
            String keyId,
            String keyDepartment) {
        return missAt(rule, endpoint, body, attribution, keyId, keyDepartment, missed.at());
    }

    private static Lookup missAt(
            CacheRule rule,
            String endpoint,
            JsonNode body,
            Attribution attribution,
            String keyId,
            String keyDepartment,
            Instant at) {
        String partition = CacheKeys.partition(rule, attribution, keyId, keyDepartment);
        String key = CacheKeys.exact(endpoint, partition, body);
        String prefixKey = null;
        QuestionSimilarity.Sketch sketch = null;
        if (rule.mode() == CacheRule.Mode.SEMANTIC) {
            String question = CacheKeys.question(body);
            if (question != null) {
                prefixKey = CacheKeys.prefix(endpoint, partition, body);
                sketch = QuestionSimilarity.sketch(question);
            }
        }
        return new Lookup(Outcome.MISS, null, 0, null, key, prefixKey, sketch, null, at);
    }

    /**
     * Keeps the answer of a call that missed; false when it is not kept (too large, or the store failed: then
     * {@code storeError} gets the failure).
     */
    public boolean fill(
            CacheRule rule,
            Lookup missed,
            String feature,
            String endpoint,
            String provider,
            String modelServed,
            byte[] body,
            TokenUsage tokens,
            BigDecimal costUsd,
            java.util.function.Consumer<RuntimeException> storeError) {
        if (missed.outcome() != Outcome.MISS || body.length > rule.maxEntryBytes()) {
            return false;
        }
        // the TTL runs from when the call asked (the fill happens after the answer left, possibly later)
        Instant now = missed.at() != null ? missed.at() : clock.instant();
        Instant expires = now.plus(rule.ttl());
        try {
            store.put(
                    new CachedAnswer(
                            missed.key(),
                            feature == null ? "(none)" : feature,
                            endpoint,
                            provider,
                            modelServed,
                            body,
                            tokens,
                            costUsd,
                            now,
                            expires),
                    rule.maxEntries());
            if (missed.prefixKey() != null && !missed.sketch().isEmpty()) {
                store.index(
                        missed.prefixKey(),
                        new SemanticEntry(missed.key(), missed.sketch(), expires),
                        MAX_PER_PREFIX,
                        now);
            }
            return true;
        } catch (RuntimeException e) {
            storeError.accept(e);
            return false;
        }
    }
}
