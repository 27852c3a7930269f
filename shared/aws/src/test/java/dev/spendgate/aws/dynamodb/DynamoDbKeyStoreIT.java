package dev.spendgate.aws.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.aws.dynamodb.DynamoDbTables.KeysTable;
import dev.spendgate.domain.keys.KeyStore;
import dev.spendgate.domain.keys.ProxyKey;
import dev.spendgate.testing.aws.LocalDynamoDb;
import dev.spendgate.testing.contract.KeyStoreContract;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

class DynamoDbKeyStoreIT extends KeyStoreContract {
    private static final Instant T0 = Instant.parse("2026-11-28T15:00:00Z");

    private final DynamoDbClient dynamoDb = LocalDynamoDb.shared().client();
    private String table;

    @Override
    protected KeyStore newStore() {
        table = LocalDynamoDb.uniqueTableName("keys");
        DynamoDbTables.createKeysTable(dynamoDb, table);
        return new DynamoDbKeyStore(dynamoDb, table);
    }

    @Override
    protected KeyStore reopenStore() {
        return new DynamoDbKeyStore(dynamoDb, table);
    }

    @Test
    void create_writesHashItemWithTheKeyAndIdItemPointingAtIt() {
        ProxyKey key = key("key_000000000001", "sg-secret-1", T0);

        new DynamoDbKeyStore(dynamoDb, table).create(key);

        Map<String, AttributeValue> hashItem = item(KeysTable.HASH_ITEM_PREFIX + key.keyHash());
        assertThat(hashItem)
                .containsEntry(KeysTable.ID, AttributeValue.fromS("key_000000000001"))
                .containsEntry(KeysTable.ENABLED, AttributeValue.fromBool(true))
                .containsEntry(KeysTable.CREATED_AT, AttributeValue.fromS("2026-11-28T15:00:00Z"))
                .containsEntry(
                        KeysTable.DEFAULTS,
                        AttributeValue.fromM(Map.of(
                                "feature", AttributeValue.fromS("support-bot"),
                                "department", AttributeValue.fromS("customer-care"))));
        assertThat(item(KeysTable.ID_ITEM_PREFIX + key.id()))
                .containsOnlyKeys(DynamoDbTables.PARTITION_KEY, KeysTable.KEY_HASH)
                .containsEntry(KeysTable.KEY_HASH, AttributeValue.fromS(key.keyHash()));
    }

    @Test
    void idItemLeftByInterruptedCreate_isInvisibleAndCannotBeRevoked() {
        KeyStore store = new DynamoDbKeyStore(dynamoDb, table);
        ProxyKey other = key("key_000000000002", "sg-secret-2", T0);
        store.create(other);
        dynamoDb.putItem(b -> b.tableName(table)
                .item(Map.of(
                        DynamoDbTables.PARTITION_KEY, AttributeValue.fromS(KeysTable.ID_ITEM_PREFIX + "key_orphan"),
                        KeysTable.KEY_HASH, AttributeValue.fromS(other.keyHash()))));

        assertThat(store.findById("key_orphan")).isEmpty();
        assertThat(store.revoke("key_orphan")).isFalse();
        assertThat(store.list()).containsExactly(other);
        assertThat(store.findById(other.id()))
                .hasValueSatisfying(k -> assertThat(k.enabled()).isTrue());
    }

    private Map<String, AttributeValue> item(String partitionKey) {
        return dynamoDb.getItem(b -> b.tableName(table)
                        .key(Map.of(DynamoDbTables.PARTITION_KEY, AttributeValue.fromS(partitionKey))))
                .item();
    }
}
