package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.aws.dynamodb.DynamoDbBudgetLedger;
import dev.spendgate.aws.dynamodb.DynamoDbOnceMarker;
import dev.spendgate.aws.dynamodb.DynamoDbRateCounter;
import dev.spendgate.aws.dynamodb.DynamoDbReservationJournal;
import dev.spendgate.domain.budget.BudgetPeriod;
import dev.spendgate.domain.budget.BudgetPolicy;
import dev.spendgate.domain.budget.BudgetScope;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.embedded.FileBudgetPolicyStore;
import dev.spendgate.embedded.FileKeyStore;
import dev.spendgate.embedded.FileSystemObjectStore;
import dev.spendgate.embedded.FileSystemUsageSpool;
import dev.spendgate.function.proxy.budget.BudgetStores;
import dev.spendgate.function.proxy.budget.LogAlertSink;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/** The budget store is down (a DynamoDB endpoint where nothing listens): fail-closed refuses, fail-open forwards. */
class BudgetStoreFailureIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CHAT =
            "{\"model\":\"gpt-4o\",\"max_tokens\":100,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    @TempDir
    Path dir;

    DynamoDbClient dead;
    FileBudgetPolicyStore policies;
    GatewayFixture gw;

    @BeforeEach
    void start() {
        dead = DynamoDbClient.builder()
                .endpointOverride(URI.create("http://127.0.0.1:9"))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .httpClientBuilder(UrlConnectionHttpClient.builder().connectionTimeout(Duration.ofMillis(200)))
                .overrideConfiguration(o -> o.retryStrategy(r -> r.maxAttempts(1)))
                .build();
        policies = new FileBudgetPolicyStore(dir.resolve("policies.json"));
        BudgetStores stores = new BudgetStores(
                policies,
                new DynamoDbBudgetLedger(dead, "spendgate-budgets"),
                new DynamoDbRateCounter(dead, "spendgate-budgets"),
                new DynamoDbOnceMarker(dead, "spendgate-budgets"),
                new DynamoDbReservationJournal(dead, "spendgate-budgets"),
                new LogAlertSink(),
                null);
        gw = GatewayFixture.with(
                new FileKeyStore(dir.resolve("keys.json")),
                new FileSystemObjectStore(dir),
                new FileSystemUsageSpool(dir.resolve("spool")),
                stores,
                Map.of());
    }

    @AfterEach
    void stop() {
        gw.close();
        dead.close();
    }

    private void budget(BudgetPolicy.OnStoreError onError) {
        policies.put(new BudgetPolicy(
                BudgetScope.parse("feature:chatbot"),
                BudgetPeriod.MONTHLY,
                new BigDecimal("100"),
                BudgetPolicy.Mode.BLOCK,
                null,
                onError,
                null));
    }

    @Test
    void failClosed_storeDown_is503AndNothingIsForwarded() throws Exception {
        budget(BudgetPolicy.OnStoreError.FAIL_CLOSED);

        HttpResponse<String> response =
                gw.send(gw.post("/v1/chat/completions", CHAT).header("X-Cost-Feature", "chatbot"));

        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(JSON.readTree(response.body()).at("/error/message").asText()).contains("budget store");
        assertThat(gw.upstream.requestCount()).isZero();
        UsageRecord r = gw.record(
                response.headers().firstValue(Gateway.REQUEST_ID_HEADER).orElseThrow());
        assertThat(r.errorType()).isEqualTo("budget_store_unavailable");
    }

    @Test
    void failOpen_storeDown_forwardsAndMarksTheRecordUnenforced() {
        budget(BudgetPolicy.OnStoreError.FAIL_OPEN);

        HttpResponse<String> response =
                gw.send(gw.post("/v1/chat/completions", CHAT).header("X-Cost-Feature", "chatbot"));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(gw.upstream.requestCount()).isEqualTo(1);
        UsageRecord r = gw.record(
                response.headers().firstValue(Gateway.REQUEST_ID_HEADER).orElseThrow());
        assertThat(r.unenforced()).isTrue();
        assertThat(r.costUsd()).isPositive();
    }

    @Test
    void noBudgetApplies_storeDown_callsAreUnaffected() {
        budget(BudgetPolicy.OnStoreError.FAIL_CLOSED);

        HttpResponse<String> response =
                gw.send(gw.post("/v1/chat/completions", CHAT).header("X-Cost-Feature", "search"));

        assertThat(response.statusCode()).isEqualTo(200);
    }
}
