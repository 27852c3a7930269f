package dev.spendgate.domain.cache;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Which calls the cache can answer: the gateway's lookup, the cache-miss detector and the policy replay ask this one
 * rule, the last two of every record a monthly report or waste run reads, whatever its shape.
 */
class CacheableCallsTest {
    @Test
    void embeddingsAndStreamedResponses_areBypassed_chatIsNot() {
        assertThat(CacheableCalls.bypass("embeddings", false)).contains("endpoint");
        assertThat(CacheableCalls.bypass("responses", true)).contains("stream");
        assertThat(CacheableCalls.bypass("chat.completions", true)).isEmpty();
    }

    /** A record without its endpoint made the monthly report and the waste run fail (NullPointerException). */
    @Test
    void recordWithoutItsEndpoint_isNotKnownToBeBypassed_andNothingThrows() {
        assertThat(CacheableCalls.bypass(null, false)).isEmpty();
        assertThat(CacheableCalls.bypass(null, true)).isEmpty();
        assertThat(CacheableCalls.kept(null)).isFalse();
        assertThat(CacheableCalls.streamReplayed(null)).isFalse();
    }
}
