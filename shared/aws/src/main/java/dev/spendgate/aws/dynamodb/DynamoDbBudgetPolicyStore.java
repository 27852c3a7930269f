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
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

/**
 * A {@link BudgetPolicyStore} in the budgets table ({@link DynamoDbTables#createBudgetsTable}), beside the ledger
 * items: one item per policy, {@code pk = policy#<id>}. {@link #put} is a PutItem (replacing the policy with the same
 * id), {@link #find} a consistent GetItem, {@link #delete} a DeleteItem if the item exists. {@link #list} is a
 * consistent, paginated Scan of the whole table filtered on {@code begins_with(pk, "policy#")}: it reads every item
 * of the table (ledger items, counters), so callers should cache the result rather than list per request.
 * SDK failures propagate as {@link software.amazon.awssdk.core.exception.SdkException}.
 */
public final class DynamoDbBudgetPolicyStore implements BudgetPolicyStore {
    private final DynamoDbClient dynamoDb;
    private final String table;

    public DynamoDbBudgetPolicyStore(DynamoDbClient dynamoDb, String table) {
        this.dynamoDb = Objects.requireNonNull(dynamoDb, "dynamoDb");
        this.table = Objects.requireNonNull(table, "table");
    }

    @Override
    public void put(BudgetPolicy policy) {
        Objects.requireNonNull(policy, "policy");
        dynamoDb.putItem(b -> b.tableName(table).item(toItem(policy)));
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
        List<BudgetPolicy> policies = new ArrayList<>();
        dynamoDb.scanPaginator(b -> b.tableName(table)
                        .consistentRead(true)
                        .filterExpression("begins_with(#pk, :prefix)")
                        .expressionAttributeNames(Map.of("#pk", PARTITION_KEY))
                        .expressionAttributeValues(
                                Map.of(":prefix", AttributeValue.fromS(BudgetsTable.POLICY_ITEM_PREFIX))))
                .items()
                .forEach(item -> policies.add(toPolicy(item)));
        policies.sort(Comparator.comparing(BudgetPolicy::id));
        return policies;
    }

    @Override
    public boolean delete(String id) {
        Objects.requireNonNull(id, "id");
        try {
            dynamoDb.deleteItem(b -> b.tableName(table)
                    .key(partitionKey(id))
                    .conditionExpression("attribute_exists(#pk)")
                    .expressionAttributeNames(Map.of("#pk", PARTITION_KEY)));
            return true;
        } catch (ConditionalCheckFailedException none) {
            return false;
        }
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
        item.put(BudgetsTable.POLICY_ZONE, AttributeValue.fromS(policy.zone().getId()));
        item.put(BudgetsTable.POLICY_SHARDS, AttributeValue.fromN(Integer.toString(policy.shards())));
        if (policy.shardsFrom() != null) {
            item.put(
                    BudgetsTable.POLICY_PREVIOUS_SHARDS,
                    AttributeValue.fromN(Integer.toString(policy.previousShards())));
            item.put(
                    BudgetsTable.POLICY_SHARDS_FROM,
                    AttributeValue.fromS(policy.shardsFrom().toString()));
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
        return new BudgetPolicy(
                BudgetScope.parse(item.get(BudgetsTable.POLICY_SCOPE).s()),
                BudgetPeriod.parse(item.get(BudgetsTable.POLICY_PERIOD).s()),
                new BigDecimal(item.get(BudgetsTable.POLICY_LIMIT_USD).n()),
                Mode.parse(item.get(BudgetsTable.POLICY_MODE).s()),
                alertAt,
                onStoreError == null ? null : OnStoreError.parse(onStoreError),
                zone == null ? null : ZoneId.of(zone),
                item.containsKey(BudgetsTable.POLICY_SHARDS)
                        ? Integer.parseInt(item.get(BudgetsTable.POLICY_SHARDS).n())
                        : 1,
                item.containsKey(BudgetsTable.POLICY_PREVIOUS_SHARDS)
                        ? Integer.parseInt(
                                item.get(BudgetsTable.POLICY_PREVIOUS_SHARDS).n())
                        : 0,
                item.containsKey(BudgetsTable.POLICY_SHARDS_FROM)
                        ? java.time.Instant.parse(
                                item.get(BudgetsTable.POLICY_SHARDS_FROM).s())
                        : null);
    }

    private static String text(Map<String, AttributeValue> item, String attribute) {
        AttributeValue value = item.get(attribute);
        return value == null ? null : value.s();
    }
}
