package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.spendgate.domain.usage.UsageRecord;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * README: a kept answer with a part no stream replay sends as the provider would (a Chat Completions
 * {@code message.audio}) is served to a streamed repeat as a miss, never as an answer without that part.
 */
class CacheReplayMissIT {
    private static final String ANSWER =
            "{\"id\":\"chatcmpl-au\",\"object\":\"chat.completion\",\"created\":1764979200,"
                    + "\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
                    + "\"content\":null,\"refusal\":null,\"annotations\":[],\"audio\":{\"id\":\"audio_1\",\"data\":\"UklGRg==\","
                    + "\"expires_at\":1764982800,\"transcript\":\"Your order ships today.\"}},\"logprobs\":null,"
                    + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":20,\"completion_tokens\":30,"
                    + "\"total_tokens\":50}}";
    private static final String STREAM = "data: {\"id\":\"chatcmpl-s\",\"object\":\"chat.completion.chunk\","
            + "\"created\":1764979200,\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,\"delta\":"
            + "{\"role\":\"assistant\",\"content\":\"Your order ships today.\"},\"finish_reason\":\"stop\"}]}\n\n"
            + "data: {\"id\":\"chatcmpl-s\",\"object\":\"chat.completion.chunk\",\"created\":1764979200,"
            + "\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[],\"usage\":{\"prompt_tokens\":20,"
            + "\"completion_tokens\":6,\"total_tokens\":26}}\n\ndata: [DONE]\n\n";

    @TempDir
    Path dir;

    private HttpServer upstream;
    private GatewayFixture gw;

    @AfterEach
    void stop() {
        if (gw != null) {
            gw.close();
        }
        if (upstream != null) {
            upstream.stop(0);
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

    @Test
    @Timeout(60)
    void streamedRepeatOfAnAnswerWithAudio_goesToTheProviderAsAMiss() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        upstream = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        upstream.createContext("/v1/chat/completions", exchange -> {
            calls.incrementAndGet();
            boolean stream = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)
                    .contains("\"stream\":true");
            byte[] body = (stream ? STREAM : ANSWER).getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", stream ? "text/event-stream" : "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        upstream.start();
        Files.createDirectories(dir.resolve("policy"));
        Files.writeString(dir.resolve("policy/gateway-policy.json"), """
                {"cache": [{"feature": "voice", "mode": "exact", "ttl_seconds": 600}]}
                """);
        gw = GatewayFixture.optimized(
                dir,
                new RoutingAndCachingIT.MutableClock(Instant.now()),
                Map.of(
                        "SPENDGATE_OPENAI_BASE_URL",
                        "http://127.0.0.1:" + upstream.getAddress().getPort() + "/v1"));
        String request = "{\"model\":\"gpt-4o-mini\",\"temperature\":0,\"modalities\":[\"text\",\"audio\"],"
                + "\"audio\":{\"voice\":\"alloy\",\"format\":\"pcm16\"},\"messages\":[{\"role\":\"user\","
                + "\"content\":\"When does my order ship?\"}]";

        HttpResponse<String> first =
                gw.send(gw.post("/v1/chat/completions", request + "}").header("X-Cost-Feature", "voice"));
        assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
        assertThat(first.headers().firstValue("X-Spendgate-Cache")).hasValue("miss");
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!kept() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(kept()).as("the answer with its audio was kept").isTrue();

        HttpResponse<String> streamed = gw.send(
                gw.post("/v1/chat/completions", request + ",\"stream\":true}").header("X-Cost-Feature", "voice"));

        assertThat(streamed.statusCode()).isEqualTo(200);
        assertThat(streamed.headers().firstValue("X-Spendgate-Cache"))
                .as("no replay sends the audio: the repeat is a miss, not the transcript-less answer")
                .hasValue("miss");
        assertThat(streamed.body()).contains("Your order ships today.").contains("[DONE]");
        assertThat(calls.get()).isEqualTo(2);
        UsageRecord r = gw.record(
                streamed.headers().firstValue(Gateway.REQUEST_ID_HEADER).orElseThrow());
        assertThat(r.optimization().cache()).isEqualTo("miss");
        assertThat(r.costUsd()).isPositive();
    }
}
