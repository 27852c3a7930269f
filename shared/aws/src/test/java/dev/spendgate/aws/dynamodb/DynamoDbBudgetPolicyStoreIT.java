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
