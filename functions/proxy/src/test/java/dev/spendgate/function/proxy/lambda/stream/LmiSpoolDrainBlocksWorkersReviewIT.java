package dev.spendgate.function.proxy.lambda.stream;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spendgate.aws.dynamodb.DynamoDbTables;
import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.keys.ProxyKey;
import dev.spendgate.domain.keys.ProxyKeys;
import dev.spendgate.domain.usage.UsageJournal;
import dev.spendgate.domain.usage.UsageLogReader;
import dev.spendgate.domain.usage.UsageRecord;
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
import dev.spendgate.testing.aws.LocalDynamoDb;
import dev.spendgate.testing.upstream.FakeLlmUpstream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Lambda Managed Instances: one execution environment serves {@code AWS_LAMBDA_MAX_CONCURRENCY} invocations at once,
 * "each handled by a different runtime worker" (Lambda developer guide, "Understanding the Lambda Managed Instances
 * execution environment"), and the README promises that each loop "answers, settles and records its own call". The
 * once-a-minute spool drain one invocation runs after its call must not stop the other workers from recording their
 * calls and taking the next invocations: while it waits on a slow sink (Firehose throttling after an outage, the
 * spool full of the outage's batches), the environment's other calls must go on.
 */
class LmiSpoolDrainBlocksWorkersReviewIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CHAT =
            "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Say hi.\"}]}";
    private static final String SPOOLED_KEY = "spooled/outage-batch.ndjson.gz";

    @TempDir
    Path dir;

    UsageSpool spool;
    FakeLlmUpstream upstream;
    FakeRuntimeApi runtimeApi;
    GatewayRuntime runtime;
    FileSystemObjectStore store;
    String secret;
    final CountDownLatch drainStarted = new CountDownLatch(1);
    final CountDownLatch sinkBack = new CountDownLatch(1);

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
        // what an earlier Firehose outage left in the spool
        spool.spill(new UsageSpool.SpooledBatch(SPOOLED_KEY, emptyGzip()));
        UsageSink live = UsageSink.objectStore(store);
        UsageSink slowForTheSpooledBatch = new UsageSink() {
            @Override
            public Refused deliver(String objectKey, byte[] gzipNdjson) {
                if (objectKey.equals(SPOOLED_KEY)) {
                    drainStarted.countDown();
                    try {
                        sinkBack.await(60, TimeUnit.SECONDS); // the sink answers slowly (throttled)
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return live.deliver(objectKey, gzipNdjson);
            }
        };
        runtime = GatewayRuntime.create(
                config,
                keys,
                store,
                slowForTheSpooledBatch,
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
        sinkBack.countDown();
        runtime.close();
        runtimeApi.close();
        upstream.close();
    }

    @Test
    void spoolDrainInOneInvocation_otherWorkersStillRecordTheirCallsAndTakeTheNextInvocations() throws Exception {
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
            // the environment's first call: its worker records it, then drains the spool (a slow sink)
            runtimeApi.enqueue(event());
            assertThat(status(runtimeApi.awaitResponse())).isEqualTo(200);
            assertThat(drainStarted.await(20, TimeUnit.SECONDS))
                    .as("the first invocation drains the spool")
                    .isTrue();

            // two more calls while it drains: the other worker answers the first of them, records it, takes the next
            runtimeApi.enqueue(event());
            runtimeApi.enqueue(event());
            assertThat(status(runtimeApi.awaitResponse())).isEqualTo(200);
            List<UsageRecord> recorded = awaitRecords(2);
            assertThat(recorded)
                    .as("the second call's record reaches the sink while the first invocation drains")
                    .hasSizeGreaterThanOrEqualTo(2);
            assertThat(status(runtimeApi.awaitResponse()))
                    .as("the third call is taken by the worker that is not draining")
                    .isEqualTo(200);
        } finally {
            sinkBack.countDown();
            runtimeApi.awaitNextRequests(2 + 3); // both workers done with the three calls (the drain delivered)
            serving.interrupt();
            serving.join(10_000);
        }
    }

    @Test
    void callEndingWhileAnotherInvocationDrains_itsRecordIsDurableBeforeItsWorkerTakesTheNextEvent() throws Exception {
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
            assertThat(drainStarted.await(20, TimeUnit.SECONDS)).isTrue();

            // the second call, answered at once, on an invocation with 4 s to its deadline
            runtimeApi.invocationMillis = 4_000;
            long handedOutBy = System.currentTimeMillis();
            runtimeApi.enqueue(event());
            assertThat(status(runtimeApi.awaitResponse())).isEqualTo(200);
            // Lambda Managed Instances do not end an invocation (nor the environment) at its deadline: the worker
            // goes on, and may still make its call's record durable
            while (System.currentTimeMillis() < handedOutBy + 4_000 + 2_000) {
                Thread.sleep(100);
            }
            sinkBack.countDown(); // the drain finishes
            for (int i = 0; i < 400 && runtimeApi.nextRequests.get() < 4; i++) {
                Thread.sleep(50);
            }
            assertThat(runtimeApi.nextRequests.get())
                    .as("both workers asked for their next event")
                    .isGreaterThanOrEqualTo(4);

            int durable = records().size() + spooledRecords();
            assertThat(durable)
                    .as("both calls' records are in the sink or the spool once their workers take new events")
                    .isEqualTo(2);
        } finally {
            sinkBack.countDown();
            serving.interrupt();
            serving.join(10_000);
        }
    }

    private int spooledRecords() throws Exception {
        int n = 0;
        for (UsageSpool.SpooledBatch b : spool.pending(100)) {
            String text = new String(
                    new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(b.content())).readAllBytes(),
                    StandardCharsets.UTF_8);
            n += (int) text.lines().filter(l -> !l.isBlank()).count();
        }
        return n;
    }

    private static int status(FakeRuntimeApi.Received answer) throws Exception {
        return StreamingBootstrapIT.Prelude.split(answer.body())
                .json()
                .path("statusCode")
                .asInt();
    }

    private List<UsageRecord> awaitRecords(int count) throws InterruptedException {
        List<UsageRecord> out = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            out = records();
            if (out.size() >= count) {
                return out;
            }
            Thread.sleep(50);
        }
        return out;
    }

    private List<UsageRecord> records() {
        List<UsageRecord> out = new ArrayList<>();
        Instant now = Instant.now();
        UsageLogReader.create(store).read(now.minus(1, ChronoUnit.DAYS), now.plus(1, ChronoUnit.HOURS), out::add);
        return out;
    }

    private static byte[] emptyGzip() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        new GZIPOutputStream(bytes).close();
        return bytes.toByteArray();
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
