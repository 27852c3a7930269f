package dev.spendgate.aws.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.aws.dynamodb.DynamoDbTables.SpoolTable;
import dev.spendgate.testing.aws.LocalDynamoDb;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ProjectionType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;
import software.amazon.awssdk.services.dynamodb.model.TableStatus;

class DynamoDbTablesIT {
    private final DynamoDbClient dynamoDb = LocalDynamoDb.shared().client();

    @Test
    void createKeysTable_calledTwice_leavesOneActiveOnDemandTableKeyedByPk() {
        String table = LocalDynamoDb.uniqueTableName("tables-keys");

        DynamoDbTables.createKeysTable(dynamoDb, table);
        DynamoDbTables.createKeysTable(dynamoDb, table);

        assertPkTable(dynamoDb.describeTable(b -> b.tableName(table)).table());
    }

    @Test
    void createSpoolTable_createsActiveOnDemandTableKeyedByPkWithItsQueueIndex() {
        String table = LocalDynamoDb.uniqueTableName("tables-spool");

        DynamoDbTables.createSpoolTable(dynamoDb, table);

        TableDescription description =
                dynamoDb.describeTable(b -> b.tableName(table)).table();
        assertThat(description.tableStatus()).isEqualTo(TableStatus.ACTIVE);
        assertThat(description.keySchema())
                .extracting(k -> k.attributeName() + " " + k.keyType())
                .containsExactly("pk HASH");
        assertThat(description.globalSecondaryIndexes()).singleElement().satisfies(index -> {
            assertThat(index.indexName()).isEqualTo(SpoolTable.QUEUE_INDEX);
            assertThat(index.keySchema())
                    .extracting(k -> k.attributeName() + " " + k.keyType())
                    .containsExactly(SpoolTable.QUEUE + " HASH", SpoolTable.SPILLED_AT + " RANGE");
            assertThat(index.projection().projectionType()).isEqualTo(ProjectionType.KEYS_ONLY);
        });
    }

    private static void assertPkTable(TableDescription description) {
        assertThat(description.tableStatus()).isEqualTo(TableStatus.ACTIVE);
        assertThat(description.billingModeSummary().billingMode()).isEqualTo(BillingMode.PAY_PER_REQUEST);
        assertThat(description.keySchema()).singleElement().satisfies(k -> {
            assertThat(k.attributeName()).isEqualTo(DynamoDbTables.PARTITION_KEY);
            assertThat(k.keyType()).isEqualTo(KeyType.HASH);
        });
        assertThat(description.attributeDefinitions()).singleElement().satisfies(a -> assertThat(a.attributeType())
                .isEqualTo(ScalarAttributeType.S));
    }
}
