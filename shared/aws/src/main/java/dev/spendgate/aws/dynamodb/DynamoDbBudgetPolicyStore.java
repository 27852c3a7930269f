package dev.spendgate.aws.dynamodb;

import static dev.spendgate.aws.dynamodb.DynamoDbTables.PARTITION_KEY;

import dev.spendgate.aws.dynamodb.DynamoDbTables.BudgetsTable;
import dev.spendgate.domain.budget.BudgetPeriod;
import dev.spendgate.domain.budget.BudgetPolicy;
import dev.spendgate.domain.budget.BudgetPolicy.Mode;
import dev.spendgate.domain.budget.BudgetPolicy.OnStoreError;
import dev.spendgate.domain.budget.BudgetPolicyStore;
import dev.spendgate.domain.budget.BudgetScope;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;

/**
 * A {@link BudgetPolicyStore} in the budgets table ({@link DynamoDbTables#createBudgetsTable}), beside the ledger
 * items, rate counters, cached answers and reservations: one item per policy, {@code pk = policy#<id>}, and one index
 * item, {@code pk = policy-index}, whose string set names them ({@link BudgetsTable#POLICY_INDEX_IDS}).
 *
 * <p>{@link #list} reads the index (a consistent GetItem) and then the policies it names (consistent BatchGetItem, 100
 * keys a request): it reads the policies and nothing else of the table, however many cached answers or counters it
 * holds. (It used to Scan the whole table; each warm proxy instance refreshes its list every 10 s.) {@link #put} adds
 * the id to the index, then puts the item; {@link #delete} deletes the item, then takes the id out of the index. So a
 * failure between the two writes leaves at most an id without an item, which listing skips, never a stored policy
 * that listing misses. {@link #find} is a consistent GetItem of the policy item.
 *
 * <p>Tables written by versions without the index hold policy items it does not name. Until the index says it is
 * {@link BudgetsTable#POLICY_INDEX_COMPLETE complete}, {@link #list} and {@link #put} find them with the old Scan
 * (filtered on {@code begins_with(pk, "policy#")}) and add their ids, once; a role that may not update the table
 * (the scheduled jobs) lists with that Scan until the proxy or an operator has done so. A policy put by an older
 * version after that is not listed until it is put again by this one. The index holds at most about 9,000 ids of
 * typical length (DynamoDB's 400 KB item limit). SDK failures propagate as
 * {@link software.amazon.awssdk.core.exception.SdkException}.
 */
public final class DynamoDbBudgetPolicyStore implements BudgetPolicyStore {
    private static final int KEYS_PER_BATCH_GET = 100;
    private static final Map<String, AttributeValue> INDEX_KEY =
            Map.of(PARTITION_KEY, AttributeValue.fromS(BudgetsTable.POLICY_INDEX_KEY));

    private final DynamoDbClient dynamoDb;
    private final String table;

    public DynamoDbBudgetPolicyStore(DynamoDbClient dynamoDb, String table) {
        this.dynamoDb = Objects.requireNonNull(dynamoDb, "dynamoDb");
        this.table = Objects.requireNonNull(table, "table");
    }

    @Override
    public void put(BudgetPolicy policy) {
        Objects.requireNonNull(policy, "policy");
        Map<String, AttributeValue> index = dynamoDb.updateItem(b -> b.tableName(table)
                        .key(INDEX_KEY)
                        .updateExpression("ADD #ids :id")
                        .expressionAttributeNames(Map.of("#ids", BudgetsTable.POLICY_INDEX_IDS))
                        .expressionAttributeValues(Map.of(":id", AttributeValue.fromSs(List.of(policy.id()))))
                        .returnValues(ReturnValue.ALL_NEW))
                .attributes();
        dynamoDb.putItem(b -> b.tableName(table).item(toItem(policy)));
        if (!complete(index)) {
            completeIndex(unindexedIds());
        }
    }

    @Override
    public Optional<BudgetPolicy> find(String id) {
        Objects.requireNonNull(id, "id");
        Map<String, AttributeValue> item = dynamoDb.getItem(
                        b -> b.tableName(table).key(partitionKey(id)).consistentRead(true))
                .item();
        return item == null || item.isEmpty() ? Optional.empty() : Optional.of(toPolicy(item));
    }

    @Override
    public List<BudgetPolicy> list() {
        Map<String, AttributeValue> index = dynamoDb.getItem(
                        b -> b.tableName(table).key(INDEX_KEY).consistentRead(true))
                .item();
        Set<String> ids = new TreeSet<>(ids(index));
        if (!complete(index)) {
            Set<String> found = unindexedIds();
            ids.addAll(found);
            try {
                ids.addAll(completeIndex(found));
            } catch (DynamoDbException e) {
                // a role that may only read (the scheduled jobs) lists what the Scan found without writing it down
                if (!"AccessDeniedException".equals(errorCode(e))) {
                    throw e;
                }
            }
        }
        List<BudgetPolicy> policies = new ArrayList<>();
        List<String> all = List.copyOf(ids);
        for (int from = 0; from < all.size(); from += KEYS_PER_BATCH_GET) {
            readPolicies(all.subList(from, Math.min(all.size(), from + KEYS_PER_BATCH_GET)), policies);
        }
        policies.sort(Comparator.comparing(BudgetPolicy::id));
        return policies;
    }

    @Override
    public boolean delete(String id) {
        Objects.requireNonNull(id, "id");
        boolean deleted;
        try {
            dynamoDb.deleteItem(b -> b.tableName(table)
                    .key(partitionKey(id))
                    .conditionExpression("attribute_exists(#pk)")
                    .expressionAttributeNames(Map.of("#pk", PARTITION_KEY)));
            deleted = true;
        } catch (ConditionalCheckFailedException none) {
            deleted = false;
        }
        dynamoDb.updateItem(b -> b.tableName(table)
                .key(INDEX_KEY)
                .updateExpression("DELETE #ids :id")
                .expressionAttributeNames(Map.of("#ids", BudgetsTable.POLICY_INDEX_IDS))
                .expressionAttributeValues(Map.of(":id", AttributeValue.fromSs(List.of(id)))));
        return deleted;
    }

    /** Adds the ids the old Scan found to the index and marks it complete; returns the ids it then names. */
    private Set<String> completeIndex(Set<String> found) {
        Map<String, String> names = new HashMap<>();
        Map<String, AttributeValue> values = new HashMap<>();
        names.put("#complete", BudgetsTable.POLICY_INDEX_COMPLETE);
        values.put(":complete", AttributeValue.fromBool(true));
        String update = "SET #complete = :complete";
        if (!found.isEmpty()) {
            names.put("#ids", BudgetsTable.POLICY_INDEX_IDS);
            values.put(":found", AttributeValue.fromSs(List.copyOf(found)));
            update += " ADD #ids :found";
        }
        String expression = update;
        return ids(dynamoDb.updateItem(b -> b.tableName(table)
                        .key(INDEX_KEY)
                        .updateExpression(expression)
                        .expressionAttributeNames(names)
                        .expressionAttributeValues(values)
                        .returnValues(ReturnValue.ALL_NEW))
                .attributes());
    }

    /** The ids of every policy item, by a consistent Scan of the whole table: only until the index is complete. */
    private Set<String> unindexedIds() {
        Set<String> ids = new TreeSet<>();
        dynamoDb.scanPaginator(b -> b.tableName(table)
                        .consistentRead(true)
                        .filterExpression("begins_with(#pk, :prefix)")
                        .projectionExpression("#pk")
                        .expressionAttributeNames(Map.of("#pk", PARTITION_KEY))
                        .expressionAttributeValues(
                                Map.of(":prefix", AttributeValue.fromS(BudgetsTable.POLICY_ITEM_PREFIX))))
                .items()
                .forEach(item ->
                        ids.add(item.get(PARTITION_KEY).s().substring(BudgetsTable.POLICY_ITEM_PREFIX.length())));
        return ids;
    }

    /** Reads the named policy items (at most 100), skipping ids whose item is gone; retries unprocessed keys. */
    private void readPolicies(List<String> ids, List<BudgetPolicy> into) {
        List<Map<String, AttributeValue>> keys =
                ids.stream().map(DynamoDbBudgetPolicyStore::partitionKey).toList();
        Map<String, KeysAndAttributes> request = Map.of(
                table,
                KeysAndAttributes.builder().keys(keys).consistentRead(true).build());
        long pauseMillis = 10;
        while (!request.isEmpty()) {
            Map<String, KeysAndAttributes> asked = request;
            BatchGetItemResponse response = dynamoDb.batchGetItem(b -> b.requestItems(asked));
            response.responses().getOrDefault(table, List.of()).forEach(item -> into.add(toPolicy(item)));
            request = response.hasUnprocessedKeys() ? response.unprocessedKeys() : Map.of();
            if (!request.isEmpty()) {
                pause(pauseMillis);
                pauseMillis = Math.min(pauseMillis * 2, 1000);
            }
        }
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading budget policies", e);
        }
    }

    private static boolean complete(Map<String, AttributeValue> index) {
        AttributeValue complete = index == null ? null : index.get(BudgetsTable.POLICY_INDEX_COMPLETE);
        return complete != null && Boolean.TRUE.equals(complete.bool());
    }

    private static Set<String> ids(Map<String, AttributeValue> index) {
        AttributeValue ids = index == null ? null : index.get(BudgetsTable.POLICY_INDEX_IDS);
        return ids == null || !ids.hasSs() ? Set.of() : new TreeSet<>(ids.ss());
    }

    private static String errorCode(DynamoDbException e) {
        return e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
    }

    private static Map<String, AttributeValue> partitionKey(String id) {
        return Map.of(PARTITION_KEY, AttributeValue.fromS(BudgetsTable.POLICY_ITEM_PREFIX + id));
    }

    private static Map<String, AttributeValue> toItem(BudgetPolicy policy) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(PARTITION_KEY, AttributeValue.fromS(BudgetsTable.POLICY_ITEM_PREFIX + policy.id()));
        item.put(BudgetsTable.POLICY_ID, AttributeValue.fromS(policy.id()));
        item.put(BudgetsTable.POLICY_SCOPE, AttributeValue.fromS(policy.scope().toString()));
        item.put(
                BudgetsTable.POLICY_PERIOD, AttributeValue.fromS(policy.period().label()));
        item.put(BudgetsTable.POLICY_LIMIT_USD, DynamoDbBudgetLedger.number(policy.limitUsd()));
        item.put(BudgetsTable.POLICY_MODE, AttributeValue.fromS(policy.mode().label()));
        item.put(
                BudgetsTable.POLICY_ALERT_AT,
                AttributeValue.fromL(policy.alertAt().stream()
                        .map(pct -> AttributeValue.fromN(Integer.toString(pct)))
                        .toList()));
        item.put(
                BudgetsTable.POLICY_ON_STORE_ERROR,
                AttributeValue.fromS(policy.onStoreError().label()));
        // a change waiting for the period's end keeps "shards" and "zone" what is in force until then, as versions
        // before the change read them, and names the coming ones apart
        boolean pending = policy.shardsFrom() != null && policy.previousShards() != 0;
        ZoneId zoneInForce = pending && policy.previousZone() != null ? policy.previousZone() : policy.zone();
        item.put(BudgetsTable.POLICY_ZONE, AttributeValue.fromS(zoneInForce.getId()));
        item.put(
                BudgetsTable.POLICY_SHARDS,
                AttributeValue.fromN(Integer.toString(pending ? policy.previousShards() : policy.shards())));
        if (policy.shardsFrom() != null) {
            item.put(
                    BudgetsTable.POLICY_SHARDS_FROM,
                    AttributeValue.fromS(policy.shardsFrom().toString()));
        }
        if (policy.since() != null) {
            item.put(
                    BudgetsTable.POLICY_SINCE,
                    AttributeValue.fromS(policy.since().toString()));
        }
        if (!policy.earlierLimits().isEmpty()) {
            item.put(
                    BudgetsTable.POLICY_EARLIER_LIMITS,
                    AttributeValue.fromL(policy.earlierLimits().stream()
                            .map(change -> AttributeValue.fromM(Map.of(
                                    "limit_usd",
                                    DynamoDbBudgetLedger.number(change.limitUsd()),
                                    "until",
                                    AttributeValue.fromS(change.until().toString()))))
                            .toList()));
        }
        if (pending) {
            item.put(BudgetsTable.POLICY_NEXT_SHARDS, AttributeValue.fromN(Integer.toString(policy.shards())));
            item.put(
                    BudgetsTable.POLICY_NEXT_ZONE,
                    AttributeValue.fromS(policy.zone().getId()));
        }
        return item;
    }

    private static BudgetPolicy toPolicy(Map<String, AttributeValue> item) {
        List<Integer> alertAt = null;
        if (item.containsKey(BudgetsTable.POLICY_ALERT_AT)) {
            alertAt = item.get(BudgetsTable.POLICY_ALERT_AT).l().stream()
                    .map(pct -> Integer.parseInt(pct.n()))
                    .toList();
        }
        String onStoreError = text(item, BudgetsTable.POLICY_ON_STORE_ERROR);
        String zone = text(item, BudgetsTable.POLICY_ZONE);
        int shards = item.containsKey(BudgetsTable.POLICY_SHARDS)
                ? Integer.parseInt(item.get(BudgetsTable.POLICY_SHARDS).n())
                : 1;
        Instant shardsFrom = item.containsKey(BudgetsTable.POLICY_SHARDS_FROM)
                ? Instant.parse(item.get(BudgetsTable.POLICY_SHARDS_FROM).s())
                : null;
        String sinceText = text(item, BudgetsTable.POLICY_SINCE);
        Instant since = sinceText == null ? null : Instant.parse(sinceText);
        List<BudgetPolicy.LimitChange> earlierLimits = item.containsKey(BudgetsTable.POLICY_EARLIER_LIMITS)
                ? item.get(BudgetsTable.POLICY_EARLIER_LIMITS).l().stream()
                        .map(change -> new BudgetPolicy.LimitChange(
                                new BigDecimal(change.m().get("limit_usd").n()),
                                Instant.parse(change.m().get("until").s())))
                        .toList()
                : List.of();
        if (item.containsKey(BudgetsTable.POLICY_NEXT_SHARDS)) {
            // "shards" and "zone" in force until shards_from, the next ones apart
            String nextZone = text(item, BudgetsTable.POLICY_NEXT_ZONE);
            return new BudgetPolicy(
                    BudgetScope.parse(item.get(BudgetsTable.POLICY_SCOPE).s()),
                    BudgetPeriod.parse(item.get(BudgetsTable.POLICY_PERIOD).s()),
                    new BigDecimal(item.get(BudgetsTable.POLICY_LIMIT_USD).n()),
                    Mode.parse(item.get(BudgetsTable.POLICY_MODE).s()),
                    alertAt,
                    onStoreError == null ? null : OnStoreError.parse(onStoreError),
                    nextZone != null ? ZoneId.of(nextZone) : zone == null ? null : ZoneId.of(zone),
                    Integer.parseInt(item.get(BudgetsTable.POLICY_NEXT_SHARDS).n()),
                    shards,
                    shardsFrom,
                    zone == null ? null : ZoneId.of(zone),
                    since,
                    earlierLimits);
        }
        // written before next_shards (b61cdc67 on): "shards" and "zone" are the next ones, previous_* in force
        String previousZone = text(item, BudgetsTable.POLICY_PREVIOUS_ZONE);
        return new BudgetPolicy(
                BudgetScope.parse(item.get(BudgetsTable.POLICY_SCOPE).s()),
                BudgetPeriod.parse(item.get(BudgetsTable.POLICY_PERIOD).s()),
                new BigDecimal(item.get(BudgetsTable.POLICY_LIMIT_USD).n()),
                Mode.parse(item.get(BudgetsTable.POLICY_MODE).s()),
                alertAt,
                onStoreError == null ? null : OnStoreError.parse(onStoreError),
                zone == null ? null : ZoneId.of(zone),
                shards,
                item.containsKey(BudgetsTable.POLICY_PREVIOUS_SHARDS)
                        ? Integer.parseInt(
                                item.get(BudgetsTable.POLICY_PREVIOUS_SHARDS).n())
                        : 0,
                shardsFrom,
                previousZone == null ? null : ZoneId.of(previousZone),
                since,
                earlierLimits);
    }

    private static String text(Map<String, AttributeValue> item, String attribute) {
        AttributeValue value = item.get(attribute);
        return value == null ? null : value.s();
    }
}
