package dev.spendgate.function.proxy.lambda.stream;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spendgate.aws.AwsClients;
import dev.spendgate.aws.dynamodb.DynamoDbTables;
import dev.spendgate.aws.dynamodb.DynamoDbUsageSpool;
import dev.spendgate.aws.firehose.FirehoseUsageSink;
import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.budget.BudgetPeriod;
import dev.spendgate.domain.budget.BudgetPolicy;
import dev.spendgate.domain.budget.BudgetScope;
import dev.spendgate.domain.budget.BudgetState;
import dev.spendgate.domain.keys.ProxyKey;
import dev.spendgate.domain.keys.ProxyKeys;
import dev.spendgate.domain.usage.UsageJournal;
import dev.spendgate.embedded.FileKeyStore;
import dev.spendgate.embedded.FileSystemObjectStore;
import dev.spendgate.function.proxy.GatewayRuntime;
import dev.spendgate.function.proxy.ProxyConfig;
import dev.spendgate.function.proxy.budget.BudgetStores;
import dev.spendgate.function.proxy.budget.LogAlertSink;
import dev.spendgate.function.proxy.lambda.AwsGatewayRuntime;
import dev.spendgate.testing.aws.LocalDynamoDb;
import dev.spendgate.testing.upstream.Behavior;
import dev.spendgate.testing.upstream.FakeLlmUpstream;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.firehose.FirehoseClient;

/**
 * The deadline cut ({@code invocation_deadline}) with the usage sink the stack deploys: Firehose through the client
 * {@link AwsClients#firehose()} builds and {@link FirehoseUsageSink}'s defaults, the spool and the budgets in
 * dynalite. The Firehose endpoint takes the connection and does not answer in time (a slow or stalled service: a
 * call that "times out after accepting"). Lambda ends the invocation at its deadline whatever the runtime is doing,
 * so what is durable then is all there is.
 */
class StreamingBootstrapFirehoseDeadlineIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String STREAMED_CHAT =
            "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Count slowly.\"}]}";
    private static final long INVOCATION_MILLIS = 3_000;

    @TempDir
    Path dir;

    FakeLlmUpstream upstream;
    FakeRuntimeApi runtimeApi;
    StalledEndpoint firehoseEndpoint;
    FirehoseClient firehose;
    DynamoDbUsageSpool spool;
    BudgetStores budgets;
    BudgetPolicy policy;
    GatewayRuntime runtime;
    StreamingBootstrap bootstrap;
    String secret;

    @BeforeEach
    void start() throws Exception {
        upstream = FakeLlmUpstream.start();
        runtimeApi = new FakeRuntimeApi();
        firehoseEndpoint = new StalledEndpoint();
        // the production client (URL-connection HTTP client, SDK default retries) pointed at the stalled endpoint
        firehose = AwsClients.create(
                        Region.US_EAST_1,
                        firehoseEndpoint.uri(),
                        StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .firehose();
        LocalDynamoDb dynamo = LocalDynamoDb.shared();
        String spoolTable = LocalDynamoDb.uniqueTableName("spool");
        String budgetsTable = LocalDynamoDb.uniqueTableName("budgets");
        DynamoDbTables.createSpoolTable(dynamo.client(), spoolTable);
        DynamoDbTables.createBudgetsTable(dynamo.client(), budgetsTable);
        spool = new DynamoDbUsageSpool(dynamo.client(), spoolTable);
        budgets = AwsGatewayRuntime.budgets(dynamo.client(), budgetsTable, new LogAlertSink());
        policy = new BudgetPolicy(
                BudgetScope.parse("feature:chatbot"),
                BudgetPeriod.MONTHLY,
                new BigDecimal("10"),
                BudgetPolicy.Mode.BLOCK,
                List.of(),
                null,
                null);
        budgets.policies().put(policy);
        ProxyConfig config = ProxyConfig.fromEnv(
                Map.of("OPENAI_API_KEY", upstream.openAiKey(), "SPENDGATE_OPENAI_BASE_URL", upstream.openAiBaseUrl()));
        FileKeyStore keys = new FileKeyStore(dir.resolve("keys.json"));
        runtime = GatewayRuntime.create(
                config,
                keys,
                new FileSystemObjectStore(dir),
                new FirehoseUsageSink(firehose, "spendgate-usage"), // the deployed defaults: 3 attempts, 25 ms
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
        bootstrap = new StreamingBootstrap(runtime, new RuntimeApiClient(runtimeApi.hostAndPort()));
    }

    @AfterEach
    void stop() {
        firehoseEndpoint.close(); // lets the stuck delivery fail fast and finish
        runtime.close();
        firehose.close();
        runtimeApi.close();
        upstream.close();
    }

    @Test
    void handleNext_streamCutAtDeadlineWhileFirehoseStalls_callIsRecordedOrLeftToTheSweeper() throws Exception {
        // The upstream needs about 6 s; the invocation may run 3 s, so the relay is stopped 1.5 s before its end.
        upstream.enqueue(Behavior.defaults().withPieceCount(12).withPieceDelay(Duration.ofMillis(500)));
        runtimeApi.invocationMillis = INVOCATION_MILLIS;
        runtimeApi.enqueue(event(STREAMED_CHAT));

        long begin = System.currentTimeMillis();
        Thread invocation = Thread.ofPlatform().daemon().start(() -> {
            try {
                bootstrap.handleNext();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(Math.max(0, begin + INVOCATION_MILLIS - System.currentTimeMillis()));

        // At the deadline Lambda ends the invocation: what is durable now is all there is.
        int spooled = spool.pending(10).size();
        boolean stillReserved = !budgets.journal()
                .expired(Instant.now().plus(Duration.ofDays(1)), 10)
                .isEmpty();
        BigDecimal spent = budgets.ledger()
                .state(policy.itemKey("chatbot", Instant.now()))
                .orElse(BudgetState.EMPTY)
                .spent();

        firehoseEndpoint.close();
        invocation.join(60_000);

        assertThat(firehoseEndpoint.connections())
                .as("the record was being sent to Firehose")
                .isPositive();
        // The call was answered (cut at the deadline) and billed by the provider: either its record is durable (in the
        // spool; the stalled stream took nothing), or its reservation is still journaled so the sweeper writes the
        // record 15 minutes later. Here the settlement already ended the entry and counted the spend...
        assertThat(spent).as("the call's spend, settled before the deadline").isPositive();
        // ...while the record is still in the process's memory, waiting on Firehose: lost with the invocation.
        assertThat(spooled > 0 || stillReserved)
                .as("at the deadline the cut call's usage record is durable (spool) or left to the sweeper"
                        + " (journaled); spooled=" + spooled + ", journaled=" + stillReserved)
                .isTrue();
    }

    @Test
    void handleNext_killedWhileTheRecordIsHandedToFirehose_callIsRecordedOrLeftToTheSweeper() throws Exception {
        upstream.enqueue(Behavior.defaults());
        runtimeApi.enqueue(event(STREAMED_CHAT));

        Thread invocation = Thread.ofPlatform().daemon().start(() -> {
            try {
                bootstrap.handleNext();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        runtimeApi.awaitResponse(); // the client has its whole answer
        // No clock here: wait until the record's PutRecordBatch is on the wire (the endpoint took its connection).
        // A Lambda timeout, out-of-memory or SIGKILL at this moment ends the process with the call in this state.
        while (firehoseEndpoint.connections() == 0 && invocation.isAlive()) {
            Thread.sleep(5);
        }
        int spooled = spool.pending(10).size();
        boolean stillReserved = !budgets.journal()
                .expired(Instant.now().plus(Duration.ofDays(1)), 10)
                .isEmpty();
        BigDecimal spent = budgets.ledger()
                .state(policy.itemKey("chatbot", Instant.now()))
                .orElse(BudgetState.EMPTY)
                .spent();

        firehoseEndpoint.close();
        invocation.join(60_000);

        assertThat(firehoseEndpoint.connections())
                .as("the record was being sent to Firehose")
                .isPositive();
        assertThat(spent)
                .as("the call's spend, settled before its record was handed over")
                .isPositive();
        // README: a crash after the answer leaves the reservation journaled, and the sweeper writes the record. Here
        // the journal entry is gone and the record exists only in this process's memory.
        assertThat(spooled > 0 || stillReserved)
                .as("while the record is handed to Firehose, it is durable (spool) or left to the sweeper"
                        + " (journaled); spooled=" + spooled + ", journaled=" + stillReserved)
                .isTrue();
    }

    @Test
    void handleNext_firehoseStallsNearTheDeadline_recordSpooledAndEntryEndedBeforeTheDeadline() throws Exception {
        // As above, left to run: the stalled stream gets what is left of the invocation less the spool's share, so the
        // invocation ends before Lambda would end it, with the record in the spool and nothing left to the sweeper.
        upstream.enqueue(Behavior.defaults().withPieceCount(12).withPieceDelay(Duration.ofMillis(500)));
        runtimeApi.invocationMillis = INVOCATION_MILLIS;
        runtimeApi.enqueue(event(STREAMED_CHAT));

        long begin = System.currentTimeMillis();
        long[] ended = {0};
        Thread invocation = Thread.ofPlatform().daemon().start(() -> {
            try {
                bootstrap.handleNext();
                ended[0] = System.currentTimeMillis();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        invocation.join(60_000);

        assertThat(firehoseEndpoint.connections())
                .as("the record was sent to the stalled stream first")
                .isPositive();
        assertThat(ended[0])
                .as("the invocation ended (record handled) before its deadline, not at Firehose's timeouts")
                .isPositive()
                .isLessThan(begin + INVOCATION_MILLIS);
        List<dev.spendgate.domain.usage.UsageSpool.SpooledBatch> spooled = spool.pending(10);
        assertThat(spooled).hasSize(1);
        String line = new String(
                new java.util.zip.GZIPInputStream(
                                new java.io.ByteArrayInputStream(spooled.get(0).content()))
                        .readAllBytes(),
                StandardCharsets.UTF_8);
        assertThat(line).contains("\"error_type\":\"invocation_deadline\"");
        assertThat(budgets.journal().expired(Instant.now().plus(Duration.ofDays(1)), 10))
                .as("the call's entry ended once its record was durable: nothing for the sweeper to write or charge")
                .isEmpty();
        BudgetState state =
                budgets.ledger().state(policy.itemKey("chatbot", Instant.now())).orElseThrow();
        assertThat(state.spent()).isPositive();
        assertThat(state.reserved())
                .as("the worst case given back at the settlement")
                .isZero();
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

    /** Accepts connections on loopback and never answers: the request is taken, its answer does not come. */
    private static final class StalledEndpoint implements AutoCloseable {
        private final ServerSocket server;
        private final List<Socket> held = new CopyOnWriteArrayList<>();

        StalledEndpoint() throws IOException {
            server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thread.ofPlatform().daemon().name("stalled-firehose").start(() -> {
                while (!server.isClosed()) {
                    try {
                        held.add(server.accept());
                    } catch (IOException e) {
                        return;
                    }
                }
            });
        }

        URI uri() {
            return URI.create("http://127.0.0.1:" + server.getLocalPort());
        }

        int connections() {
            return held.size();
        }

        @Override
        public void close() {
            try {
                server.close();
            } catch (IOException ignored) {
                // closing anyway
            }
            for (Socket s : held) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
            }
        }
    }
}
