package dev.spendgate.aws.dynamodb;

import static dev.spendgate.aws.dynamodb.DynamoDbTables.PARTITION_KEY;

import dev.spendgate.aws.dynamodb.DynamoDbTables.KeysTable;
import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.keys.KeyStore;
import dev.spendgate.domain.keys.ProxyKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

/**
 * A {@link KeyStore} in a DynamoDB table ({@link DynamoDbTables#createKeysTable}), correct without transactions (which
 * dynalite lacks).
 *
 * <p>Each key is two items: {@code hash#<sha256>} holds the whole key, so {@link #findByHash}, the per-request hot
 * path, is one eventually consistent GetItem (a consistent one after a miss, see {@link #findByHash}); {@code id#<id>}
 * points at it. {@link #create} puts the id item, then the
 * hash item, each only if absent; when the hash item already exists it deletes its id item again. Until the hash item
 * exists the key is invisible (an id item alone finds nothing), so a crash between the two puts leaves only an
 * unusable id item. {@link #revoke} is one conditional UpdateItem on the hash item. SDK failures propagate as
 * {@link SdkException}.
 */
public final class DynamoDbKeyStore implements KeyStore {
    private static final Comparator<ProxyKey> CREATION_ORDER =
            Comparator.comparing(ProxyKey::createdAt).thenComparing(ProxyKey::id);
    private static final String[] ATTRIBUTION_FIELDS = {
        "feature", "department", "team", "environment", "session", "user", "run"
    };

    private final DynamoDbClient dynamoDb;
    private final String table;

    public DynamoDbKeyStore(DynamoDbClient dynamoDb, String table) {
        this.dynamoDb = Objects.requireNonNull(dynamoDb, "dynamoDb");
        this.table = Objects.requireNonNull(table, "table");
    }

    @Override
    public void create(ProxyKey key) {
        Objects.requireNonNull(key, "key");
        try {
            putIfAbsent(Map.of(
                    PARTITION_KEY,
                    AttributeValue.fromS(KeysTable.ID_ITEM_PREFIX + key.id()),
                    KeysTable.KEY_HASH,
                    AttributeValue.fromS(key.keyHash())));
        } catch (ConditionalCheckFailedException e) {
            throw new IllegalStateException("a key with id " + key.id() + " already exists");
        }
        try {
            putIfAbsent(toItem(key));
        } catch (ConditionalCheckFailedException e) {
            IllegalStateException duplicate = new IllegalStateException("a key with the same secret already exists");
            deleteIdItem(key, duplicate);
            throw duplicate;
        } catch (RuntimeException e) {
            deleteIdItem(key, e);
            throw e;
        }
    }

    /**
     * One eventually consistent GetItem of the hash item (half a read unit: every call pays it); only when that finds
     * nothing, one consistent GetItem. An eventually consistent read may miss a key created a moment ago, and the miss
     * is what {@link dev.spendgate.domain.keys.CachingKeyStore} keeps: re-read, a miss is a real one.
     */
    @Override
    public Optional<ProxyKey> findByHash(String keyHash) {
        Objects.requireNonNull(keyHash, "keyHash");
        Optional<ProxyKey> key = readHashItem(keyHash, false);
        return key.isPresent() ? key : readHashItem(keyHash, true);
    }

    private Optional<ProxyKey> readHashItem(String keyHash, boolean consistent) {
        Map<String, AttributeValue> item = dynamoDb.getItem(b -> b.tableName(table)
                        .key(partitionKey(KeysTable.HASH_ITEM_PREFIX + keyHash))
                        .consistentRead(consistent))
                .item();
        return item == null || item.isEmpty() ? Optional.empty() : Optional.of(toKey(item));
    }

    @Override
    public Optional<ProxyKey> findById(String id) {
        Objects.requireNonNull(id, "id");
        return hashOf(id).flatMap(this::findByHash).filter(key -> key.id().equals(id));
    }

    @Override
    public List<ProxyKey> list() {
        List<ProxyKey> keys = new ArrayList<>();
        dynamoDb.scanPaginator(b -> b.tableName(table)
                        .filterExpression("begins_with(#pk, :prefix)")
                        .expressionAttributeNames(Map.of("#pk", PARTITION_KEY))
                        .expressionAttributeValues(Map.of(":prefix", AttributeValue.fromS(KeysTable.HASH_ITEM_PREFIX))))
                .items()
                .forEach(item -> keys.add(toKey(item)));
        keys.sort(CREATION_ORDER);
        return keys;
    }

    @Override
    public boolean revoke(String id) {
        Objects.requireNonNull(id, "id");
        Optional<String> hash = hashOf(id);
        if (hash.isEmpty()) {
            return false;
        }
        try {
            dynamoDb.updateItem(b -> b.tableName(table)
                    .key(partitionKey(KeysTable.HASH_ITEM_PREFIX + hash.get()))
                    .updateExpression("SET #enabled = :false")
                    .conditionExpression("attribute_exists(#pk) AND #id = :id")
                    .expressionAttributeNames(
                            Map.of("#enabled", KeysTable.ENABLED, "#pk", PARTITION_KEY, "#id", KeysTable.ID))
                    .expressionAttributeValues(
                            Map.of(":false", AttributeValue.fromBool(false), ":id", AttributeValue.fromS(id))));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false; // an id item whose create did not complete
        }
    }

    private Optional<String> hashOf(String id) {
        Map<String, AttributeValue> item = dynamoDb.getItem(b -> b.tableName(table)
                        .key(partitionKey(KeysTable.ID_ITEM_PREFIX + id))
                        .consistentRead(true))
                .item();
        if (item == null || !item.containsKey(KeysTable.KEY_HASH)) {
            return Optional.empty();
        }
        return Optional.of(item.get(KeysTable.KEY_HASH).s());
    }

    private void putIfAbsent(Map<String, AttributeValue> item) {
        dynamoDb.putItem(b -> b.tableName(table)
                .item(item)
                .conditionExpression("attribute_not_exists(#pk)")
                .expressionAttributeNames(Map.of("#pk", PARTITION_KEY)));
    }

    /** Undoes the id item of a failed create; a failure to do so is recorded on {@code failure}. */
    private void deleteIdItem(ProxyKey key, RuntimeException failure) {
        try {
            dynamoDb.deleteItem(b -> b.tableName(table)
                    .key(partitionKey(KeysTable.ID_ITEM_PREFIX + key.id()))
                    .conditionExpression("#hash = :hash")
                    .expressionAttributeNames(Map.of("#hash", KeysTable.KEY_HASH))
                    .expressionAttributeValues(Map.of(":hash", AttributeValue.fromS(key.keyHash()))));
        } catch (RuntimeException cleanup) {
            failure.addSuppressed(cleanup);
        }
    }

    private static Map<String, AttributeValue> partitionKey(String value) {
        return Map.of(PARTITION_KEY, AttributeValue.fromS(value));
    }

    private static Map<String, AttributeValue> toItem(ProxyKey key) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(PARTITION_KEY, AttributeValue.fromS(KeysTable.HASH_ITEM_PREFIX + key.keyHash()));
        item.put(KeysTable.ID, AttributeValue.fromS(key.id()));
        item.put(KeysTable.KEY_HASH, AttributeValue.fromS(key.keyHash()));
        item.put(KeysTable.NAME, AttributeValue.fromS(key.name()));
        item.put(KeysTable.ENVIRONMENT, AttributeValue.fromS(key.environment()));
        if (key.owner() != null) {
            item.put(KeysTable.OWNER, AttributeValue.fromS(key.owner()));
        }
        Map<String, AttributeValue> defaults = new HashMap<>();
        key.defaults().asMap().forEach((field, value) -> defaults.put(field, AttributeValue.fromS(value)));
        if (!defaults.isEmpty()) {
            item.put(KeysTable.DEFAULTS, AttributeValue.fromM(defaults));
        }
        item.put(KeysTable.ENABLED, AttributeValue.fromBool(key.enabled()));
        item.put(KeysTable.CREATED_AT, AttributeValue.fromS(key.createdAt().toString()));
        return item;
    }

    private static ProxyKey toKey(Map<String, AttributeValue> item) {
        Map<String, AttributeValue> defaults = item.containsKey(KeysTable.DEFAULTS)
                ? item.get(KeysTable.DEFAULTS).m()
                : Map.of();
        String[] values = new String[ATTRIBUTION_FIELDS.length];
        for (int i = 0; i < values.length; i++) {
            AttributeValue value = defaults.get(ATTRIBUTION_FIELDS[i]);
            values[i] = value == null ? null : value.s();
        }
        return new ProxyKey(
                item.get(KeysTable.ID).s(),
                item.get(KeysTable.KEY_HASH).s(),
                item.get(KeysTable.NAME).s(),
                item.get(KeysTable.ENVIRONMENT).s(),
                item.containsKey(KeysTable.OWNER) ? item.get(KeysTable.OWNER).s() : null,
                new Attribution(values[0], values[1], values[2], values[3], values[4], values[5], values[6]),
                Boolean.TRUE.equals(item.get(KeysTable.ENABLED).bool()),
                Instant.parse(item.get(KeysTable.CREATED_AT).s()));
    }
}
