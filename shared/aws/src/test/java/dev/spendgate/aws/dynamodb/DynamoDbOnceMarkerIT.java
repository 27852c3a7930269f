package dev.spendgate.aws.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.aws.dynamodb.DynamoDbTables.BudgetsTable;
import dev.spendgate.domain.budget.OnceMarker;
import dev.spendgate.testing.aws.LocalDynamoDb;
import dev.spendgate.testing.contract.OnceMarkerContract;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

class DynamoDbOnceMarkerIT extends OnceMarkerContract {
    private static final Instant T0 = Instant.parse("2026-11-28T15:00:00Z");

    private final DynamoDbClient dynamoDb = LocalDynamoDb.shared().client();
    private String table;

    @Override
    protected OnceMarker newMarker() {
        table = LocalDynamoDb.uniqueTableName("budgets");
        DynamoDbTables.createBudgetsTable(dynamoDb, table);
        return new DynamoDbOnceMarker(dynamoDb, table);
    }

    @Override
    protected OnceMarker reopenMarker() {
        return new DynamoDbOnceMarker(dynamoDb, table);
    }

    @Test
    void markOnce_writesTheKeyExpiryInEpochSecondsAndToken() {
        new DynamoDbOnceMarker(dynamoDb, table).markOnce("once#alert", T0);

        assertThat(dynamoDb.getItem(b -> b.tableName(table)
                                .key(Map.of(DynamoDbTables.PARTITION_KEY, AttributeValue.fromS("once#alert"))))
                        .item())
                .containsOnlyKeys(DynamoDbTables.PARTITION_KEY, BudgetsTable.EXPIRES_AT, BudgetsTable.MARKER_TOKEN)
                .containsEntry(BudgetsTable.EXPIRES_AT, AttributeValue.fromN("1795878000"));
    }

    @Test
    void markOnce_expiredButNotYetDeletedByTtl_isOverwrittenOnlyAfterItsSecond() {
        OnceMarker atExpiry = new DynamoDbOnceMarker(dynamoDb, table, Clock.fixed(T0, ZoneOffset.UTC));
        OnceMarker after = new DynamoDbOnceMarker(dynamoDb, table, Clock.fixed(T0.plusSeconds(1), ZoneOffset.UTC));
        assertThat(atExpiry.markOnce("once#alert", T0)).isTrue();

        assertThat(atExpiry.markOnce("once#alert", T0.plusSeconds(60))).isFalse();
        assertThat(after.markOnce("once#alert", T0.plusSeconds(60))).isTrue();
        assertThat(after.markOnce("once#alert", T0.plusSeconds(60))).isFalse();
    }
}
