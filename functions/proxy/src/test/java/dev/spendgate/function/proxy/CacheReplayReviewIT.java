package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.usage.UsageRecord;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Review of the response cache's stream replay (session 28, rev28e): README "a streamed hit is replayed as the
 * provider's events ... which the official SDKs read as a live stream"; and a streamed answer carrying a part the
 * gateway cannot rebuild "is not kept", so that no repeat is served the answer without it. A non-streamed fill replayed
 * to a streamed repeat must carry the same answer.
 */
class CacheReplayReviewIT {
    @TempDir
    Path dir;

    private ScriptedUpstream upstream;
    private GatewayFixture gw;

    @AfterEach
    void stop() throws IOException {
        if (gw != null) {
            gw.close();
        }
        if (upstream != null) {
            upstream.close();
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
     * A RAG feature sends Claude a document with {@code citations: {"enabled": true}} (Anthropic's citations feature):
     * the answer's text blocks carry {@code citations} (the cited passage, its document and character range), which the
     * app shows as sources. Streamed, Anthropic sends them as {@code citations_delta} events. The first call is not
     * streamed and fills the cache; the same request asked again streamed is a hit, replayed by {@code StreamReplay},
     * which rebuilds a text block as {@code {"type":"text","text":""}} plus text deltas: the citations are gone, so the
     * user sees the answer with no sources for the rule's whole TTL. (The assembler refuses to keep a stream with
     * {@code citations_delta} for this very reason.)
     */
    @Test
    @Timeout(60)
    void streamedHitOnAnAnswerWithCitations_replaysTheCitations() throws Exception {
        byte[] answer = ("{\"id\":\"msg_01Cite\",\"type\":\"message\",\"role\":\"assistant\","
                        + "\"model\":\"claude-sonnet-4-5-20250929\",\"content\":["
                        + "{\"type\":\"text\",\"text\":\"According to the policy, \"},"
                        + "{\"type\":\"text\",\"text\":\"refunds are paid within 14 days\",\"citations\":[{\"type\":"
                        + "\"char_location\",\"cited_text\":\"Refunds are paid within 14 days of the return.\","
                        + "\"document_index\":0,\"document_title\":\"Refund policy\",\"start_char_index\":0,"
                        + "\"end_char_index\":47}]}],"
                        + "\"stop_reason\":\"end_turn\",\"stop_sequence\":null,"
                        + "\"usage\":{\"input_tokens\":610,\"output_tokens\":22}}")
                .getBytes(StandardCharsets.UTF_8);
        upstream = new ScriptedUpstream(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + answer.length + "\r\n\r\n",
                List.of(answer));
        Files.createDirectories(dir.resolve("policy"));
        Files.writeString(dir.resolve("policy/gateway-policy.json"), """
                {"cache": [{"feature": "policies", "mode": "exact", "ttl_seconds": 600}]}
                """);
        gw = GatewayFixture.optimized(
                dir,
                new RoutingAndCachingIT.MutableClock(Instant.now()),
                Map.of("SPENDGATE_ANTHROPIC_BASE_URL", upstream.base()));
        String request = "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":1024,\"temperature\":0,\"messages\":["
                + "{\"role\":\"user\",\"content\":[{\"type\":\"document\",\"source\":{\"type\":\"text\","
                + "\"media_type\":\"text/plain\",\"data\":\"Refunds are paid within 14 days of the return.\"},"
                + "\"title\":\"Refund policy\",\"citations\":{\"enabled\":true}},"
                + "{\"type\":\"text\",\"text\":\"How fast are refunds paid?\"}]}]";

        HttpResponse<String> first =
                gw.send(gw.post("/v1/messages", request + "}").header("X-Cost-Feature", "policies"));
        assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
        assertThat(first.headers().firstValue("X-Spendgate-Cache")).hasValue("miss");
        assertThat(first.body()).contains("cited_text");
        UsageRecord r =
                gw.record(first.headers().firstValue(Gateway.REQUEST_ID_HEADER).orElseThrow());
        assertThat(r.costUsd()).as("priced, so kept").isNotNull();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!kept() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(kept()).as("the answer was kept").isTrue();

        HttpResponse<String> streamed =
                gw.send(gw.post("/v1/messages", request + ",\"stream\":true}").header("X-Cost-Feature", "policies"));

        assertThat(streamed.headers().firstValue("X-Spendgate-Cache")).hasValue("hit");
        assertThat(streamed.body()).contains("refunds are paid within 14 days");
        assertThat(streamed.body())
                .as("the replayed stream carries the answer's citations (replayed: %s)", streamed.body())
                .contains("Refunds are paid within 14 days of the return.")
                .contains("Refund policy");
    }
}
