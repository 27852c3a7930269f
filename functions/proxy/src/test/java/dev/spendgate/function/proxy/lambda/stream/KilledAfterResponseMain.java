package dev.spendgate.function.proxy.lambda.stream;

import dev.spendgate.domain.usage.UsageJournal;
import dev.spendgate.domain.usage.UsageSink;
import dev.spendgate.embedded.FileKeyStore;
import dev.spendgate.embedded.FileSystemObjectStore;
import dev.spendgate.embedded.FileSystemUsageSpool;
import dev.spendgate.function.proxy.GatewayRuntime;
import dev.spendgate.function.proxy.ProxyConfig;
import dev.spendgate.function.proxy.budget.BudgetStores;
import dev.spendgate.function.proxy.budget.LogAlertSink;
import dev.spendgate.function.proxy.lambda.AwsGatewayRuntime;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The streaming bootstrap in a process of its own, for {@link StreamingBootstrapKillIT}: it takes one invocation, and
 * once the response has ended prints {@value #RESPONSE_ENDED} and waits, before the settlement and the record, for
 * the test to kill it with SIGKILL.
 *
 * <p>Arguments: Runtime API host:port, DynamoDB endpoint, budgets table, data directory (keys, usage store, spool),
 * OpenAI key, OpenAI base URL.
 */
public final class KilledAfterResponseMain {
    static final String RESPONSE_ENDED = "SPENDGATE-TEST response ended; settlement not started";

    private KilledAfterResponseMain() {}

    public static void main(String[] args) throws Exception {
        DynamoDbClient dynamoDb = DynamoDbClient.builder()
                .endpointOverride(URI.create(args[1]))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .build();
        BudgetStores budgets = AwsGatewayRuntime.budgets(dynamoDb, args[2], new LogAlertSink());
        Path dir = Path.of(args[3]);
        FileSystemObjectStore store = new FileSystemObjectStore(dir);
        GatewayRuntime runtime = GatewayRuntime.create(
                ProxyConfig.fromEnv(Map.of("OPENAI_API_KEY", args[4], "SPENDGATE_OPENAI_BASE_URL", args[5])),
                new FileKeyStore(dir.resolve("keys.json")),
                store,
                UsageSink.objectStore(store),
                new FileSystemUsageSpool(dir.resolve("spool")),
                UsageJournal.NONE,
                budgets,
                Clock.systemUTC(),
                null);
        new StreamingBootstrap(runtime, new RuntimeApiClient(args[0]), () -> {
                    System.out.println(RESPONSE_ENDED);
                    System.out.flush();
                    try {
                        Thread.sleep(Long.MAX_VALUE); // until SIGKILL
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    throw new IllegalStateException("the test should have killed this process");
                })
                .handleNext();
    }
}
