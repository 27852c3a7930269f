package dev.spendgate.aws.dynamodb;

import static dev.spendgate.aws.dynamodb.DynamoDbTables.PARTITION_KEY;

import dev.spendgate.domain.routing.GatewayPolicy;
import dev.spendgate.domain.routing.GatewayPolicyStore;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** The gateway policy as one item of the budgets table, {@code gateway-policy#current}, holding the JSON document. */
public final class DynamoDbGatewayPolicyStore implements GatewayPolicyStore {
    static final String ITEM_KEY = "gateway-policy#current";
    static final String DOCUMENT = "document";

    private final DynamoDbClient dynamoDb;
    private final String table;

    public DynamoDbGatewayPolicyStore(DynamoDbClient dynamoDb, String table) {
        this.dynamoDb = Objects.requireNonNull(dynamoDb, "dynamoDb");
        this.table = Objects.requireNonNull(table, "table");
    }

    @Override
    public GatewayPolicy load() {
        Map<String, AttributeValue> item = dynamoDb.getItem(b -> b.tableName(table)
                        .key(Map.of(PARTITION_KEY, AttributeValue.fromS(ITEM_KEY)))
                        .consistentRead(true))
                .item();
        if (item == null || !item.containsKey(DOCUMENT)) {
            return GatewayPolicy.EMPTY;
        }
        return GatewayPolicy.parse(item.get(DOCUMENT).s().getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void save(GatewayPolicy policy) {
        dynamoDb.putItem(b -> b.tableName(table)
                .item(Map.of(
                        PARTITION_KEY,
                        AttributeValue.fromS(ITEM_KEY),
                        DOCUMENT,
                        AttributeValue.fromS(new String(policy.toJson(), StandardCharsets.UTF_8)))));
    }
}
