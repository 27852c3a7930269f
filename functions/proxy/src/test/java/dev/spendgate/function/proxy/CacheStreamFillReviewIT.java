package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.http.HttpResponse;
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
 * Review of the response cache's stream fill (session 26, rev26d): a streamed miss is rebuilt into the non-streamed
 * shape ({@code StreamAssembler}) and kept; README: "a streamed answer is kept rebuilt into the non-streamed shape, and
 * a streamed hit is replayed as the provider's events". A kept answer must be the answer the provider gave, whole.
 */
class CacheStreamFillReviewIT {
    private static final String SSE_HEAD = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\n"
            + "Transfer-Encoding: chunked\r\n\r\n";
    private static final ObjectMapper JSON = new ObjectMapper();

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

    private static byte[] event(String json) {
        return ScriptedUpstream.chunk("data: " + json + "\n\n");
    }

    private static String chunk(String choice) {
        return "{\"id\":\"chatcmpl-fn1\",\"object\":\"chat.completion.chunk\",\"created\":1764979200,"
                + "\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[" + choice + "]}";
    }

    private boolean filled() throws IOException {
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
     * OpenAI's legacy function calling ({@code functions}, still served by Chat Completions and Azure OpenAI, and sent
     * by older LangChain agents) streams the call as {@code delta.function_call} pieces and ends with
     * {@code finish_reason: "function_call"}. The gateway caches the streamed answer; the same request asked again
     * (not streamed) must get the function call the model made. The assembler does not know {@code function_call}
     * and keeps an empty message instead: the hit answers {@code content: ""} with {@code finish_reason:
     * "function_call"} and no call, for the rule's whole TTL.
     */
    @Test
    @Timeout(60)
    void streamedLegacyFunctionCall_isServedFromTheCacheWithItsCall() throws Exception {
        upstream = new ScriptedUpstream(
                SSE_HEAD,
                List.of(
                        event(chunk("{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":null,"
                                + "\"function_call\":{\"name\":\"get_order_status\",\"arguments\":\"\"}},"
                                + "\"logprobs\":null,\"finish_reason\":null}")),
                        event(chunk("{\"index\":0,\"delta\":{\"function_call\":{\"arguments\":\"{\\\"order_id\\\":"
                                + "\"}},\"logprobs\":null,\"finish_reason\":null}")),
                        event(chunk("{\"index\":0,\"delta\":{\"function_call\":{\"arguments\":\"\\\"A-1041\\\"}\"}},"
                                + "\"logprobs\":null,\"finish_reason\":null}")),
                        event(chunk(
                                "{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"function_call\"}")),
                        event("{\"id\":\"chatcmpl-fn1\",\"object\":\"chat.completion.chunk\",\"created\":1764979200,"
                                + "\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[],\"usage\":{\"prompt_tokens\":82,"
                                + "\"completion_tokens\":18,\"total_tokens\":100}}"),
                        ScriptedUpstream.chunk("data: [DONE]\n\n"),
                        ScriptedUpstream.LAST_CHUNK));
        Files.createDirectories(dir.resolve("policy"));
        Files.writeString(dir.resolve("policy/gateway-policy.json"), """
                {"cache": [{"feature": "orders", "mode": "exact", "ttl_seconds": 600}]}
                """);
        gw = GatewayFixture.optimized(
                dir,
                new RoutingAndCachingIT.MutableClock(Instant.now()),
                Map.of("SPENDGATE_OPENAI_BASE_URL", upstream.base() + "/v1"));
        String request = "{\"model\":\"gpt-4o-mini\",\"temperature\":0,\"messages\":[{\"role\":\"user\",\"content\":"
                + "\"Where is my order A-1041?\"}],\"functions\":[{\"name\":\"get_order_status\",\"parameters\":"
                + "{\"type\":\"object\",\"properties\":{\"order_id\":{\"type\":\"string\"}}}}]";

        HttpResponse<String> streamed = gw.send(
                gw.post("/v1/chat/completions", request + ",\"stream\":true}").header("X-Cost-Feature", "orders"));
        assertThat(streamed.statusCode()).as(streamed.body()).isEqualTo(200);
        assertThat(streamed.headers().firstValue("X-Spendgate-Cache")).hasValue("miss");
        assertThat(streamed.body()).contains("get_order_status");
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!filled() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(filled()).as("the streamed answer was kept").isTrue();

        HttpResponse<String> again =
                gw.send(gw.post("/v1/chat/completions", request + "}").header("X-Cost-Feature", "orders"));

        assertThat(again.headers().firstValue("X-Spendgate-Cache")).hasValue("hit");
        JsonNode message = JSON.readTree(again.body()).path("choices").path(0).path("message");
        assertThat(message.path("function_call").path("name").asText())
                .as("the cached answer's function call (served: %s)", again.body())
                .isEqualTo("get_order_status");
        assertThat(message.path("function_call").path("arguments").asText()).isEqualTo("{\"order_id\":\"A-1041\"}");
    }
}
