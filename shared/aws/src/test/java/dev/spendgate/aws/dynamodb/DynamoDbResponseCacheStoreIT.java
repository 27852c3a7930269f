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

    @Test
    void put_twoInstancesFillingOneFeature_keepAtMostMaxEntriesOldestOut() {
        ResponseCacheStore one = new DynamoDbResponseCacheStore(dynamoDb, table);
        ResponseCacheStore two = reopenStore();
        for (int i = 0; i < 8; i++) {
            (i % 2 == 0 ? one : two).put(answer("k" + i, "faq", NOW.plusSeconds(i), 600), 3);
        }

        for (int i = 0; i < 8; i++) {
            assertThat(one.get("k" + i, NOW.plusSeconds(10)).isPresent())
                    .as("k" + i)
                    .isEqualTo(i >= 5);
        }
    }

    @Test
    void put_sameKeyFilledAgain_isNotDroppedWithItsOlderSlot() {
        ResponseCacheStore store = reopenStore();
        store.put(answer("k0", "faq", NOW, 600), 2);
        store.put(answer("k1", "faq", NOW.plusSeconds(1), 600), 2);
        store.put(answer("k0", "faq", NOW.plusSeconds(2), 600), 2); // k0 again: takes slot 0, drops nothing else
        store.put(answer("k2", "faq", NOW.plusSeconds(3), 600), 2); // slot 1: drops k1

        assertThat(store.get("k0", NOW.plusSeconds(4))).isPresent();
        assertThat(store.get("k1", NOW.plusSeconds(4))).isEmpty();
        assertThat(store.get("k2", NOW.plusSeconds(4))).isPresent();
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
