package dev.spendgate.aws.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.aws.dynamodb.DynamoDbTables.BudgetsTable;
import dev.spendgate.domain.budget.AlertOutbox;
import dev.spendgate.testing.aws.LocalDynamoDb;
import dev.spendgate.testing.contract.AlertOutboxContract;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

class DynamoDbAlertOutboxIT extends AlertOutboxContract {
    private final DynamoDbClient dynamoDb = LocalDynamoDb.shared().client();
    private String table;

    @Override
    protected AlertOutbox newOutbox(Clock clock) {
        table = LocalDynamoDb.uniqueTableName("budgets");
        DynamoDbTables.createBudgetsTable(dynamoDb, table);
        return new DynamoDbAlertOutbox(dynamoDb, table, clock);
    }

    @Override
    protected AlertOutbox reopen(Clock clock) {
        return new DynamoDbAlertOutbox(dynamoDb, table, clock);
    }

    @Test
    void keptAlert_expiresByTtlAfterAWeek_andLeavesTheIndexWhenRemoved() {
        MovingClock clock = new MovingClock(Instant.parse("2026-12-06T08:00:00Z"));
        AlertOutbox outbox = newOutbox(clock);
        String id = outbox.keep(ALERT, null);

        assertThat(item(BudgetsTable.ALERT_ITEM_PREFIX + id).get(BudgetsTable.EXPIRES_AT))
                .isEqualTo(AttributeValue.fromN(
                        Long.toString(Instant.parse("2026-12-13T08:00:00Z").getEpochSecond())));
        assertThat(item(BudgetsTable.ALERT_INDEX_KEY)
                        .get(BudgetsTable.ALERT_INDEX_IDS)
                        .ss())
                .containsExactly(id);

        outbox.remove(id);

        assertThat(item(BudgetsTable.ALERT_ITEM_PREFIX + id)).isEmpty();
        assertThat(item(BudgetsTable.ALERT_INDEX_KEY)).doesNotContainKey(BudgetsTable.ALERT_INDEX_IDS);
    }

    @Test
    void anIdWhoseItemNeverCame_leavesTheIndexOnceAMinuteOld_notBefore() {
        MovingClock clock = new MovingClock(Instant.parse("2026-12-06T08:00:00Z"));
        AlertOutbox outbox = newOutbox(clock);
        String orphan = clock.millis() + "-a-process-that-stopped-between-its-two-writes";
        dynamoDb.updateItem(b -> b.tableName(table)
                .key(Map.of(DynamoDbTables.PARTITION_KEY, AttributeValue.fromS(BudgetsTable.ALERT_INDEX_KEY)))
                .updateExpression("ADD #ids :id")
                .expressionAttributeNames(Map.of("#ids", BudgetsTable.ALERT_INDEX_IDS))
                .expressionAttributeValues(Map.of(":id", AttributeValue.fromSs(List.of(orphan)))));

        assertThat(outbox.olderThan(Duration.ZERO)).isEmpty();
        assertThat(item(BudgetsTable.ALERT_INDEX_KEY)
                        .get(BudgetsTable.ALERT_INDEX_IDS)
                        .ss())
                .containsExactly(orphan);

        clock.advance(Duration.ofMinutes(2));
        assertThat(outbox.olderThan(Duration.ZERO)).isEmpty();
        assertThat(item(BudgetsTable.ALERT_INDEX_KEY)).doesNotContainKey(BudgetsTable.ALERT_INDEX_IDS);
    }

    private Map<String, AttributeValue> item(String pk) {
        return dynamoDb.getItem(b -> b.tableName(table)
                        .key(Map.of(DynamoDbTables.PARTITION_KEY, AttributeValue.fromS(pk)))
                        .consistentRead(true))
                .item();
    }
}
