package dev.spendgate.function.proxy.lambda.stream;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
import dev.spendgate.testing.upstream.Behavior;
import dev.spendgate.testing.upstream.FakeLlmUpstream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Lambda ends an invocation at its {@code Lambda-Runtime-Deadline-Ms} (the function's timeout), killing whatever the
 * runtime was doing: a stream still running then never gets its usage record, and the sweeper later charges the
 * reservation's worst case instead of what was streamed. The bootstrap knows the deadline from
 * {@code /invocation/next}; the call's record must be durable before it.
 */
class StreamingBootstrapDeadlineIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String STREAMED_CHAT =
            "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Count slowly.\"}]}";

    @TempDir
    Path dir;

    FakeLlmUpstream upstream;
    FakeRuntimeApi runtimeApi;
    GatewayRuntime runtime;
    FileSystemObjectStore store;
    StreamingBootstrap bootstrap;
    String secret;

    @BeforeEach
    void start() throws Exception {
        upstream = FakeLlmUpstream.start();
        runtimeApi = new FakeRuntimeApi();
        ProxyConfig config = ProxyConfig.fromEnv(Map.of(
                "OPENAI_API_KEY", upstream.openAiKey(),
                "SPENDGATE_OPENAI_BASE_URL", upstream.openAiBaseUrl()));
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
    void handleNext_streamOutlivesTheInvocationDeadline_recordDurableBeforeTheDeadline() throws Exception {
        // The upstream needs about 6 s (twelve pieces 500 ms apart); the invocation may run 2 s.
        upstream.enqueue(Behavior.defaults().withPieceCount(12).withPieceDelay(Duration.ofMillis(500)));
        runtimeApi.invocationMillis = 2_000;
        runtimeApi.enqueue(event(STREAMED_CHAT));

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

        assertThat(records()).as("the record, once the stream has ended").hasSize(1);
        assertThat(atDeadline)
                .as("usage records durable when the invocation's deadline passed")
                .hasSize(1);
        assertThat(atDeadline.get(0).errorType()).isEqualTo("invocation_deadline");
        assertThat(atDeadline.get(0).usageSource()).isEqualTo(UsageRecord.UsageSource.ESTIMATED);
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
