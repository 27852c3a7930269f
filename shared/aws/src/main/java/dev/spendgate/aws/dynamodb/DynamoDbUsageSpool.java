package dev.spendgate.aws.dynamodb;

import static dev.spendgate.aws.dynamodb.DynamoDbTables.PARTITION_KEY;

import dev.spendgate.aws.dynamodb.DynamoDbTables.SpoolTable;
import dev.spendgate.domain.usage.UsageSpool;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * A {@link UsageSpool} in a DynamoDB table ({@link DynamoDbTables#createSpoolTable}), one item per batch keyed by its
 * object key, so re-spilling a key overwrites it.
 *
 * <p>The spool only fills while S3 is unreachable and is drained soon after, so {@link #pending} scans the keys and
 * spill times (not the contents), sorts them, and then reads the oldest {@code max} items one by one. Spills from
 * different processes in the same millisecond have no defined order. SDK failures propagate as
 * {@link software.amazon.awssdk.core.exception.SdkException}.
 */
public final class DynamoDbUsageSpool implements UsageSpool {
    /** Largest batch this spool accepts: a DynamoDB item is at most 400 KB, key and attribute names included. */
    public static final int MAX_CONTENT_BYTES = 400 * 1024 - 2 * 1024;

    private static final AtomicLong SEQUENCE = new AtomicLong();
    private static final Map<String, String> NAMES =
            Map.of("#pk", PARTITION_KEY, "#at", SpoolTable.SPILLED_AT, "#seq", SpoolTable.SEQUENCE);

    private final DynamoDbClient dynamoDb;
    private final String table;
    private final Clock clock;

    public DynamoDbUsageSpool(DynamoDbClient dynamoDb, String table) {
        this(dynamoDb, table, Clock.systemUTC());
    }

    public DynamoDbUsageSpool(DynamoDbClient dynamoDb, String table, Clock clock) {
        this.dynamoDb = Objects.requireNonNull(dynamoDb, "dynamoDb");
        this.table = Objects.requireNonNull(table, "table");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public void spill(SpooledBatch batch) {
        Objects.requireNonNull(batch, "batch");
        int size = batch.content().length + batch.objectKey().getBytes(StandardCharsets.UTF_8).length;
        if (size > MAX_CONTENT_BYTES) {
            throw new IllegalArgumentException("usage batch " + batch.objectKey() + " is " + size
                    + " bytes with its key; the DynamoDB spool holds at most " + MAX_CONTENT_BYTES);
        }
        dynamoDb.putItem(b -> b.tableName(table)
                .item(Map.of(
                        PARTITION_KEY,
                        AttributeValue.fromS(batch.objectKey()),
                        SpoolTable.CONTENT,
                        AttributeValue.fromB(SdkBytes.fromByteArray(batch.content())),
                        SpoolTable.SPILLED_AT,
                        number(clock.millis()),
                        SpoolTable.SEQUENCE,
                        number(SEQUENCE.incrementAndGet()))));
    }

    @Override
    public List<SpooledBatch> pending(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("max must be positive, was " + max);
        }
        List<Entry> entries = new ArrayList<>();
        dynamoDb.scanPaginator(b -> b.tableName(table)
                        .projectionExpression("#pk, #at, #seq")
                        .expressionAttributeNames(NAMES)
                        .consistentRead(true))
                .items()
                .forEach(item -> entries.add(new Entry(
                        item.get(PARTITION_KEY).s(),
                        Long.parseLong(item.get(SpoolTable.SPILLED_AT).n()),
                        Long.parseLong(item.get(SpoolTable.SEQUENCE).n()))));
        entries.sort(Comparator.comparingLong(Entry::spilledAt)
                .thenComparingLong(Entry::sequence)
                .thenComparing(Entry::objectKey));
        List<SpooledBatch> batches = new ArrayList<>(Math.min(max, entries.size()));
        for (Entry entry : entries) {
            if (batches.size() == max) {
                break;
            }
            Map<String, AttributeValue> item = dynamoDb.getItem(
                            b -> b.tableName(table).key(key(entry.objectKey())).consistentRead(true))
                    .item();
            if (item != null && item.containsKey(SpoolTable.CONTENT)) { // else delivered meanwhile
                batches.add(new SpooledBatch(
                        entry.objectKey(), item.get(SpoolTable.CONTENT).b().asByteArray()));
            }
        }
        return batches;
    }

    @Override
    public void remove(String objectKey) {
        Objects.requireNonNull(objectKey, "objectKey");
        dynamoDb.deleteItem(b -> b.tableName(table).key(key(objectKey)));
    }

    private static Map<String, AttributeValue> key(String objectKey) {
        return Map.of(PARTITION_KEY, AttributeValue.fromS(objectKey));
    }

    private static AttributeValue number(long value) {
        return AttributeValue.fromN(Long.toString(value));
    }

    private record Entry(String objectKey, long spilledAt, long sequence) {}
}
