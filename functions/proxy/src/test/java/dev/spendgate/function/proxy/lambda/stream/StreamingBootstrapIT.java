package dev.spendgate.function.proxy.lambda.stream;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.keys.ProxyKey;
import dev.spendgate.domain.keys.ProxyKeys;
import dev.spendgate.domain.usage.UsageLogReader;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.embedded.FileKeyStore;
import dev.spendgate.embedded.FileSystemObjectStore;
import dev.spendgate.embedded.FileSystemUsageSpool;
import dev.spendgate.function.proxy.GatewayRuntime;
import dev.spendgate.function.proxy.ProxyConfig;
import dev.spendgate.function.proxy.local.LocalGatewayRuntime;
import dev.spendgate.testing.upstream.Behavior;
import dev.spendgate.testing.upstream.FakeLlmUpstream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The streaming bootstrap against a local Runtime API and the fake upstream: what API Gateway would receive, byte
 * for byte and moment by moment.
 */
class StreamingBootstrapIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String STREAMED_CHAT =
            "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Count slowly.\"}]}";
    private static final String CHAT =
            "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Say hi.\"}]}";

    @TempDir
    Path dir;

    FakeLlmUpstream upstream;
    FakeRuntimeApi runtimeApi;
    GatewayRuntime runtime;
    FileSystemObjectStore store;
    List<String> metricLines = new CopyOnWriteArrayList<>();
    StreamingBootstrap bootstrap;
    String secret;

    @BeforeEach
    void start() throws Exception {
        upstream = FakeLlmUpstream.start();
        runtimeApi = new FakeRuntimeApi();
        ProxyConfig config = ProxyConfig.fromEnv(Map.of(
                "OPENAI_API_KEY", upstream.openAiKey(),
                "ANTHROPIC_API_KEY", upstream.anthropicKey(),
                "SPENDGATE_OPENAI_BASE_URL", upstream.openAiBaseUrl(),
                "SPENDGATE_ANTHROPIC_BASE_URL", upstream.anthropicBaseUrl()));
        FileKeyStore keys = new FileKeyStore(dir.resolve("keys.json"));
        store = new FileSystemObjectStore(dir);
        runtime = GatewayRuntime.create(
                config,
                keys,
                new OverheadMetrics(store, metricLines::add, Clock.systemUTC()),
                new FileSystemUsageSpool(dir.resolve("spool")),
                LocalGatewayRuntime.budgets(dir, GatewayRuntime.alertSink(config)),
                Clock.systemUTC(),
                null);
        secret = ProxyKeys.newSecret();
        keys.create(new ProxyKey(
                ProxyKeys.newId(),
                ProxyKeys.hash(secret),
                "chatbot-prod",
                "prod",
                "team@example.com",
                new Attribution("chatbot", null, null, "prod", null, null, null),
                true,
                Instant.now().truncatedTo(ChronoUnit.SECONDS)));
        bootstrap = new StreamingBootstrap(runtime, new RuntimeApiClient(runtimeApi.hostAndPort()));
    }

    @AfterEach
    void stop() {
        runtime.close();
        runtimeApi.close();
        upstream.close();
    }

    @Test
    void handleNext_streamedChat_firstEventLeavesBeforeTheUpstreamFinishes() throws Exception {
        // Ten pieces 150 ms apart: nine gaps, so the upstream needs at least 1.35 s to finish its stream.
        upstream.enqueue(Behavior.defaults().withPieceCount(10).withPieceDelay(Duration.ofMillis(150)));
        runtimeApi.enqueue(event("POST", "/v1/chat/completions", STREAMED_CHAT, secret, null));

        long begin = System.nanoTime();
        bootstrap.handleNext();
        FakeRuntimeApi.Received received = runtimeApi.awaitResponse();

        assertThat(received.headers())
                .containsEntry("Lambda-Runtime-Function-Response-Mode", "streaming")
                .containsEntry("Transfer-encoding", "chunked")
                .containsEntry("Content-type", RuntimeApiClient.STREAMING_CONTENT_TYPE);
        Prelude prelude = Prelude.split(received.body());
        assertThat(prelude.json().path("statusCode").asInt()).isEqualTo(200);
        assertThat(prelude.header("Content-Type")).startsWith("text/event-stream");
        assertThat(prelude.text()).contains("data: [DONE]");

        Long firstEvent = null;
        long preludeBytes = prelude.preludeLength();
        long seen = 0;
        for (FakeRuntimeApi.Piece piece : received.pieces()) {
            seen += piece.bytes().length;
            if (seen > preludeBytes && new String(piece.bytes(), StandardCharsets.UTF_8).contains("data:")) {
                firstEvent = piece.nanos();
                break;
            }
        }
        assertThat(firstEvent).as("an SSE event after the prelude").isNotNull();
        long firstEventMillis = (firstEvent - begin) / 1_000_000;
        long endMillis = (received.endNanos() - begin) / 1_000_000;
        assertThat(endMillis)
                .as("the body ended after the upstream's last piece")
                .isGreaterThanOrEqualTo(1300);
        // Relative, so a slow machine cannot fake or fail it: a buffered runtime would deliver the first event with
        // the last one. 800 ms before the end, the upstream still had at least five pieces to send.
        assertThat(endMillis - firstEventMillis)
                .as("first SSE event reached the Runtime API this long before the stream ended")
                .isGreaterThan(800);
    }

    @Test
    void handleNext_bufferedChat_preludeThenJsonBodyAndUsageFlushed() throws Exception {
        runtimeApi.enqueue(event("POST", "/v1/chat/completions", CHAT, secret, null));

        bootstrap.handleNext();
        Prelude prelude = Prelude.split(runtimeApi.awaitResponse().body());

        assertThat(prelude.json().path("statusCode").asInt()).isEqualTo(200);
        assertThat(prelude.header("Content-Type")).startsWith("application/json");
        String requestId = prelude.header("X-Spendgate-Request-Id");
        assertThat(requestId).isNotBlank();
        JsonNode body = JSON.readTree(prelude.text());
        assertThat(body.path("object").asText()).isEqualTo("chat.completion");

        // Flushed before the bootstrap asks for the next event: a frozen Lambda keeps nothing in memory.
        List<UsageRecord> records = records();
        assertThat(records).singleElement().satisfies(r -> {
            assertThat(r.requestId()).isEqualTo(requestId);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.costUsd()).isPositive();
            assertThat(r.attribution().feature()).isEqualTo("chatbot");
        });
        assertThat(metricLines).singleElement().satisfies(line -> {
            JsonNode emf = JSON.readTree(line);
            assertThat(emf.path("GatewayOverhead").get(0).asLong())
                    .isEqualTo(records.get(0).overheadMs());
        });
    }

    @Test
    void handleNext_unknownKey_answers401InTheProviderShape() throws Exception {
        runtimeApi.enqueue(event("POST", "/v1/chat/completions", CHAT, "sg-not-a-key", null));

        bootstrap.handleNext();
        Prelude prelude = Prelude.split(runtimeApi.awaitResponse().body());

        assertThat(prelude.json().path("statusCode").asInt()).isEqualTo(401);
        assertThat(JSON.readTree(prelude.text()).path("error").path("type").asText())
                .isEqualTo("authentication_error");
        assertThat(upstream.requestCount()).isZero();
    }

    @Test
    void handleNext_adminRouteWithoutIamCaller_isRefused() throws Exception {
        runtimeApi.enqueue(event("GET", "/admin/budgets", null, null, null));

        bootstrap.handleNext();
        Prelude prelude = Prelude.split(runtimeApi.awaitResponse().body());

        assertThat(prelude.json().path("statusCode").asInt()).isEqualTo(403);
        assertThat(prelude.text()).contains("IAM-signed");
    }

    @Test
    void handleNext_adminRouteWithIamCaller_isServed() throws Exception {
        runtimeApi.enqueue(event("GET", "/admin/budgets", null, null, "arn:aws:iam::123456789012:user/ops"));

        bootstrap.handleNext();
        Prelude prelude = Prelude.split(runtimeApi.awaitResponse().body());

        assertThat(prelude.json().path("statusCode").asInt()).isEqualTo(200);
        assertThat(JSON.readTree(prelude.text()).isContainerNode()).isTrue();
    }

    @Test
    void handleNext_eventIsNotARestEvent_reportsAnInvocationError() throws Exception {
        runtimeApi.enqueue("{\"source\":\"aws.events\"}");

        bootstrap.handleNext();

        assertThat(runtimeApi.errors).singleElement().satisfies(e -> {
            assertThat(e.path()).isEqualTo("/2018-06-01/runtime/invocation/req-1/error");
            assertThat(e.errorType()).isEqualTo("Runtime.InvalidEvent");
            assertThat(JSON.readTree(e.body()).path("errorType").asText()).isEqualTo("Runtime.InvalidEvent");
        });
    }

    @Test
    void initError_reported_reachesTheInitErrorEndpoint() throws Exception {
        new RuntimeApiClient(runtimeApi.hostAndPort()).initError("Runtime.InitError", "no \"table\"\nset");

        assertThat(runtimeApi.errors).singleElement().satisfies(e -> {
            assertThat(e.path()).isEqualTo("/2018-06-01/runtime/init/error");
            assertThat(JSON.readTree(e.body()).path("errorMessage").asText()).isEqualTo("no \"table\"\nset");
        });
    }

    private List<UsageRecord> records() {
        List<UsageRecord> out = new ArrayList<>();
        Instant now = Instant.now();
        UsageLogReader.create(store).read(now.minus(1, ChronoUnit.DAYS), now.plus(1, ChronoUnit.HOURS), out::add);
        return out;
    }

    private static String event(String method, String path, String body, String key, String userArn) {
        ObjectNode e = JSON.createObjectNode();
        e.put("resource", path.startsWith("/admin") ? "/admin/{proxy+}" : "/v1/{proxy+}");
        e.put("path", path);
        e.put("httpMethod", method);
        ObjectNode headers = e.putObject("headers");
        ObjectNode multi = e.putObject("multiValueHeaders");
        headers.put("Content-Type", "application/json");
        multi.putArray("Content-Type").add("application/json");
        if (key != null) {
            headers.put("Authorization", "Bearer " + key);
            multi.putArray("Authorization").add("Bearer " + key);
        }
        e.putNull("queryStringParameters");
        ObjectNode identity = e.putObject("requestContext").put("stage", "prod").putObject("identity");
        identity.put("sourceIp", "203.0.113.7");
        if (userArn != null) {
            identity.put("userArn", userArn);
        }
        if (body == null) {
            e.putNull("body");
            e.put("isBase64Encoded", false);
        } else {
            e.put("body", Base64.getEncoder().encodeToString(body.getBytes(StandardCharsets.UTF_8)));
            e.put("isBase64Encoded", true);
        }
        return e.toString();
    }

    /** The HTTP-integration response: JSON prelude, eight NUL bytes, body. */
    record Prelude(JsonNode json, int preludeLength, String text) {
        /** A response header, whatever its case ("" when absent). */
        String header(String name) {
            var fields = json.path("headers").fields();
            while (fields.hasNext()) {
                var e = fields.next();
                if (e.getKey().equalsIgnoreCase(name)) {
                    return e.getValue().asText();
                }
            }
            return "";
        }

        static Prelude split(byte[] all) throws Exception {
            for (int i = 0; i + 8 <= all.length; i++) {
                if (Arrays.equals(all, i, i + 8, StreamingResponse.DELIMITER, 0, 8)) {
                    return new Prelude(
                            JSON.readTree(new String(all, 0, i, StandardCharsets.UTF_8)),
                            i + 8,
                            new String(all, i + 8, all.length - i - 8, StandardCharsets.UTF_8));
                }
            }
            throw new AssertionError("no 8-NUL delimiter after the prelude");
        }
    }
}
