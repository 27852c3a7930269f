package dev.spendgate.aws.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.aws.dynamodb.DynamoDbTables.BudgetsTable;
import dev.spendgate.domain.budget.RateCounter;
import dev.spendgate.testing.aws.LocalDynamoDb;
import dev.spendgate.testing.contract.RateCounterContract;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

class DynamoDbRateCounterIT extends RateCounterContract {
    private final DynamoDbClient dynamoDb = LocalDynamoDb.shared().client();
    private String table;

    @Override
    protected RateCounter newCounter() {
        table = LocalDynamoDb.uniqueTableName("budgets");
        DynamoDbTables.createBudgetsTable(dynamoDb, table);
        return new DynamoDbRateCounter(dynamoDb, table);
    }

    @Test
    void incrementIfBelow_writesCountAndExpiryInEpochSecondsRoundedUp() {
        RateCounter counter = new DynamoDbRateCounter(dynamoDb, table);

        counter.incrementIfBelow("rate#k", 5, Instant.parse("2026-11-28T15:01:00Z"));
        counter.incrementIfBelow("rate#k", 5, Instant.parse("2026-11-28T15:02:00.001Z"));

        assertThat(item("rate#k"))
                .containsEntry(BudgetsTable.COUNT, AttributeValue.fromN("2"))
                .containsEntry(BudgetsTable.EXPIRES_AT, AttributeValue.fromN("1795878121"));
    }

    @Test
    void incrementIfBelow_maxZero_writesNothing() {
        new DynamoDbRateCounter(dynamoDb, table).incrementIfBelow("rate#k", 0, Instant.now());

        assertThat(item("rate#k")).isEmpty();
    }

    private Map<String, AttributeValue> item(String key) {
        return dynamoDb.getItem(
                        b -> b.tableName(table).key(Map.of(DynamoDbTables.PARTITION_KEY, AttributeValue.fromS(key))))
                .item();
    }
}
