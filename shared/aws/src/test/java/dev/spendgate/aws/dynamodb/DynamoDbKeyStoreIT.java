package dev.spendgate.aws.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.aws.dynamodb.DynamoDbTables.KeysTable;
import dev.spendgate.domain.keys.KeyStore;
import dev.spendgate.domain.keys.ProxyKey;
import dev.spendgate.domain.keys.ProxyKeys;
import dev.spendgate.testing.aws.LocalDynamoDb;
import dev.spendgate.testing.contract.KeyStoreContract;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkResponse;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.GetItemResponse;

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

    /**
     * DynamoDB's eventually consistent GetItem "might not reflect the results of a recently completed write": a
     * service calling the moment {@code POST /admin/keys} answered would get 401, and the gateway would keep that miss.
     * Here every eventually consistent GetItem answers as a read of a replica that has not seen the write yet.
     */
    @Test
    void findByHash_keyAnEventuallyConsistentReadDoesNotSeeYet_isFoundByAConsistentReRead() {
        ProxyKey key = key("key_000000000003", "sg-secret-3", T0);
        new DynamoDbKeyStore(dynamoDb, table).create(key);
        List<Boolean> consistentReads = new ArrayList<>();
        KeyStore lagging = new DynamoDbKeyStore(lagging(consistentReads), table);

        assertThat(lagging.findByHash(key.keyHash())).contains(key);
        assertThat(consistentReads).as("GetItems' ConsistentRead").containsExactly(false, true);
    }

    @Test
    void findByHash_keyFound_costsOneEventuallyConsistentRead() {
        ProxyKey key = key("key_000000000004", "sg-secret-4", T0);
        new DynamoDbKeyStore(dynamoDb, table).create(key);
        List<Boolean> consistentReads = new ArrayList<>();
        KeyStore store = new DynamoDbKeyStore(recording(consistentReads, false), table);

        assertThat(store.findByHash(key.keyHash())).contains(key);
        assertThat(store.findByHash(ProxyKeys.hash("sg-unknown"))).isEmpty();
        assertThat(consistentReads)
                .as("GetItems' ConsistentRead: the key, then an unknown secret")
                .containsExactly(false, false, true);
    }

    private static DynamoDbClient lagging(List<Boolean> consistentReads) {
        return recording(consistentReads, true);
    }

    /** Records each GetItem's ConsistentRead; with {@code lag}, an eventually consistent one finds nothing. */
    private static DynamoDbClient recording(List<Boolean> consistentReads, boolean lag) {
        return LocalDynamoDb.shared()
                .clientBuilder()
                .overrideConfiguration(o -> o.addExecutionInterceptor(new ExecutionInterceptor() {
                    @Override
                    public SdkResponse modifyResponse(Context.ModifyResponse context, ExecutionAttributes attributes) {
                        if (!(context.request() instanceof GetItemRequest get)) {
                            return context.response();
                        }
                        boolean consistent = Boolean.TRUE.equals(get.consistentRead());
                        consistentReads.add(consistent);
                        return lag && !consistent ? GetItemResponse.builder().build() : context.response();
                    }
                }))
                .build();
    }

    private Map<String, AttributeValue> item(String partitionKey) {
        return dynamoDb.getItem(b -> b.tableName(table)
                        .key(Map.of(DynamoDbTables.PARTITION_KEY, AttributeValue.fromS(partitionKey))))
                .item();
    }
}
