package dev.spendgate.aws.dynamodb;

import static dev.spendgate.aws.dynamodb.DynamoDbTables.PARTITION_KEY;

import dev.spendgate.aws.dynamodb.DynamoDbTables.BudgetsTable;
import dev.spendgate.domain.cache.CachedAnswer;
import dev.spendgate.domain.cache.QuestionSimilarity;
import dev.spendgate.domain.cache.ResponseCacheStore;
import dev.spendgate.domain.cache.SemanticEntry;
import dev.spendgate.domain.pricing.TokenUsage;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;

/**
 * The response cache in the budgets table, whose TTL attribute {@code expires_at} deletes expired answers (within days;
 * until then a read past the expiry is a miss). One item per answer, {@code cache#<key>}, holding the body as binary
 * (answers are limited below DynamoDB's 400 KB item size by the cache rule's {@code max_entry_bytes}), and one item
 * per shared prefix, {@code cacheidx#<key>}, listing the questions answered behind it, updated by an optimistic
 * read-modify-write on a version number.
 *
 * <p>A feature's {@code max_entries} is kept as a ring of slots: each fill takes the next number from the feature's
 * counter item {@code cachecount#<feature>} (an atomic {@code ADD}), and writes slot {@code number mod max_entries}
 * ({@code cacheslot#<feature>#<slot>}) with its key; the answer the slot held before, the feature's oldest fill, is
 * deleted (only if it was not filled again since: the delete is conditional on its stored time). So at most
 * {@code max_entries} answers per feature are kept, oldest out first, across every Lambda instance, at the price of
 * two more writes per fill (fills happen on misses only). When a feature's {@code max_entries} is lowered, slots past
 * the new bound are no longer reused: their answers leave at their TTL.
 *
 * <p>An index item keeps at most {@code maxPerPrefix} questions and at most {@link #MAX_INDEX_BYTES} of them (48 hex
 * characters per distinct content word: 256 questions of 60 words would pass DynamoDB's 400 KB item limit, and every
 * later index write behind the prefix would be refused); the oldest leave first.
 */
public final class DynamoDbResponseCacheStore implements ResponseCacheStore {
    static final String ANSWER_PREFIX = "cache#";
    static final String INDEX_PREFIX = "cacheidx#";
    static final String COUNTER_PREFIX = "cachecount#";
    static final String SLOT_PREFIX = "cacheslot#";
    private static final int INDEX_RETRIES = 5;

    /** The most an index item's entries may take (DynamoDB's item limit is 400 KB; the rest is headroom). */
    static final int MAX_INDEX_BYTES = 350 * 1024;

    private final DynamoDbClient dynamoDb;
    private final String table;

    public DynamoDbResponseCacheStore(DynamoDbClient dynamoDb, String table) {
        this.dynamoDb = Objects.requireNonNull(dynamoDb, "dynamoDb");
        this.table = Objects.requireNonNull(table, "table");
    }

    @Override
    public Optional<CachedAnswer> get(String key, Instant now) {
        Map<String, AttributeValue> item = dynamoDb.getItem(b -> b.tableName(table)
                        .key(Map.of(PARTITION_KEY, AttributeValue.fromS(ANSWER_PREFIX + key)))
                        .consistentRead(false))
                .item();
        if (item == null || item.isEmpty()) {
            return Optional.empty();
        }
        CachedAnswer a = new CachedAnswer(
                key,
                s(item, "feature"),
                s(item, "endpoint"),
                s(item, "provider"),
                s(item, "model_served"),
                item.get("body").b().asByteArray(),
                new TokenUsage(
                        n(item, "in"),
                        n(item, "cached"),
                        n(item, "w5m"),
                        n(item, "w1h"),
                        n(item, "out"),
                        n(item, "reasoning")),
                item.containsKey("cost_usd") ? new BigDecimal(s(item, "cost_usd")) : null,
                Instant.ofEpochMilli(n(item, "stored_at_ms")),
                Instant.ofEpochMilli(n(item, "expires_at_ms")));
        return a.expiredAt(now) ? Optional.empty() : Optional.of(a);
    }

    @Override
    public void put(CachedAnswer a, int maxEntries) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(PARTITION_KEY, AttributeValue.fromS(ANSWER_PREFIX + a.key()));
        item.put("feature", AttributeValue.fromS(a.feature()));
        item.put("endpoint", AttributeValue.fromS(a.endpoint()));
        if (a.provider() != null) {
            item.put("provider", AttributeValue.fromS(a.provider()));
        }
        if (a.modelServed() != null) {
            item.put("model_served", AttributeValue.fromS(a.modelServed()));
        }
        item.put("body", AttributeValue.fromB(SdkBytes.fromByteArray(a.body())));
        TokenUsage t = a.tokens();
        item.put("in", num(t.inputTokens()));
        item.put("cached", num(t.cachedInputTokens()));
        item.put("w5m", num(t.cacheWrite5mTokens()));
        item.put("w1h", num(t.cacheWrite1hTokens()));
        item.put("out", num(t.outputTokens()));
        item.put("reasoning", num(t.reasoningTokens()));
        if (a.costUsd() != null) {
            item.put("cost_usd", AttributeValue.fromS(a.costUsd().toPlainString()));
        }
        item.put("stored_at_ms", num(a.storedAt().toEpochMilli()));
        item.put("expires_at_ms", num(a.expiresAt().toEpochMilli()));
        item.put(BudgetsTable.EXPIRES_AT, num(DynamoDbRateCounter.epochSecondsCeiling(a.expiresAt())));
        dynamoDb.putItem(b -> b.tableName(table).item(item));
        if (maxEntries > 0) {
            takeSlot(a, maxEntries);
        }
    }

    /** Puts the answer in its feature's next slot and deletes the answer the slot held (the oldest fill). */
    private void takeSlot(CachedAnswer a, int maxEntries) {
        long number = Long.parseLong(dynamoDb.updateItem(b -> b.tableName(table)
                        .key(Map.of(PARTITION_KEY, AttributeValue.fromS(COUNTER_PREFIX + a.feature())))
                        .updateExpression("ADD #n :one")
                        .expressionAttributeNames(Map.of("#n", BudgetsTable.COUNT))
                        .expressionAttributeValues(Map.of(":one", num(1)))
                        .returnValues(ReturnValue.UPDATED_NEW))
                .attributes()
                .get(BudgetsTable.COUNT)
                .n());
        long slot = Math.floorMod(number - 1, (long) maxEntries);
        Map<String, AttributeValue> previous = dynamoDb.putItem(b -> b.tableName(table)
                        .item(Map.of(
                                PARTITION_KEY,
                                AttributeValue.fromS(SLOT_PREFIX + a.feature() + "#" + slot),
                                "k",
                                AttributeValue.fromS(a.key()),
                                "stored_at_ms",
                                num(a.storedAt().toEpochMilli()),
                                BudgetsTable.EXPIRES_AT,
                                num(DynamoDbRateCounter.epochSecondsCeiling(a.expiresAt()))))
                        .returnValues(ReturnValue.ALL_OLD))
                .attributes();
        if (previous == null || !previous.containsKey("k")) {
            return;
        }
        String oldKey = previous.get("k").s();
        AttributeValue oldStored = previous.get("stored_at_ms");
        if (oldKey.equals(a.key())
                && oldStored.n().equals(Long.toString(a.storedAt().toEpochMilli()))) {
            return; // the same fill again
        }
        try {
            dynamoDb.deleteItem(b -> b.tableName(table)
                    .key(Map.of(PARTITION_KEY, AttributeValue.fromS(ANSWER_PREFIX + oldKey)))
                    .conditionExpression("#s = :s")
                    .expressionAttributeNames(Map.of("#s", "stored_at_ms"))
                    .expressionAttributeValues(Map.of(":s", oldStored)));
        } catch (ConditionalCheckFailedException filledAgain) {
            // that key was filled again since (it holds a newer slot too) or is gone: nothing to drop
        }
    }

    @Override
    public List<SemanticEntry> similar(String prefixKey, Instant now) {
        return readIndex(prefixKey).entries.stream()
                .filter(e -> now.isBefore(e.expiresAt()))
                .toList();
    }

    @Override
    public void index(String prefixKey, SemanticEntry entry, int maxPerPrefix, Instant now) {
        for (int attempt = 0; attempt < INDEX_RETRIES; attempt++) {
            Index current = readIndex(prefixKey);
            List<SemanticEntry> next = new ArrayList<>();
            long bytes = entryBytes(entry);
            if (bytes > MAX_INDEX_BYTES) {
                return; // a question this long is left out of the index (its exact entry still serves)
            }
            next.add(entry);
            Instant latest = entry.expiresAt();
            for (SemanticEntry e : current.entries) { // newest first: the oldest are left out
                if (next.size() >= maxPerPrefix) {
                    break;
                }
                if (now.isBefore(e.expiresAt()) && !e.key().equals(entry.key())) {
                    bytes += entryBytes(e);
                    if (bytes > MAX_INDEX_BYTES) {
                        break;
                    }
                    next.add(e);
                    latest = e.expiresAt().isAfter(latest) ? e.expiresAt() : latest;
                }
            }
            List<AttributeValue> list = new ArrayList<>();
            for (SemanticEntry e : next) {
                list.add(AttributeValue.fromM(Map.of(
                        "k", AttributeValue.fromS(e.key()),
                        "w", AttributeValue.fromS(hex(e.sketch().words())),
                        "n", AttributeValue.fromS(hex(e.sketch().numbers())),
                        "o", AttributeValue.fromS(hex(e.sketch().order())),
                        "e", num(e.expiresAt().toEpochMilli()))));
            }
            Map<String, AttributeValue> item = Map.of(
                    PARTITION_KEY,
                    AttributeValue.fromS(INDEX_PREFIX + prefixKey),
                    "entries",
                    AttributeValue.fromL(list),
                    "v",
                    num(current.version + 1),
                    BudgetsTable.EXPIRES_AT,
                    num(DynamoDbRateCounter.epochSecondsCeiling(latest)));
            try {
                if (current.version == 0) {
                    dynamoDb.putItem(b -> b.tableName(table)
                            .item(item)
                            .conditionExpression("attribute_not_exists(#pk)")
                            .expressionAttributeNames(Map.of("#pk", PARTITION_KEY)));
                } else {
                    dynamoDb.putItem(b -> b.tableName(table)
                            .item(item)
                            .conditionExpression("#v = :v")
                            .expressionAttributeNames(Map.of("#v", "v"))
                            .expressionAttributeValues(Map.of(":v", num(current.version))));
                }
                return;
            } catch (ConditionalCheckFailedException raced) {
                // another instance indexed a question behind the same prefix: read again and retry
            }
        }
        // Still racing after five tries: this question is left out of the index (its exact entry still serves).
    }

    /**
     * An upper bound of what one entry adds to the index item, as DynamoDB counts item size: its key and hex sketches
     * (UTF-8 bytes), the five one-letter names, the expiry number and the map and list element overheads.
     */
    static long entryBytes(SemanticEntry e) {
        return e.key().getBytes(StandardCharsets.UTF_8).length
                + 16L
                        * (e.sketch().words().length
                                + e.sketch().numbers().length
                                + e.sketch().order().length)
                + 64;
    }

    private record Index(long version, List<SemanticEntry> entries) {}

    private Index readIndex(String prefixKey) {
        Map<String, AttributeValue> item = dynamoDb.getItem(b -> b.tableName(table)
                        .key(Map.of(PARTITION_KEY, AttributeValue.fromS(INDEX_PREFIX + prefixKey)))
                        .consistentRead(true))
                .item();
        if (item == null || item.isEmpty()) {
            return new Index(0, List.of());
        }
        List<SemanticEntry> entries = new ArrayList<>();
        for (AttributeValue v : item.get("entries").l()) {
            Map<String, AttributeValue> m = v.m();
            entries.add(new SemanticEntry(
                    m.get("k").s(),
                    new QuestionSimilarity.Sketch(
                            longs(m.get("w").s()),
                            longs(m.get("n").s()),
                            m.containsKey("o") ? longs(m.get("o").s()) : new long[0]),
                    Instant.ofEpochMilli(Long.parseLong(m.get("e").n()))));
        }
        return new Index(n(item, "v"), entries);
    }

    private static String hex(long[] values) {
        StringBuilder s = new StringBuilder(values.length * 16);
        for (long v : values) {
            s.append(String.format("%016x", v));
        }
        return s.toString();
    }

    private static long[] longs(String hex) {
        long[] out = new long[hex.length() / 16];
        for (int i = 0; i < out.length; i++) {
            out[i] = Long.parseUnsignedLong(hex.substring(i * 16, i * 16 + 16), 16);
        }
        return out;
    }

    private static AttributeValue num(long v) {
        return AttributeValue.fromN(Long.toString(v));
    }

    private static String s(Map<String, AttributeValue> item, String name) {
        AttributeValue v = item.get(name);
        return v == null ? null : v.s();
    }

    private static long n(Map<String, AttributeValue> item, String name) {
        AttributeValue v = item.get(name);
        return v == null ? 0 : Long.parseLong(v.n());
    }
}
