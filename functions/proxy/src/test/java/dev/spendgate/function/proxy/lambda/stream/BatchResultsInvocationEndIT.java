package dev.spendgate.function.proxy.lambda.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spendgate.aws.dynamodb.DynamoDbKeyStore;
import dev.spendgate.aws.dynamodb.DynamoDbTables;
import dev.spendgate.aws.dynamodb.DynamoDbUsageSpool;
import dev.spendgate.aws.firehose.FirehoseUsageSink;
import dev.spendgate.aws.s3.S3ObjectStore;
import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.budget.BudgetPeriod;
import dev.spendgate.domain.budget.BudgetPolicy;
import dev.spendgate.domain.budget.BudgetPolicy.Mode;
import dev.spendgate.domain.budget.BudgetScope;
import dev.spendgate.domain.budget.BudgetState;
import dev.spendgate.domain.keys.ProxyKey;
import dev.spendgate.domain.keys.ProxyKeys;
import dev.spendgate.domain.usage.UsageJournal;
import dev.spendgate.domain.usage.UsageLogReader;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.function.proxy.GatewayRuntime;
import dev.spendgate.function.proxy.ProxyConfig;
import dev.spendgate.function.proxy.budget.LogAlertSink;
import dev.spendgate.function.proxy.lambda.AwsGatewayRuntime;
import dev.spendgate.testing.aws.LocalDynamoDb;
import dev.spendgate.testing.aws.LocalFirehose;
import dev.spendgate.testing.aws.LocalS3;
import dev.spendgate.testing.upstream.FakeBatchUpstream;
import dev.spendgate.testing.upstream.FakeLlmUpstream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
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
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.firehose.FirehoseClient;

/**
 * Batch results on the deployed carrier (streaming bootstrap, usage to Firehose, spool and keys in dynalite, batch
 * state in s3proxy): when the invocation that fetched them ends once its response has ended, before the usage log is
 * flushed (the function's timeout, the environment reclaimed), the Lambda has no usage journal, so the result records
 * lived in memory only, yet the {@code batches/recorded/} marker was saved before the response; and when nobody
 * fetches them, the stack's scheduled sweep records them.
 */
class BatchResultsInvocationEndIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    private FakeBatchUpstream batches;
    private LocalFirehose firehose;
    private FirehoseClient client;
    private S3ObjectStore bucket;
    private DynamoDbUsageSpool spool;
    private DynamoDbKeyStore keys;
    private String budgetsTable;
    private FakeRuntimeApi runtimeApi;
    private final List<GatewayRuntime> runtimes = new ArrayList<>();
    private String secret;

    @BeforeEach
    void start() throws Exception {
        batches = FakeBatchUpstream.start();
        runtimeApi = new FakeRuntimeApi();
        LocalS3 s3 = LocalS3.shared();
        bucket = new S3ObjectStore(s3.client(), s3.createUniqueBucket("data"));
        firehose = LocalFirehose.start("spendgate-usage", bucket);
        client = FirehoseClient.builder()
                .endpointOverride(firehose.endpoint())
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .httpClientBuilder(UrlConnectionHttpClient.builder()
                        .connectionTimeout(Duration.ofMillis(300))
                        .socketTimeout(Duration.ofSeconds(2)))
                .build();
        LocalDynamoDb dynamo = LocalDynamoDb.shared();
        String keysTable = LocalDynamoDb.uniqueTableName("keys");
        String spoolTable = LocalDynamoDb.uniqueTableName("spool");
        budgetsTable = LocalDynamoDb.uniqueTableName("budgets");
        DynamoDbTables.createKeysTable(dynamo.client(), keysTable);
        DynamoDbTables.createSpoolTable(dynamo.client(), spoolTable);
        DynamoDbTables.createBudgetsTable(dynamo.client(), budgetsTable);
        spool = new DynamoDbUsageSpool(dynamo.client(), spoolTable);
        keys = new DynamoDbKeyStore(dynamo.client(), keysTable);
        secret = ProxyKeys.newSecret();
        keys.create(new ProxyKey(
                ProxyKeys.newId(),
                ProxyKeys.hash(secret),
                "summaries",
                "prod",
                null,
                new Attribution("nightly-summaries", null, "support", "prod", null, null, null),
                true,
                Instant.now().truncatedTo(ChronoUnit.SECONDS)));
    }

    @AfterEach
    void stop() {
        runtimes.forEach(GatewayRuntime::close);
        client.close();
        firehose.close();
        runtimeApi.close();
        batches.close();
    }

    /** One Lambda execution environment, as it is built at its cold start. */
    private GatewayRuntime environment() {
        return environment(spool);
    }

    /** The same, spooling to {@code spool} when Firehose refuses. */
    private GatewayRuntime environment(DynamoDbUsageSpool spool) {
        return environment(spool, Clock.systemUTC());
    }

    /** The same, on {@code clock}. */
    private GatewayRuntime environment(DynamoDbUsageSpool spool, Clock clock) {
        GatewayRuntime runtime = GatewayRuntime.create(
                ProxyConfig.fromEnv(Map.of(
                        "ANTHROPIC_API_KEY",
                        FakeLlmUpstream.Options.DEFAULT_ANTHROPIC_KEY,
                        "SPENDGATE_ANTHROPIC_BASE_URL",
                        batches.anthropicBaseUrl())),
                keys,
                bucket,
                new FirehoseUsageSink(client, "spendgate-usage"),
                spool,
                UsageJournal.NONE,
                AwsGatewayRuntime.budgets(LocalDynamoDb.shared().client(), budgetsTable, new LogAlertSink()),
                clock,
                null);
        runtimes.add(runtime);
        return runtime;
    }

    @Test
    void resultsFetch_invocationEndsAfterItsResponse_resultsAreStillRecordedOnce() throws Exception {
        GatewayRuntime first = environment();
        String requests = "{\"requests\":["
                + "{\"custom_id\":\"doc-1\",\"params\":{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":1024,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Summarise doc 1\"}]}},"
                + "{\"custom_id\":\"doc-2\",\"params\":{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":1024,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Summarise doc 2\"}]}},"
                + "{\"custom_id\":\"doc-3\",\"params\":{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":1024,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Summarise doc 3\"}]}}]}";
        runtimeApi.enqueue(event("POST", "/v1/messages/batches", requests));
        new StreamingBootstrap(first, new RuntimeApiClient(runtimeApi.hostAndPort())).handleNext();
        String created = body(runtimeApi.awaitResponse());
        String batchId = JSON.readTree(created).get("id").asText();
        batches.completeAnthropic(batchId, 20_000, 5_000, 2_000);

        // The results reach the client; then the invocation ends before the usage log's flush.
        runtimeApi.enqueue(event("GET", "/v1/messages/batches/" + batchId + "/results", null));
        Throwable ended = catchThrowable(
                () -> new StreamingBootstrap(first, new RuntimeApiClient(runtimeApi.hostAndPort()), () -> {
                            throw new IllegalStateException("invocation ended (timeout): nothing more runs");
                        })
                        .handleNext());
        assertThat(ended).isInstanceOf(IllegalStateException.class);
        assertThat(body(runtimeApi.awaitResponse()).lines()).hasSize(3);

        // That environment is gone. The client fetches the results again, through another one.
        GatewayRuntime second = environment();
        runtimeApi.enqueue(event("GET", "/v1/messages/batches/" + batchId + "/results", null));
        new StreamingBootstrap(second, new RuntimeApiClient(runtimeApi.hostAndPort())).handleNext();
        assertThat(body(runtimeApi.awaitResponse()).lines()).hasSize(3);
        firehose.deliver();

        List<String> recorded = records().stream()
                .filter(r -> batchId.equals(r.billing().batchId()))
                .map(UsageRecord::requestId)
                .toList();
        assertThat(recorded)
                .as("usage records of the batch's results")
                .containsExactlyInAnyOrder(batchId + "/doc-1", batchId + "/doc-2", batchId + "/doc-3");
    }

    @Test
    void resultsFetchedOnce_whileFirehoseAndTheSpoolAreDown_chargeTheBudgetAtOnceAndOnlyOnce() throws Exception {
        BudgetPolicy policy = new BudgetPolicy(
                BudgetScope.parse("feature:nightly-summaries"),
                BudgetPeriod.MONTHLY,
                new BigDecimal("50"),
                Mode.BLOCK,
                null,
                null,
                null);
        GatewayRuntime first = environment();
        first.budgetStores().policies().put(policy);
        String requests = "{\"requests\":[{\"custom_id\":\"doc-1\",\"params\":{\"model\":\"claude-sonnet-4-5\","
                + "\"max_tokens\":1024,\"messages\":[{\"role\":\"user\",\"content\":\"Summarise doc 1\"}]}}]}";
        runtimeApi.enqueue(event("POST", "/v1/messages/batches", requests));
        new StreamingBootstrap(first, new RuntimeApiClient(runtimeApi.hostAndPort())).handleNext();
        String batchId =
                JSON.readTree(body(runtimeApi.awaitResponse())).get("id").asText();
        batches.completeAnthropic(batchId, 20_000, 5_000, 2_000);

        // Firehose throttles and the spool's table is gone: the records cannot be stored in this invocation
        firehose.throttle(true);
        GatewayRuntime storesDown = environment(
                new DynamoDbUsageSpool(LocalDynamoDb.shared().client(), LocalDynamoDb.uniqueTableName("gone")));
        runtimeApi.enqueue(event("GET", "/v1/messages/batches/" + batchId + "/results", null));
        new StreamingBootstrap(storesDown, new RuntimeApiClient(runtimeApi.hostAndPort())).handleNext();
        assertThat(body(runtimeApi.awaitResponse()).lines()).hasSize(1);

        // the provider billed the result: the budget counts it now, though the client may never fetch again
        BigDecimal spent = spent(first, policy);
        assertThat(spent).isPositive();

        // a later fetch, with the stores back, records the result and does not charge it again
        firehose.throttle(false);
        GatewayRuntime later = environment();
        runtimeApi.enqueue(event("GET", "/v1/messages/batches/" + batchId + "/results", null));
        new StreamingBootstrap(later, new RuntimeApiClient(runtimeApi.hostAndPort())).handleNext();
        runtimeApi.awaitResponse();
        firehose.deliver();
        assertThat(spent(later, policy)).isEqualByComparingTo(spent);
        assertThat(records().stream().filter(r -> batchId.equals(r.billing().batchId())))
                .extracting(UsageRecord::requestId)
                .contains(batchId + "/doc-1");
    }

    @Test
    void resultsFetchedWhileTheStoresAreDown_thenAgainTheNextDay_chargeTheDailyBudgetsOnce() throws Exception {
        BudgetPolicy policy = new BudgetPolicy(
                BudgetScope.parse("feature:nightly-summaries"),
                BudgetPeriod.DAILY,
                new BigDecimal("50"),
                Mode.BLOCK,
                null,
                null,
                null);
        GatewayRuntime first = environment();
        first.budgetStores().policies().put(policy);
        String requests = "{\"requests\":[{\"custom_id\":\"doc-1\",\"params\":{\"model\":\"claude-sonnet-4-5\","
                + "\"max_tokens\":1024,\"messages\":[{\"role\":\"user\",\"content\":\"Summarise doc 1\"}]}}]}";
        runtimeApi.enqueue(event("POST", "/v1/messages/batches", requests));
        new StreamingBootstrap(first, new RuntimeApiClient(runtimeApi.hostAndPort())).handleNext();
        String batchId =
                JSON.readTree(body(runtimeApi.awaitResponse())).get("id").asText();
        batches.completeAnthropic(batchId, 20_000, 5_000, 2_000);

        // fetched late on one day with Firehose throttled and the spool's table gone: charged to that day
        Instant lateEvening = Instant.now().truncatedTo(ChronoUnit.DAYS).plus(Duration.ofHours(23));
        firehose.throttle(true);
        GatewayRuntime storesDown = environment(
                new DynamoDbUsageSpool(LocalDynamoDb.shared().client(), LocalDynamoDb.uniqueTableName("gone")),
                Clock.fixed(lateEvening, java.time.ZoneOffset.UTC));
        runtimeApi.enqueue(event("GET", "/v1/messages/batches/" + batchId + "/results", null));
        new StreamingBootstrap(storesDown, new RuntimeApiClient(runtimeApi.hostAndPort())).handleNext();
        assertThat(body(runtimeApi.awaitResponse()).lines()).hasSize(1);
        BigDecimal cost = spentOn(first, policy, lateEvening);
        assertThat(cost).isPositive();

        // the client fetches the same results again the next morning, the stores back: recorded, not charged again
        Instant nextMorning = lateEvening.plus(Duration.ofHours(10));
        firehose.throttle(false);
        GatewayRuntime later = environment(spool, Clock.fixed(nextMorning, java.time.ZoneOffset.UTC));
        runtimeApi.enqueue(event("GET", "/v1/messages/batches/" + batchId + "/results", null));
        new StreamingBootstrap(later, new RuntimeApiClient(runtimeApi.hostAndPort())).handleNext();
        runtimeApi.awaitResponse();

        assertThat(spentOn(later, policy, lateEvening).add(spentOn(later, policy, nextMorning)))
                .as("the result's cost, once, over both days' budgets")
                .isEqualByComparingTo(cost);
    }

    @Test
    void scheduledSweep_batchNobodyFetched_isRecordedAndChargedOnce() throws Exception {
        BudgetPolicy policy = new BudgetPolicy(
                BudgetScope.parse("feature:nightly-summaries"),
                BudgetPeriod.MONTHLY,
                new BigDecimal("50"),
                Mode.BLOCK,
                null,
                null,
                null);
        GatewayRuntime creator = environment();
        creator.budgetStores().policies().put(policy);
        String requests = "{\"requests\":["
                + "{\"custom_id\":\"doc-1\",\"params\":{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":1024,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Summarise doc 1\"}]}},"
                + "{\"custom_id\":\"doc-2\",\"params\":{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":1024,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Summarise doc 2\"}]}}]}";
        runtimeApi.enqueue(event("POST", "/v1/messages/batches", requests));
        new StreamingBootstrap(creator, new RuntimeApiClient(runtimeApi.hostAndPort())).handleNext();
        String batchId =
                JSON.readTree(body(runtimeApi.awaitResponse())).get("id").asText();
        batches.completeAnthropic(batchId, 20_000, 5_000, 2_000);

        // nobody fetches the results; the stack's schedule invokes the proxy, in whatever environment is free
        GatewayRuntime scheduled = environment();
        runtimeApi.enqueue("{\"spendgate_task\":\"batch_results_sweep\"}");
        new StreamingBootstrap(scheduled, new RuntimeApiClient(runtimeApi.hostAndPort())).handleNext();
        com.fasterxml.jackson.databind.JsonNode done =
                JSON.readTree(runtimeApi.awaitResponse().body());
        firehose.deliver();

        assertThat(done.path("batches_ended").asInt()).as(done.toString()).isEqualTo(1);
        assertThat(done.path("records_added").asInt()).as(done.toString()).isEqualTo(2);
        assertThat(records().stream().filter(r -> batchId.equals(r.billing().batchId())))
                .extracting(UsageRecord::requestId)
                .containsExactlyInAnyOrder(batchId + "/doc-1", batchId + "/doc-2");
        BigDecimal cost = records().stream()
                .filter(r -> batchId.equals(r.billing().batchId()))
                .map(UsageRecord::costUsd)
                .reduce(BigDecimal.ZERO, BigDecimal::add);
        assertThat(spent(creator, policy)).as("the creator's budget").isEqualByComparingTo(cost);

        // the next run leaves the batch alone; a client's late fetch is answered and charges nothing more
        runtimeApi.enqueue("{\"spendgate_task\":\"batch_results_sweep\"}");
        new StreamingBootstrap(scheduled, new RuntimeApiClient(runtimeApi.hostAndPort())).handleNext();
        assertThat(JSON.readTree(runtimeApi.awaitResponse().body())
                        .path("batches_checked")
                        .asInt())
                .isZero();
        runtimeApi.enqueue(event("GET", "/v1/messages/batches/" + batchId + "/results", null));
        new StreamingBootstrap(environment(), new RuntimeApiClient(runtimeApi.hostAndPort())).handleNext();
        assertThat(body(runtimeApi.awaitResponse()).lines()).hasSize(2);
        assertThat(spent(creator, policy)).isEqualByComparingTo(cost);
    }

    @Test
    void scheduledSweep_tooLittleTimeLeft_startsNoBatchAndTheNextRunRecordsIt() throws Exception {
        GatewayRuntime runtime = environment();
        String requests = "{\"requests\":[{\"custom_id\":\"doc-1\",\"params\":{\"model\":\"claude-sonnet-4-5\","
                + "\"max_tokens\":1024,\"messages\":[{\"role\":\"user\",\"content\":\"Summarise doc 1\"}]}}]}";
        runtimeApi.enqueue(event("POST", "/v1/messages/batches", requests));
        new StreamingBootstrap(runtime, new RuntimeApiClient(runtimeApi.hostAndPort())).handleNext();
        String batchId =
                JSON.readTree(body(runtimeApi.awaitResponse())).get("id").asText();
        batches.completeAnthropic(batchId, 20_000, 5_000, 2_000);

        runtimeApi.invocationMillis = StreamingBootstrap.TASK_MARGIN.toMillis() - 1_000;
        runtimeApi.enqueue("{\"spendgate_task\":\"batch_results_sweep\"}");
        new StreamingBootstrap(runtime, new RuntimeApiClient(runtimeApi.hostAndPort())).handleNext();
        assertThat(JSON.readTree(runtimeApi.awaitResponse().body())
                        .path("batches_checked")
                        .asInt())
                .as("a batch started this close to the deadline could be cut mid-way")
                .isZero();

        runtimeApi.invocationMillis = 900_000;
        runtimeApi.enqueue("{\"spendgate_task\":\"batch_results_sweep\"}");
        new StreamingBootstrap(runtime, new RuntimeApiClient(runtimeApi.hostAndPort())).handleNext();
        assertThat(JSON.readTree(runtimeApi.awaitResponse().body())
                        .path("records_added")
                        .asInt())
                .isEqualTo(1);
    }

    @Test
    void scheduledTask_unknownName_failsTheInvocationNamingTheField() throws Exception {
        runtimeApi.enqueue("{\"spendgate_task\":\"batch_sweep_v9\"}");
        new StreamingBootstrap(environment(), new RuntimeApiClient(runtimeApi.hostAndPort())).handleNext();

        assertThat(runtimeApi.errors).singleElement().satisfies(e -> {
            assertThat(e.errorType()).isEqualTo("Runtime.InvalidEvent");
            assertThat(e.body()).contains("spendgate_task").contains("batch_sweep_v9");
        });
    }

    private static BigDecimal spentOn(GatewayRuntime runtime, BudgetPolicy policy, Instant at) {
        return runtime.budgetStores()
                .ledger()
                .state(policy.shardKey("nightly-summaries", at, 0))
                .map(BudgetState::spent)
                .orElse(BigDecimal.ZERO);
    }

    private static BigDecimal spent(GatewayRuntime runtime, BudgetPolicy policy) {
        return runtime.budgetStores()
                .ledger()
                .state(policy.shardKey("nightly-summaries", Instant.now(), 0))
                .map(BudgetState::spent)
                .orElse(BigDecimal.ZERO);
    }

    private List<UsageRecord> records() {
        List<UsageRecord> out = new ArrayList<>();
        Instant now = Instant.now();
        UsageLogReader.create(bucket).read(now.minus(1, ChronoUnit.DAYS), now.plus(1, ChronoUnit.HOURS), out::add);
        return out;
    }

    /** The response body after the HTTP-integration prelude (JSON, eight NUL bytes). */
    private static String body(FakeRuntimeApi.Received received) {
        StringBuilder all = new StringBuilder();
        for (FakeRuntimeApi.Piece piece : received.pieces()) {
            all.append(new String(piece.bytes(), StandardCharsets.ISO_8859_1));
        }
        String text = all.toString();
        int start = text.indexOf("\0\0\0\0\0\0\0\0");
        return new String(text.substring(start + 8).getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
    }

    private String event(String method, String path, String body) {
        ObjectNode e = JSON.createObjectNode();
        e.put("resource", "/v1/{proxy+}");
        e.put("path", path);
        e.put("httpMethod", method);
        ObjectNode headers = e.putObject("headers");
        ObjectNode multi = e.putObject("multiValueHeaders");
        headers.put("Content-Type", "application/json");
        multi.putArray("Content-Type").add("application/json");
        headers.put("x-api-key", secret);
        multi.putArray("x-api-key").add(secret);
        headers.put("anthropic-version", "2023-06-01");
        multi.putArray("anthropic-version").add("2023-06-01");
        e.putNull("queryStringParameters");
        e.putObject("requestContext").put("stage", "prod").putObject("identity").put("sourceIp", "203.0.113.7");
        if (body == null) {
            e.putNull("body");
            e.put("isBase64Encoded", false);
        } else {
            e.put("body", Base64.getEncoder().encodeToString(body.getBytes(StandardCharsets.UTF_8)));
            e.put("isBase64Encoded", true);
        }
        return e.toString();
    }
}
