package dev.spendgate.function.proxy.lambda.stream;

import static org.assertj.core.api.Assertions.assertThat;

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
import dev.spendgate.testing.upstream.FakeLlmUpstream;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.math.BigDecimal;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The deployed carrier killed for real: the streaming bootstrap runs in its own JVM against DynamoDB (dynalite), ends
 * the client's answer, and is SIGKILLed before it settles the budget or writes the usage record. Then, as another
 * instance would a quarter of an hour later, the sweeper finds the orphan: the worst case is counted as spent (the
 * budget refuses what no longer fits), the call has exactly one usage record, marked as a worst-case estimate, and a
 * second sweeper changes nothing.
 */
class StreamingBootstrapKillIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CHAT =
            "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Say hi.\"}]}";

    @TempDir
    Path dir;

    FakeLlmUpstream upstream;
    FakeRuntimeApi runtimeApi;
    LocalDynamoDb dynamo;
    String table;
    BudgetStores budgets;
    BudgetPolicy policy;
    String secret;
    Process child;
    final StringBuffer childOutput = new StringBuffer();
    final List<GatewayRuntime> runtimes = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        upstream = FakeLlmUpstream.start();
        runtimeApi = new FakeRuntimeApi();
        dynamo = LocalDynamoDb.shared();
        table = LocalDynamoDb.uniqueTableName("budgets");
        DynamoDbTables.createBudgetsTable(dynamo.client(), table);
        budgets = AwsGatewayRuntime.budgets(dynamo.client(), table, new LogAlertSink());
        policy = policy(new BigDecimal("10"));
        budgets.policies().put(policy);
        secret = ProxyKeys.newSecret();
        new FileKeyStore(dir.resolve("keys.json"))
                .create(new ProxyKey(
                        ProxyKeys.newId(),
                        ProxyKeys.hash(secret),
                        "chatbot-prod",
                        "prod",
                        null,
                        new Attribution("chatbot", "support", null, "prod", null, null, null),
                        true,
                        Instant.now().truncatedTo(ChronoUnit.SECONDS)));
    }

    @AfterEach
    void stop() {
        if (child != null) {
            child.destroyForcibly();
        }
        runtimes.forEach(GatewayRuntime::close);
        runtimeApi.close();
        upstream.close();
    }

    @Test
    void sigkillAfterTheAnswerBeforeSettlement_sweeperChargesTheWorstCaseAndWritesOneEstimatedRecord()
            throws Exception {
        child = startChild();
        CompletableFuture<Void> waiting = awaitLine(child, KilledAfterResponseMain.RESPONSE_ENDED);
        runtimeApi.enqueue(event(CHAT));

        try {
            waiting.get(60, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("the child never ended the response:\n" + childOutput, e);
        }
        FakeRuntimeApi.Received answered = runtimeApi.awaitResponse();
        StreamingBootstrapIT.Prelude prelude = StreamingBootstrapIT.Prelude.split(answered.body());
        assertThat(prelude.json().path("statusCode").asInt()).isEqualTo(200);
        String requestId = prelude.header("X-Spendgate-Request-Id");
        assertThat(requestId).isNotBlank();
        awaitConfirmedEntry();
        child.destroyForcibly(); // SIGKILL: the settlement and the record never run
        assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(child.exitValue()).as("killed by SIGKILL").isEqualTo(137);

        BudgetState held = item();
        BigDecimal worstCase = held.reserved();
        assertThat(worstCase).as("the worst case stays reserved").isPositive();
        assertThat(held.spent()).isZero();
        assertThat(records())
                .as("no record: the process died before writing it")
                .isEmpty();
        // a limit that the call's worst case, once spent, leaves too little of for a second such call
        budgets.policies().put(policy(worstCase.multiply(new BigDecimal("1.5"))));

        // another instance a quarter of an hour later
        GatewayRuntime later = runtime(Clock.offset(Clock.systemUTC(), Duration.ofMinutes(16)));
        later.sweepQuietly();

        BudgetState charged = item();
        assertThat(charged.reserved()).isZero();
        assertThat(charged.spent()).as("the worst case is spent, not released").isEqualByComparingTo(worstCase);
        List<UsageRecord> records = records();
        assertThat(records).singleElement().satisfies(r -> {
            assertThat(r.requestId()).isEqualTo(requestId);
            assertThat(r.worstCaseEstimate()).isTrue();
            assertThat(r.schemaVersion()).isEqualTo(UsageRecord.COST_BASIS_SCHEMA_VERSION);
            assertThat(r.usageSource()).isEqualTo(UsageRecord.UsageSource.ESTIMATED);
            assertThat(r.costUsd()).isEqualByComparingTo(worstCase);
            assertThat(r.attribution().feature()).isEqualTo("chatbot");
            assertThat(r.attribution().department()).isEqualTo("support");
            assertThat(r.provider()).isEqualTo("openai");
            assertThat(r.modelRequested()).isEqualTo("gpt-4o-mini");
            assertThat(r.stream()).isFalse();
        });

        // a second sweeper (another instance) finds nothing left: no second charge, no second record
        runtime(Clock.offset(Clock.systemUTC(), Duration.ofMinutes(17))).sweepQuietly();
        assertThat(item().spent()).isEqualByComparingTo(worstCase);
        assertThat(records()).hasSize(1);

        // the money the call may have cost is not admitted again: a second call's worst case no longer fits
        FakeRuntimeApi.Received refused = handleInProcess(later);
        StreamingBootstrapIT.Prelude second = StreamingBootstrapIT.Prelude.split(refused.body());
        assertThat(second.json().path("statusCode").asInt()).isEqualTo(429);
        assertThat(second.text()).contains("budget_exceeded");
        assertThat(item().spent()).isEqualByComparingTo(worstCase);
    }

    private FakeRuntimeApi.Received handleInProcess(GatewayRuntime runtime) throws Exception {
        runtimeApi.enqueue(event(CHAT));
        new StreamingBootstrap(runtime, new RuntimeApiClient(runtimeApi.hostAndPort())).handleNext();
        return runtimeApi.awaitResponse();
    }

    private Process startChild() throws Exception {
        Path javaBin = Path.of(System.getProperty("java.home"), "bin", "java");
        return new ProcessBuilder(
                        javaBin.toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        KilledAfterResponseMain.class.getName(),
                        runtimeApi.hostAndPort(),
                        dynamo.endpoint().toString(),
                        table,
                        dir.toString(),
                        upstream.openAiKey(),
                        upstream.openAiBaseUrl())
                .redirectErrorStream(true)
                .start();
    }

    /** Completes when the process prints {@code line}; keeps draining its output after that. */
    private CompletableFuture<Void> awaitLine(Process process, String line) {
        CompletableFuture<Void> seen = new CompletableFuture<>();
        StringBuffer output = childOutput;
        Thread reader = new Thread(() -> {
            try (BufferedReader in =
                    new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String l;
                while ((l = in.readLine()) != null) {
                    output.append(l).append('\n');
                    if (l.contains(line)) {
                        seen.complete(null);
                    }
                }
            } catch (Exception e) {
                // the process was killed
            }
            seen.completeExceptionally(new AssertionError("the child ended without '" + line + "':\n" + output));
        });
        reader.setDaemon(true);
        reader.start();
        return seen;
    }

    private GatewayRuntime runtime(Clock clock) {
        FileSystemObjectStore store = new FileSystemObjectStore(dir);
        GatewayRuntime runtime = GatewayRuntime.create(
                ProxyConfig.fromEnv(Map.of(
                        "OPENAI_API_KEY", upstream.openAiKey(), "SPENDGATE_OPENAI_BASE_URL", upstream.openAiBaseUrl())),
                new FileKeyStore(dir.resolve("keys.json")),
                store,
                UsageSink.objectStore(store),
                new FileSystemUsageSpool(dir.resolve("spool")),
                UsageJournal.NONE,
                AwsGatewayRuntime.budgets(dynamo.client(), table, new LogAlertSink()),
                clock,
                null);
        runtimes.add(runtime);
        return runtime;
    }

    /** The entry is confirmed off the call's path; only a confirmed entry is charged. */
    private void awaitConfirmedEntry() throws InterruptedException {
        Instant later = Instant.now().plus(Duration.ofMinutes(16));
        for (int i = 0; i < 200; i++) {
            if (budgets.journal().expired(later, 10).stream().anyMatch(e -> e.confirmed())) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the call's journal entry was never confirmed");
    }

    private static BudgetPolicy policy(BigDecimal limit) {
        return new BudgetPolicy(
                BudgetScope.parse("feature:chatbot"),
                BudgetPeriod.MONTHLY,
                limit,
                BudgetPolicy.Mode.BLOCK,
                List.of(),
                null,
                null);
    }

    private BudgetState item() {
        return budgets.ledger().state(policy.itemKey("chatbot", Instant.now())).orElse(BudgetState.EMPTY);
    }

    private List<UsageRecord> records() {
        List<UsageRecord> out = new ArrayList<>();
        Instant now = Instant.now();
        UsageLogReader.create(new FileSystemObjectStore(dir))
                .read(now.minus(1, ChronoUnit.DAYS), now.plus(1, ChronoUnit.HOURS), out::add);
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
