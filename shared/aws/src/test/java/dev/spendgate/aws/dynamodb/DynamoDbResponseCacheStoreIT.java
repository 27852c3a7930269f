package dev.spendgate.aws.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.aws.dynamodb.DynamoDbTables.BudgetsTable;
import dev.spendgate.domain.cache.ResponseCacheStore;
import dev.spendgate.testing.aws.LocalDynamoDb;
import dev.spendgate.testing.contract.ResponseCacheStoreContract;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

class DynamoDbResponseCacheStoreIT extends ResponseCacheStoreContract {
    private final DynamoDbClient dynamoDb = LocalDynamoDb.shared().client();
    private String table;

    @Override
    protected ResponseCacheStore newStore() {
        table = LocalDynamoDb.uniqueTableName("budgets");
        DynamoDbTables.createBudgetsTable(dynamoDb, table);
        return new DynamoDbResponseCacheStore(dynamoDb, table);
    }

    @Override
    protected ResponseCacheStore reopenStore() {
        return new DynamoDbResponseCacheStore(dynamoDb, table);
    }

    @Override
    protected boolean enforcesMaxEntries() {
        return false;
    }

    @Test
    void put_writesTheTablesTtlAttributeInEpochSeconds() {
        new DynamoDbResponseCacheStore(dynamoDb, table).put(answer("k1", "faq", NOW, 600), 10);

        Map<String, AttributeValue> item = dynamoDb.getItem(b ->
                        b.tableName(table).key(Map.of(DynamoDbTables.PARTITION_KEY, AttributeValue.fromS("cache#k1"))))
                .item();
        assertThat(item).containsEntry(BudgetsTable.EXPIRES_AT, AttributeValue.fromN("1796310600"));
    }
}
