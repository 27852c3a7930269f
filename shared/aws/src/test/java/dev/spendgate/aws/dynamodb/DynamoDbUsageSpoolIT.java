package dev.spendgate.aws.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spendgate.aws.dynamodb.DynamoDbTables.SpoolTable;
import dev.spendgate.domain.usage.UsageSpool;
import dev.spendgate.domain.usage.UsageSpool.SpooledBatch;
import dev.spendgate.testing.aws.LocalDynamoDb;
import dev.spendgate.testing.contract.UsageSpoolContract;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

class DynamoDbUsageSpoolIT extends UsageSpoolContract {
    private final DynamoDbClient dynamoDb = LocalDynamoDb.shared().client();
    private String table;

    @Override
    protected UsageSpool newSpool() {
        table = LocalDynamoDb.uniqueTableName("spool");
        DynamoDbTables.createSpoolTable(dynamoDb, table);
        return new DynamoDbUsageSpool(dynamoDb, table);
    }

    @Override
    protected UsageSpool reopenSpool() {
        return new DynamoDbUsageSpool(dynamoDb, table);
    }

    @Test
    void spill_writesOneItemWithKeyContentAndSpillTime() {
        Clock clock = Clock.fixed(Instant.parse("2026-11-28T15:00:00Z"), ZoneOffset.UTC);
        String key = "usage/v1/year=2026/month=11/day=28/hour=15/a.ndjson.gz";

        new DynamoDbUsageSpool(dynamoDb, table, clock).spill(new SpooledBatch(key, gzip("a")));

        Map<String, AttributeValue> item = dynamoDb.getItem(
                        b -> b.tableName(table).key(Map.of(DynamoDbTables.PARTITION_KEY, AttributeValue.fromS(key))))
                .item();
        assertThat(item.get(SpoolTable.CONTENT).b().asByteArray()).isEqualTo(gzip("a"));
        assertThat(item.get(SpoolTable.SPILLED_AT).n()).isEqualTo("1795878000000");
        assertThat(item).containsKey(SpoolTable.SEQUENCE);
    }

    @Test
    void spill_batchOverTheItemLimit_throwsIllegalArgumentException() {
        UsageSpool spool = new DynamoDbUsageSpool(dynamoDb, table);
        byte[] tooLarge = new byte[DynamoDbUsageSpool.MAX_CONTENT_BYTES];

        assertThatThrownBy(() -> spool.spill(new SpooledBatch("usage/v1/big.ndjson.gz", tooLarge)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("usage/v1/big.ndjson.gz");
    }
}
