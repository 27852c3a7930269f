package dev.spendgate.aws.dynamodb;

import static dev.spendgate.aws.dynamodb.DynamoDbTables.PARTITION_KEY;

import dev.spendgate.aws.dynamodb.DynamoDbTables.SpoolTable;
import dev.spendgate.domain.usage.UsageSpool;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;

/**
 * A {@link UsageSpool} in a DynamoDB table ({@link DynamoDbTables#createSpoolTable}), one item per batch keyed by its
 * object key, so re-spilling a key overwrites it.
 *
 * <p>Each batch is listed, by {@link SpoolTable#QUEUE} and {@link SpoolTable#SPILLED_AT}, in the keys-only index
 * {@link SpoolTable#QUEUE_INDEX} ({@link SpoolTable#QUEUE_SHARDS} partitions, the batch's by its sequence number).
 * {@link #pending} queries each partition for its oldest keys ({@code Limit}), merges them, and reads the oldest
 * {@code max} items one by one (consistent GetItem): a page costs about its batches, however full the spool. The
 * index is eventually consistent, so keys this instance removed in the last {@link #RECENTLY_REMOVED} are skipped
 * (the query asks for that many more), and keys another instance removed are skipped when their GetItem finds
 * nothing. Spills in the same millisecond have no defined order.
 *
 * <p>Batches spilled by versions before the index carry no {@link SpoolTable#QUEUE} and are not in it. When the index
 * lists fewer than {@code max}, {@link #pending} also scans the table for them (consistent, keys and spill times, oldest
 * first): by then the spool is about drained, so the scan reads little. On a table without the index (made before
 * it, or while DynamoDB still builds it) {@link #pending} scans the whole table as before. SDK failures propagate as
 * {@link software.amazon.awssdk.core.exception.SdkException}.
 *
 * <p>{@link #pending} claims each batch it returns for {@link #CLAIM} (a conditional update that also reads it), so
 * that the drains of many Lambda environments at once (every cold start after an outage drains) deliver each batch
 * once between them, not each the same oldest page: the sink then gets the spool's records once, not once per
 * environment, which would throttle the live records behind them. A page lists {@link #WINDOW} times its size from
 * each partition, and drains that meet each other's claims pick among those at random. A batch claimed by another
 * instance is skipped
 * until its claim ends (that instance died mid-drain, or its sink refused); this instance's own claims it may take
 * again; a batch spilled anew is unclaimed.
 */
public final class DynamoDbUsageSpool implements UsageSpool {
    /** Largest batch this spool accepts: a DynamoDB item is at most 400 KB, key and attribute names included. */
    public static final int MAX_CONTENT_BYTES = 400 * 1024 - 2 * 1024;

    /** How long keys this instance removed are skipped in the index, which may still list them. */
    static final Duration RECENTLY_REMOVED = Duration.ofSeconds(30);

    /** How long a drain has the batches {@link #pending} returned it before another instance may take them. */
    static final Duration CLAIM = Duration.ofMinutes(3);

    /**
     * How many times a page's size {@link #pending} lists from each index partition: room past the batches other
     * drains hold, so a third drain at once still finds unclaimed ones (the listing is keys only, a few read units).
     */
    static final int WINDOW = 4;

    private static final int MAX_SKIPPED = 1000;
    private static final AtomicLong SEQUENCE = new AtomicLong();
    private static final Map<String, String> SCAN_NAMES = Map.of(
            "#pk", PARTITION_KEY, "#at", SpoolTable.SPILLED_AT, "#seq", SpoolTable.SEQUENCE, "#q", SpoolTable.QUEUE);

    private static final Comparator<Entry> ORDER = Comparator.comparingLong(Entry::spilledAt)
            .thenComparingLong(Entry::sequence)
            .thenComparing(Entry::objectKey);

    /** Object keys this instance removed, with when (clock millis), oldest first. */
    private final LinkedHashMap<String, Long> removed = new LinkedHashMap<>();

    private final DynamoDbClient dynamoDb;
    private final String table;
    private final Clock clock;
    /** This instance, in {@link SpoolTable#CLAIMED_BY}. */
    private final String owner = UUID.randomUUID().toString();

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
        spill(batch, null);
    }

    /**
     * Puts the batch with {@code timeLeft} as the {@code PutItem}'s overall call timeout, the SDK's retries included
     * (null: the client's own): a throttled or stalled table then fails the spill by the caller's deadline instead of
     * retrying past it.
     */
    @Override
    public void spill(SpooledBatch batch, Duration timeLeft) {
        Objects.requireNonNull(batch, "batch");
        int size = batch.content().length + batch.objectKey().getBytes(StandardCharsets.UTF_8).length;
        if (size > MAX_CONTENT_BYTES) {
            throw new IllegalArgumentException("usage batch " + batch.objectKey() + " is " + size
                    + " bytes with its key; the DynamoDB spool holds at most " + MAX_CONTENT_BYTES);
        }
        long sequence = SEQUENCE.incrementAndGet();
        dynamoDb.putItem(b -> b.tableName(table)
                .overrideConfiguration(o -> {
                    if (timeLeft != null) {
                        o.apiCallTimeout(timeLeft.isPositive() ? timeLeft : Duration.ofMillis(1));
                    }
                })
                .item(Map.of(
                        PARTITION_KEY,
                        AttributeValue.fromS(batch.objectKey()),
                        SpoolTable.CONTENT,
                        AttributeValue.fromB(SdkBytes.fromByteArray(batch.content())),
                        SpoolTable.SPILLED_AT,
                        number(clock.millis()),
                        SpoolTable.SEQUENCE,
                        number(sequence),
                        SpoolTable.QUEUE,
                        AttributeValue.fromS(Long.toString(Math.floorMod(sequence, SpoolTable.QUEUE_SHARDS))))));
        synchronized (removed) {
            removed.remove(batch.objectKey()); // spilled again: pending again
        }
    }

    @Override
    public List<SpooledBatch> pending(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("max must be positive, was " + max);
        }
        Set<String> skip = recentlyRemoved();
        List<Entry> entries = new ArrayList<>();
        try {
            for (int shard = 0; shard < SpoolTable.QUEUE_SHARDS; shard++) {
                entries.addAll(oldestListed(Integer.toString(shard), WINDOW * max + skip.size(), skip));
            }
        } catch (DynamoDbException e) {
            if (!indexMissing(e)) {
                throw e;
            }
            return read(scan(skip, false), max); // a table made before the index, or the index still backfilling
        }
        entries.sort(ORDER);
        if (entries.size() < max) {
            entries.addAll(scan(skip, true)); // spilled by a version before the index, listed after the rest
        }
        return read(entries, max);
    }

    /**
     * The first {@code max} of {@code entries} still in the table and not another drain's, with their contents, claimed.
     * Oldest first while no claim fails; after the first that does (another drain at work on the same oldest batches),
     * the rest are tried in random order, so that drains running at once mostly take different batches of the window
     * instead of each failing on the next few the other has (a failed conditional write costs as a write).
     */
    private List<SpooledBatch> read(List<Entry> entries, int max) {
        List<Entry> candidates = new ArrayList<>(entries);
        List<SpooledBatch> batches = new ArrayList<>(Math.min(max, candidates.size()));
        boolean contended = false;
        for (int i = 0; i < candidates.size() && batches.size() < max; i++) {
            Map<String, AttributeValue> item = claim(candidates.get(i).objectKey());
            if (item != null && item.containsKey(SpoolTable.CONTENT)) {
                batches.add(new SpooledBatch(
                        candidates.get(i).objectKey(),
                        item.get(SpoolTable.CONTENT).b().asByteArray()));
            } else if (!contended) { // delivered meanwhile, or another drain's
                contended = true;
                Collections.shuffle(candidates.subList(i + 1, candidates.size()), ThreadLocalRandom.current());
            }
        }
        return batches;
    }

    /**
     * The batch under {@code objectKey}, claimed for this instance for {@link #CLAIM}; null when it was delivered
     * meanwhile or another instance's claim on it still runs. One write, which reads the item as well (a consistent
     * GetItem before it did only the reading).
     */
    private Map<String, AttributeValue> claim(String objectKey) {
        long now = clock.millis();
        try {
            return dynamoDb.updateItem(b -> b.tableName(table)
                            .key(key(objectKey))
                            .updateExpression("SET #until = :until, #by = :me")
                            .conditionExpression(
                                    "attribute_exists(#content) AND (attribute_not_exists(#until) OR #until < :now"
                                            + " OR #by = :me)")
                            .expressionAttributeNames(Map.of(
                                    "#until", SpoolTable.CLAIMED_UNTIL,
                                    "#by", SpoolTable.CLAIMED_BY,
                                    "#content", SpoolTable.CONTENT))
                            .expressionAttributeValues(Map.of(
                                    ":until", number(now + CLAIM.toMillis()),
                                    ":now", number(now),
                                    ":me", AttributeValue.fromS(owner)))
                            .returnValues(ReturnValue.ALL_NEW))
                    .attributes();
        } catch (ConditionalCheckFailedException e) {
            return null;
        }
    }

    @Override
    public void remove(String objectKey) {
        Objects.requireNonNull(objectKey, "objectKey");
        dynamoDb.deleteItem(b -> b.tableName(table).key(key(objectKey)));
        synchronized (removed) {
            removed.remove(objectKey);
            removed.put(objectKey, clock.millis());
            while (removed.size() > MAX_SKIPPED) {
                removed.remove(removed.keySet().iterator().next());
            }
        }
    }

    private Set<String> recentlyRemoved() {
        long since = clock.millis() - RECENTLY_REMOVED.toMillis();
        synchronized (removed) {
            removed.values().removeIf(at -> at < since);
            return new HashSet<>(removed.keySet());
        }
    }

    /** The oldest {@code limit} keys one partition of the index lists, less {@code skip}. */
    private List<Entry> oldestListed(String shard, int limit, Set<String> skip) {
        List<Entry> entries = new ArrayList<>();
        Map<String, AttributeValue> startAfter = null;
        do {
            Map<String, AttributeValue> from = startAfter;
            QueryResponse page = dynamoDb.query(b -> b.tableName(table)
                    .indexName(SpoolTable.QUEUE_INDEX)
                    .keyConditionExpression("#q = :q")
                    .expressionAttributeNames(Map.of("#q", SpoolTable.QUEUE))
                    .expressionAttributeValues(Map.of(":q", AttributeValue.fromS(shard)))
                    .scanIndexForward(true)
                    .limit(limit - entries.size())
                    .exclusiveStartKey(from));
            for (Map<String, AttributeValue> item : page.items()) {
                String objectKey = item.get(PARTITION_KEY).s();
                if (!skip.contains(objectKey)) {
                    entries.add(new Entry(
                            objectKey,
                            Long.parseLong(item.get(SpoolTable.SPILLED_AT).n()),
                            0));
                }
            }
            startAfter =
                    page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
        } while (startAfter != null && entries.size() + skip.size() < limit);
        return entries;
    }

    /**
     * Batches oldest first by a consistent Scan of keys and times: those the index does not list (spilled before it)
     * when {@code unlistedOnly}, else all.
     */
    private List<Entry> scan(Set<String> skip, boolean unlistedOnly) {
        List<Entry> entries = new ArrayList<>();
        dynamoDb.scanPaginator(b -> {
                    b.tableName(table).projectionExpression("#pk, #at, #seq").consistentRead(true);
                    if (unlistedOnly) {
                        b.filterExpression("attribute_not_exists(#q)").expressionAttributeNames(SCAN_NAMES);
                    } else {
                        b.expressionAttributeNames(Map.of(
                                "#pk", PARTITION_KEY, "#at", SpoolTable.SPILLED_AT, "#seq", SpoolTable.SEQUENCE));
                    }
                })
                .items()
                .forEach(item -> {
                    String objectKey = item.get(PARTITION_KEY).s();
                    if (!skip.contains(objectKey)) {
                        entries.add(new Entry(
                                objectKey,
                                Long.parseLong(item.get(SpoolTable.SPILLED_AT).n()),
                                item.containsKey(SpoolTable.SEQUENCE)
                                        ? Long.parseLong(
                                                item.get(SpoolTable.SEQUENCE).n())
                                        : 0));
                    }
                });
        entries.sort(ORDER);
        return entries;
    }

    private static Map<String, AttributeValue> key(String objectKey) {
        return Map.of(PARTITION_KEY, AttributeValue.fromS(objectKey));
    }

    private static AttributeValue number(long value) {
        return AttributeValue.fromN(Long.toString(value));
    }

    private static boolean indexMissing(DynamoDbException e) {
        if (e instanceof ResourceNotFoundException) {
            return true;
        }
        String message =
                e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorMessage();
        return message != null && message.toLowerCase(Locale.ROOT).contains("index");
    }

    private record Entry(String objectKey, long spilledAt, long sequence) {}
}
