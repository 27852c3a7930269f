package dev.spendgate.aws.dynamodb;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.Projection;
import software.amazon.awssdk.services.dynamodb.model.ProjectionType;
import software.amazon.awssdk.services.dynamodb.model.ResourceInUseException;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.TableStatus;

/**
 * The DynamoDB tables of the AWS adapters: names, key schemas and attribute names. CDK defines the deployed tables
 * from these constants; tests and local set-ups create them with {@link #createKeysTable}, {@link #createSpoolTable}
 * and {@link #createBudgetsTable}. Every table has a single string partition key {@code pk}, no sort key, and
 * on-demand capacity, so they work on dynalite, LocalStack and AWS alike; the spool table has one index, {@link
 * SpoolTable#QUEUE_INDEX}, and the budgets table one, {@link BudgetsTable#RESERVATIONS_BY_EXPIRY}.
 */
public final class DynamoDbTables {
    /** Default name of the proxy keys table. */
    public static final String DEFAULT_KEYS_TABLE = "spendgate-keys";
    /** Default name of the usage spool table. */
    public static final String DEFAULT_SPOOL_TABLE = "spendgate-usage-spool";
    /** Default name of the budgets table (ledger items, rate counters, once markers, policies, reservations). */
    public static final String DEFAULT_BUDGETS_TABLE = "spendgate-budgets";
    /** The partition key (type S) of every table. */
    public static final String PARTITION_KEY = "pk";

    private static final Duration ACTIVE_TIMEOUT = Duration.ofMinutes(2);

    private DynamoDbTables() {}

    /**
     * Attributes of the keys table ({@link DynamoDbKeyStore}). Two items per key: {@code hash#<sha256>} holds the whole
     * key; {@code id#<id>} holds only {@link #KEY_HASH}, pointing at it.
     */
    public static final class KeysTable {
        /** Partition key prefix of the item holding a key, followed by its lowercase hex SHA-256. */
        public static final String HASH_ITEM_PREFIX = "hash#";
        /** Partition key prefix of the item pointing from a key id to its hash item. */
        public static final String ID_ITEM_PREFIX = "id#";
        /** S: the key id, on hash items. */
        public static final String ID = "id";
        /** S: the lowercase hex SHA-256 of the secret, on both items. */
        public static final String KEY_HASH = "key_hash";
        /** S: a name for people. */
        public static final String NAME = "name";
        /** S: e.g. prod, dev. */
        public static final String ENVIRONMENT = "environment";
        /** S, absent when unknown: who answers for the key. */
        public static final String OWNER = "owner";
        /** M of S, absent when empty: default attribution by field name (feature, department, team, ...). */
        public static final String DEFAULTS = "defaults";
        /** BOOL: false once revoked. */
        public static final String ENABLED = "enabled";
        /** S: creation time, ISO-8601 UTC with full precision ({@code Instant.toString()}). */
        public static final String CREATED_AT = "created_at";

        private KeysTable() {}
    }

    /** Attributes of the usage spool table ({@link DynamoDbUsageSpool}): one item per batch, keyed by its object key. */
    public static final class SpoolTable {
        /** B: the batch's gzip NDJSON bytes (kept below 400 KB, the DynamoDB item limit). */
        public static final String CONTENT = "content";
        /** N: spill time in epoch milliseconds. */
        public static final String SPILLED_AT = "spilled_at";
        /** N: a per-process counter breaking ties between spills in the same millisecond. */
        public static final String SEQUENCE = "seq";
        /**
         * S: which of the {@link #QUEUE_SHARDS} partitions of {@link #QUEUE_INDEX} the batch is listed in ({@code "0"},
         * {@code "1"}, ...). Absent on batches spilled by versions before the index, which the index does not list.
         */
        public static final String QUEUE = "queue";
        /**
         * The global secondary index listing batches oldest first: partition key {@link #QUEUE} (S), sort key {@link
         * #SPILLED_AT} (N), keys only.
         */
        public static final String QUEUE_INDEX = "queue-by-spill-time";
        /** Partitions of {@link #QUEUE_INDEX}: one takes about 1,000 spills a second. */
        public static final int QUEUE_SHARDS = 2;
        /**
         * N: until when (epoch milliseconds) one spool instance's drain has the batch ({@link #CLAIMED_BY}); absent until
         * a drain reads it, and again once the batch is spilled anew.
         */
        public static final String CLAIMED_UNTIL = "claimed_until";
        /** S: the spool instance whose drain has the batch until {@link #CLAIMED_UNTIL}. */
        public static final String CLAIMED_BY = "claimed_by";

        private SpoolTable() {}
    }

    /**
     * Attributes of the budgets table. One table holds six kinds of items, told apart by their partition key, which
     * the callers namespace ({@code budget#...}, {@code rate#...}, {@code once#...}; policies are {@code policy#<id>},
     * open reservations {@code resv#<id>}, the sweeper's charge markers {@code swept#<item key>#<charge id>}):
     *
     * <ul>
     *   <li>ledger items ({@link DynamoDbBudgetLedger}): {@code pk} = item key; {@link #COMMITTED}, {@link #RESERVED},
     *       {@link #SPENT}, {@link #SWEPT_CHARGES};
     *   <li>charge markers ({@link DynamoDbBudgetLedger#chargeEachOnce}): {@code pk} = {@link
     *       #SWEPT_CHARGE_ITEM_PREFIX} + item key + {@code #} + charge id; {@link #MARKER_TOKEN}, {@link
     *       #SWEPT_CHARGE_SINCE}, {@link #SWEPT_CHARGE_DONE}, {@link #EXPIRES_AT};
     *   <li>rate counters ({@link DynamoDbRateCounter}): {@code pk} = counter key; {@link #COUNT}, {@link #EXPIRES_AT};
     *   <li>once markers ({@link DynamoDbOnceMarker}): {@code pk} = marker key; {@link #EXPIRES_AT}, {@link
     *       #MARKER_TOKEN};
     *   <li>policies ({@link DynamoDbBudgetPolicyStore}): {@code pk} = {@link #POLICY_ITEM_PREFIX} + id; the
     *       {@code POLICY_*} attributes; and their index, {@code pk} = {@link #POLICY_INDEX_KEY};
     *   <li>open reservations ({@link DynamoDbReservationJournal}): {@code pk} = {@link #RESERVATION_ITEM_PREFIX} +
     *       id; {@link #RESERVATION_ITEM_KEYS}, {@link #RESERVATION_AMOUNT}, {@link #RESERVATION_EXPIRES_AT_MILLIS},
     *       {@link #EXPIRES_AT}, {@link #RESERVATION_CONFIRMED}, {@link #RESERVATION_CALL}, {@link
     *       #RESERVATION_SETTLED}.
     * </ul>
     *
     * Numbers are DynamoDB N: exact decimals of up to 38 significant digits, written with
     * {@code BigDecimal.toPlainString()}.
     */
    public static final class BudgetsTable {
        /** N: settled spend plus open reservations (USD), the figure a reservation is checked against. */
        public static final String COMMITTED = "committed";
        /** N: open reservations (USD). */
        public static final String RESERVED = "reserved";
        /** N: settled spend (USD). */
        public static final String SPENT = "spent";
        /**
         * On a budget item: the ids of the sweeper's charges in flight on it (a string set), so a charge whose write
         * was applied but whose answer was lost, or whose caller died, is applied once; each id leaves the set when its
         * {@link #SWEPT_CHARGE_ITEM_PREFIX} marker says the charge is done. Items written by earlier versions may hold
         * every charge ever swept on them: those are honoured, and leave the set if charged again.
         */
        public static final String SWEPT_CHARGES = "swept";
        /**
         * Partition key prefix of a sweeper's charge marker, followed by the budget item key, {@code #} and the charge
         * id: {@link #MARKER_TOKEN}, {@link #SWEPT_CHARGE_SINCE}, {@link #SWEPT_CHARGE_DONE}, {@link #EXPIRES_AT} (400
         * days on).
         */
        public static final String SWEPT_CHARGE_ITEM_PREFIX = "swept#";
        /**
         * Partition key prefix of a charge's split over a budget's shards as its first try planned it
         * ({@code DynamoDbBudgetLedger.planOnce}), followed by the charge id; holds {@link #CHARGE_PLAN} and {@link
         * #EXPIRES_AT}.
         */
        public static final String CHARGE_PLAN_ITEM_PREFIX = "chargeplan#";
        /** L of M ({@code item} S, {@code reserved} N, {@code actual} N): the planned settlements, in order. */
        public static final String CHARGE_PLAN = "plan";
        /** N: on a charge marker, when its current claimer claimed it (epoch milliseconds). */
        public static final String SWEPT_CHARGE_SINCE = "since";
        /** BOOL: on a charge marker, whether the charge is counted on the budget item. */
        public static final String SWEPT_CHARGE_DONE = "charged";
        /** N: a rate counter's count. */
        public static final String COUNT = "n";
        /**
         * N: epoch seconds after which the item may be deleted; the table's TTL attribute (declared in CDK: dynalite
         * has no UpdateTimeToLive). Until TTL deletes it, adapters treat an expired marker as absent.
         */
        public static final String EXPIRES_AT = "expires_at";
        /**
         * S: on a once marker or a charge marker, a random token of the call that wrote it, so a call whose write was applied but whose
         * answer was lost (and resent by the SDK) can tell the marker is its own. Absent on markers of earlier versions.
         */
        public static final String MARKER_TOKEN = "token";
        /** Partition key prefix of a policy item, followed by {@code BudgetPolicy.id()}. */
        public static final String POLICY_ITEM_PREFIX = "policy#";
        /**
         * Partition key of the policy index: the one item that names every policy ({@link #POLICY_INDEX_IDS}), so
         * listing them reads it and the policy items, never the rest of the table.
         */
        public static final String POLICY_INDEX_KEY = "policy-index";
        /** SS on the policy index: the ids of the policies (absent while there are none). */
        public static final String POLICY_INDEX_IDS = "ids";
        /**
         * BOOL on the policy index, true once every policy item written before the index existed (by versions that
         * listed policies with a Scan) has been added to it; until then listing finds them with that Scan.
         */
        public static final String POLICY_INDEX_COMPLETE = "complete";
        /** S: the policy id, e.g. {@code feature:chatbot/monthly}. */
        public static final String POLICY_ID = "id";
        /** S: the scope, e.g. {@code feature:chatbot}, {@code run:*}, {@code global}. */
        public static final String POLICY_SCOPE = "scope";
        /** S: {@code monthly}, {@code daily} or {@code lifetime}. */
        public static final String POLICY_PERIOD = "period";
        /** N: the limit in USD. */
        public static final String POLICY_LIMIT_USD = "limit_usd";
        /** S: {@code block}, {@code degrade} or {@code alert}. */
        public static final String POLICY_MODE = "mode";
        /** L of N: alert thresholds in percent of the limit, in the policy's order (may be empty). */
        public static final String POLICY_ALERT_AT = "alert_at";
        /** S: {@code fail_closed} or {@code fail_open}. */
        public static final String POLICY_ON_STORE_ERROR = "on_store_error";
        /**
         * S: the time zone periods are counted in ({@code ZoneId.getId()}, e.g. {@code Europe/Berlin}, {@code Z}); on a
         * policy with {@link #POLICY_NEXT_SHARDS}, the one in force until {@link #POLICY_SHARDS_FROM}, as every version
         * reads it.
         */
        public static final String POLICY_ZONE = "zone";
        /**
         * N: how many ledger items share the limit (absent on policies written before sharding: 1); on a policy with
         * {@link #POLICY_NEXT_SHARDS}, the count in force until {@link #POLICY_SHARDS_FROM}, as every version reads it.
         */
        public static final String POLICY_SHARDS = "shards";
        /**
         * N: the shard count from {@link #POLICY_SHARDS_FROM}, on a policy whose count or zone was changed mid-period
         * (with {@link #POLICY_NEXT_ZONE}). Versions before it ignore it and keep the count in force.
         */
        public static final String POLICY_NEXT_SHARDS = "next_shards";
        /** S: the time zone from {@link #POLICY_SHARDS_FROM}, beside {@link #POLICY_NEXT_SHARDS}. */
        public static final String POLICY_NEXT_ZONE = "next_zone";
        /**
         * N, read only: the count in force until {@link #POLICY_SHARDS_FROM} on items written from b61cdc67 until
         * {@link #POLICY_NEXT_SHARDS}, whose {@link #POLICY_SHARDS} is the count from then.
         */
        public static final String POLICY_PREVIOUS_SHARDS = "previous_shards";
        /**
         * When the pending count and zone take effect (S, an ISO-8601 instant): the end of the period they were set
         * in; on a policy set anew mid-period, when its {@link #POLICY_SHARDS} is known to be in force.
         */
        public static final String POLICY_SHARDS_FROM = "shards_from";
        /** S, read only: the zone in force until {@link #POLICY_SHARDS_FROM} beside {@link #POLICY_PREVIOUS_SHARDS}. */
        public static final String POLICY_PREVIOUS_ZONE = "previous_zone";
        /**
         * When the budget was first set (S, an ISO-8601 instant), kept through edits; absent on items written before it
         * was kept, whose budget then forecasts from its period's start as before.
         */
        public static final String POLICY_SINCE = "since";
        /**
         * The limits the policy replaced, oldest first (L of M: {@code limit_usd} N, {@code until} S, an ISO-8601
         * instant: when an edit replaced it); absent when none, as on items written before they were kept.
         */
        public static final String POLICY_EARLIER_LIMITS = "earlier_limits";
        /**
         * Partition key prefix of an alert or notice kept until its delivery ends ({@link DynamoDbAlertOutbox}),
         * followed by its id; the item holds {@link #ALERT_BODY}, {@link #ALERT_SINCE_MILLIS}, {@link #EXPIRES_AT} and,
         * once a process took it over from one that stopped, {@link #ALERT_CLAIMED_AT_MILLIS}.
         */
        public static final String ALERT_ITEM_PREFIX = "alertout#";
        /** Partition key of the item listing the kept alerts' ids ({@link #ALERT_INDEX_IDS}). */
        public static final String ALERT_INDEX_KEY = "alertout-index";
        /** SS on {@link #ALERT_INDEX_KEY}: the ids of the kept alerts, so they are found without a Scan. */
        public static final String ALERT_INDEX_IDS = "ids";
        /** B: the kept alert or notice, as {@code AlertOutboxJson} writes it. */
        public static final String ALERT_BODY = "body";
        /** N: when the alert was kept, epoch milliseconds. */
        public static final String ALERT_SINCE_MILLIS = "since_ms";
        /** N: when a process last took the alert over to send it, epoch milliseconds. */
        public static final String ALERT_CLAIMED_AT_MILLIS = "claimed_at_ms";
        /** Partition key prefix of an open reservation, followed by {@code OpenReservation.id()}. */
        public static final String RESERVATION_ITEM_PREFIX = "resv#";
        /**
         * S on an open reservation: its shard of {@link #RESERVATIONS_BY_EXPIRY} ({@code 0} to {@link
         * #RESERVATION_SHARDS} - 1, from its id); absent on entries written before the index.
         */
        public static final String RESERVATION_SHARD = "resv_shard";
        /** Shards of the expiry index, so no one index key takes every call's writes. */
        public static final int RESERVATION_SHARDS = 16;
        /**
         * The global secondary index the sweeper queries for expired reservations: partition key {@link
         * #RESERVATION_SHARD}, sort key {@link #RESERVATION_EXPIRES_AT_MILLIS}, keys only. Only open reservations
         * carry the shard, so the index holds nothing else of the table.
         */
        public static final String RESERVATIONS_BY_EXPIRY = "reservations-by-expiry";
        /**
         * Partition key of the marker saying no reservation entry from before the index is left, so the sweeper need
         * not Scan for them (it does, once per process, until a Scan finds none).
         */
        public static final String RESERVATION_LEGACY_SWEPT_KEY = "resv-index#legacy-swept";
        /** L of S: the budget item keys the reservation holds an amount on, in the reservation's order. */
        public static final String RESERVATION_ITEM_KEYS = "item_keys";
        /** N: the amount reserved on each item (USD). */
        public static final String RESERVATION_AMOUNT = "amount";
        /**
         * N: the reservation's {@code expiresAt} in epoch milliseconds, what {@code expired} filters and sorts on. (Its
         * {@link #EXPIRES_AT} is later: see {@link DynamoDbReservationJournal#TTL_DELAY}.)
         */
        public static final String RESERVATION_EXPIRES_AT_MILLIS = "expires_at_ms";
        /**
         * BOOL: false on an entry written at the same time as its reservations until they are known to stand (then
         * true); absent on entries written before them (as true).
         */
        public static final String RESERVATION_CONFIRMED = "confirmed";
        /**
         * M: the call the reservation is for ({@code ReservationJournal.Call}), written in the same PutItem; absent on
         * admission-only entries and on entries written before calls were named. Keys (short, so an entry stays within
         * one 1 KB write unit for usual attribution values): {@code rid} request id, {@code ts} start (N, epoch
         * milliseconds), {@code key}, the attribution's {@code feature}, {@code department}, {@code team},
         * {@code environment}, {@code session}, {@code user}, {@code run}, {@code prov} provider, {@code pprov} pricing
         * provider, {@code ep} endpoint, {@code mreq} model requested, {@code model} model forwarded, {@code stream}
         * (BOOL). Strings are S, absent when null.
         */
        public static final String RESERVATION_CALL = "call";
        /**
         * BOOL, true: the call settled and its entry is kept until its usage record is durable
         * ({@code ReservationJournal.markSettled}); absent otherwise.
         */
        public static final String RESERVATION_SETTLED = "settled";

        private BudgetsTable() {}
    }

    /** Creates the keys table unless it exists, and waits until it is active. */
    public static void createKeysTable(DynamoDbClient dynamoDb, String tableName) {
        createTable(dynamoDb, tableName);
    }

    /** Creates the usage spool table with its {@link SpoolTable#QUEUE_INDEX} unless it exists; waits until active. */
    public static void createSpoolTable(DynamoDbClient dynamoDb, String tableName) {
        createTable(dynamoDb, tableName, true);
    }

    /**
     * Creates the budgets table unless it exists, and waits until it is active. TTL on {@link BudgetsTable#EXPIRES_AT}
     * is left to CDK (dynalite has no UpdateTimeToLive).
     */
    public static void createBudgetsTable(DynamoDbClient dynamoDb, String tableName) {
        Objects.requireNonNull(dynamoDb, "dynamoDb");
        Objects.requireNonNull(tableName, "tableName");
        try {
            dynamoDb.createTable(b -> b.tableName(tableName)
                    .billingMode(BillingMode.PAY_PER_REQUEST)
                    .attributeDefinitions(
                            attribute(PARTITION_KEY, ScalarAttributeType.S),
                            attribute(BudgetsTable.RESERVATION_SHARD, ScalarAttributeType.S),
                            attribute(BudgetsTable.RESERVATION_EXPIRES_AT_MILLIS, ScalarAttributeType.N))
                    .keySchema(key(PARTITION_KEY, KeyType.HASH))
                    .globalSecondaryIndexes(GlobalSecondaryIndex.builder()
                            .indexName(BudgetsTable.RESERVATIONS_BY_EXPIRY)
                            .keySchema(
                                    key(BudgetsTable.RESERVATION_SHARD, KeyType.HASH),
                                    key(BudgetsTable.RESERVATION_EXPIRES_AT_MILLIS, KeyType.RANGE))
                            .projection(Projection.builder()
                                    .projectionType(ProjectionType.KEYS_ONLY)
                                    .build())
                            .build()));
        } catch (ResourceInUseException alreadyExists) {
            // fine: created earlier, by us or by CDK
        }
        awaitActive(dynamoDb, tableName);
    }

    private static void createTable(DynamoDbClient dynamoDb, String tableName) {
        createTable(dynamoDb, tableName, false);
    }

    private static void createTable(DynamoDbClient dynamoDb, String tableName, boolean spoolQueue) {
        Objects.requireNonNull(dynamoDb, "dynamoDb");
        Objects.requireNonNull(tableName, "tableName");
        List<AttributeDefinition> attributes = new ArrayList<>();
        attributes.add(attribute(PARTITION_KEY, ScalarAttributeType.S));
        if (spoolQueue) {
            attributes.add(attribute(SpoolTable.QUEUE, ScalarAttributeType.S));
            attributes.add(attribute(SpoolTable.SPILLED_AT, ScalarAttributeType.N));
        }
        try {
            dynamoDb.createTable(b -> {
                b.tableName(tableName)
                        .billingMode(BillingMode.PAY_PER_REQUEST)
                        .attributeDefinitions(attributes)
                        .keySchema(key(PARTITION_KEY, KeyType.HASH));
                if (spoolQueue) {
                    b.globalSecondaryIndexes(GlobalSecondaryIndex.builder()
                            .indexName(SpoolTable.QUEUE_INDEX)
                            .keySchema(key(SpoolTable.QUEUE, KeyType.HASH), key(SpoolTable.SPILLED_AT, KeyType.RANGE))
                            .projection(p -> p.projectionType(ProjectionType.KEYS_ONLY))
                            .build());
                }
            });
        } catch (ResourceInUseException alreadyExists) {
            // fine: created earlier, by us or by CDK
        }
        awaitActive(dynamoDb, tableName);
    }

    private static AttributeDefinition attribute(String name, ScalarAttributeType type) {
        return AttributeDefinition.builder()
                .attributeName(name)
                .attributeType(type)
                .build();
    }

    private static KeySchemaElement key(String name, KeyType type) {
        return KeySchemaElement.builder().attributeName(name).keyType(type).build();
    }

    private static void awaitActive(DynamoDbClient dynamoDb, String tableName) {
        long deadline = System.nanoTime() + ACTIVE_TIMEOUT.toNanos();
        long pauseMillis = 20;
        while (true) {
            try {
                if (dynamoDb.describeTable(b -> b.tableName(tableName)).table().tableStatus() == TableStatus.ACTIVE) {
                    return;
                }
            } catch (ResourceNotFoundException notYetVisible) {
                // eventual consistency right after CreateTable
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        "table " + tableName + " is not ACTIVE after " + ACTIVE_TIMEOUT.toSeconds() + " s");
            }
            try {
                Thread.sleep(pauseMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for table " + tableName, e);
            }
            pauseMillis = Math.min(pauseMillis * 2, 1000);
        }
    }
}
