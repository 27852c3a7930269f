package dev.spendgate.function.proxy.lambda.stream;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spendgate.aws.dynamodb.DynamoDbTables;
import dev.spendgate.domain.attribution.Attribution;
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
import dev.spendgate.function.proxy.budget.BudgetStores;
import dev.spendgate.function.proxy.budget.LogAlertSink;
import dev.spendgate.function.proxy.lambda.AwsGatewayRuntime;
import dev.spendgate.function.proxy.lambda.ProviderKeyRefresh;
import dev.spendgate.testing.aws.LocalDynamoDb;
import dev.spendgate.testing.upstream.FakeLlmUpstream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
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
 * Lambda Managed Instances: one execution environment serves {@code AWS_LAMBDA_MAX_CONCURRENCY} invocations at once,
 * "each handled by a different runtime worker" (Lambda developer guide, "Understanding the Lambda Managed Instances
 * execution environment"). The provider keys' re-read from Secrets Manager ({@code ProviderKeyRefresh}, run between
 * invocations) is due in one invocation; while that read waits (Secrets Manager slow or unreachable: the SDK's
 * timeouts and retries), the keys in use stay valid, so the other workers must go on taking invocations rather than
 * queue behind the read.
 */
class LmiProviderKeyRefreshStallsWorkersReviewIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CHAT =
            "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Say hi.\"}]}";

    @TempDir
    Path dir;

    UsageSpool spool;
    FakeLlmUpstream upstream;
    FakeRuntimeApi runtimeApi;
    GatewayRuntime runtime;
    FileSystemObjectStore store;
    String secret;
    final CountDownLatch readStarted = new CountDownLatch(1);
    final CountDownLatch secretsBack = new CountDownLatch(1);

    @BeforeEach
    void start() throws Exception {
        upstream = FakeLlmUpstream.start();
        runtimeApi = new FakeRuntimeApi();
        LocalDynamoDb dynamo = LocalDynamoDb.shared();
        String table = LocalDynamoDb.uniqueTableName("budgets");
        DynamoDbTables.createBudgetsTable(dynamo.client(), table);
        BudgetStores budgets = AwsGatewayRuntime.budgets(dynamo.client(), table, new LogAlertSink());
        ProxyConfig config = ProxyConfig.fromEnv(
                Map.of("OPENAI_API_KEY", upstream.openAiKey(), "SPENDGATE_OPENAI_BASE_URL", upstream.openAiBaseUrl()));
        FileKeyStore keys = new FileKeyStore(dir.resolve("keys.json"));
        store = new FileSystemObjectStore(dir.resolve("store"));
        spool = new FileSystemUsageSpool(dir.resolve("spool"));
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
        // the refresh is due at the first invocation's end; its read waits until the test lets it answer
        runtime.betweenInvocations(new ProviderKeyRefresh(
                () -> {
                    readStarted.countDown();
                    try {
                        secretsBack.await(60, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return Map.of("OPENAI_API_KEY", upstream.openAiKey());
                },
                runtime.providers(),
                Duration.ofMinutes(5),
                System::nanoTime,
                System.nanoTime() - Duration.ofMinutes(6).toNanos()));
    }

    @AfterEach
    void stop() {
        secretsBack.countDown();
        runtime.close();
        runtimeApi.close();
        upstream.close();
    }

    @Test
    void keyRefreshWaitingInOneInvocation_otherWorkersTakeTheNextInvocations() throws Exception {
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
            assertThat(status(runtimeApi.awaitResponse())).isEqualTo(200);
            assertThat(readStarted.await(20, TimeUnit.SECONDS))
                    .as("the first invocation re-reads the provider keys")
                    .isTrue();

            // two more calls while that read waits: the other worker answers the first, then takes the next
            runtimeApi.enqueue(event());
            runtimeApi.enqueue(event());
            assertThat(status(runtimeApi.awaitResponse())).isEqualTo(200);
            assertThat(status(runtimeApi.awaitResponse()))
                    .as("the third call is taken by the worker that is not reading the secret")
                    .isEqualTo(200);
        } finally {
            secretsBack.countDown();
            runtimeApi.awaitNextRequests(2 + 3); // both workers done with the three calls
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
