package dev.spendgate.aws.dynamodb;

import static dev.spendgate.aws.dynamodb.DynamoDbTables.PARTITION_KEY;

import dev.spendgate.aws.dynamodb.DynamoDbTables.BudgetsTable;
import dev.spendgate.domain.budget.RateCounter;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;

/**
 * A {@link RateCounter} in the budgets table ({@link DynamoDbTables#createBudgetsTable}): one item per counter key
 * with the count {@code n} and {@code expires_at} (epoch seconds, the table's TTL attribute). Each increment is one
 * conditional UpdateItem, {@code ADD n :one SET expires_at = :ttl} if {@code attribute_not_exists(n) OR n < :max},
 * so concurrent callers on any number of instances never count past {@code max}. Callers put the window in the key
 * (a minute's counter is a new item), so TTL only cleans up. SDK failures propagate as
 * {@link software.amazon.awssdk.core.exception.SdkException}.
 */
public final class DynamoDbRateCounter implements RateCounter {
    private static final Map<String, String> NAMES =
            Map.of("#n", BudgetsTable.COUNT, "#expires", BudgetsTable.EXPIRES_AT);
    private static final AttributeValue ONE = AttributeValue.fromN("1");

    private final DynamoDbClient dynamoDb;
    private final String table;

    public DynamoDbRateCounter(DynamoDbClient dynamoDb, String table) {
        this.dynamoDb = Objects.requireNonNull(dynamoDb, "dynamoDb");
        this.table = Objects.requireNonNull(table, "table");
    }

    @Override
    public long incrementIfBelow(String counterKey, long max, Instant expiresAt) {
        Objects.requireNonNull(counterKey, "counterKey");
        Objects.requireNonNull(expiresAt, "expiresAt");
        if (max < 0) {
            throw new IllegalArgumentException("max must not be negative, was " + max);
        }
        if (max == 0) {
            return -1; // the condition below would let a missing counter through
        }
        try {
            Map<String, AttributeValue> updated = dynamoDb.updateItem(b -> b.tableName(table)
                            .key(Map.of(PARTITION_KEY, AttributeValue.fromS(counterKey)))
                            .updateExpression("ADD #n :one SET #expires = :ttl")
                            .conditionExpression("attribute_not_exists(#n) OR #n < :max")
                            .expressionAttributeNames(NAMES)
                            .expressionAttributeValues(Map.of(
                                    ":one", ONE,
                                    ":ttl", AttributeValue.fromN(Long.toString(epochSecondsCeiling(expiresAt))),
                                    ":max", AttributeValue.fromN(Long.toString(max))))
                            .returnValues(ReturnValue.UPDATED_NEW))
                    .attributes();
            return Long.parseLong(updated.get(BudgetsTable.COUNT).n());
        } catch (ConditionalCheckFailedException atMax) {
            return -1;
        }
    }

    /** The first whole second at or after {@code instant}: TTL must not delete an item before it expires. */
    static long epochSecondsCeiling(Instant instant) {
        return instant.getNano() == 0 ? instant.getEpochSecond() : instant.getEpochSecond() + 1;
    }
}
