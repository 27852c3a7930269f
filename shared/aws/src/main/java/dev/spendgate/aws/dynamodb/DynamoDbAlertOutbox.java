package dev.spendgate.aws.dynamodb;

import static dev.spendgate.aws.dynamodb.DynamoDbTables.PARTITION_KEY;

import dev.spendgate.aws.dynamodb.DynamoDbTables.BudgetsTable;
import dev.spendgate.domain.budget.AlertOutbox;
import dev.spendgate.domain.budget.AlertOutboxJson;
import dev.spendgate.domain.budget.AlertSink;
import dev.spendgate.domain.budget.BudgetAlert;
import dev.spendgate.logging.JsonLogger;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;

/**
 * An {@link AlertOutbox} in the budgets table, so an alert whose delivery a Lambda environment had not finished when
 * it was frozen for good (reclaimed, or never invoked again) is sent by another environment. One item per kept alert
 * ({@code alertout#<millis>-<uuid>}: the {@code AlertOutboxJson} bytes, when it was kept, a TTL of
 * {@link #KEEP_AT_MOST}), and one index item ({@code alertout-index}) whose string set lists their ids, so finding
 * left-overs is one GetItem and one BatchGetItem, not a Scan of a table that also holds every ledger and cache item.
 *
 * <p>{@link #keep} adds the id to the index, then writes the item (two writes; an id whose item never came is taken
 * out of the index by {@link #olderThan} once it is a minute old); {@link #remove} deletes the item, then the id. Of
 * several environments finding one left-over, {@link #claim} (a conditional write) lets one send it; one that took it
 * and was frozen before sending loses it to another after {@code stale}.
 */
public final class DynamoDbAlertOutbox implements AlertOutbox {
    /** An alert not delivered within a week is not sent any more (its item expires by TTL). */
    static final Duration KEEP_AT_MOST = Duration.ofDays(7);
    /** An id in the index whose item is missing this long after it was kept is taken out of the index. */
    static final Duration ORPHAN_AFTER = Duration.ofMinutes(1);

    private static final JsonLogger LOG = JsonLogger.create("aws");
    private static final Map<String, AttributeValue> INDEX =
            Map.of(PARTITION_KEY, AttributeValue.fromS(BudgetsTable.ALERT_INDEX_KEY));

    private final DynamoDbClient dynamoDb;
    private final String table;
    private final Clock clock;

    public DynamoDbAlertOutbox(DynamoDbClient dynamoDb, String table) {
        this(dynamoDb, table, Clock.systemUTC());
    }

    public DynamoDbAlertOutbox(DynamoDbClient dynamoDb, String table, Clock clock) {
        this.dynamoDb = Objects.requireNonNull(dynamoDb, "dynamoDb");
        this.table = Objects.requireNonNull(table, "table");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public String keep(BudgetAlert alert, AlertSink.Notice notice, Waiting waitingOn) {
        Instant now = clock.instant();
        String id = now.toEpochMilli() + "-" + UUID.randomUUID();
        changeIndex("ADD", id);
        dynamoDb.putItem(b -> b.tableName(table)
                .item(Map.of(
                        PARTITION_KEY,
                        AttributeValue.fromS(BudgetsTable.ALERT_ITEM_PREFIX + id),
                        BudgetsTable.ALERT_BODY,
                        AttributeValue.fromB(
                                SdkBytes.fromByteArray(AlertOutboxJson.write(alert, notice, now, waitingOn))),
                        BudgetsTable.ALERT_SINCE_MILLIS,
                        AttributeValue.fromN(Long.toString(now.toEpochMilli())),
                        BudgetsTable.EXPIRES_AT,
                        AttributeValue.fromN(
                                Long.toString(now.plus(KEEP_AT_MOST).getEpochSecond())))));
        return id;
    }

    @Override
    public void remove(String id) {
        dynamoDb.deleteItem(b -> b.tableName(table).key(itemKey(id)));
        changeIndex("DELETE", id);
    }

    @Override
    public boolean claim(String id, Duration stale) {
        long now = clock.millis();
        try {
            dynamoDb.updateItem(b -> b.tableName(table)
                    .key(itemKey(id))
                    .updateExpression("SET #claimed = :now")
                    .conditionExpression(
                            "attribute_exists(#pk) AND (attribute_not_exists(#claimed) OR #claimed < :stale)")
                    .expressionAttributeNames(
                            Map.of("#pk", PARTITION_KEY, "#claimed", BudgetsTable.ALERT_CLAIMED_AT_MILLIS))
                    .expressionAttributeValues(Map.of(
                            ":now", AttributeValue.fromN(Long.toString(now)),
                            ":stale", AttributeValue.fromN(Long.toString(now - stale.toMillis())))));
            return true;
        } catch (ConditionalCheckFailedException takenOrGone) {
            return false;
        }
    }

    @Override
    public List<Kept> olderThan(Duration age) {
        Map<String, AttributeValue> index = dynamoDb.getItem(
                        b -> b.tableName(table).key(INDEX).consistentRead(true))
                .item();
        AttributeValue listed = index == null ? null : index.get(BudgetsTable.ALERT_INDEX_IDS);
        if (listed == null || !listed.hasSs() || listed.ss().isEmpty()) {
            return List.of();
        }
        Instant now = clock.instant();
        Instant before = now.minus(age);
        Set<String> missing = new HashSet<>(listed.ss());
        List<Kept> out = new ArrayList<>();
        List<String> ids = List.copyOf(listed.ss());
        for (int from = 0; from < ids.size(); from += 100) {
            for (Map<String, AttributeValue> item : read(ids.subList(from, Math.min(ids.size(), from + 100)))) {
                String id = item.get(PARTITION_KEY).s().substring(BudgetsTable.ALERT_ITEM_PREFIX.length());
                missing.remove(id);
                Kept kept;
                try {
                    kept = AlertOutboxJson.read(
                            id, item.get(BudgetsTable.ALERT_BODY).b().asByteArray());
                } catch (RuntimeException e) {
                    LOG.error("alerts.outbox_damaged")
                            .field("id", id)
                            .log("an alert kept in the budgets table cannot be read and is not sent: "
                                    + e.getMessage());
                    remove(id);
                    continue;
                }
                if (!kept.since().isAfter(before)) {
                    out.add(kept);
                }
            }
        }
        for (String id : missing) {
            // kept by a process that added the id and has not written the item yet, or one that stopped in between
            if (keptAt(id).map(at -> at.isBefore(now.minus(ORPHAN_AFTER))).orElse(true)) {
                changeIndex("DELETE", id);
            }
        }
        out.sort(Comparator.comparing(Kept::since).thenComparing(Kept::id));
        return out;
    }

    private List<Map<String, AttributeValue>> read(List<String> ids) {
        List<Map<String, AttributeValue>> items = new ArrayList<>();
        Map<String, KeysAndAttributes> request = Map.of(
                table,
                KeysAndAttributes.builder()
                        .keys(ids.stream().map(DynamoDbAlertOutbox::itemKey).toList())
                        .consistentRead(true)
                        .build());
        long pauseMillis = 10;
        while (!request.isEmpty()) {
            Map<String, KeysAndAttributes> asked = request;
            BatchGetItemResponse response = dynamoDb.batchGetItem(b -> b.requestItems(asked));
            items.addAll(response.responses().getOrDefault(table, List.of()));
            request = response.hasUnprocessedKeys() ? response.unprocessedKeys() : Map.of();
            if (!request.isEmpty()) {
                try {
                    Thread.sleep(pauseMillis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while reading kept alerts", e);
                }
                pauseMillis = Math.min(pauseMillis * 2, 1000);
            }
        }
        return items;
    }

    private void changeIndex(String action, String id) {
        dynamoDb.updateItem(b -> b.tableName(table)
                .key(INDEX)
                .updateExpression(action + " #ids :id")
                .expressionAttributeNames(Map.of("#ids", BudgetsTable.ALERT_INDEX_IDS))
                .expressionAttributeValues(Map.of(":id", AttributeValue.fromSs(List.of(id)))));
    }

    private static Map<String, AttributeValue> itemKey(String id) {
        return Map.of(PARTITION_KEY, AttributeValue.fromS(BudgetsTable.ALERT_ITEM_PREFIX + id));
    }

    /** When the id says it was kept: its leading epoch milliseconds. */
    private static java.util.Optional<Instant> keptAt(String id) {
        int dash = id.indexOf('-');
        try {
            return java.util.Optional.of(Instant.ofEpochMilli(Long.parseLong(dash < 0 ? id : id.substring(0, dash))));
        } catch (NumberFormatException e) {
            return java.util.Optional.empty();
        }
    }
}
