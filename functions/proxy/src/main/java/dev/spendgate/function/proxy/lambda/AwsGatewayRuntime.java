package dev.spendgate.function.proxy.lambda;

import dev.spendgate.aws.AwsClients;
import dev.spendgate.aws.dynamodb.DynamoDbBudgetLedger;
import dev.spendgate.aws.dynamodb.DynamoDbBudgetPolicyStore;
import dev.spendgate.aws.dynamodb.DynamoDbKeyStore;
import dev.spendgate.aws.dynamodb.DynamoDbOnceMarker;
import dev.spendgate.aws.dynamodb.DynamoDbRateCounter;
import dev.spendgate.aws.dynamodb.DynamoDbReservationJournal;
import dev.spendgate.aws.dynamodb.DynamoDbUsageSpool;
import dev.spendgate.aws.s3.S3ObjectStore;
import dev.spendgate.aws.secrets.SecretsManagerSecrets;
import dev.spendgate.aws.sns.SnsAlertSink;
import dev.spendgate.domain.budget.AlertSink;
import dev.spendgate.domain.budget.CachingBudgetPolicyStore;
import dev.spendgate.domain.keys.CachingKeyStore;
import dev.spendgate.domain.store.ObjectStore;
import dev.spendgate.function.proxy.GatewayRuntime;
import dev.spendgate.function.proxy.ProxyConfig;
import dev.spendgate.function.proxy.budget.BudgetStores;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.function.UnaryOperator;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The gateway wired to AWS: keys in DynamoDB (cached for {@code SPENDGATE_KEY_CACHE_SECONDS}, default 30), usage
 * log in S3, spool in DynamoDB, provider keys from the Secrets Manager secret {@code SPENDGATE_PROVIDER_SECRET_ID}
 * (a JSON object such as {@code {"OPENAI_API_KEY": "...", "ANTHROPIC_API_KEY": "..."}}).
 */
public final class AwsGatewayRuntime {
    private AwsGatewayRuntime() {}

    public static GatewayRuntime fromEnv(Map<String, String> env) {
        ProxyConfig config = ProxyConfig.fromEnv(env);
        return create(config, AwsClients.fromEnvironment());
    }

    public static GatewayRuntime create(ProxyConfig config, AwsClients aws) {
        return create(config, aws, UnaryOperator.identity());
    }

    /**
     * As {@link #create(ProxyConfig, AwsClients)}, with the usage log's S3 store wrapped by {@code usageStore} (the
     * streaming runtime adds metrics there).
     */
    public static GatewayRuntime create(ProxyConfig config, AwsClients aws, UnaryOperator<ObjectStore> usageStore) {
        ProxyConfig.Aws names = config.aws();
        String secretId = names.providerSecretId();
        if (secretId != null) {
            config = config.withProviderKeys(new SecretsManagerSecrets(aws.secretsManager()).jsonSecret(secretId));
        }
        return GatewayRuntime.create(
                config,
                new CachingKeyStore(
                        new DynamoDbKeyStore(aws.dynamoDb(), required(names.keysTable(), "SPENDGATE_KEYS_TABLE")),
                        names.keyCache(),
                        Clock.systemUTC()),
                usageStore.apply(new S3ObjectStore(aws.s3(), required(names.usageBucket(), "SPENDGATE_USAGE_BUCKET"))),
                new DynamoDbUsageSpool(aws.dynamoDb(), required(names.spoolTable(), "SPENDGATE_SPOOL_TABLE")),
                budgets(
                        aws.dynamoDb(),
                        required(names.budgetsTable(), "SPENDGATE_BUDGETS_TABLE"),
                        alertSink(config, aws)),
                Clock.systemUTC(),
                null);
    }

    /**
     * Budgets in one DynamoDB table; policies cached for 10 s per instance (a changed policy reaches every Lambda
     * within that time).
     */
    public static BudgetStores budgets(DynamoDbClient dynamoDb, String table, AlertSink alerts) {
        return new BudgetStores(
                new CachingBudgetPolicyStore(
                        new DynamoDbBudgetPolicyStore(dynamoDb, table), Duration.ofSeconds(10), Clock.systemUTC()),
                new DynamoDbBudgetLedger(dynamoDb, table),
                new DynamoDbRateCounter(dynamoDb, table),
                new DynamoDbOnceMarker(dynamoDb, table),
                new DynamoDbReservationJournal(dynamoDb, table),
                alerts,
                null);
    }

    /** SNS when {@code SPENDGATE_ALERT_TOPIC_ARN} is set, else a webhook or the log. */
    static AlertSink alertSink(ProxyConfig config, AwsClients aws) {
        String topic = config.aws().alertTopicArn();
        return topic != null ? new SnsAlertSink(aws.sns(), topic) : GatewayRuntime.alertSink(config);
    }

    private static String required(String value, String name) {
        if (value == null) {
            throw new IllegalStateException("environment variable " + name + " must be set");
        }
        return value;
    }
}
