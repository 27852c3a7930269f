package dev.spendgate.aws.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.aws.dynamodb.DynamoDbTables.BudgetsTable;
import dev.spendgate.domain.budget.BudgetPeriod;
import dev.spendgate.domain.budget.BudgetPolicy;
import dev.spendgate.domain.budget.BudgetPolicy.Mode;
import dev.spendgate.domain.budget.BudgetPolicy.OnStoreError;
import dev.spendgate.domain.budget.BudgetPolicyStore;
import dev.spendgate.domain.budget.BudgetScope;
import dev.spendgate.testing.aws.LocalDynamoDb;
import dev.spendgate.testing.contract.BudgetPolicyStoreContract;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

class DynamoDbBudgetPolicyStoreIT extends BudgetPolicyStoreContract {
    private final DynamoDbClient dynamoDb = LocalDynamoDb.shared().client();
    private String table;

    @Override
    protected BudgetPolicyStore newStore() {
        table = LocalDynamoDb.uniqueTableName("budgets");
        DynamoDbTables.createBudgetsTable(dynamoDb, table);
        return new DynamoDbBudgetPolicyStore(dynamoDb, table);
    }

    @Override
    protected BudgetPolicyStore reopenStore() {
        return new DynamoDbBudgetPolicyStore(dynamoDb, table);
    }

    @Test
    void put_writesOnePolicyItemWithEveryAttribute() {
        new DynamoDbBudgetPolicyStore(dynamoDb, table)
                .put(new BudgetPolicy(
                        BudgetScope.parse("feature:chatbot"),
                        BudgetPeriod.MONTHLY,
                        new BigDecimal("1234.5678"),
                        Mode.DEGRADE,
                        List.of(50, 100),
                        OnStoreError.FAIL_OPEN,
                        ZoneId.of("Europe/Berlin")));

        Map<String, AttributeValue> item = dynamoDb.getItem(b -> b.tableName(table)
                        .key(Map.of(
                                DynamoDbTables.PARTITION_KEY, AttributeValue.fromS("policy#feature:chatbot/monthly"))))
                .item();
        assertThat(item)
                .containsEntry(BudgetsTable.POLICY_ID, AttributeValue.fromS("feature:chatbot/monthly"))
                .containsEntry(BudgetsTable.POLICY_SCOPE, AttributeValue.fromS("feature:chatbot"))
                .containsEntry(BudgetsTable.POLICY_PERIOD, AttributeValue.fromS("monthly"))
                .containsEntry(BudgetsTable.POLICY_LIMIT_USD, AttributeValue.fromN("1234.5678"))
                .containsEntry(BudgetsTable.POLICY_MODE, AttributeValue.fromS("degrade"))
                .containsEntry(
                        BudgetsTable.POLICY_ALERT_AT,
                        AttributeValue.fromL(List.of(AttributeValue.fromN("50"), AttributeValue.fromN("100"))))
                .containsEntry(BudgetsTable.POLICY_ON_STORE_ERROR, AttributeValue.fromS("fail_open"))
                .containsEntry(BudgetsTable.POLICY_ZONE, AttributeValue.fromS("Europe/Berlin"));
    }

    /**
     * A shard count and zone changed mid-period: {@code shards} and {@code zone} stay what is in force until the
     * period's end, which is what a version before the change (it knows neither {@code next_*} nor
     * {@code shards_from}) reads, so after a roll-back it does not start new shards empty mid-period.
     */
    @Test
    void put_pendingShardAndZoneChange_keepsTheInForceValuesUnderTheirOldNames() {
        BudgetPolicyStore store = new DynamoDbBudgetPolicyStore(dynamoDb, table);
        BudgetPolicy one = new BudgetPolicy(
                BudgetScope.parse("feature:chatbot"),
                BudgetPeriod.MONTHLY,
                new BigDecimal("100"),
                Mode.BLOCK,
                null,
                null,
                ZoneId.of("Z"),
                1);
        store.put(one);
        Instant midDecember = Instant.parse("2026-12-05T12:00:00Z");
        BudgetPolicy four = new BudgetPolicy(
                        one.scope(),
                        one.period(),
                        one.limitUsd(),
                        one.mode(),
                        null,
                        null,
                        ZoneId.of("Europe/Berlin"),
                        4)
                .replacing(one, midDecember);

        store.put(four);

        Map<String, AttributeValue> item = dynamoDb.getItem(b -> b.tableName(table)
                        .key(Map.of(
                                DynamoDbTables.PARTITION_KEY, AttributeValue.fromS("policy#feature:chatbot/monthly"))))
                .item();
        assertThat(item)
                .containsEntry(BudgetsTable.POLICY_SHARDS, AttributeValue.fromN("1"))
                .containsEntry(BudgetsTable.POLICY_ZONE, AttributeValue.fromS("Z"))
                .containsEntry(BudgetsTable.POLICY_NEXT_SHARDS, AttributeValue.fromN("4"))
                .containsEntry(BudgetsTable.POLICY_NEXT_ZONE, AttributeValue.fromS("Europe/Berlin"))
                .containsEntry(BudgetsTable.POLICY_SHARDS_FROM, AttributeValue.fromS("2027-01-01T00:00:00Z"));
        BudgetPolicy read = store.find(one.id()).orElseThrow();
        assertThat(normalized(read)).isEqualTo(normalized(four));
        assertThat(read.inForceAt(midDecember).shards()).isEqualTo(1);
        assertThat(read.inForceAt(Instant.parse("2027-01-01T00:00:00Z")).zone()).isEqualTo(ZoneId.of("Europe/Berlin"));
    }

    /** An item this version wrote before next_shards: "shards" the coming count, previous_shards the one in force. */
    @Test
    void find_itemWithPreviousShards_readsTheCountInForceAsBefore() {
        Map<String, AttributeValue> item = new java.util.HashMap<>();
        item.put(DynamoDbTables.PARTITION_KEY, AttributeValue.fromS("policy#feature:chatbot/monthly"));
        item.put(BudgetsTable.POLICY_ID, AttributeValue.fromS("feature:chatbot/monthly"));
        item.put(BudgetsTable.POLICY_SCOPE, AttributeValue.fromS("feature:chatbot"));
        item.put(BudgetsTable.POLICY_PERIOD, AttributeValue.fromS("monthly"));
        item.put(BudgetsTable.POLICY_LIMIT_USD, AttributeValue.fromN("100"));
        item.put(BudgetsTable.POLICY_MODE, AttributeValue.fromS("block"));
        item.put(BudgetsTable.POLICY_ZONE, AttributeValue.fromS("Europe/Berlin"));
        item.put(BudgetsTable.POLICY_SHARDS, AttributeValue.fromN("4"));
        item.put(BudgetsTable.POLICY_PREVIOUS_SHARDS, AttributeValue.fromN("1"));
        item.put(BudgetsTable.POLICY_PREVIOUS_ZONE, AttributeValue.fromS("Z"));
        item.put(BudgetsTable.POLICY_SHARDS_FROM, AttributeValue.fromS("2027-01-01T00:00:00Z"));
        dynamoDb.putItem(b -> b.tableName(table).item(item));

        BudgetPolicy read = new DynamoDbBudgetPolicyStore(dynamoDb, table)
                .find("feature:chatbot/monthly")
                .orElseThrow();

        BudgetPolicy december = read.inForceAt(Instant.parse("2026-12-05T12:00:00Z"));
        assertThat(december.shards()).isEqualTo(1);
        assertThat(december.zone()).isEqualTo(ZoneId.of("Z"));
        BudgetPolicy january = read.inForceAt(Instant.parse("2027-01-01T00:00:00Z"));
        assertThat(january.shards()).isEqualTo(4);
        assertThat(january.zone()).isEqualTo(ZoneId.of("Europe/Berlin"));
    }

    @Test
    void list_tableAlsoHoldingLedgerCounterAndMarkerItems_returnsOnlyPolicies() {
        BudgetPolicyStore store = new DynamoDbBudgetPolicyStore(dynamoDb, table);
        store.put(policy("feature:chatbot", BudgetPeriod.MONTHLY, "100"));
        new DynamoDbBudgetLedger(dynamoDb, table)
                .reserve("budget#feature:chatbot#monthly#2026-11", new BigDecimal("100"), new BigDecimal("1"));
        new DynamoDbRateCounter(dynamoDb, table)
                .incrementIfBelow(
                        "rate#session:s-1#2026-11-28T15:00", 10, Instant.now().plusSeconds(60));
        new DynamoDbOnceMarker(dynamoDb, table)
                .markOnce("once#alert", Instant.now().plusSeconds(60));

        assertThat(store.list()).map(BudgetPolicy::id).containsExactly("feature:chatbot/monthly");
        assertThat(store.find("feature:chatbot/monthly")).isPresent();
    }
}
