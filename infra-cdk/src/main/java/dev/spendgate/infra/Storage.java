package dev.spendgate.infra;

import dev.spendgate.aws.dynamodb.DynamoDbTables;
import dev.spendgate.domain.outcome.OutcomeLog;
import dev.spendgate.domain.usage.UsageLayout;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.services.athena.CfnWorkGroup;
import software.amazon.awscdk.services.dynamodb.Attribute;
import software.amazon.awscdk.services.dynamodb.AttributeType;
import software.amazon.awscdk.services.dynamodb.BillingMode;
import software.amazon.awscdk.services.dynamodb.GlobalSecondaryIndexProps;
import software.amazon.awscdk.services.dynamodb.PointInTimeRecoverySpecification;
import software.amazon.awscdk.services.dynamodb.ProjectionType;
import software.amazon.awscdk.services.dynamodb.Table;
import software.amazon.awscdk.services.dynamodb.TableEncryption;
import software.amazon.awscdk.services.glue.CfnDatabase;
import software.amazon.awscdk.services.glue.CfnTable;
import software.amazon.awscdk.services.s3.BlockPublicAccess;
import software.amazon.awscdk.services.s3.Bucket;
import software.amazon.awscdk.services.s3.BucketEncryption;
import software.amazon.awscdk.services.s3.LifecycleRule;
import software.amazon.awscdk.services.s3.ObjectOwnership;
import software.amazon.awscdk.services.s3.StorageClass;
import software.amazon.awscdk.services.s3.Transition;
import software.constructs.Construct;

/**
 * Where Spendgate keeps state: the three DynamoDB tables the AWS adapters use ({@link DynamoDbTables}), one S3
 * bucket for {@code usage/}, {@code findings/} and {@code reports/}, and the Glue table plus Athena workgroup that
 * query the usage log in place. Everything is retained when the stack is deleted: it is the customer's spend
 * history.
 */
public final class Storage extends Construct {
    /** Prefixes inside the data bucket, one per writer. */
    public static final String USAGE_PREFIX = UsageLayout.ROOT.substring(0, UsageLayout.ROOT.indexOf('/') + 1);

    public static final String FINDINGS_PREFIX = "findings/";
    /** The waste run's day aggregates ({@code aggregates/v1/day=YYYY-MM-DD/waste.json.gz}). */
    public static final String AGGREGATES_PREFIX = "aggregates/";
    /** Outcomes posted to {@code /v1/outcomes} (cost per outcome in the monthly report). */
    public static final String OUTCOMES_PREFIX = OutcomeLog.ROOT.substring(0, OutcomeLog.ROOT.indexOf('/') + 1);
    /** Operator-provided configuration, e.g. the chargeback rules. */
    public static final String CONFIG_PREFIX = "config/";
    /** Where the report runner looks for the chargeback rules (README, Finance reports). */
    public static final String CHARGEBACK_RULES_KEY = CONFIG_PREFIX + "chargeback-rules.json";

    public static final String REPORTS_PREFIX = "reports/";
    /** The batch API's state: each batch's creator, input files' worst case, results recorded (proxy's BatchStore). */
    public static final String BATCHES_PREFIX = "batches/";

    public static final String ATHENA_RESULTS_PREFIX = "athena-results/";
    public static final String GLUE_DATABASE = "spendgate";
    public static final String GLUE_TABLE = "usage_records";
    public static final String ATHENA_WORKGROUP = "spendgate";

    private final Table keys;
    private final Table spool;
    private final Table budgets;
    private final Bucket data;
    private final Bucket accessLogs;
    private final CfnWorkGroup workgroup;
    private final CfnTable usageTable;
    private final CfnDatabase database;

    /**
     * @param athenaScanCapBytes the most one query in the workgroup may scan, or null for no cap
     *     ({@link SpendgateStackProps#athenaScanCapBytes})
     */
    public Storage(Construct scope, String id, Long athenaScanCapBytes) {
        super(scope, id);
        keys = table("KeysTable", DynamoDbTables.DEFAULT_KEYS_TABLE, null);
        spool = table("SpoolTable", DynamoDbTables.DEFAULT_SPOOL_TABLE, null);
        // Lists spilled batches oldest first, so a drain page reads its batches, not the whole spool. One index: a
        // stack update may add only one to a table.
        spool.addGlobalSecondaryIndex(GlobalSecondaryIndexProps.builder()
                .indexName(DynamoDbTables.SpoolTable.QUEUE_INDEX)
                .partitionKey(Attribute.builder()
                        .name(DynamoDbTables.SpoolTable.QUEUE)
                        .type(AttributeType.STRING)
                        .build())
                .sortKey(Attribute.builder()
                        .name(DynamoDbTables.SpoolTable.SPILLED_AT)
                        .type(AttributeType.NUMBER)
                        .build())
                .projectionType(ProjectionType.KEYS_ONLY)
                .build());
        // Rate counters, alert markers and closed reservations carry expires_at (epoch seconds): TTL deletes them.
        budgets = table("BudgetsTable", DynamoDbTables.DEFAULT_BUDGETS_TABLE, DynamoDbTables.BudgetsTable.EXPIRES_AT);
        // The sweeper's query for expired reservations (DynamoDbReservationJournal.expired): only open reservations
        // carry the shard, so it reads them, not the cached answers, counters and policies beside them.
        budgets.addGlobalSecondaryIndex(GlobalSecondaryIndexProps.builder()
                .indexName(DynamoDbTables.BudgetsTable.RESERVATIONS_BY_EXPIRY)
                .partitionKey(Attribute.builder()
                        .name(DynamoDbTables.BudgetsTable.RESERVATION_SHARD)
                        .type(AttributeType.STRING)
                        .build())
                .sortKey(Attribute.builder()
                        .name(DynamoDbTables.BudgetsTable.RESERVATION_EXPIRES_AT_MILLIS)
                        .type(AttributeType.NUMBER)
                        .build())
                .projectionType(ProjectionType.KEYS_ONLY)
                .build());

        accessLogs = Bucket.Builder.create(this, "AccessLogsBucket")
                .encryption(BucketEncryption.S3_MANAGED)
                .blockPublicAccess(BlockPublicAccess.BLOCK_ALL)
                .objectOwnership(ObjectOwnership.BUCKET_OWNER_ENFORCED)
                .enforceSsl(true)
                .lifecycleRules(List.of(LifecycleRule.builder()
                        .id("expire-access-logs")
                        .expiration(Duration.days(365))
                        .build()))
                .removalPolicy(RemovalPolicy.RETAIN)
                .build();
        data = Bucket.Builder.create(this, "DataBucket")
                .encryption(BucketEncryption.S3_MANAGED)
                .blockPublicAccess(BlockPublicAccess.BLOCK_ALL)
                .objectOwnership(ObjectOwnership.BUCKET_OWNER_ENFORCED)
                .enforceSsl(true)
                .versioned(true)
                .serverAccessLogsBucket(accessLogs)
                .serverAccessLogsPrefix("data-bucket/")
                .lifecycleRules(List.of(
                        // Athena reads Standard-IA and Glacier Instant Retrieval in place, so old months stay
                        // queryable. Objects under 128 KB are not transitioned (S3's default minimum size).
                        tiered("usage-to-cheaper-storage", USAGE_PREFIX, 30, 90),
                        tiered("findings-to-cheaper-storage", FINDINGS_PREFIX, 30, 180),
                        tiered("reports-to-cheaper-storage", REPORTS_PREFIX, 30, 180),
                        LifecycleRule.builder()
                                .id("expire-athena-results")
                                .prefix(ATHENA_RESULTS_PREFIX)
                                .expiration(Duration.days(7))
                                .build(),
                        LifecycleRule.builder()
                                .id("expire-old-versions")
                                .noncurrentVersionExpiration(Duration.days(30))
                                .abortIncompleteMultipartUploadAfter(Duration.days(1))
                                .build()))
                .removalPolicy(RemovalPolicy.RETAIN)
                .build();

        String account = Stack.of(this).getAccount();
        database = CfnDatabase.Builder.create(this, "UsageDatabase")
                .catalogId(account)
                .databaseInput(CfnDatabase.DatabaseInputProperty.builder()
                        .name(GLUE_DATABASE)
                        .description("Spendgate usage log")
                        .build())
                .build();
        usageTable = CfnTable.Builder.create(this, "UsageTable")
                .catalogId(account)
                .databaseName(GLUE_DATABASE)
                .tableInput(UsageTableDefinition.tableInput(GLUE_TABLE, data.getBucketName()))
                .build();
        usageTable.getNode().addDependency(database);

        var configuration = CfnWorkGroup.WorkGroupConfigurationProperty.builder()
                .enforceWorkGroupConfiguration(true)
                .publishCloudWatchMetricsEnabled(true);
        if (athenaScanCapBytes != null) {
            configuration.bytesScannedCutoffPerQuery(athenaScanCapBytes);
        }
        workgroup = CfnWorkGroup.Builder.create(this, "Workgroup")
                .name(ATHENA_WORKGROUP)
                .description("Spendgate usage queries; results encrypted, expire after 7 days, "
                        + (athenaScanCapBytes == null ? "no scan cap" : (athenaScanCapBytes >> 30) + " GiB scan cap"))
                .state("ENABLED")
                .recursiveDeleteOption(false)
                .workGroupConfiguration(configuration
                        .resultConfiguration(CfnWorkGroup.ResultConfigurationProperty.builder()
                                .outputLocation("s3://" + data.getBucketName() + "/" + ATHENA_RESULTS_PREFIX)
                                .encryptionConfiguration(CfnWorkGroup.EncryptionConfigurationProperty.builder()
                                        .encryptionOption("SSE_S3")
                                        .build())
                                .build())
                        .build())
                .build();
    }

    private Table table(String id, String name, String ttlAttribute) {
        Table.Builder b = Table.Builder.create(this, id)
                .tableName(name)
                .partitionKey(Attribute.builder()
                        .name(DynamoDbTables.PARTITION_KEY)
                        .type(AttributeType.STRING)
                        .build())
                .billingMode(BillingMode.PAY_PER_REQUEST)
                .encryption(TableEncryption.AWS_MANAGED)
                .pointInTimeRecoverySpecification(PointInTimeRecoverySpecification.builder()
                        .pointInTimeRecoveryEnabled(true)
                        .build())
                .deletionProtection(true)
                .removalPolicy(RemovalPolicy.RETAIN);
        if (ttlAttribute != null) {
            b.timeToLiveAttribute(ttlAttribute);
        }
        return b.build();
    }

    private static LifecycleRule tiered(String id, String prefix, int infrequentAfterDays, int glacierAfterDays) {
        return LifecycleRule.builder()
                .id(id)
                .prefix(prefix)
                .transitions(List.of(
                        Transition.builder()
                                .storageClass(StorageClass.INFREQUENT_ACCESS)
                                .transitionAfter(Duration.days(infrequentAfterDays))
                                .build(),
                        Transition.builder()
                                .storageClass(StorageClass.GLACIER_INSTANT_RETRIEVAL)
                                .transitionAfter(Duration.days(glacierAfterDays))
                                .build()))
                .build();
    }

    public Table keys() {
        return keys;
    }

    public Table spool() {
        return spool;
    }

    public Table budgets() {
        return budgets;
    }

    public Bucket data() {
        return data;
    }

    public Bucket accessLogs() {
        return accessLogs;
    }

    public CfnWorkGroup workgroup() {
        return workgroup;
    }

    public CfnTable usageTable() {
        return usageTable;
    }

    /** Environment variables naming these resources, as the functions read them. */
    public Map<String, String> tableEnvironment() {
        return Map.of(
                "SPENDGATE_KEYS_TABLE", keys.getTableName(),
                "SPENDGATE_SPOOL_TABLE", spool.getTableName(),
                "SPENDGATE_BUDGETS_TABLE", budgets.getTableName(),
                "SPENDGATE_USAGE_BUCKET", data.getBucketName());
    }
}
