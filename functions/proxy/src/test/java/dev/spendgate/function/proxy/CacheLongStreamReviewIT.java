package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.testing.upstream.Behavior;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Review of the response cache's stream fill (session 28, rev28e): README "Streamed and non-streamed calls share
 * answers: a streamed answer is kept rebuilt into the non-streamed shape", with {@code max_entry_bytes} (default 256
 * KB) the only size limit on what is kept. The stream assembler also gives up past 400 KB of event bytes, and a Chat
 * Completions stream spends about 220 bytes of chunk JSON per token: a streamed answer of some 1,800 tokens or more
 * (8 KB of text) is never kept, however small its rebuilt answer.
 */
class CacheLongStreamReviewIT {
    @TempDir
    Path dir;

    private GatewayFixture gw;

    @AfterEach
    void stop() {
        if (gw != null) {
            gw.close();
        }
    }

    private boolean kept() throws IOException {
        Path answers = dir.resolve("cache").resolve("answers");
        if (!Files.isDirectory(answers)) {
            return false;
        }
        try (var files = Files.walk(answers)) {
            return files.anyMatch(f -> f.getFileName().toString().endsWith(".json")
                    && !f.getFileName().toString().startsWith(".tmp-"));
        }
    }

    /**
     * A docs feature streams a 2,500-token how-to (about 22 KB of text, a tenth of {@code max_entry_bytes}); the same
     * request asked again must be a hit. The stream was about 570 KB of chunks, so the assembler dropped it: every
     * repeat goes to the provider and is billed again.
     */
    @Test
    @Timeout(120)
    void streamedAnswerOf2500Tokens_isKeptAndServesTheRepeat() throws Exception {
        Files.createDirectories(dir.resolve("policy"));
        Files.writeString(dir.resolve("policy/gateway-policy.json"), """
                {"cache": [{"feature": "docs", "mode": "exact", "ttl_seconds": 600}]}
                """);
        gw = GatewayFixture.optimized(dir, new RoutingAndCachingIT.MutableClock(Instant.now()), Map.of());
        gw.upstream.setDefaultBehavior(Behavior.defaults().withInputTokens(300).withPieceCount(2_500));
        String request = "{\"model\":\"gpt-4o-mini\",\"temperature\":0,\"max_tokens\":4000,\"messages\":[{\"role\":"
                + "\"user\",\"content\":\"Write the setup guide for the billing export.\"}]";

        HttpResponse<String> streamed = gw.send(
                gw.post("/v1/chat/completions", request + ",\"stream\":true}").header("X-Cost-Feature", "docs"));
        assertThat(streamed.statusCode()).isEqualTo(200);
        assertThat(streamed.headers().firstValue("X-Spendgate-Cache")).hasValue("miss");
        assertThat(streamed.body()).contains("word2499 ").contains("[DONE]");
        UsageRecord r = gw.record(
                streamed.headers().firstValue(Gateway.REQUEST_ID_HEADER).orElseThrow());
        assertThat(r.errorType()).isNull();
        assertThat(r.costUsd()).isNotNull();
        assertThat(r.tokens().outputTokens()).isEqualTo(2_500);
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!kept() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }

        HttpResponse<String> again =
                gw.send(gw.post("/v1/chat/completions", request + "}").header("X-Cost-Feature", "docs"));

        assertThat(again.headers().firstValue("X-Spendgate-Cache"))
                .as("the repeat of a complete, priced 2,500-token answer (22 KB rebuilt) is served from the cache")
                .hasValue("hit");
        assertThat(gw.upstream.requestCount()).isEqualTo(1);
    }
}
