package dev.spendgate.function.proxy.cache;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spendgate.domain.cache.CachedAnswer;
import dev.spendgate.domain.cache.ResponseCache;
import dev.spendgate.domain.cache.ResponseCacheStore;
import dev.spendgate.domain.cache.SemanticEntry;
import dev.spendgate.domain.routing.GatewayPolicy;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Which Bedrock Converse calls get a cachePoint: Bedrock caches prompts of Claude and Nova models only, and keeps the
 * 1-hour cache for Claude 4.5 models (Sonnet 4.5, Haiku 4.5, Opus 4.5) only; it answers a cachePoint it does not
 * support with a ValidationException.
 */
class BedrockPromptCacheMarksTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SYSTEM = "You answer questions about Acme's help centre. ".repeat(150);

    private Instant now = Instant.parse("2026-12-05T10:00:00Z");
    private final Clock clock = new Clock() {
        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    };

    private final Optimizations optimizations = new Optimizations(
            () -> GatewayPolicy.parse("{\"prompt_caching\": [{\"feature\": \"kb\"}]}".getBytes(StandardCharsets.UTF_8)),
            new ResponseCache(new NoStore(), clock),
            clock);

    private static ObjectNode converse(String question) throws Exception {
        return (ObjectNode)
                JSON.readTree("{\"system\":[{\"text\":\"" + SYSTEM + "\"}],\"messages\":[{\"role\":\"user\","
                        + "\"content\":[{\"text\":\"" + question + "\"}]}],\"inferenceConfig\":{\"maxTokens\":100}}");
    }

    /** The mark the second call gets when the prefix was seen {@code gap} before. */
    private Optional<Optimizations.Marked> secondCall(String model, Duration gap) throws Exception {
        optimizations.promptCache("kb", "bedrock.converse", model, converse("Q1"));
        now = now.plus(gap);
        return optimizations.promptCache("kb", "bedrock.converse", model, converse("Q2"));
    }

    @Test
    void claudeSonnet4_seenTenMinutesAgo_isNotMarkedWithTheHourCacheBedrockHasNotForIt() throws Exception {
        Optional<Optimizations.Marked> marked =
                secondCall("anthropic.claude-sonnet-4-20250514-v1:0", Duration.ofMinutes(10));

        assertThat(marked.map(m -> m.body().toString()).orElse(""))
                .as("forwarded to Bedrock")
                .doesNotContain("\"ttl\":\"1h\"");
    }

    @Test
    void llama_seenAMinuteAgo_getsNoCachePoint() throws Exception {
        Optional<Optimizations.Marked> marked = secondCall("meta.llama3-3-70b-instruct-v1:0", Duration.ofMinutes(1));

        assertThat(marked.map(m -> m.body().toString()).orElse(""))
                .as("forwarded to Bedrock")
                .doesNotContain("cachePoint");
    }

    private static final class NoStore implements ResponseCacheStore {
        @Override
        public Optional<CachedAnswer> get(String key, Instant at) {
            return Optional.empty();
        }

        @Override
        public void put(CachedAnswer answer, int maxEntries) {}

        @Override
        public List<SemanticEntry> similar(String prefixKey, Instant at) {
            return List.of();
        }

        @Override
        public void index(String prefixKey, SemanticEntry entry, int maxPerPrefix, Instant at) {}
    }
}
