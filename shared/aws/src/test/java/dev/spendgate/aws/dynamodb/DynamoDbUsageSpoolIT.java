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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
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

    /**
     * An upgrade while batches wait: a gateway of the version before the queue index spilled batches (no queue
     * attribute, so the index does not list them), and keeps spilling while the new version drains. Every batch is
     * delivered.
     */
    @Test
    void pending_batchesSpilledByTheVersionBeforeTheIndex_drainedWithTheNewOnes() {
        UsageSpool spool = new DynamoDbUsageSpool(dynamoDb, table);
        spilledByThePreviousVersion("usage/v1/old-1.ndjson.gz", 1_000);
        spilledByThePreviousVersion("usage/v1/old-2.ndjson.gz", 2_000);
        spool.spill(new SpooledBatch("usage/v1/new-1.ndjson.gz", gzip("n1")));
        spool.spill(new SpooledBatch("usage/v1/new-2.ndjson.gz", gzip("n2")));
        spool.spill(new SpooledBatch("usage/v1/new-3.ndjson.gz", gzip("n3")));

        List<String> delivered = new ArrayList<>();
        for (int page = 0; page < 10; page++) {
            List<SpooledBatch> batches = spool.pending(2);
            if (page == 1) {
                spilledByThePreviousVersion("usage/v1/old-3.ndjson.gz", 3_000); // still running mid-drain
            }
            if (batches.isEmpty()) {
                break;
            }
            for (SpooledBatch b : batches) {
                delivered.add(b.objectKey());
                spool.remove(b.objectKey());
            }
        }

        assertThat(delivered)
                .containsExactlyInAnyOrder(
                        "usage/v1/new-1.ndjson.gz",
                        "usage/v1/new-2.ndjson.gz",
                        "usage/v1/new-3.ndjson.gz",
                        "usage/v1/old-1.ndjson.gz",
                        "usage/v1/old-2.ndjson.gz",
                        "usage/v1/old-3.ndjson.gz");
        assertThat(spool.pending(10)).isEmpty();
    }

    /** A spool table made before the index (a LocalStack volume, say): spills still drain, by a scan as before. */
    @Test
    void pending_tableWithoutTheIndex_stillDrainsOldestFirst() {
        String bare = LocalDynamoDb.uniqueTableName("spool-bare");
        DynamoDbTables.createKeysTable(dynamoDb, bare); // the same pk-only table, no index
        UsageSpool spool = new DynamoDbUsageSpool(dynamoDb, bare);
        spool.spill(new SpooledBatch("usage/v1/a.ndjson.gz", gzip("a")));
        spool.spill(new SpooledBatch("usage/v1/b.ndjson.gz", gzip("b")));

        assertThat(spool.pending(10))
                .extracting(SpooledBatch::objectKey)
                .containsExactly("usage/v1/a.ndjson.gz", "usage/v1/b.ndjson.gz");
    }

    /**
     * After an outage every Lambda environment drains the spool at its first invocation: each must take batches the
     * others have not, or the sink gets the same oldest page once per environment and throttles the live records.
     */
    @Test
    void pending_twoInstancesDraining_eachBatchGoesToOneUntilItsClaimEnds() {
        DynamoDbBudgetEnforcerIT.MutableClock clock =
                new DynamoDbBudgetEnforcerIT.MutableClock(Instant.parse("2026-12-06T13:00:00Z"));
        UsageSpool first = new DynamoDbUsageSpool(dynamoDb, table, clock);
        UsageSpool second = new DynamoDbUsageSpool(dynamoDb, table, clock);
        first.spill(new SpooledBatch("usage/v1/a.ndjson.gz", gzip("a")));
        first.spill(new SpooledBatch("usage/v1/b.ndjson.gz", gzip("b")));

        assertThat(first.pending(1)).extracting(SpooledBatch::objectKey).containsExactly("usage/v1/a.ndjson.gz");
        assertThat(second.pending(10))
                .as("a is the first drain's; b is free")
                .extracting(SpooledBatch::objectKey)
                .containsExactly("usage/v1/b.ndjson.gz");
        assertThat(first.pending(10))
                .as("its own claim it may take again; b is the second's")
                .extracting(SpooledBatch::objectKey)
                .containsExactly("usage/v1/a.ndjson.gz");

        second.spill(new SpooledBatch("usage/v1/b.ndjson.gz", gzip("b refused")));
        assertThat(first.pending(10))
                .as("spilled anew (the second's sink refused it): unclaimed")
                .extracting(SpooledBatch::objectKey)
                .containsExactly("usage/v1/a.ndjson.gz", "usage/v1/b.ndjson.gz");

        clock.advance(java.time.Duration.ofMinutes(3).plusSeconds(1));
        assertThat(second.pending(10))
                .as("the first instance died mid-drain: its claims end")
                .extracting(SpooledBatch::objectKey)
                .containsExactly("usage/v1/a.ndjson.gz", "usage/v1/b.ndjson.gz");
    }

    /** Three drains at once over six batches, two each: together they take all six, none twice. */
    @Test
    void pending_threeInstancesAtOnce_takeDisjointBatchesCoveringTheSpool() {
        UsageSpool spilling = new DynamoDbUsageSpool(dynamoDb, table);
        List<String> spilled = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            String key = "usage/v1/part-" + i + ".ndjson.gz";
            spilling.spill(new SpooledBatch(key, gzip("batch " + i)));
            spilled.add(key);
        }

        List<String> taken = new ArrayList<>();
        for (int drain = 0; drain < 3; drain++) {
            List<SpooledBatch> page = new DynamoDbUsageSpool(dynamoDb, table).pending(2);
            assertThat(page)
                    .as("drain %d finds two batches the others do not hold", drain)
                    .hasSize(2);
            page.forEach(b -> taken.add(b.objectKey()));
        }

        assertThat(taken).containsExactlyInAnyOrderElementsOf(spilled);
    }

    /** The item layout of the version before the queue index. */
    private void spilledByThePreviousVersion(String key, long spilledAt) {
        dynamoDb.putItem(b -> b.tableName(table)
                .item(Map.of(
                        DynamoDbTables.PARTITION_KEY, AttributeValue.fromS(key),
                        SpoolTable.CONTENT, AttributeValue.fromB(SdkBytes.fromByteArray(gzip(key))),
                        SpoolTable.SPILLED_AT, AttributeValue.fromN(Long.toString(spilledAt)),
                        SpoolTable.SEQUENCE, AttributeValue.fromN("1"))));
    }
}
