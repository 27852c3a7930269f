package dev.spendgate.aws.dynamodb;

import static dev.spendgate.aws.dynamodb.DynamoDbTables.PARTITION_KEY;

import dev.spendgate.domain.routing.GatewayPolicy;
import dev.spendgate.domain.routing.GatewayPolicyStore;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

/**
 * The gateway policy as one item of the budgets table, {@code gateway-policy#current}, holding the JSON document and
 * a {@code version} number that every write raises by one under a condition on the version it read, so a change made
 * between another writer's read and write makes that writer read again instead of overwriting it.
 */
public final class DynamoDbGatewayPolicyStore implements GatewayPolicyStore {
    static final String ITEM_KEY = "gateway-policy#current";
    static final String DOCUMENT = "document";
    static final String VERSION = "version";
    /** Lost races before an update gives up: each loss means another writer landed. */
    private static final int ATTEMPTS = 20;

    private final DynamoDbClient dynamoDb;
    private final String table;

    public DynamoDbGatewayPolicyStore(DynamoDbClient dynamoDb, String table) {
        this.dynamoDb = Objects.requireNonNull(dynamoDb, "dynamoDb");
        this.table = Objects.requireNonNull(table, "table");
    }

    @Override
    public GatewayPolicy load() {
        return policy(item());
    }

    @Override
    public void save(GatewayPolicy policy) {
        // the stored document is not read: a replacement is how an invalid one gets fixed
        write(item -> policy);
    }

    @Override
    public GatewayPolicy update(UnaryOperator<GatewayPolicy> change) {
        return write(item -> change.apply(policy(item)));
    }

    private GatewayPolicy write(Function<Map<String, AttributeValue>, GatewayPolicy> change) {
        for (int attempt = 1; ; attempt++) {
            Map<String, AttributeValue> item = item();
            GatewayPolicy next = Objects.requireNonNull(change.apply(item), "changed policy");
            AttributeValue read = item == null ? null : item.get(VERSION);
            long version = read == null ? 0 : Long.parseLong(read.n());
            try {
                dynamoDb.putItem(b -> b.tableName(table)
                        .item(Map.of(
                                PARTITION_KEY,
                                AttributeValue.fromS(ITEM_KEY),
                                DOCUMENT,
                                AttributeValue.fromS(new String(next.toJson(), StandardCharsets.UTF_8)),
                                VERSION,
                                AttributeValue.fromN(Long.toString(version + 1))))
                        .conditionExpression(read == null ? "attribute_not_exists(#v)" : "#v = :v")
                        .expressionAttributeNames(Map.of("#v", VERSION))
                        .expressionAttributeValues(
                                read == null ? null : Map.of(":v", AttributeValue.fromN(Long.toString(version)))));
                return next;
            } catch (ConditionalCheckFailedException e) {
                if (attempt == ATTEMPTS) {
                    throw new IllegalStateException(
                            "the gateway policy changed under " + ATTEMPTS + " attempts to update it; try again", e);
                }
            }
        }
    }

    private Map<String, AttributeValue> item() {
        Map<String, AttributeValue> item = dynamoDb.getItem(b -> b.tableName(table)
                        .key(Map.of(PARTITION_KEY, AttributeValue.fromS(ITEM_KEY)))
                        .consistentRead(true))
                .item();
        return item == null || item.isEmpty() ? null : item;
    }

    private static GatewayPolicy policy(Map<String, AttributeValue> item) {
        if (item == null || !item.containsKey(DOCUMENT)) {
            return GatewayPolicy.EMPTY;
        }
        return GatewayPolicy.parse(item.get(DOCUMENT).s().getBytes(StandardCharsets.UTF_8));
    }
}
