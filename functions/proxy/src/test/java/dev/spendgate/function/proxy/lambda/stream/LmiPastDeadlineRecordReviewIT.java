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
 * Lambda Managed Instances do not end an invocation, nor its execution environment, at the invocation's deadline: "Lambda
 * Managed Instances don't enforce timeouts; your code continues running" and the environment goes on serving the other
 * invocations (Lambda developer guide, "Understanding the Lambda Managed Instances execution environment", error
 * handling). A call that ends at or after its deadline (here: cut by the bootstrap at its deadline while the provider
 * still had not answered) must still have its record made durable before its worker takes the next event, as the
 * README promises for every loop ("each loop answers, settles and records its own call"); there is no background flush
 * in this runtime, so a record left in memory waits for some later invocation, or dies with the environment.
 */
class LmiPastDeadlineRecordReviewIT {
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

    @BeforeEach
    void start() throws Exception {
        upstream = FakeLlmUpstream.start();
        // the provider takes 2 s to answer: longer than the invocation has
        upstream.setDefaultBehavior(Behavior.defaults().withFirstByteDelay(Duration.ofSeconds(2)));
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
    }

    @AfterEach
    void stop() {
        runtime.close();
        runtimeApi.close();
        upstream.close();
    }

    @Test
    void callEndingAtItsDeadline_recordIsDurableBeforeTheWorkerTakesItsNextEvent() throws Exception {
        runtimeApi.invocationMillis = 1_000;
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
            assertThat(answer.requestId()).isNotBlank();
            // the worker that served it asks for its next event once it has settled and recorded the call
            for (int i = 0; i < 400 && runtimeApi.nextRequests.get() < 3; i++) {
                Thread.sleep(50);
            }
            assertThat(runtimeApi.nextRequests.get())
                    .as("the worker asked for its next event")
                    .isGreaterThanOrEqualTo(3);

            assertThat(records().size() + spooledRecords())
                    .as("the call's record is in the sink or the spool: nothing on LMI ended the environment")
                    .isEqualTo(1);
        } finally {
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

    private List<UsageRecord> records() {
        List<UsageRecord> out = new ArrayList<>();
        Instant now = Instant.now();
        UsageLogReader.create(store).read(now.minus(1, ChronoUnit.DAYS), now.plus(1, ChronoUnit.HOURS), out::add);
        return out;
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
