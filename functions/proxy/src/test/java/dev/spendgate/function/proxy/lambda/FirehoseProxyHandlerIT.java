package dev.spendgate.function.proxy.lambda;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.aws.dynamodb.DynamoDbKeyStore;
import dev.spendgate.aws.dynamodb.DynamoDbTables;
import dev.spendgate.aws.dynamodb.DynamoDbUsageSpool;
import dev.spendgate.aws.firehose.FirehoseUsageSink;
import dev.spendgate.aws.s3.S3ObjectStore;
import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.keys.ProxyKey;
import dev.spendgate.domain.keys.ProxyKeys;
import dev.spendgate.domain.usage.UsageJournal;
import dev.spendgate.domain.usage.UsageLayout;
import dev.spendgate.domain.usage.UsageLogReader;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.function.proxy.Gateway;
import dev.spendgate.function.proxy.GatewayRuntime;
import dev.spendgate.function.proxy.ProxyConfig;
import dev.spendgate.function.proxy.budget.LogAlertSink;
import dev.spendgate.testing.aws.LocalDynamoDb;
import dev.spendgate.testing.aws.LocalFirehose;
import dev.spendgate.testing.aws.LocalS3;
import dev.spendgate.testing.upstream.Behavior;
import dev.spendgate.testing.upstream.FakeLlmUpstream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.firehose.FirehoseClient;

/**
 * The Lambda handler with usage records going to Firehose, as deployed: a local endpoint speaking the Firehose API
 * (delivering to s3proxy as the stack's stream does), dynalite for keys, spool and budgets. The same no-loss test
 * as {@code ProxyHandlerIT}'s S3 outage, with Firehose throttling, unreachable and refusing single records.
 */
class FirehoseProxyHandlerIT {
    private static final ObjectMapper JSON =
            new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private FakeLlmUpstream upstream;
    private LocalFirehose firehose;
    private FirehoseClient client;
    private S3ObjectStore bucket;
    private DynamoDbUsageSpool spool;
    private GatewayRuntime runtime;
    private ProxyHandler handler;
    private String secret;
    private DynamoDbKeyStore keys;
    private String budgetsTable;

    @BeforeEach
    void start() {
        upstream = FakeLlmUpstream.start();
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
                .overrideConfiguration(o -> o.retryStrategy(r -> r.maxAttempts(1)))
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
                "lambda-test",
                "prod",
                null,
                Attribution.NONE,
                true,
                Instant.now().truncatedTo(ChronoUnit.SECONDS)));
        runtime = newRuntime();
        handler = new ProxyHandler(runtime);
    }

    /** The gateway as one Lambda execution environment builds it at its cold start. */
    private GatewayRuntime newRuntime() {
        ProxyConfig config = ProxyConfig.fromEnv(
                Map.of("OPENAI_API_KEY", "sk-fake-openai", "SPENDGATE_OPENAI_BASE_URL", upstream.openAiBaseUrl()));
        return GatewayRuntime.create(
                config,
                keys,
                bucket,
                // one attempt per record, so each refusal below reaches the spool
                new FirehoseUsageSink(client, "spendgate-usage", 1, Duration.ZERO),
                spool,
                UsageJournal.NONE,
                AwsGatewayRuntime.budgets(LocalDynamoDb.shared().client(), budgetsTable, new LogAlertSink()),
                Clock.systemUTC(),
                null);
    }

    @AfterEach
    void stop() {
        runtime.close();
        client.close();
        firehose.close();
        upstream.close();
    }

    @Test
    void handleRequest_healthyStream_recordGoesToFirehoseNotAnObjectPerCall() throws Exception {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(call());
        }

        // five invocations, no object written by the function: the stream holds the records until its buffer fills
        assertThat(bucket.list(UsageLayout.ROOT)).isEmpty();
        assertThat(firehose.accepted()).isEqualTo(5);
        List<String> objects = firehose.deliver();

        assertThat(objects).hasSizeLessThanOrEqualTo(2); // one per hour partition touched
        assertThat(records()).extracting(UsageRecord::requestId).containsExactlyInAnyOrderElementsOf(ids);
    }

    @Test
    void handleRequest_firehoseThrottledDownAndRefusingRecords_spoolsAndDeliversEveryRecordWhenItIsBack()
            throws Exception {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ids.add(call());
        }
        firehose.throttle(true); // HTTP 503 ServiceUnavailableException on every call
        for (int i = 0; i < 3; i++) {
            ids.add(call());
        }
        firehose.throttle(false);
        firehose.stop(); // connection refused
        for (int i = 0; i < 2; i++) {
            ids.add(call());
        }
        assertThat(spool.pending(100)).hasSize(5);

        firehose.restart();
        firehose.failEveryNthRecord(2); // FailedPutCount 1: the 4th and 6th record refused, the 5th and 7th taken
        for (int i = 0; i < 4; i++) {
            ids.add(call());
        }
        assertThat(spool.pending(100)).hasSize(7);
        runtime.usageLog().drainSpool(); // still refusing every other record: stops at the first refusal
        assertThat(spool.pending(100)).hasSizeBetween(1, 7);

        firehose.failEveryNthRecord(0);
        runtime.usageLog().drainSpool();
        runtime.usageLog().drainSpool();
        firehose.deliver();

        assertThat(spool.pending(100)).isEmpty();
        List<UsageRecord> records = records();
        Set<String> unique = records.stream().map(UsageRecord::requestId).collect(Collectors.toSet());
        assertThat(unique).hasSize(12).containsExactlyInAnyOrderElementsOf(ids);
        assertThat(records).hasSize(12);
    }

    /**
     * The spool is drained only by an environment that has lived a minute: a new environment's first minute of calls
     * never drains. With bursty traffic (a job's calls every night, each burst in a fresh environment after the last
     * one was recycled) what an earlier environment spooled while Firehose throttled it is never delivered, and the
     * reports miss those calls.
     */
    @Test
    void handleRequest_freshEnvironmentAfterAThrottledOne_deliversWhatTheEarlierOneSpooled() throws Exception {
        firehose.throttle(true);
        String spooled = call(); // the record goes to the DynamoDB spool
        assertThat(spool.pending(100)).hasSize(1);
        firehose.throttle(false);

        // the environment is recycled; the next burst of calls cold-starts a new one
        GatewayRuntime earlier = runtime;
        runtime = newRuntime();
        handler = new ProxyHandler(runtime);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(call());
        }
        firehose.deliver();

        try {
            assertThat(records()).extracting(UsageRecord::requestId).containsAll(ids);
            assertThat(spool.pending(100))
                    .as("the record spooled by the earlier environment")
                    .isEmpty();
            assertThat(records()).extracting(UsageRecord::requestId).contains(spooled);
        } finally {
            earlier.close();
        }
    }

    private String call() throws Exception {
        upstream.enqueue(Behavior.defaults().withInputTokens(1000));
        APIGatewayProxyResponseEvent response = handler.handleRequest(event(), null);
        assertThat(response.getStatusCode()).isEqualTo(200);
        return response.getMultiValueHeaders().get(Gateway.REQUEST_ID_HEADER).get(0);
    }

    private APIGatewayProxyRequestEvent event() throws Exception {
        try (InputStream in = getClass().getResourceAsStream("/events/chat-completion.json")) {
            String json = new String(in.readAllBytes(), StandardCharsets.UTF_8).replace("SECRET", secret);
            return JSON.readValue(json, APIGatewayProxyRequestEvent.class);
        }
    }

    /** The records readers see (repeated request ids dropped, as the waste run and the reports do). */
    private List<UsageRecord> records() {
        List<UsageRecord> out = new ArrayList<>();
        Instant now = Instant.now();
        UsageLogReader.ReadStats stats =
                UsageLogReader.create(bucket).read(now.minus(1, ChronoUnit.DAYS), now.plusSeconds(3600), out::add);
        assertThat(stats.malformedLines()).isZero();
        return out;
    }
}
