package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageRecord.PricingStatus;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * README "Limits", memory of large bodies: a provider's non-streamed answer is read whole before it is relayed, so a
 * misbehaving self-hosted server that answers with gigabytes must fail its own call, not run the gateway out of
 * memory with every other call in it. Here the body memory pool is 8 MB and the server answers 200 MB.
 */
class LargeAnswerIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long HUGE = 200L * 1024 * 1024;

    @TempDir
    Path dir;

    HttpServer vllm;
    GatewayFixture gw;

    @BeforeEach
    void start() throws IOException {
        vllm = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        vllm.createContext("/v1/chat/completions", exchange -> {
            String request = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            if (request.contains("\"stream\":true")) {
                stream(exchange);
                return;
            }
            long size = request.contains("\"huge\"") ? HUGE : 512 * 1024;
            String head = "{\"id\":\"c1\",\"object\":\"chat.completion\",\"created\":1796328465,\"model\":"
                    + "\"meta-llama/Llama-3.3-70B\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
                    + "\"content\":\"";
            String tail = "\"},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":"
                    + "900,\"total_tokens\":912}}";
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, 0);
            byte[] chunk = new byte[64 * 1024];
            Arrays.fill(chunk, (byte) 'a');
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(head.getBytes(StandardCharsets.UTF_8));
                for (long sent = 0; sent < size; sent += chunk.length) {
                    out.write(chunk);
                }
                out.write(tail.getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                // the gateway stopped reading: what the test expects of the huge answer
            }
        });
        vllm.start();
        Path providers = Files.writeString(
                dir.resolve("providers.json"),
                "[{\"name\":\"vllm\",\"format\":\"openai\",\"base_url\":\"http://127.0.0.1:"
                        + vllm.getAddress().getPort() + "/v1\",\"auth\":\"none\",\"models\":[\"meta-llama/*\"]}]");
        gw = GatewayFixture.embedded(
                dir.resolve("data"),
                Map.of(
                        "SPENDGATE_PROVIDERS_FILE", providers.toString(),
                        "SPENDGATE_BODY_MEMORY_BYTES", Long.toString(8L * 1024 * 1024)));
    }

    @AfterEach
    void stop() {
        if (gw != null) {
            gw.close();
        }
        vllm.stop(0);
    }

    @Test
    void hugeAnswer_failsItsOwnCallWith502_andTheNextCallIsServed() throws Exception {
        HttpResponse<String> huge = gw.send(gw.post("/v1/chat/completions", chat("huge")));
        HttpResponse<String> next = gw.send(gw.post("/v1/chat/completions", chat("ordinary")));

        assertThat(huge.statusCode()).isEqualTo(502);
        JsonNode error = JSON.readTree(huge.body()).path("error");
        assertThat(error.path("message").asText()).contains("vllm").contains("SPENDGATE_BODY_MEMORY_BYTES");
        assertThat(huge.body().length()).isLessThan(4096); // nothing of the answer was relayed
        // a 512 KB answer (over the 64 KB that never touch the pool) still relays whole
        assertThat(next.statusCode()).as(next.body()).isEqualTo(200);
        assertThat(JSON.readTree(next.body()).at("/choices/0/message/content").asText())
                .hasSize(512 * 1024);

        List<UsageRecord> records = gw.awaitRecords(2).stream()
                .sorted(Comparator.comparing(UsageRecord::tsStart))
                .toList();
        assertThat(records.get(0).errorType()).isEqualTo("upstream_answer_too_large");
        // generated and billed whole by the provider, its usage never seen: cost unknown, not zero
        assertThat(records.get(0).pricingStatus()).isEqualTo(PricingStatus.UNPRICED);
        assertThat(records.get(1).errorType()).isNull();
        assertThat(records.get(1).tokens().outputTokens()).isEqualTo(900);
        // the call gave back what it held: the pool is free again
        assertThat(gw.runtime.gateway().bodyMemory().inUse()).isZero();
    }

    /** One ordinary chunk, one event of 50 MB that never fits the 8 MB pool, then the usage chunk and [DONE]. */
    private static void stream(com.sun.net.httpserver.HttpExchange exchange) throws IOException {
        String chunk = "{\"id\":\"c2\",\"object\":\"chat.completion.chunk\",\"created\":1796328465,\"model\":"
                + "\"meta-llama/Llama-3.3-70B\",\"choices\":[{\"index\":0,\"delta\":";
        exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
        exchange.sendResponseHeaders(200, 0);
        byte[] filler = new byte[64 * 1024];
        Arrays.fill(filler, (byte) 'b');
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(("data: " + chunk + "{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}\n\n"
                            + "data: " + chunk + "{\"content\":\"")
                    .getBytes(StandardCharsets.UTF_8));
            for (int i = 0; i < 800; i++) {
                out.write(filler);
            }
            out.write(("\"},\"finish_reason\":null}]}\n\n" + "data: " + chunk
                            + "{},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":12,"
                            + "\"completion_tokens\":900,\"total_tokens\":912}}\n\ndata: [DONE]\n\n")
                    .getBytes(StandardCharsets.UTF_8));
        }
    }

    @Test
    void hugeStreamedEvent_relayedWholeUnread_callKeepsItsWorstCase() throws Exception {
        HttpResponse<String> r = gw.send(gw.post(
                "/v1/chat/completions",
                "{\"model\":\"meta-llama/Llama-3.3-70B\",\"stream\":true,\"stream_options\":"
                        + "{\"include_usage\":true},\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"));
        HttpResponse<String> next = gw.send(gw.post("/v1/chat/completions", chat("ordinary")));

        // the client gets the stream as the provider sent it: the large event passes through untouched
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body().length()).isGreaterThan(50 * 1024 * 1024);
        assertThat(r.body()).endsWith("data: [DONE]\n\n");
        assertThat(next.statusCode()).isEqualTo(200);
        List<UsageRecord> records = gw.awaitRecords(2).stream()
                .sorted(Comparator.comparing(UsageRecord::tsStart))
                .toList();
        // an event it could not hold was not read: the usage around it is not trusted, cost unknown, not zero
        assertThat(records.get(0).errorType()).isEqualTo("usage_unreadable");
        assertThat(records.get(0).pricingStatus()).isEqualTo(PricingStatus.UNPRICED);
        assertThat(gw.runtime.gateway().bodyMemory().inUse()).isZero();
    }

    private static String chat(String word) {
        return "{\"model\":\"meta-llama/Llama-3.3-70B\",\"messages\":[{\"role\":\"user\",\"content\":\"" + word
                + "\"}]}";
    }
}
