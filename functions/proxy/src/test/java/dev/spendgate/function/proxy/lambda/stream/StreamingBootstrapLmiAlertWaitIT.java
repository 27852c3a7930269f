package dev.spendgate.function.proxy.lambda.stream;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spendgate.aws.dynamodb.DynamoDbTables;
import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.budget.AlertSink;
import dev.spendgate.domain.budget.BudgetAlert;
import dev.spendgate.domain.keys.ProxyKey;
import dev.spendgate.domain.keys.ProxyKeys;
import dev.spendgate.domain.usage.UsageJournal;
import dev.spendgate.domain.usage.UsageSink;
import dev.spendgate.domain.usage.UsageSpool;
import dev.spendgate.embedded.FileKeyStore;
import dev.spendgate.embedded.FileSystemObjectStore;
import dev.spendgate.embedded.FileSystemUsageSpool;
import dev.spendgate.function.proxy.GatewayRuntime;
import dev.spendgate.function.proxy.ProxyConfig;
import dev.spendgate.function.proxy.budget.BackgroundAlertSink;
import dev.spendgate.function.proxy.budget.BudgetStores;
import dev.spendgate.function.proxy.lambda.AwsGatewayRuntime;
import dev.spendgate.testing.aws.LocalDynamoDb;
import dev.spendgate.testing.upstream.FakeLlmUpstream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Lambda Managed Instances: one execution environment serves {@code AWS_LAMBDA_MAX_CONCURRENCY} invocations at once and
 * is not frozen between them. On standard Lambda an invocation's end waits up to 2 s for pending alerts, since the
 * environment may be frozen right after; on LMI the alerts' thread goes on meanwhile, so while SNS or the webhook stalls
 * that wait would only hold every call's worker 2 s longer. A worker there takes its next event without it.
 */
class StreamingBootstrapLmiAlertWaitIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CHAT =
            "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Say hi.\"}]}";
    /** What standard Lambda's invocation end gives pending alerts ({@code GatewayRuntime.LAMBDA_ALERT_WAIT}). */
    private static final long ALERT_WAIT_NANOS = TimeUnit.SECONDS.toNanos(2);

    @TempDir
    Path dir;

    FakeLlmUpstream upstream;
    FakeRuntimeApi runtimeApi;
    GatewayRuntime runtime;
    BackgroundAlertSink alerts;
    String secret;
    final CountDownLatch alertSent = new CountDownLatch(1);
    final CountDownLatch snsBack = new CountDownLatch(1);

    @BeforeEach
    void start() throws Exception {
        upstream = FakeLlmUpstream.start();
        runtimeApi = new FakeRuntimeApi();
        LocalDynamoDb dynamo = LocalDynamoDb.shared();
        String table = LocalDynamoDb.uniqueTableName("budgets");
        DynamoDbTables.createBudgetsTable(dynamo.client(), table);
        // SNS does not answer until the test ends (a stalled endpoint): the alert stays pending all along
        alerts = new BackgroundAlertSink(new AlertSink() {
            @Override
            public void send(BudgetAlert alert) {
                hang();
            }

            @Override
            public void send(Notice notice) {
                hang();
            }

            private void hang() {
                alertSent.countDown();
                try {
                    snsBack.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        BudgetStores budgets = AwsGatewayRuntime.budgets(dynamo.client(), table, alerts);
        ProxyConfig config = ProxyConfig.fromEnv(
                Map.of("OPENAI_API_KEY", upstream.openAiKey(), "SPENDGATE_OPENAI_BASE_URL", upstream.openAiBaseUrl()));
        FileKeyStore keys = new FileKeyStore(dir.resolve("keys.json"));
        FileSystemObjectStore store = new FileSystemObjectStore(dir.resolve("store"));
        UsageSpool spool = new FileSystemUsageSpool(dir.resolve("spool"));
        runtime = GatewayRuntime.create(
                config,
                keys,
                store,
                UsageSink.objectStore(store),
                spool,
                UsageJournal.NONE,
                budgets,
                Clock.systemUTC(),
                null);
        secret = ProxyKeys.newSecret();
        keys.create(new ProxyKey(
                ProxyKeys.newId(),
                ProxyKeys.hash(secret),
                "chatbot-prod",
                "prod",
                null,
                new Attribution("chatbot", null, null, "prod", null, null, null),
                true,
                Instant.now().truncatedTo(ChronoUnit.SECONDS)));
    }

    @AfterEach
    void stop() {
        snsBack.countDown();
        runtime.close();
        runtimeApi.close();
        upstream.close();
    }

    @Test
    void alertPendingWhileSnsStalls_workerTakesItsNextEventWithoutWaitingForIt() throws Exception {
        alerts.send(new AlertSink.Notice("an earlier call's alert", "SNS is down", Map.of()));
        assertThat(alertSent.await(20, TimeUnit.SECONDS)).isTrue();
        StreamingBootstrap bootstrap = new StreamingBootstrap(runtime, new RuntimeApiClient(runtimeApi.hostAndPort()));
        Thread serving = new Thread(() -> {
            try {
                bootstrap.serve(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        serving.start();
        try {
            runtimeApi.enqueue(event());
            FakeRuntimeApi.Received answer = runtimeApi.awaitResponse();
            assertThat(status(answer)).isEqualTo(200);
            long askedNext = 0;
            for (int i = 0; i < 2_000 && askedNext == 0; i++) {
                if (runtimeApi.nextRequests.get() >= 3) {
                    askedNext = System.nanoTime();
                } else {
                    Thread.sleep(5);
                }
            }
            assertThat(askedNext).as("the worker asked for its next event").isPositive();
            assertThat(alerts.awaitIdle(java.time.Duration.ZERO))
                    .as("the alert is still pending")
                    .isFalse();
            assertThat(askedNext - answer.endNanos())
                    .as("the worker settled and recorded its call, then took its next event without waiting the"
                            + " 2 s standard Lambda gives pending alerts")
                    .isLessThan(ALERT_WAIT_NANOS);
        } finally {
            snsBack.countDown();
            serving.interrupt();
            serving.join(10_000);
        }
    }

    private static int status(FakeRuntimeApi.Received answer) throws Exception {
        return StreamingBootstrapIT.Prelude.split(answer.body())
                .json()
                .path("statusCode")
                .asInt();
    }

    private String event() {
        ObjectNode e = JSON.createObjectNode();
        e.put("resource", "/v1/{proxy+}");
        e.put("path", "/v1/chat/completions");
        e.put("httpMethod", "POST");
        ObjectNode headers = e.putObject("headers");
        headers.put("Content-Type", "application/json");
        headers.put("Authorization", "Bearer " + secret);
        e.putNull("queryStringParameters");
        e.putObject("requestContext").put("stage", "prod").putObject("identity").put("sourceIp", "203.0.113.7");
        e.put("body", Base64.getEncoder().encodeToString(CHAT.getBytes(StandardCharsets.UTF_8)));
        e.put("isBase64Encoded", true);
        return e.toString();
    }
}
