package dev.spendgate.infra;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.aws.AwsClients;
import dev.spendgate.aws.dynamodb.DynamoDbKeyStore;
import dev.spendgate.aws.dynamodb.DynamoDbTables;
import dev.spendgate.aws.firehose.FirehoseUsageSink;
import dev.spendgate.aws.s3.S3ObjectStore;
import dev.spendgate.aws.secrets.SecretsManagerSecrets;
import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.keys.ProxyKey;
import dev.spendgate.domain.keys.ProxyKeys;
import dev.spendgate.domain.usage.UsageSink;
import dev.spendgate.testing.aws.DeliveredUsage;
import dev.spendgate.testing.contract.UsageSinkContract;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.localstack.LocalStackContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.utility.DockerImageName;
import org.testcontainers.utility.MountableFile;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.TimeToLiveStatus;
import software.amazon.awssdk.services.sns.SnsClient;

/**
 * {@code localstack/}'s init hook in the pinned LocalStack image, then the gateway's AWS adapters against what it
 * created: keys, usage objects, provider keys, the alert topic, the usage stream. Skipped where there is no Docker
 * engine.
 */
@Testcontainers(disabledWithoutDocker = true)
class LocalStackInitIT {
    private static final Path INIT_HOOK = Path.of("..", "localstack", "init", "ready.d", "10-spendgate.sh");
    private static final Instant SENT_AT = Instant.parse("2026-11-28T15:59:58Z");
    private static LocalStackContainer localStack;
    private static AwsClients aws;

    @BeforeAll
    static void start() {
        localStack = new LocalStackContainer(DockerImageName.parse(LocalStackFiles.IMAGE))
                .withCopyFileToContainer(
                        MountableFile.forHostPath(INIT_HOOK.toAbsolutePath(), 0755),
                        "/etc/localstack/init/ready.d/10-spendgate.sh")
                .waitingFor(Wait.forLogMessage(".*spendgate: LocalStack resources ready.*", 1));
        localStack.start();
        aws = AwsClients.create(
                Region.of(localStack.getRegion()),
                localStack.getEndpoint(),
                StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(localStack.getAccessKey(), localStack.getSecretKey())));
    }

    @AfterAll
    static void stop() {
        if (localStack != null) {
            localStack.stop();
        }
    }

    @Test
    void initHook_tables_haveTheAdaptersKeySchemaAndBudgetTtl() {
        try (DynamoDbClient dynamoDb = aws.dynamoDb()) {
            for (String table : List.of(
                    DynamoDbTables.DEFAULT_KEYS_TABLE,
                    DynamoDbTables.DEFAULT_SPOOL_TABLE,
                    DynamoDbTables.DEFAULT_BUDGETS_TABLE)) {
                assertThat(dynamoDb.describeTable(b -> b.tableName(table))
                                .table()
                                .keySchema())
                        .containsExactly(KeySchemaElement.builder()
                                .attributeName(DynamoDbTables.PARTITION_KEY)
                                .keyType(KeyType.HASH)
                                .build());
            }
            var ttl = dynamoDb.describeTimeToLive(b -> b.tableName(DynamoDbTables.DEFAULT_BUDGETS_TABLE))
                    .timeToLiveDescription();
            assertThat(ttl.timeToLiveStatus()).isEqualTo(TimeToLiveStatus.ENABLED);
            assertThat(ttl.attributeName()).isEqualTo(DynamoDbTables.BudgetsTable.EXPIRES_AT);
        }
    }

    @Test
    void initHook_keysTable_storesAndFindsAKey() {
        try (DynamoDbClient dynamoDb = aws.dynamoDb()) {
            DynamoDbKeyStore keys = new DynamoDbKeyStore(dynamoDb, DynamoDbTables.DEFAULT_KEYS_TABLE);
            String secret = ProxyKeys.newSecret();
            ProxyKey key = new ProxyKey(
                    ProxyKeys.newId(),
                    ProxyKeys.hash(secret),
                    "localstack",
                    "dev",
                    null,
                    new Attribution("chatbot", null, null, "dev", null, null, null),
                    true,
                    Instant.now().truncatedTo(ChronoUnit.SECONDS));
            keys.create(key);

            assertThat(keys.findByHash(ProxyKeys.hash(secret))).contains(key);
        }
    }

    @Test
    void initHook_bucket_takesUsageObjects() {
        S3ObjectStore store = new S3ObjectStore(aws.s3(), LocalStackFiles.BUCKET);
        byte[] content = "{\"request_id\":\"r1\"}\n".getBytes(StandardCharsets.UTF_8);

        store.put("usage/v1/year=2026/month=11/day=28/hour=12/part-1.ndjson.gz", content);

        assertThat(store.get("usage/v1/year=2026/month=11/day=28/hour=12/part-1.ndjson.gz"))
                .hasValueSatisfying(bytes -> assertThat(bytes).isEqualTo(content));
    }

    @Test
    void initHook_providerSecret_isAnEmptyJsonObject() {
        assertThat(new SecretsManagerSecrets(aws.secretsManager()).jsonSecret(LocalStackFiles.SECRET))
                .isEmpty();
    }

    @Test
    void initHook_alertTopic_exists() {
        try (SnsClient sns = aws.sns()) {
            assertThat(sns.listTopics().topics())
                    .anySatisfy(t -> assertThat(t.topicArn()).endsWith(":" + LocalStackFiles.TOPIC));
        }
    }

    /**
     * The same test as the local Firehose endpoint's ({@code FirehoseUsageSinkIT}, through {@code UsageSinkContract}):
     * a batch larger than one {@code PutRecordBatch} carries is taken whole, and every record arrives in the bucket
     * once. Here the stream is the one the init hook created, delivering on LocalStack's own buffering clock.
     */
    @Test
    void initHook_usageStream_deliversEveryRecordTheSinkSends() {
        UsageSink sink = new FirehoseUsageSink(aws.firehose(), LocalStackFiles.USAGE_STREAM);
        var records = UsageSinkContract.records("ls", 1200, SENT_AT);

        UsageSink.Refused refused = sink.deliver(UsageSinkContract.key(SENT_AT), UsageSinkContract.batch(records));

        assertThat(refused.isEmpty()).isTrue();
        List<String> delivered = DeliveredUsage.whenSettled(
                () -> DeliveredUsage.requestIds(aws.s3(), LocalStackFiles.BUCKET, LocalStackFiles.USAGE_STREAM_PREFIX),
                90);
        assertThat(delivered).hasSize(1200).doesNotHaveDuplicates().contains("ls-0", "ls-1199");
    }
}
