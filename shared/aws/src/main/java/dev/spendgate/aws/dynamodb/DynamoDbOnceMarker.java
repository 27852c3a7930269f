package dev.spendgate.aws.dynamodb;

import static dev.spendgate.aws.dynamodb.DynamoDbTables.PARTITION_KEY;

import dev.spendgate.aws.dynamodb.DynamoDbTables.BudgetsTable;
import dev.spendgate.domain.budget.OnceMarker;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

/**
 * An {@link OnceMarker} in the budgets table ({@link DynamoDbTables#createBudgetsTable}): one item per marker key with
 * {@code expires_at} (epoch seconds, the table's TTL attribute). {@link #markOnce} is one conditional PutItem, if
 * {@code attribute_not_exists(pk) OR expires_at < :now}: TTL deletes expired items only eventually (within days), so
 * an expired marker that is still there counts as absent and is overwritten. Exactly one of any number of
 * concurrent callers wins. SDK failures propagate as {@link software.amazon.awssdk.core.exception.SdkException}.
 *
 * <p>Each call writes a {@link BudgetsTable#MARKER_TOKEN} of its own: its owner (a held alert's id), else a random one.
 * The SDK resends a PutItem whose answer was lost, and a resent write that DynamoDB had applied fails its condition; so
 * on a failed condition the marker is read back (consistent GetItem), and the call still wins when the token there is
 * its own, as does a later call with the same owner (a process asking again after it was killed).
 */
public final class DynamoDbOnceMarker implements OnceMarker {
    private static final Map<String, String> NAMES = Map.of("#pk", PARTITION_KEY, "#expires", BudgetsTable.EXPIRES_AT);

    private final DynamoDbClient dynamoDb;
    private final String table;
    private final Clock clock;

    public DynamoDbOnceMarker(DynamoDbClient dynamoDb, String table) {
        this(dynamoDb, table, Clock.systemUTC());
    }

    public DynamoDbOnceMarker(DynamoDbClient dynamoDb, String table, Clock clock) {
        this.dynamoDb = Objects.requireNonNull(dynamoDb, "dynamoDb");
        this.table = Objects.requireNonNull(table, "table");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public boolean markOnce(String markerKey, Instant expiresAt) {
        return markOnce(markerKey, expiresAt, null);
    }

    /** The {@code owner} is the marker's token: a later call with it finds the marker its own ({@link #ours}). */
    @Override
    public boolean markOnce(String markerKey, Instant expiresAt, String owner) {
        Objects.requireNonNull(markerKey, "markerKey");
        Objects.requireNonNull(expiresAt, "expiresAt");
        String token = owner != null ? owner : UUID.randomUUID().toString();
        try {
            dynamoDb.putItem(b -> b.tableName(table)
                    .item(Map.of(
                            PARTITION_KEY,
                            AttributeValue.fromS(markerKey),
                            BudgetsTable.EXPIRES_AT,
                            AttributeValue.fromN(Long.toString(DynamoDbRateCounter.epochSecondsCeiling(expiresAt))),
                            BudgetsTable.MARKER_TOKEN,
                            AttributeValue.fromS(token)))
                    .conditionExpression("attribute_not_exists(#pk) OR #expires < :now")
                    .expressionAttributeNames(NAMES)
                    .expressionAttributeValues(Map.of(
                            ":now",
                            AttributeValue.fromN(Long.toString(clock.instant().getEpochSecond())))));
            return true;
        } catch (ConditionalCheckFailedException alreadyMarked) {
            return ours(markerKey, token);
        }
    }

    /** One consistent GetItem: the marker is there and its {@code expires_at} (epoch seconds) not yet passed. */
    @Override
    public boolean isMarked(String markerKey) {
        Map<String, AttributeValue> item = dynamoDb.getItem(b -> b.tableName(table)
                        .key(Map.of(PARTITION_KEY, AttributeValue.fromS(markerKey)))
                        .consistentRead(true))
                .item();
        AttributeValue expires = item == null ? null : item.get(BudgetsTable.EXPIRES_AT);
        return expires != null && Long.parseLong(expires.n()) >= clock.instant().getEpochSecond();
    }

    /** Whether the marker holds {@code token}: our own write, applied before a resend of it failed its condition. */
    private boolean ours(String markerKey, String token) {
        Map<String, AttributeValue> item = dynamoDb.getItem(b -> b.tableName(table)
                        .key(Map.of(PARTITION_KEY, AttributeValue.fromS(markerKey)))
                        .consistentRead(true))
                .item();
        AttributeValue stored = item == null ? null : item.get(BudgetsTable.MARKER_TOKEN);
        return stored != null && token.equals(stored.s());
    }
}
