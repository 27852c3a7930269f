package dev.spendgate.function.proxy.lambda.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spendgate.aws.dynamodb.DynamoDbTables;
import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.budget.BudgetPeriod;
import dev.spendgate.domain.budget.BudgetPolicy;
import dev.spendgate.domain.budget.BudgetScope;
import dev.spendgate.domain.budget.BudgetState;
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
import dev.spendgate.function.proxy.budget.BudgetStores;
import dev.spendgate.function.proxy.budget.LogAlertSink;
import dev.spendgate.function.proxy.lambda.AwsGatewayRuntime;
import dev.spendgate.testing.aws.LocalDynamoDb;
import dev.spendgate.testing.upstream.Behavior;
import dev.spendgate.testing.upstream.FakeLlmUpstream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The streaming bootstrap as Lambda Managed Instances run it: {@code AWS_LAMBDA_MAX_CONCURRENCY} poll loops in one
 * JVM against the Runtime API, so several invocations are in flight at once, each budgeted against DynamoDB
 * (dynalite) and each answered, settled and recorded exactly once.
 */
class StreamingBootstrapConcurrencyIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CHAT =
            "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Say hi.\"}]}";
    private static final String STREAMED_CHAT =
            "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Say hi.\"}]}";
    private static final BigDecimal LIMIT = new BigDecimal("10");
    private static final int CALLS = 8;
    /** Long enough that calls handled one after another could never overlap. */
    private static final Duration PROVIDER_WAIT = Duration.ofMillis(800);

    @TempDir
    Path dir;

    FakeLlmUpstream upstream;
    FakeRuntimeApi runtimeApi;
    GatewayRuntime runtime;
    BudgetStores budgets;
    FileSystemObjectStore store;
    BudgetPolicy policy;
    String secret;

    @BeforeEach
    void start() throws Exception {
        upstream = FakeLlmUpstream.start();
        upstream.setDefaultBehavior(Behavior.defaults().withFirstByteDelay(PROVIDER_WAIT));
        runtimeApi = new FakeRuntimeApi();
        LocalDynamoDb dynamo = LocalDynamoDb.shared();
        String table = LocalDynamoDb.uniqueTableName("budgets");
        DynamoDbTables.createBudgetsTable(dynamo.client(), table);
        budgets = AwsGatewayRuntime.budgets(dynamo.client(), table, new LogAlertSink());
        policy = new BudgetPolicy(
                BudgetScope.parse("feature:chatbot"),
                BudgetPeriod.MONTHLY,
                LIMIT,
                BudgetPolicy.Mode.BLOCK,
                List.of(),
                null,
                null);
        budgets.policies().put(policy);
        ProxyConfig config = ProxyConfig.fromEnv(
                Map.of("OPENAI_API_KEY", upstream.openAiKey(), "SPENDGATE_OPENAI_BASE_URL", upstream.openAiBaseUrl()));
        FileKeyStore keys = new FileKeyStore(dir.resolve("keys.json"));
        store = new FileSystemObjectStore(dir);
        runtime = GatewayRuntime.create(
                config,
                keys,
                store,
                UsageSink.objectStore(store),
                new FileSystemUsageSpool(dir.resolve("spool")),
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
    void serve_eightWorkers_invocationsOverlapAndEachIsSettledAndRecordedOnce() throws Exception {
        for (int i = 0; i < CALLS; i++) {
            runtimeApi.enqueue(event(i % 2 == 0 ? CHAT : STREAMED_CHAT));
        }
        StreamingBootstrap bootstrap = new StreamingBootstrap(runtime, new RuntimeApiClient(runtimeApi.hostAndPort()));
        Thread serving = new Thread(() -> {
            try {
                bootstrap.serve(CALLS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        serving.start();
        try {
            List<FakeRuntimeApi.Received> answers = new ArrayList<>();
            for (int i = 0; i < CALLS; i++) {
                answers.add(runtimeApi.awaitResponse());
            }

            Set<String> ids = new HashSet<>();
            long lastStart = Long.MIN_VALUE;
            long firstEnd = Long.MAX_VALUE;
            for (FakeRuntimeApi.Received answer : answers) {
                assertThat(StreamingBootstrapIT.Prelude.split(answer.body())
                                .json()
                                .path("statusCode")
                                .asInt())
                        .isEqualTo(200);
                ids.add(answer.requestId());
                lastStart = Math.max(lastStart, runtimeApi.handedOut.get(answer.requestId()));
                firstEnd = Math.min(firstEnd, answer.endNanos());
            }
            assertThat(ids).hasSize(CALLS);
            assertThat(lastStart)
                    .as(
                            "the last invocation was handed out before the first one's response ended: all %d were in"
                                    + " flight at once",
                            CALLS)
                    .isLessThan(firstEnd);
            assertThat(runtimeApi.errors).isEmpty();

            // Settlement and the record follow each response; wait for all eight, then check the books.
            List<UsageRecord> records = awaitRecords(CALLS);
            assertThat(records).extracting(UsageRecord::requestId).doesNotHaveDuplicates();
            assertThat(records).allSatisfy(r -> assertThat(r.costUsd()).isPositive());
            BigDecimal recorded = records.stream().map(UsageRecord::costUsd).reduce(BigDecimal.ZERO, BigDecimal::add);
            BudgetState settled = awaitSettled();
            assertThat(settled.reserved()).isZero();
            assertThat(settled.spent())
                    .as("the budget holds exactly what the eight records cost")
                    .isEqualByComparingTo(recorded);
        } finally {
            serving.interrupt();
            serving.join(10_000);
        }
        assertThat(serving.isAlive())
                .as("interrupting serve() stops every worker")
                .isFalse();
    }

    @Test
    void workers_fromTheEnvironment_oneUnlessLambdaSetsMoreAndBadValuesNamed() {
        assertThat(StreamingBootstrap.workers(Map.of())).isEqualTo(1);
        assertThat(StreamingBootstrap.workers(Map.of("AWS_LAMBDA_MAX_CONCURRENCY", "64")))
                .isEqualTo(64);
        assertThatThrownBy(() -> StreamingBootstrap.workers(Map.of("AWS_LAMBDA_MAX_CONCURRENCY", "0")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("AWS_LAMBDA_MAX_CONCURRENCY");
        assertThatThrownBy(() -> StreamingBootstrap.workers(Map.of("AWS_LAMBDA_MAX_CONCURRENCY", "many")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'many'");
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
        throw new AssertionError("expected " + count + " usage records, found " + out.size());
    }

    private BudgetState awaitSettled() throws InterruptedException {
        BudgetState state = item();
        for (int i = 0; i < 200 && state.reserved().signum() != 0; i++) {
            Thread.sleep(50);
            state = item();
        }
        return state;
    }

    private BudgetState item() {
        return budgets.ledger().state(policy.itemKey("chatbot", Instant.now())).orElse(BudgetState.EMPTY);
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
        ObjectNode headers = e.putObject("headers");
        headers.put("Content-Type", "application/json");
        headers.put("Authorization", "Bearer " + secret);
        e.putNull("queryStringParameters");
        e.putObject("requestContext").put("stage", "prod").putObject("identity").put("sourceIp", "203.0.113.7");
        e.put("body", Base64.getEncoder().encodeToString(body.getBytes(StandardCharsets.UTF_8)));
        e.put("isBase64Encoded", true);
        return e.toString();
    }
}
