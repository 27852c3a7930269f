package dev.spendgate.function.proxy.lambda;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.aws.dynamodb.DynamoDbKeyStore;
import dev.spendgate.aws.dynamodb.DynamoDbTables;
import dev.spendgate.aws.dynamodb.DynamoDbUsageSpool;
import dev.spendgate.aws.s3.S3ObjectStore;
import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.keys.ProxyKey;
import dev.spendgate.domain.keys.ProxyKeys;
import dev.spendgate.domain.usage.UsageLogReader;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.function.proxy.Gateway;
import dev.spendgate.function.proxy.GatewayRuntime;
import dev.spendgate.function.proxy.ProxyConfig;
import dev.spendgate.function.proxy.budget.LogAlertSink;
import dev.spendgate.testing.aws.LocalDynamoDb;
import dev.spendgate.testing.aws.LocalS3;
import dev.spendgate.testing.upstream.Behavior;
import dev.spendgate.testing.upstream.FakeLlmUpstream;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
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
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.retry.RetryMode;

/**
 * The Lambda handler on the AWS adapters, against real wire-protocol servers: dynalite for DynamoDB, s3proxy for
 * S3 (its own instance, because one test takes it down).
 */
class ProxyHandlerIT {
    private static final ObjectMapper JSON =
            new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private FakeLlmUpstream upstream;
    private LocalS3 s3;
    private S3ObjectStore store;
    private DynamoDbUsageSpool spool;
    private GatewayRuntime runtime;
    private ProxyHandler handler;
    private String secret;

    @BeforeEach
    void start() {
        upstream = FakeLlmUpstream.start();
        s3 = LocalS3.start();
        LocalDynamoDb dynamo = LocalDynamoDb.shared();
        String keysTable = LocalDynamoDb.uniqueTableName("keys");
        String spoolTable = LocalDynamoDb.uniqueTableName("spool");
        DynamoDbTables.createKeysTable(dynamo.client(), keysTable);
        DynamoDbTables.createSpoolTable(dynamo.client(), spoolTable);
        String bucket = s3.createUniqueBucket("usage");
        store = new S3ObjectStore(
                s3.clientBuilder()
                        .overrideConfiguration(ClientOverrideConfiguration.builder()
                                .retryStrategy(RetryMode.STANDARD)
                                .build())
                        .build(),
                bucket);
        spool = new DynamoDbUsageSpool(dynamo.client(), spoolTable);
        DynamoDbKeyStore keys = new DynamoDbKeyStore(dynamo.client(), keysTable);
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
        ProxyConfig config = ProxyConfig.fromEnv(
                Map.of("OPENAI_API_KEY", "sk-fake-openai", "SPENDGATE_OPENAI_BASE_URL", upstream.openAiBaseUrl()));
        String budgetsTable = LocalDynamoDb.uniqueTableName("budgets");
        DynamoDbTables.createBudgetsTable(dynamo.client(), budgetsTable);
        runtime = GatewayRuntime.create(
                config,
                keys,
                store,
                spool,
                AwsGatewayRuntime.budgets(dynamo.client(), budgetsTable, new LogAlertSink()),
                Clock.systemUTC(),
                null);
        handler = new ProxyHandler(runtime);
    }

    @AfterEach
    void stop() {
        runtime.close();
        s3.close();
        upstream.close();
    }

    @Test
    void handleRequest_apiGatewayEvent_proxiesAndWritesTheRecordToS3BeforeReturning() throws Exception {
        upstream.enqueue(Behavior.defaults().withInputTokens(1000));

        APIGatewayProxyResponseEvent response = handler.handleRequest(event(), null);

        assertThat(response.getStatusCode()).isEqualTo(200);
        assertThat(JSON.readTree(response.getBody())
                        .at("/choices/0/message/content")
                        .asText())
                .isEqualTo(Behavior.defaults().text());
        String requestId =
                response.getMultiValueHeaders().get(Gateway.REQUEST_ID_HEADER).get(0);
        List<UsageRecord> records = records();
        assertThat(records).extracting(UsageRecord::requestId).containsExactly(requestId);
        UsageRecord r = records.get(0);
        assertThat(r.attribution().feature()).isEqualTo("chatbot");
        // gpt-4o-mini: 1000 x 0.15 + 24 x 0.60 per 1M
        assertThat(r.costUsd()).isEqualByComparingTo(new BigDecimal("0.0001644"));
        assertThat(upstream.lastRequest().header("Authorization")).isEqualTo("Bearer sk-fake-openai");
    }

    @Test
    void handleRequest_s3DownMidRun_spoolsRecordsAndDeliversEachExactlyOnceWhenS3IsBack() throws Exception {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ids.add(call());
        }
        s3.stop();
        for (int i = 0; i < 5; i++) {
            ids.add(call());
        }
        assertThat(spool.pending(100)).hasSize(5);

        s3.restart();
        runtime.usageLog().drainSpool();
        runtime.usageLog().drainSpool();

        assertThat(spool.pending(100)).isEmpty();
        List<UsageRecord> records = records();
        assertThat(records).extracting(UsageRecord::requestId).containsExactlyInAnyOrderElementsOf(ids);
        Set<String> unique = records.stream().map(UsageRecord::requestId).collect(Collectors.toSet());
        assertThat(unique).hasSize(8);
    }

    @Test
    void handleRequest_adminRoute_needsAnIamSignedCaller() throws Exception {
        APIGatewayProxyRequestEvent unsigned =
                event().withPath("/admin/budgets").withHttpMethod("GET").withBody(null);
        unsigned.getRequestContext().getIdentity().setUserArn(null);
        APIGatewayProxyRequestEvent signed =
                event().withPath("/admin/budgets").withHttpMethod("GET").withBody(null);
        signed.getRequestContext().getIdentity().setUserArn("arn:aws:iam::123456789012:role/finops-admin");

        assertThat(handler.handleRequest(unsigned, null).getStatusCode()).isEqualTo(403);
        APIGatewayProxyResponseEvent ok = handler.handleRequest(signed, null);
        assertThat(ok.getStatusCode()).isEqualTo(200);
        assertThat(JSON.readTree(ok.getBody()).get("budgets").isArray()).isTrue();
    }

    private String call() throws Exception {
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

    private List<UsageRecord> records() {
        List<UsageRecord> out = new ArrayList<>();
        Instant now = Instant.now();
        UsageLogReader.ReadStats stats =
                UsageLogReader.create(store).read(now.minus(1, ChronoUnit.DAYS), now.plusSeconds(3600), out::add);
        assertThat(stats.duplicates()).isZero();
        assertThat(stats.malformedLines()).isZero();
        return out;
    }
}
