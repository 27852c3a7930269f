package dev.spendgate.function.proxy.lambda.stream;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.keys.ProxyKey;
import dev.spendgate.domain.keys.ProxyKeys;
import dev.spendgate.domain.usage.UsageJournal;
import dev.spendgate.domain.usage.UsageLogReader;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageSink;
import dev.spendgate.embedded.FileKeyStore;
import dev.spendgate.embedded.FileSystemObjectStore;
import dev.spendgate.embedded.FileSystemUsageSpool;
import dev.spendgate.function.proxy.GatewayRuntime;
import dev.spendgate.function.proxy.ProxyConfig;
import dev.spendgate.function.proxy.local.LocalGatewayRuntime;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A non-streamed answer whose body is still arriving when the invocation's deadline comes: Lambda ends the invocation
 * there, so a call with no budget (no journal entry for the sweeper) would leave no usage record at all, though the
 * provider generated, and bills, the answer. The bootstrap stops reading it before the deadline, as it stops a stream,
 * and the call is recorded ({@code invocation_deadline}) while there is time to.
 */
class StreamingBootstrapWholeAnswerDeadlineIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CHAT =
            "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Think it over.\"}]}";
    private static final byte[] ANSWER = ("{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1,"
                    + "\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
                    + "\"content\":\"A considered answer.\"},\"finish_reason\":\"stop\"}],"
                    + "\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":4,\"total_tokens\":16}}")
            .getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path dir;

    HttpServer upstream;
    FakeRuntimeApi runtimeApi;
    GatewayRuntime runtime;
    FileSystemObjectStore store;
    StreamingBootstrap bootstrap;
    String secret;

    @BeforeEach
    void start() throws Exception {
        // The provider sends its head at once, then its answer a few bytes every 500 ms: about 6 s in all.
        upstream = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 4);
        upstream.createContext("/v1/chat/completions", exchange -> {
            try (exchange) {
                exchange.getRequestBody().readAllBytes();
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, ANSWER.length);
                OutputStream out = exchange.getResponseBody();
                int piece = (ANSWER.length + 11) / 12;
                for (int at = 0; at < ANSWER.length; at += piece) {
                    out.write(Arrays.copyOfRange(ANSWER, at, Math.min(ANSWER.length, at + piece)));
                    out.flush();
                    Thread.sleep(500);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (java.io.IOException e) {
                // the gateway stopped reading
            }
        });
        upstream.start();
        runtimeApi = new FakeRuntimeApi();
        ProxyConfig config = ProxyConfig.fromEnv(Map.of(
                "OPENAI_API_KEY",
                "sk-trickle",
                "SPENDGATE_OPENAI_BASE_URL",
                "http://127.0.0.1:" + upstream.getAddress().getPort() + "/v1"));
        FileKeyStore keys = new FileKeyStore(dir.resolve("keys.json"));
        store = new FileSystemObjectStore(dir);
        runtime = GatewayRuntime.create(
                config,
                keys,
                store,
                UsageSink.objectStore(store),
                new FileSystemUsageSpool(dir.resolve("spool")),
                UsageJournal.NONE,
                LocalGatewayRuntime.budgets(dir, GatewayRuntime.alertSink(config)),
                Clock.systemUTC(),
                null);
        secret = ProxyKeys.newSecret();
        keys.create(new ProxyKey(
                ProxyKeys.newId(),
                ProxyKeys.hash(secret),
                "research-prod",
                "prod",
                "team@example.com",
                new Attribution("research", null, null, "prod", null, null, null),
                true,
                Instant.now().truncatedTo(ChronoUnit.SECONDS)));
        bootstrap = new StreamingBootstrap(runtime, new RuntimeApiClient(runtimeApi.hostAndPort()));
    }

    @AfterEach
    void stop() {
        runtime.close();
        runtimeApi.close();
        upstream.stop(0);
    }

    @Test
    void handleNext_wholeAnswerStillArrivingAtTheDeadline_recordDurableBeforeTheDeadline() throws Exception {
        runtimeApi.invocationMillis = 2_000;
        runtimeApi.enqueue(event(CHAT));

        long begin = System.currentTimeMillis();
        Thread invocation = Thread.ofPlatform().daemon().start(() -> {
            try {
                bootstrap.handleNext();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        // Lambda freezes or kills the environment at the deadline: what is durable then is all there is.
        Thread.sleep(Math.max(0, begin + 2_000 - System.currentTimeMillis()));
        List<UsageRecord> atDeadline = records();
        invocation.join(15_000);

        assertThat(atDeadline)
                .as("usage records durable when the invocation's deadline passed")
                .hasSize(1);
        UsageRecord record = atDeadline.get(0);
        assertThat(record.errorType()).isEqualTo("invocation_deadline");
        assertThat(record.pricingStatus())
                .as("the answer was generated (and billed); its usage was never read")
                .isEqualTo(UsageRecord.PricingStatus.UNPRICED);

        FakeRuntimeApi.Received response = runtimeApi.awaitResponse();
        JsonNode prelude = JSON.readTree(prelude(response.body()));
        assertThat(prelude.path("statusCode").asInt())
                .as("the client is told the call failed")
                .isGreaterThanOrEqualTo(500);
        assertThat(prelude.path("headers").path("X-Spendgate-Request-Id").asText())
                .isEqualTo(record.requestId());
    }

    private static byte[] prelude(byte[] body) {
        for (int i = 0; i + 8 <= body.length; i++) {
            if (Arrays.equals(body, i, i + 8, StreamingResponse.DELIMITER, 0, 8)) {
                return Arrays.copyOf(body, i);
            }
        }
        throw new AssertionError("no prelude in the streamed response");
    }

    private List<UsageRecord> records() {
        List<UsageRecord> out = new ArrayList<>();
        Instant now = Instant.now();
        UsageLogReader.create(store).read(now.minus(1, ChronoUnit.DAYS), now.plus(1, ChronoUnit.HOURS), out::add);
        return out;
    }

    private String event(String body) {
        ObjectNode e = JSON.createObjectNode();
        e.put("resource", "/v1/{proxy+}");
        e.put("path", "/v1/chat/completions");
        e.put("httpMethod", "POST");
        ObjectNode multi = e.putObject("multiValueHeaders");
        multi.putArray("Content-Type").add("application/json");
        multi.putArray("Authorization").add("Bearer " + secret);
        e.putNull("queryStringParameters");
        e.putObject("requestContext").put("stage", "prod").putObject("identity").put("sourceIp", "203.0.113.7");
        e.put("body", Base64.getEncoder().encodeToString(body.getBytes(StandardCharsets.UTF_8)));
        e.put("isBase64Encoded", true);
        return e.toString();
    }
}
