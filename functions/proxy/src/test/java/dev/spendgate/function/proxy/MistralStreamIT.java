package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageRecord.UsageSource;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mistral, configured as the README's "More OpenAI-compatible providers" shows, refuses any request field it does not
 * know with 422 {@code extra_forbidden}, {@code stream_options} included (it sends usage in the last chunk of every
 * stream unasked). A streamed chat completion a client sends without {@code stream_options}, which Mistral answers
 * directly, must be answered through Spendgate too, and priced from the usage Mistral streams.
 */
class MistralStreamIT {
    private static final String MISTRAL_422 = "{\"object\":\"error\",\"message\":{\"detail\":[{\"type\":"
            + "\"extra_forbidden\",\"loc\":[\"body\",\"stream_options\",\"include_usage\"],\"msg\":\"Extra inputs are"
            + " not permitted\",\"input\":true}]},\"type\":\"invalid_request_error\",\"param\":null,\"code\":null}";

    @TempDir
    Path dir;

    HttpServer mistral;
    GatewayFixture gw;

    @BeforeEach
    void startMistral() throws IOException {
        mistral = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        mistral.createContext("/v1/chat/completions", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            if (body.contains("\"stream_options\"")) {
                byte[] refusal = MISTRAL_422.getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                exchange.sendResponseHeaders(422, refusal.length);
                exchange.getResponseBody().write(refusal);
                exchange.close();
                return;
            }
            String chunk = "{\"id\":\"a1\",\"object\":\"chat.completion.chunk\",\"created\":1796328465,"
                    + "\"model\":\"mistral-large-latest\",\"choices\":[{\"index\":0,\"delta\":";
            String stream = "data: " + chunk + "{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}\n\n"
                    + "data: " + chunk + "{\"content\":\"It did not.\"},\"finish_reason\":null}]}\n\n"
                    + "data: " + chunk + "{\"content\":\"\"},\"finish_reason\":\"stop\"}],\"usage\":"
                    + "{\"prompt_tokens\":1000,\"total_tokens\":2000,\"completion_tokens\":1000}}\n\n"
                    + "data: [DONE]\n\n";
            exchange.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
            exchange.sendResponseHeaders(200, 0);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(stream.getBytes(StandardCharsets.UTF_8));
            }
        });
        mistral.start();
    }

    @AfterEach
    void stop() {
        if (gw != null) {
            gw.close();
        }
        mistral.stop(0);
    }

    @Test
    void mistralStream_clientSendsNoStreamOptions_answeredAndPricedFromMistralsUsage() throws Exception {
        Path providers = dir.resolve("providers.json");
        Files.writeString(
                providers,
                "[{\"name\":\"mistral\",\"format\":\"openai\",\"base_url\":\"http://127.0.0.1:"
                        + mistral.getAddress().getPort() + "/v1\",\"api_key_env\":\"MISTRAL_API_KEY\","
                        + "\"models\":[\"mistral-*\",\"codestral-*\"]}]");
        Path overrides = dir.resolve("prices.json");
        Files.writeString(
                overrides,
                "{\"models\":[{\"provider\":\"mistral\",\"model\":\"mistral-large-latest\",\"input\":\"2.00\","
                        + "\"output\":\"6.00\"}]}");
        gw = GatewayFixture.embedded(
                dir,
                Map.of(
                        "SPENDGATE_PROVIDERS_FILE", providers.toString(),
                        "MISTRAL_API_KEY", "mistral-key",
                        "SPENDGATE_PRICING_OVERRIDES", overrides.toString()));

        HttpResponse<String> response = gw.send(gw.post(
                "/v1/chat/completions",
                "{\"model\":\"mistral-large-latest\",\"stream\":true,"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"Why did the bill double?\"}]}"));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.body()).contains("It did not.").endsWith("data: [DONE]\n\n");
        UsageRecord r = gw.awaitRecords(1).get(0);
        assertThat(r.usageSource()).isEqualTo(UsageSource.PROVIDER);
        // 1000 x $2.00 + 1000 x $6.00 per 1M
        assertThat(r.costUsd()).isEqualByComparingTo(new BigDecimal("0.008"));
    }
}
