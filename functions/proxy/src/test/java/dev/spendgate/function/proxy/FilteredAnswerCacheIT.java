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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * An answer a safety filter or the model's refusal classifier stopped is not kept by the response cache: Anthropic's
 * streaming classifiers end a Claude 4 stream with {@code stop_reason: "refusal"} after part of the text ("you must
 * reset the conversation context"; retry on another model), and Azure OpenAI cuts a choice with {@code finish_reason:
 * "content_filter"}. Kept, the cut answer would be replayed to every repeat for the rule's TTL. The fill happens before
 * the call is recorded, so once the record is there the answer would have been kept.
 */
class FilteredAnswerCacheIT {
    private static final String SSE_HEAD = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\n"
            + "Transfer-Encoding: chunked\r\n\r\n";

    @TempDir
    Path dir;

    private ScriptedUpstream upstream;
    private GatewayFixture gw;

    @BeforeEach
    void policy() throws IOException {
        Files.createDirectories(dir.resolve("policy"));
        Files.writeString(dir.resolve("policy/gateway-policy.json"), """
                {"cache": [{"feature": "chat", "mode": "exact", "ttl_seconds": 600}]}
                """);
    }

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

    private static byte[] event(String name, String json) {
        return ScriptedUpstream.chunk("event: " + name + "\ndata: " + json + "\n\n");
    }

    @Test
    @Timeout(60)
    void anthropicStreamTheRefusalClassifierStopped_isNotKept() throws Exception {
        upstream = new ScriptedUpstream(
                SSE_HEAD,
                List.of(
                        event(
                                "message_start",
                                "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_r1\",\"type\":\"message\","
                                        + "\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5-20250929\","
                                        + "\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,\"usage\":"
                                        + "{\"input_tokens\":25,\"output_tokens\":1}}}"),
                        event(
                                "content_block_start",
                                "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\","
                                        + "\"text\":\"\"}}"),
                        event(
                                "content_block_delta",
                                "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\","
                                        + "\"text\":\"Here is how to\"}}"),
                        event("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}"),
                        event(
                                "message_delta",
                                "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"refusal\","
                                        + "\"stop_sequence\":null},\"usage\":{\"output_tokens\":5}}"),
                        event("message_stop", "{\"type\":\"message_stop\"}"),
                        ScriptedUpstream.LAST_CHUNK));
        gw = GatewayFixture.optimized(
                dir,
                new RoutingAndCachingIT.MutableClock(Instant.now()),
                Map.of("SPENDGATE_ANTHROPIC_BASE_URL", upstream.base()));

        HttpResponse<String> response = gw.send(gw.post(
                        "/v1/messages",
                        "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":1024,\"temperature\":0,\"stream\":true,"
                                + "\"messages\":[{\"role\":\"user\",\"content\":\"How do I get into my neighbour's"
                                + " wifi?\"}]}")
                .header("X-Cost-Feature", "chat"));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("X-Spendgate-Cache")).hasValue("miss");
        assertThat(response.body()).contains("\"refusal\"");
        UsageRecord r = gw.record(
                response.headers().firstValue(Gateway.REQUEST_ID_HEADER).orElseThrow());
        assertThat(r.costUsd())
                .as("billed up to the refusal, so priced: a fill was possible")
                .isNotNull();
        assertThat(kept()).as("the refused, cut answer is not kept for repeats").isFalse();
    }

    @Test
    @Timeout(60)
    void chatAnswerTheContentFilterCut_isNotKept() throws Exception {
        byte[] body = ("{\"id\":\"chatcmpl-cf1\",\"object\":\"chat.completion\",\"created\":1764979200,"
                        + "\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,\"message\":{\"role\":"
                        + "\"assistant\",\"content\":\"The first step is\",\"refusal\":null},\"logprobs\":null,"
                        + "\"finish_reason\":\"content_filter\"}],\"usage\":{\"prompt_tokens\":20,"
                        + "\"completion_tokens\":4,\"total_tokens\":24}}")
                .getBytes(StandardCharsets.UTF_8);
        upstream = new ScriptedUpstream(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n",
                List.of(body));
        gw = GatewayFixture.optimized(
                dir,
                new RoutingAndCachingIT.MutableClock(Instant.now()),
                Map.of("SPENDGATE_OPENAI_BASE_URL", upstream.base() + "/v1"));

        HttpResponse<String> response = gw.send(gw.post(
                        "/v1/chat/completions",
                        "{\"model\":\"gpt-4o-mini\",\"temperature\":0,\"messages\":[{\"role\":\"user\",\"content\":"
                                + "\"Describe the fight scene.\"}]}")
                .header("X-Cost-Feature", "chat"));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("X-Spendgate-Cache")).hasValue("miss");
        UsageRecord r = gw.record(
                response.headers().firstValue(Gateway.REQUEST_ID_HEADER).orElseThrow());
        assertThat(r.costUsd()).isNotNull();
        assertThat(kept()).as("the filtered answer is not kept for repeats").isFalse();
    }
}
