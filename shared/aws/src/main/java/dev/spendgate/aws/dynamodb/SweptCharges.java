package dev.spendgate.aws.dynamodb;

import static dev.spendgate.aws.dynamodb.DynamoDbTables.PARTITION_KEY;

import dev.spendgate.aws.dynamodb.DynamoDbTables.BudgetsTable;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

/**
 * Makes each of the sweeper's charges on a budget item happen once, with one small marker item per charge and item
 * ({@link BudgetsTable#SWEPT_CHARGE_ITEM_PREFIX}{@code <item key>#<charge id>}) instead of an ever-growing list on the
 * budget item, and without transactions (dynalite has none). The steps:
 *
 * <ol>
 *   <li><b>claim</b>: PutItem of the marker with a random token if it does not exist. If it exists and says the charge
 *       is done, nothing is charged. If another caller claimed it less than {@link #CLAIM_TIMEOUT} ago (charging it
 *       now), this one reports the item failed, to be retried; an older claim (its caller died) is taken over with a
 *       conditional UpdateItem of the token.
 *   <li><b>charge</b>: the ledger's conditional UpdateItem, which also puts the charge id in the budget item's
 *       {@link BudgetsTable#SWEPT_CHARGES} set unless it is there (so a charge applied by a caller that died, or whose
 *       answer was lost, is not applied again).
 *   <li><b>done</b>: the marker says so. A failure in the two steps before deletes the claim (if still ours), so the
 *       next retry claims at once.
 *   <li><b>forget</b>: the charge id leaves the budget item's set again (also when a retry finds the marker done).
 * </ol>
 *
 * The budget item so holds only charges in flight, a few ids at most, where it used to keep one id per charge for
 * good and refused every write past ~11,300. Ids an earlier version left in the set are still honoured (step 2) and
 * leave it when charged again. A marker lives {@link #KEEP} (its {@code expires_at}), past any period and any retry.
 */
final class SweptCharges {
    /** After this long a claim whose caller never finished is taken over: longer than any Lambda invocation. */
    static final Duration CLAIM_TIMEOUT = Duration.ofMinutes(15);

    /** How long a marker is kept (its TTL): past a monthly period plus the journal's 35 days, and any batch refetch. */
    static final Duration KEEP = Duration.ofDays(400);

    private enum Claim {
        OURS,
        DONE,
        BUSY
    }

    private final DynamoDbClient dynamoDb;
    private final String table;
    private final Clock clock;

    SweptCharges(DynamoDbClient dynamoDb, String table, Clock clock) {
        this.dynamoDb = Objects.requireNonNull(dynamoDb, "dynamoDb");
        this.table = Objects.requireNonNull(table, "table");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Runs {@code charge} for {@code chargeId} on {@code itemKey} unless it is done or being done; returns whether the
     * charge is now counted on the item. SDK failures propagate (the charge's outcome is then unknown: retry it).
     */
    boolean chargeOnce(String chargeId, String itemKey, Runnable charge) {
        String marker = BudgetsTable.SWEPT_CHARGE_ITEM_PREFIX + itemKey + "#" + chargeId;
        String token = UUID.randomUUID().toString();
        Claim claim = claim(marker, token);
        if (claim == Claim.BUSY) {
            return false;
        }
        if (claim == Claim.OURS) {
            try {
                charge.run();
                dynamoDb.updateItem(b -> b.tableName(table)
                        .key(key(marker))
                        .updateExpression("SET #done = :true")
                        .expressionAttributeNames(Map.of("#done", BudgetsTable.SWEPT_CHARGE_DONE))
                        .expressionAttributeValues(Map.of(":true", AttributeValue.fromBool(true))));
            } catch (RuntimeException e) {
                abandon(marker, token);
                throw e;
            }
        }
        forget(chargeId, itemKey);
        return true;
    }

    private Claim claim(String marker, String token) {
        long now = clock.millis();
        try {
            dynamoDb.putItem(b -> b.tableName(table)
                    .item(Map.of(
                            PARTITION_KEY,
                            AttributeValue.fromS(marker),
                            BudgetsTable.MARKER_TOKEN,
                            AttributeValue.fromS(token),
                            BudgetsTable.SWEPT_CHARGE_SINCE,
                            number(now),
                            BudgetsTable.SWEPT_CHARGE_DONE,
                            AttributeValue.fromBool(false),
                            BudgetsTable.EXPIRES_AT,
                            number(now / 1000 + KEEP.toSeconds())))
                    .conditionExpression("attribute_not_exists(#pk)")
                    .expressionAttributeNames(Map.of("#pk", PARTITION_KEY)));
            return Claim.OURS;
        } catch (ConditionalCheckFailedException exists) {
            // claimed before: done, being done now, or left by a caller that died
        }
        Map<String, AttributeValue> item = dynamoDb.getItem(
                        b -> b.tableName(table).key(key(marker)).consistentRead(true))
                .item();
        if (item == null || item.isEmpty()) {
            return Claim.BUSY; // its claimer just gave it up: the next retry claims it
        }
        AttributeValue done = item.get(BudgetsTable.SWEPT_CHARGE_DONE);
        if (done != null && Boolean.TRUE.equals(done.bool())) {
            return Claim.DONE;
        }
        AttributeValue since = item.get(BudgetsTable.SWEPT_CHARGE_SINCE);
        AttributeValue theirs = item.get(BudgetsTable.MARKER_TOKEN);
        if (since == null || theirs == null || Long.parseLong(since.n()) > now - CLAIM_TIMEOUT.toMillis()) {
            return Claim.BUSY;
        }
        try {
            dynamoDb.updateItem(b -> b.tableName(table)
                    .key(key(marker))
                    .updateExpression("SET #token = :token, #since = :now")
                    .conditionExpression("#token = :theirs")
                    .expressionAttributeNames(
                            Map.of("#token", BudgetsTable.MARKER_TOKEN, "#since", BudgetsTable.SWEPT_CHARGE_SINCE))
                    .expressionAttributeValues(
                            Map.of(":token", AttributeValue.fromS(token), ":now", number(now), ":theirs", theirs)));
            return Claim.OURS;
        } catch (ConditionalCheckFailedException takenByAnother) {
            return Claim.BUSY;
        }
    }

    /** Deletes our claim so the next retry need not wait for {@link #CLAIM_TIMEOUT}; best effort. */
    private void abandon(String marker, String token) {
        try {
            dynamoDb.deleteItem(b -> b.tableName(table)
                    .key(key(marker))
                    .conditionExpression("#token = :token")
                    .expressionAttributeNames(Map.of("#token", BudgetsTable.MARKER_TOKEN))
                    .expressionAttributeValues(Map.of(":token", AttributeValue.fromS(token))));
        } catch (RuntimeException e) {
            // taken over meanwhile, or DynamoDB unreachable: the claim then times out
        }
    }

    /** Takes {@code chargeId} out of the budget item's set, where the charge put it while in flight. */
    private void forget(String chargeId, String itemKey) {
        try {
            dynamoDb.updateItem(b -> b.tableName(table)
                    .key(key(itemKey))
                    .updateExpression("DELETE #swept :ids")
                    .conditionExpression("contains(#swept, :id)")
                    .expressionAttributeNames(Map.of("#swept", BudgetsTable.SWEPT_CHARGES))
                    .expressionAttributeValues(Map.of(
                            ":ids", AttributeValue.fromSs(List.of(chargeId)), ":id", AttributeValue.fromS(chargeId))));
        } catch (ConditionalCheckFailedException notThere) {
            // forgotten before
        }
    }

    private static Map<String, AttributeValue> key(String value) {
        return Map.of(PARTITION_KEY, AttributeValue.fromS(value));
    }

    private static AttributeValue number(long value) {
        return AttributeValue.fromN(Long.toString(value));
    }
}
