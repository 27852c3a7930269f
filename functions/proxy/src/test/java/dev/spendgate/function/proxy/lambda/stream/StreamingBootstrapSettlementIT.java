package dev.spendgate.function.proxy.lambda.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spendgate.aws.dynamodb.DynamoDbTables;
import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.budget.BudgetEnforcer;
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
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * When the streaming bootstrap settles a budgeted call: after the response has ended and before it asks for the next
 * event, against DynamoDB (dynalite) as deployed. A process that dies in between leaves the call's worst case reserved
 * and journaled; nothing touches it before the reservation's TTL, and then the sweeper charges it as spent (a real
 * SIGKILL of the bootstrap's own process: {@link StreamingBootstrapKillIT}).
 */
class StreamingBootstrapSettlementIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CHAT =
            "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Say hi.\"}]}";
    private static final BigDecimal LIMIT = new BigDecimal("10");

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
    void handleNext_budgetedCall_answerEndsBeforeTheSettlementAndRecordFollowBeforeTheNextEvent() throws Exception {
        AtomicReference<BudgetState> atResponseEnd = new AtomicReference<>();
        AtomicReference<FakeRuntimeApi.Received> answered = new AtomicReference<>();
        StreamingBootstrap bootstrap =
                new StreamingBootstrap(runtime, new RuntimeApiClient(runtimeApi.hostAndPort()), () -> {
                    try {
                        answered.set(runtimeApi.awaitResponse());
                    } catch (InterruptedException e) {
                        throw new AssertionError(e);
                    }
                    atResponseEnd.set(item());
                });
        runtimeApi.enqueue(event(CHAT));

        bootstrap.handleNext();

        StreamingBootstrapIT.Prelude prelude =
                StreamingBootstrapIT.Prelude.split(answered.get().body());
        assertThat(prelude.json().path("statusCode").asInt()).isEqualTo(200);
        assertThat(atResponseEnd.get().reserved())
                .as("the client had its whole answer while the worst case was still reserved")
                .isPositive();
        assertThat(atResponseEnd.get().spent()).isZero();
        List<UsageRecord> records = records();
        assertThat(records).singleElement().satisfies(r -> assertThat(r.costUsd())
                .isPositive());
        BigDecimal cost = records.get(0).costUsd();
        BudgetState settled = item();
        assertThat(settled.reserved()).isZero();
        assertThat(settled.spent()).isEqualByComparingTo(cost);
        // computed from the reservation's answer, it equals what the settlement left
        assertThat(new BigDecimal(prelude.header("X-Spendgate-Budget-Remaining-Usd")))
                .isEqualByComparingTo(LIMIT.subtract(cost));
    }

    @Test
    void handleNext_killedAfterTheResponseBeforeSettlement_reservationStaysUntilItsTtlThenIsSpent() throws Exception {
        AtomicReference<FakeRuntimeApi.Received> answered = new AtomicReference<>();
        StreamingBootstrap bootstrap =
                new StreamingBootstrap(runtime, new RuntimeApiClient(runtimeApi.hostAndPort()), () -> {
                    try {
                        answered.set(runtimeApi.awaitResponse());
                    } catch (InterruptedException e) {
                        throw new AssertionError(e);
                    }
                    throw new Killed(); // nothing after this point runs, as if the process died here
                });
        runtimeApi.enqueue(event(CHAT));

        assertThatThrownBy(bootstrap::handleNext).isInstanceOf(Killed.class);

        assertThat(StreamingBootstrapIT.Prelude.split(answered.get().body())
                        .json()
                        .path("statusCode")
                        .asInt())
                .isEqualTo(200);
        BudgetState held = item();
        assertThat(held.spent()).isZero();
        assertThat(held.reserved()).as("the worst case stays reserved").isPositive();
        awaitConfirmedEntry();
        // A sweep now (another instance, a minute later) gives nothing back: the reservation is not released early.
        assertThat(enforcer(Clock.offset(Clock.systemUTC(), Duration.ofMinutes(1)))
                        .sweep(10))
                .isZero();
        assertThat(item().reserved()).isEqualByComparingTo(held.reserved());
        // Past the TTL the sweeper treats it as any call that never settled: its worst case is spent.
        assertThat(enforcer(Clock.offset(Clock.systemUTC(), Duration.ofMinutes(16)))
                        .sweep(10))
                .isEqualTo(1);
        assertThat(item().reserved()).isZero();
        assertThat(item().spent()).isEqualByComparingTo(held.reserved());
    }

    private static final class Killed extends Error {
        Killed() {
            super("killed between the response's end and the settlement");
        }
    }

    /** The journal entry is confirmed off the call's path; the sweeper charges only confirmed entries. */
    private void awaitConfirmedEntry() throws InterruptedException {
        Instant later = Instant.now().plus(Duration.ofMinutes(16));
        for (int i = 0; i < 100; i++) {
            if (budgets.journal().expired(later, 10).stream().anyMatch(e -> e.confirmed())) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the call's journal entry was never confirmed");
    }

    private BudgetEnforcer enforcer(Clock clock) {
        return new BudgetEnforcer(
                budgets.policies(),
                budgets.ledger(),
                budgets.marker(),
                budgets.alerts(),
                budgets.journal(),
                Duration.ofMinutes(15),
                clock);
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
