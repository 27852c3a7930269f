package dev.spendgate.aws.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.aws.dynamodb.DynamoDbTables.BudgetsTable;
import dev.spendgate.domain.budget.BudgetLedger;
import dev.spendgate.domain.budget.BudgetLedger.ReserveResult;
import dev.spendgate.testing.aws.LocalDynamoDb;
import dev.spendgate.testing.contract.BudgetLedgerContract;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.TableStatus;

class DynamoDbBudgetLedgerIT extends BudgetLedgerContract {
    private static final String ITEM = "budget#feature:chatbot#monthly#2026-11";

    private final DynamoDbClient dynamoDb = LocalDynamoDb.shared().client();
    private String table;

    @Override
    protected BudgetLedger newLedger() {
        table = LocalDynamoDb.uniqueTableName("budgets");
        DynamoDbTables.createBudgetsTable(dynamoDb, table);
        return new DynamoDbBudgetLedger(dynamoDb, table);
    }

    @Override
    protected BudgetLedger reopenLedger() {
        return new DynamoDbBudgetLedger(dynamoDb, table);
    }

    @Test
    void reserveAndSettle_writeExactNumbersToOneItemKeyedByTheItemKey() {
        BudgetLedger ledger = new DynamoDbBudgetLedger(dynamoDb, table);

        ledger.reserve(ITEM, usd("1.00"), usd("0.50"));
        ledger.settle(ITEM, usd("0.50"), usd("0.00000123"));
        ledger.reserve(ITEM, usd("1.00"), usd("0.10"));

        Map<String, AttributeValue> item = dynamoDb.getItem(
                        b -> b.tableName(table).key(Map.of(DynamoDbTables.PARTITION_KEY, AttributeValue.fromS(ITEM))))
                .item();
        assertThat(item)
                .containsOnlyKeys(
                        DynamoDbTables.PARTITION_KEY,
                        BudgetsTable.COMMITTED,
                        BudgetsTable.RESERVED,
                        BudgetsTable.SPENT);
        assertThat(new BigDecimal(item.get(BudgetsTable.SPENT).n())).isEqualByComparingTo("0.00000123");
        assertThat(new BigDecimal(item.get(BudgetsTable.RESERVED).n())).isEqualByComparingTo("0.1");
        assertThat(new BigDecimal(item.get(BudgetsTable.COMMITTED).n())).isEqualByComparingTo("0.10000123");
    }

    @Test
    void reserve_fromTwoGatewaysWithTheirOwnClients_neverOvershoots() throws Exception {
        try (DynamoDbClient first = LocalDynamoDb.shared().clientBuilder().build();
                DynamoDbClient second = LocalDynamoDb.shared().clientBuilder().build()) {
            List<BudgetLedger> gateways =
                    List.of(new DynamoDbBudgetLedger(first, table), new DynamoDbBudgetLedger(second, table));
            ExecutorService pool = Executors.newFixedThreadPool(16);
            try {
                List<Future<ReserveResult>> results = new ArrayList<>();
                for (int i = 0; i < 60; i++) {
                    BudgetLedger gateway = gateways.get(i % 2);
                    results.add(pool.submit(() -> gateway.reserve(ITEM, usd("0.30"), usd("0.01"))));
                }
                int granted = 0;
                for (Future<ReserveResult> result : results) {
                    granted += result.get().granted() ? 1 : 0;
                }
                assertThat(granted).isEqualTo(30);
            } finally {
                pool.shutdownNow();
            }
        }
        assertState(new DynamoDbBudgetLedger(dynamoDb, table).state(ITEM).orElseThrow(), "0", "0.30", "0.30");
    }

    @Test
    void planOnce_keepsTheFirstTrysSplit_forARetryFromAnotherInstance() {
        BudgetLedger first = newLedger();
        List<BudgetLedger.Settlement> planned = List.of(
                new BudgetLedger.Settlement(ITEM, BigDecimal.ZERO, new BigDecimal("100.25")),
                new BudgetLedger.Settlement(ITEM + "#shard-1", BigDecimal.ZERO, new BigDecimal("299.75")));
        List<BudgetLedger.Settlement> workedOutAgain = List.of(
                new BudgetLedger.Settlement(ITEM, BigDecimal.ZERO, new BigDecimal("57.14")),
                new BudgetLedger.Settlement(ITEM + "#shard-1", BigDecimal.ZERO, new BigDecimal("342.86")));

        assertThat(first.planOnce("batch#b1#abc", planned)).isEqualTo(planned);
        List<BudgetLedger.Settlement> kept = reopenLedger().planOnce("batch#b1#abc", workedOutAgain);

        assertThat(kept).extracting(BudgetLedger.Settlement::itemKey).containsExactly(ITEM, ITEM + "#shard-1");
        assertThat(kept)
                .extracting(BudgetLedger.Settlement::actual)
                .usingElementComparator(BigDecimal::compareTo)
                .containsExactly(new BigDecimal("100.25"), new BigDecimal("299.75"));
        assertThat(reopenLedger().planOnce("batch#b2#def", workedOutAgain)).isEqualTo(workedOutAgain);
    }

    @Test
    void createBudgetsTable_calledTwice_leavesOneActiveTableKeyedByPk() {
        DynamoDbTables.createBudgetsTable(dynamoDb, table);

        var description = dynamoDb.describeTable(b -> b.tableName(table)).table();
        assertThat(description.tableStatus()).isEqualTo(TableStatus.ACTIVE);
        assertThat(description.keySchema()).singleElement().satisfies(k -> assertThat(k.attributeName())
                .isEqualTo(DynamoDbTables.PARTITION_KEY));
    }
}
