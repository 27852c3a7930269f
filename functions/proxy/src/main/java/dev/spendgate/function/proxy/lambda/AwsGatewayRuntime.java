package dev.spendgate.function.proxy.lambda;

import dev.spendgate.aws.AwsClients;
import dev.spendgate.aws.dynamodb.DynamoDbAlertOutbox;
import dev.spendgate.aws.dynamodb.DynamoDbBudgetLedger;
import dev.spendgate.aws.dynamodb.DynamoDbBudgetPolicyStore;
import dev.spendgate.aws.dynamodb.DynamoDbKeyStore;
import dev.spendgate.aws.dynamodb.DynamoDbOnceMarker;
import dev.spendgate.aws.dynamodb.DynamoDbRateCounter;
import dev.spendgate.aws.dynamodb.DynamoDbReservationJournal;
import dev.spendgate.aws.dynamodb.DynamoDbUsageSpool;
import dev.spendgate.aws.firehose.FirehoseUsageSink;
import dev.spendgate.aws.s3.S3ObjectStore;
import dev.spendgate.aws.secrets.SecretsManagerSecrets;
import dev.spendgate.aws.sns.SnsAlertSink;
import dev.spendgate.domain.budget.AlertOutbox;
import dev.spendgate.domain.budget.AlertSink;
import dev.spendgate.domain.budget.CachingBudgetPolicyStore;
import dev.spendgate.domain.keys.CachingKeyStore;
import dev.spendgate.domain.store.ObjectStore;
import dev.spendgate.domain.usage.UsageJournal;
import dev.spendgate.domain.usage.UsageSink;
import dev.spendgate.function.proxy.GatewayRuntime;
import dev.spendgate.function.proxy.ProxyConfig;
import dev.spendgate.function.proxy.budget.BackgroundAlertSink;
import dev.spendgate.function.proxy.budget.BudgetStores;
import dev.spendgate.function.proxy.budget.HeldAlerts;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The gateway wired to AWS: keys in DynamoDB (cached for {@code SPENDGATE_KEY_CACHE_SECONDS}, default 30), usage
 * records to the Amazon Data Firehose stream {@value #USAGE_STREAM_ENV} (or, without it, one S3 object per flush in
 * {@code SPENDGATE_USAGE_BUCKET}), spool in DynamoDB, provider keys from the Secrets Manager secret
 * {@code SPENDGATE_PROVIDER_SECRET_ID} (a JSON object such as
 * {@code {"OPENAI_API_KEY": "...", "ANTHROPIC_API_KEY": "..."}}).
 */
public final class AwsGatewayRuntime {
    /** The Firehose delivery stream usage records go to; the stack sets it. */
    public static final String USAGE_STREAM_ENV = "SPENDGATE_USAGE_FIREHOSE_STREAM";

    private AwsGatewayRuntime() {}

    public static GatewayRuntime fromEnv(Map<String, String> env) {
        ProxyConfig config = ProxyConfig.fromEnv(env);
        return create(config, AwsClients.fromEnvironment());
    }

    public static GatewayRuntime create(ProxyConfig config, AwsClients aws) {
        return create(config, aws, UnaryOperator.identity());
    }

    /**
     * As {@link #create(ProxyConfig, AwsClients)}, with the usage log's sink (Firehose or S3) wrapped by
     * {@code usageSink} (the streaming runtime adds metrics there).
     */
    public static GatewayRuntime create(ProxyConfig config, AwsClients aws, UnaryOperator<UsageSink> usageSink) {
        ProxyConfig.Aws names = config.aws();
        String secretId = names.providerSecretId();
        long keysReadAt = System.nanoTime();
        if (secretId != null) {
            config = config.withProviderKeys(providerKeys(aws, secretId));
        }
        String bucket = required(names.usageBucket(), "SPENDGATE_USAGE_BUCKET");
        // One DynamoDB client for every table. The clients a proxied call does not need before its answer (S3 for
        // outcomes and batches, Firehose for the record sent after the response, SNS for alerts) are built on first
        // use: each SDK client costs a cold start CPU time that a small function's CPU share pays for several times.
        DynamoDbClient dynamoDb = aws.dynamoDb();
        String budgetsTable = required(names.budgetsTable(), "SPENDGATE_BUDGETS_TABLE");
        AlertSink alerts = alertSink(config, aws, new DynamoDbAlertOutbox(dynamoDb, budgetsTable));
        ObjectStore store = new LazyObjectStore(() -> new S3ObjectStore(aws.s3(), bucket));
        BudgetStores budgetStores = budgets(dynamoDb, aws.dynamoDbForBudgets(), budgetsTable, alerts);
        GatewayRuntime runtime = GatewayRuntime.create(
                config,
                new CachingKeyStore(
                        new DynamoDbKeyStore(dynamoDb, required(names.keysTable(), "SPENDGATE_KEYS_TABLE")),
                        names.keyCache(),
                        Clock.systemUTC()),
                store,
                usageSink.apply(usageSink(names, aws, store)),
                new DynamoDbUsageSpool(dynamoDb, required(names.spoolTable(), "SPENDGATE_SPOOL_TABLE")),
                UsageJournal.NONE,
                budgetStores,
                optimizations(dynamoDb, names.budgetsTable(), names.keyCache(), Clock.systemUTC()),
                Clock.systemUTC(),
                null);
        if (alerts instanceof BackgroundAlertSink background) {
            // alerts an environment frozen for good had not delivered, or held: sent by this one, off the calls' path
            runtime.betweenInvocations(
                    new LeftOverAlerts(background, (HeldAlerts) budgetStores.alerts(), System::nanoTime));
        }
        if (secretId != null && !names.providerKeyRefresh().isZero()) {
            runtime.betweenInvocations(new ProviderKeyRefresh(
                    () -> providerKeys(aws, secretId),
                    runtime.providers(),
                    names.providerKeyRefresh(),
                    System::nanoTime,
                    keysReadAt));
        }
        return runtime;
    }

    /** The provider keys secret, read with a client closed after the read: it is needed every few minutes at most. */
    private static Map<String, String> providerKeys(AwsClients aws, String secretId) {
        try (var secrets = aws.secretsManager()) {
            return new SecretsManagerSecrets(secrets).jsonSecret(secretId);
        }
    }

    /**
     * The Firehose stream named by {@value #USAGE_STREAM_ENV}, which batches records into a few objects per hour
     * partition; without it, the store (one object per flush, that is per invocation in a Lambda). The Firehose client
     * is built at the first delivery, after the first call's response.
     */
    static UsageSink usageSink(ProxyConfig.Aws names, AwsClients aws, ObjectStore store) {
        String stream = names.usageFirehoseStream();
        if (stream == null) {
            return UsageSink.objectStore(store);
        }
        Supplier<UsageSink> firehose = Lazy.of(() -> new FirehoseUsageSink(aws.firehose(), stream));
        return new UsageSink() {
            @Override
            public Refused deliver(String key, byte[] gzipNdjson) {
                return firehose.get().deliver(key, gzipNdjson);
            }

            @Override
            public Refused deliver(String key, byte[] gzipNdjson, Duration timeLeft) {
                return firehose.get().deliver(key, gzipNdjson, timeLeft);
            }
        };
    }

    /**
     * Routing and caching from the budgets table: the policy item {@code gateway-policy#current} (re-read per instance
     * as often as keys are, {@code SPENDGATE_KEY_CACHE_SECONDS}) and the response cache's items with TTL.
     */
    public static dev.spendgate.function.proxy.cache.Optimizations optimizations(
            DynamoDbClient dynamoDb, String table, java.time.Duration refresh, Clock clock) {
        return new dev.spendgate.function.proxy.cache.Optimizations(
                new dev.spendgate.function.proxy.cache.ReloadingPolicy(
                        new dev.spendgate.aws.dynamodb.DynamoDbGatewayPolicyStore(dynamoDb, table),
                        refresh,
                        clock,
                        e -> dev.spendgate.function.proxy.Log.error(
                                null, "the gateway policy item no longer loads; the policy in force stays", e)),
                new dev.spendgate.domain.cache.ResponseCache(
                        new dev.spendgate.aws.dynamodb.DynamoDbResponseCacheStore(dynamoDb, table), clock),
                clock);
    }

    /**
     * Budgets in one DynamoDB table; policies cached for 10 s per instance (a changed policy reaches every Lambda
     * within that time). The ledger and the reservation journal write through {@code budgetWrites} ({@link
     * AwsClients#dynamoDbForBudgets}: no request resent that DynamoDB may have applied), the rest through {@code
     * dynamoDb}.
     */
    public static BudgetStores budgets(
            DynamoDbClient dynamoDb, DynamoDbClient budgetWrites, String table, AlertSink alerts) {
        DynamoDbOnceMarker marker = new DynamoDbOnceMarker(dynamoDb, table);
        return new BudgetStores(
                new CachingBudgetPolicyStore(
                        new DynamoDbBudgetPolicyStore(dynamoDb, table), Duration.ofSeconds(10), Clock.systemUTC()),
                new DynamoDbBudgetLedger(budgetWrites, table),
                new DynamoDbRateCounter(dynamoDb, table),
                marker,
                new DynamoDbReservationJournal(budgetWrites, table),
                // an alert due once is held in the outbox before its marker is written (LeftOverAlerts settles
                // what an environment frozen for good left held)
                new HeldAlerts(alerts, new DynamoDbAlertOutbox(dynamoDb, table), marker),
                null);
    }

    /** As {@link #budgets(DynamoDbClient, DynamoDbClient, String, AlertSink)} with one client for all (tests). */
    public static BudgetStores budgets(DynamoDbClient dynamoDb, String table, AlertSink alerts) {
        return budgets(dynamoDb, dynamoDb, table, alerts);
    }

    /**
     * SNS when {@code SPENDGATE_ALERT_TOPIC_ARN} is set (its client built at the first alert), else a webhook or the
     * log; a delivery is kept in {@code outbox} until it ends, so one an environment frozen for good had not finished is
     * sent by another ({@link LeftOverAlerts}).
     */
    static AlertSink alertSink(ProxyConfig config, AwsClients aws, AlertOutbox outbox) {
        String topic = config.aws().alertTopicArn();
        if (topic == null) {
            return GatewayRuntime.alertSink(config, outbox);
        }
        Supplier<AlertSink> sns = Lazy.of(() -> SnsAlertSink.throwing(aws.sns(), topic));
        // published and retried off the call's path; the invocation's end waits briefly for it (afterInvocation)
        return new BackgroundAlertSink(
                new AlertSink() {
                    @Override
                    public void send(dev.spendgate.domain.budget.BudgetAlert alert) {
                        sns.get().send(alert);
                    }

                    @Override
                    public void send(Notice notice) {
                        sns.get().send(notice);
                    }
                },
                outbox);
    }

    /** An object store built on first use. */
    private record LazyObjectStore(Supplier<ObjectStore> store) implements ObjectStore {
        LazyObjectStore {
            store = Lazy.of(store);
        }

        @Override
        public void put(String key, byte[] content) {
            store.get().put(key, content);
        }

        @Override
        public java.util.Optional<byte[]> get(String key) {
            return store.get().get(key);
        }

        @Override
        public java.util.Optional<java.io.InputStream> open(String key) {
            return store.get().open(key);
        }

        @Override
        public java.util.List<String> list(String prefix) {
            return store.get().list(prefix);
        }
    }

    /** A value computed by the first {@link #get()} that succeeds, then kept (thread-safe). */
    static final class Lazy<T> implements Supplier<T> {
        private final Supplier<T> compute;
        private volatile T value;

        private Lazy(Supplier<T> compute) {
            this.compute = compute;
        }

        static <T> Supplier<T> of(Supplier<T> compute) {
            return compute instanceof Lazy<T> ? compute : new Lazy<>(java.util.Objects.requireNonNull(compute));
        }

        @Override
        public T get() {
            T v = value;
            if (v == null) {
                synchronized (this) {
                    v = value;
                    if (v == null) {
                        v = java.util.Objects.requireNonNull(compute.get(), "lazily built value");
                        value = v;
                    }
                }
            }
            return v;
        }
    }

    private static String required(String value, String name) {
        if (value == null) {
            throw new IllegalStateException("environment variable " + name + " must be set");
        }
        return value;
    }
}
