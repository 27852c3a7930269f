package dev.spendgate.aws.dynamodb;

import static dev.spendgate.aws.dynamodb.DynamoDbTables.PARTITION_KEY;

import dev.spendgate.aws.dynamodb.DynamoDbTables.BudgetsTable;
import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.budget.ReservationJournal;
import dev.spendgate.domain.budget.ReservationJournal.Call;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;

/**
 * A {@link ReservationJournal} in the budgets table ({@link DynamoDbTables#createBudgetsTable}): one item per open
 * reservation, {@code pk = resv#<id>}, with {@code item_keys} (L of S, in order), {@code amount} (N, exact),
 * {@code expires_at_ms} (N, epoch milliseconds) and {@code expires_at} (N, epoch seconds, the table's TTL attribute).
 *
 * <p>An entry also carries {@code confirmed} (BOOL): false when the gateway wrote it at the same time as the
 * reservations, until {@link #confirm} (one conditional UpdateItem) says they stood; the sweeper releases only
 * confirmed entries. Entries without the attribute were written before their reservations and count as confirmed.
 * An entry that names its call carries it in {@code call} (M, {@link BudgetsTable#RESERVATION_CALL}), in the same
 * PutItem: no extra round trip.
 *
 * <p>A call whose usage record is not durable when it settles (the deployed proxy: in memory until handed to Firehose
 * or the spool) {@link #markSettled marks} its entry {@code settled} (BOOL) instead of deleting it, and deletes it
 * ({@link #endSettled}) once the record is saved; the sweeper then writes the record of a settled entry it finds
 * expired and charges nothing.
 *
 * <p>{@link #open} is one unconditional PutItem (a second open of an id replaces the entry, and a retried one is
 * harmless). {@link #remove} is one DeleteItem if {@code attribute_exists(pk)} and the entry is not settled, so exactly
 * one of any number of concurrent removers, across gateways and the sweeper (and a settling call's {@link
 * #markSettled}), gets true. Each entry carries a shard ({@code resv_shard}, 0-15
 * from its id), the partition key of the table's {@code reservations-by-expiry} index (sort key {@code expires_at_ms},
 * keys only), which holds open reservations and nothing else. {@link #expired} queries the 16 shards for
 * {@code expires_at_ms < :now} (each at most {@code max}, oldest first), keeps the oldest {@code max}, and reads those
 * entries with a consistent BatchGetItem (an entry removed since the index was updated is skipped): it reads no
 * cached answer, counter or policy of the table (it used to Scan all of them, per warm instance once a minute).
 * Entries written before the index have no shard: until a Scan finds none left, each process's sweeps also Scan for
 * them; then a marker item ({@code resv-index#legacy-swept}) spares every later process that Scan. A table without
 * the index (LocalStack's init hook makes none) or with the index still being built is swept with the Scan.
 * {@code expiresAt} is kept to the millisecond (truncated); an entry is listed once the current millisecond is after
 * its own, so never early and at most a millisecond late.
 *
 * <p>{@code expires_at} is {@code expiresAt} plus {@link #TTL_DELAY}, not {@code expiresAt}: TTL deletes an item at
 * an unspecified time after that (often within minutes, sometimes days), and an entry deleted before a sweeper lists
 * it would leave its amounts reserved for good. So TTL only collects entries no sweeper reached, and {@code expired}
 * never relies on it.
 *
 * <p>SDK failures propagate as {@link software.amazon.awssdk.core.exception.SdkException}. A DeleteItem resent after
 * its response was lost fails its condition, and the caller that did remove the entry would get false; so the client
 * is {@link dev.spendgate.aws.AwsClients#dynamoDbForBudgets}, which does not resend it: the caller sees the failure,
 * and the call's amounts stay reserved (less budget, never more).
 */
public final class DynamoDbReservationJournal implements ReservationJournal {
    /**
     * How long after its {@code expiresAt} an entry may be deleted by TTL: longer than a monthly budget period, so an
     * entry no sweeper listed in that time can only still hold budget on a lifetime budget.
     */
    public static final Duration TTL_DELAY = Duration.ofDays(35);

    private static final Map<String, String> NAMES = Map.of(
            "#pk", PARTITION_KEY,
            "#keys", BudgetsTable.RESERVATION_ITEM_KEYS,
            "#amount", BudgetsTable.RESERVATION_AMOUNT,
            "#at", BudgetsTable.RESERVATION_EXPIRES_AT_MILLIS,
            "#confirmed", BudgetsTable.RESERVATION_CONFIRMED,
            "#call", BudgetsTable.RESERVATION_CALL,
            "#settled", BudgetsTable.RESERVATION_SETTLED);
    private static final Comparator<Entry> OLDEST_FIRST = Comparator.comparingLong(Entry::expiresAtMillis)
            .thenComparing(e -> e.reservation().id());

    private final DynamoDbClient dynamoDb;
    private final String table;
    /** True once no entry from before the index is left (the marker item says so, or a Scan found none). */
    private volatile boolean legacySwept;

    public DynamoDbReservationJournal(DynamoDbClient dynamoDb, String table) {
        this.dynamoDb = Objects.requireNonNull(dynamoDb, "dynamoDb");
        this.table = Objects.requireNonNull(table, "table");
    }

    @Override
    public void open(OpenReservation reservation) {
        Objects.requireNonNull(reservation, "reservation");
        List<AttributeValue> itemKeys =
                reservation.itemKeys().stream().map(AttributeValue::fromS).toList();
        Instant expiresAt = reservation.expiresAt();
        Map<String, AttributeValue> item = new HashMap<>(Map.of(
                PARTITION_KEY,
                AttributeValue.fromS(BudgetsTable.RESERVATION_ITEM_PREFIX + reservation.id()),
                BudgetsTable.RESERVATION_ITEM_KEYS,
                AttributeValue.fromL(itemKeys),
                BudgetsTable.RESERVATION_AMOUNT,
                DynamoDbBudgetLedger.number(reservation.amount()),
                BudgetsTable.RESERVATION_EXPIRES_AT_MILLIS,
                number(expiresAt.toEpochMilli()),
                BudgetsTable.EXPIRES_AT,
                number(DynamoDbRateCounter.epochSecondsCeiling(expiresAt.plus(TTL_DELAY))),
                BudgetsTable.RESERVATION_CONFIRMED,
                AttributeValue.fromBool(reservation.confirmed()),
                BudgetsTable.RESERVATION_SHARD,
                AttributeValue.fromS(shard(reservation.id()))));
        if (reservation.call() != null) {
            item.put(BudgetsTable.RESERVATION_CALL, AttributeValue.fromM(callMap(reservation.call())));
        }
        dynamoDb.putItem(b -> b.tableName(table).item(item));
    }

    private static Map<String, AttributeValue> callMap(Call call) {
        Map<String, AttributeValue> m = new HashMap<>();
        putString(m, "rid", call.requestId());
        m.put("ts", number(call.start().toEpochMilli()));
        putString(m, "key", call.keyId());
        Attribution a = call.attribution();
        putString(m, "feature", a.feature());
        putString(m, "department", a.department());
        putString(m, "team", a.team());
        putString(m, "environment", a.environment());
        putString(m, "session", a.session());
        putString(m, "user", a.user());
        putString(m, "run", a.run());
        putString(m, "prov", call.provider());
        putString(m, "pprov", call.pricingProvider());
        putString(m, "ep", call.endpoint());
        putString(m, "mreq", call.modelRequested());
        putString(m, "model", call.model());
        m.put("stream", AttributeValue.fromBool(call.stream()));
        return m;
    }

    private static Call toCall(Map<String, AttributeValue> m) {
        return new Call(
                string(m, "rid"),
                Instant.ofEpochMilli(Long.parseLong(m.get("ts").n())),
                string(m, "key"),
                new Attribution(
                        string(m, "feature"),
                        string(m, "department"),
                        string(m, "team"),
                        string(m, "environment"),
                        string(m, "session"),
                        string(m, "user"),
                        string(m, "run")),
                string(m, "prov"),
                string(m, "pprov"),
                string(m, "ep"),
                string(m, "mreq"),
                string(m, "model"),
                m.containsKey("stream") && Boolean.TRUE.equals(m.get("stream").bool()));
    }

    private static void putString(Map<String, AttributeValue> m, String key, String value) {
        if (value != null) {
            m.put(key, AttributeValue.fromS(value));
        }
    }

    private static String string(Map<String, AttributeValue> m, String key) {
        AttributeValue v = m.get(key);
        return v == null ? null : v.s();
    }

    /** One conditional UpdateItem setting {@code confirmed}; nothing when the entry is gone. */
    @Override
    public void confirm(String reservationId) {
        Objects.requireNonNull(reservationId, "reservationId");
        try {
            dynamoDb.updateItem(b -> b.tableName(table)
                    .key(Map.of(
                            PARTITION_KEY, AttributeValue.fromS(BudgetsTable.RESERVATION_ITEM_PREFIX + reservationId)))
                    .updateExpression("SET #confirmed = :true")
                    .conditionExpression("attribute_exists(#pk)")
                    .expressionAttributeNames(
                            Map.of("#pk", PARTITION_KEY, "#confirmed", BudgetsTable.RESERVATION_CONFIRMED))
                    .expressionAttributeValues(Map.of(":true", AttributeValue.fromBool(true))));
        } catch (ConditionalCheckFailedException alreadyRemoved) {
            // the call settled first, or the sweeper removed it
        }
    }

    /** One DeleteItem if the entry exists and is not {@link #markSettled marked settled} (then its call owns it). */
    @Override
    public boolean remove(String reservationId) {
        return delete(reservationId, "attribute_exists(#pk) AND attribute_not_exists(#settled)");
    }

    /**
     * One conditional UpdateItem setting {@link BudgetsTable#RESERVATION_SETTLED}, in place of the DeleteItem a
     * settlement used to end the entry with: the same one write, and the same one winner against the sweeper's
     * {@link #remove}.
     */
    @Override
    public boolean markSettled(String reservationId) {
        Objects.requireNonNull(reservationId, "reservationId");
        try {
            dynamoDb.updateItem(b -> b.tableName(table)
                    .key(Map.of(
                            PARTITION_KEY, AttributeValue.fromS(BudgetsTable.RESERVATION_ITEM_PREFIX + reservationId)))
                    .updateExpression("SET #settled = :true")
                    .conditionExpression("attribute_exists(#pk) AND attribute_not_exists(#settled)")
                    .expressionAttributeNames(
                            Map.of("#pk", PARTITION_KEY, "#settled", BudgetsTable.RESERVATION_SETTLED))
                    .expressionAttributeValues(Map.of(":true", AttributeValue.fromBool(true))));
            return true;
        } catch (ConditionalCheckFailedException goneOrMarked) {
            return false;
        }
    }

    /** One DeleteItem if the entry exists. */
    @Override
    public boolean endSettled(String reservationId) {
        return delete(reservationId, "attribute_exists(#pk)");
    }

    private boolean delete(String reservationId, String condition) {
        Objects.requireNonNull(reservationId, "reservationId");
        Map<String, String> names = condition.contains("#settled")
                ? Map.of("#pk", PARTITION_KEY, "#settled", BudgetsTable.RESERVATION_SETTLED)
                : Map.of("#pk", PARTITION_KEY);
        try {
            dynamoDb.deleteItem(b -> b.tableName(table)
                    .key(Map.of(
                            PARTITION_KEY, AttributeValue.fromS(BudgetsTable.RESERVATION_ITEM_PREFIX + reservationId)))
                    .conditionExpression(condition)
                    .expressionAttributeNames(names));
            return true;
        } catch (ConditionalCheckFailedException alreadyRemoved) {
            return false;
        }
    }

    @Override
    public List<OpenReservation> expired(Instant now, int max) {
        Objects.requireNonNull(now, "now");
        if (max < 1) {
            throw new IllegalArgumentException("max must be positive, was " + max);
        }
        List<Entry> entries = new ArrayList<>();
        List<Map<String, AttributeValue>> keys;
        try {
            keys = expiredKeys(now, max);
        } catch (DynamoDbException e) {
            if (!"ValidationException".equals(errorCode(e))) {
                throw e;
            }
            // a table without the index (LocalStack's init hook, a table made before it), or the index being built
            scan(now, false).forEach(entries::add);
            return oldestFirst(entries, max);
        }
        readEntries(keys).stream()
                .filter(e -> e.expiresAtMillis() < now.toEpochMilli())
                .forEach(entries::add);
        if (!legacySwept) {
            entries.addAll(legacyExpired(now));
        }
        return oldestFirst(entries, max);
    }

    /** The shard of an entry in the expiry index, from its id. */
    static String shard(String reservationId) {
        return Integer.toString(Math.floorMod(reservationId.hashCode(), BudgetsTable.RESERVATION_SHARDS));
    }

    /**
     * The keys of the oldest entries expired before {@code now}, at most {@code max}: one Query per shard of the index
     * (each returns its entries oldest first), merged. The index is eventually consistent; the entries are then read
     * consistently, and one already removed is not returned.
     */
    private List<Map<String, AttributeValue>> expiredKeys(Instant now, int max) {
        List<Map<String, AttributeValue>> found = new ArrayList<>();
        for (int shard = 0; shard < BudgetsTable.RESERVATION_SHARDS; shard++) {
            String value = Integer.toString(shard);
            dynamoDb
                    .queryPaginator(b -> b.tableName(table)
                            .indexName(BudgetsTable.RESERVATIONS_BY_EXPIRY)
                            .keyConditionExpression("#shard = :shard AND #at < :now")
                            .expressionAttributeNames(
                                    Map.of("#shard", BudgetsTable.RESERVATION_SHARD, "#at", NAMES.get("#at")))
                            .expressionAttributeValues(
                                    Map.of(":shard", AttributeValue.fromS(value), ":now", number(now.toEpochMilli())))
                            .limit(max))
                    .items()
                    .stream()
                    .limit(max)
                    .forEach(found::add);
        }
        return found.stream()
                .sorted(Comparator.comparingLong((Map<String, AttributeValue> k) ->
                                Long.parseLong(k.get(BudgetsTable.RESERVATION_EXPIRES_AT_MILLIS)
                                        .n()))
                        .thenComparing(k -> k.get(PARTITION_KEY).s()))
                .limit(max)
                .map(k -> Map.of(PARTITION_KEY, k.get(PARTITION_KEY)))
                .toList();
    }

    /** Consistent reads of the given entries (at most 100), skipping those removed since; retries unprocessed keys. */
    private List<Entry> readEntries(List<Map<String, AttributeValue>> keys) {
        List<Entry> entries = new ArrayList<>();
        if (keys.isEmpty()) {
            return entries;
        }
        Map<String, KeysAndAttributes> request = Map.of(
                table,
                KeysAndAttributes.builder()
                        .keys(keys)
                        .consistentRead(true)
                        .projectionExpression("#pk, #keys, #amount, #at, #confirmed, #call, #settled")
                        .expressionAttributeNames(NAMES)
                        .build());
        long pauseMillis = 10;
        while (!request.isEmpty()) {
            Map<String, KeysAndAttributes> asked = request;
            BatchGetItemResponse response = dynamoDb.batchGetItem(b -> b.requestItems(asked));
            response.responses().getOrDefault(table, List.of()).forEach(item -> entries.add(toEntry(item)));
            request = response.hasUnprocessedKeys() ? response.unprocessedKeys() : Map.of();
            if (!request.isEmpty()) {
                try {
                    Thread.sleep(pauseMillis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while reading reservation entries", e);
                }
                pauseMillis = Math.min(pauseMillis * 2, 1000);
            }
        }
        return entries;
    }

    /**
     * Expired entries written before the index (no shard, so not in it): a Scan of the whole table, until one finds
     * none left at all; then a marker item spares every later process the Scan. Once per process at most, unless
     * entries are left (the sweeps that follow then look again).
     */
    private List<Entry> legacyExpired(Instant now) {
        Map<String, AttributeValue> marker = dynamoDb.getItem(b -> b.tableName(table)
                        .key(Map.of(PARTITION_KEY, AttributeValue.fromS(BudgetsTable.RESERVATION_LEGACY_SWEPT_KEY)))
                        .consistentRead(true))
                .item();
        if (marker != null && !marker.isEmpty()) {
            legacySwept = true;
            return List.of();
        }
        List<Entry> legacy = scan(now, true);
        if (legacy.isEmpty()) {
            dynamoDb.putItem(b -> b.tableName(table)
                    .item(Map.of(PARTITION_KEY, AttributeValue.fromS(BudgetsTable.RESERVATION_LEGACY_SWEPT_KEY))));
            legacySwept = true;
        }
        return legacy.stream()
                .filter(e -> e.expiresAtMillis() < now.toEpochMilli())
                .toList();
    }

    /**
     * A consistent, paginated Scan of the whole table for entries: expired ones, or with {@code legacyOnly} every
     * entry without a shard (expired or not).
     */
    private List<Entry> scan(Instant now, boolean legacyOnly) {
        Map<String, String> names = new HashMap<>(NAMES);
        Map<String, AttributeValue> values =
                new HashMap<>(Map.of(":prefix", AttributeValue.fromS(BudgetsTable.RESERVATION_ITEM_PREFIX)));
        String filter;
        if (legacyOnly) {
            names.put("#shard", BudgetsTable.RESERVATION_SHARD);
            filter = "begins_with(#pk, :prefix) AND attribute_not_exists(#shard)";
        } else {
            values.put(":now", number(now.toEpochMilli()));
            filter = "begins_with(#pk, :prefix) AND #at < :now";
        }
        List<Entry> entries = new ArrayList<>();
        dynamoDb.scanPaginator(b -> b.tableName(table)
                        .consistentRead(true)
                        .filterExpression(filter)
                        .projectionExpression("#pk, #keys, #amount, #at, #confirmed, #call, #settled")
                        .expressionAttributeNames(names)
                        .expressionAttributeValues(values))
                .items()
                .forEach(item -> entries.add(toEntry(item)));
        return entries;
    }

    private static List<OpenReservation> oldestFirst(List<Entry> entries, int max) {
        Map<String, Entry> byId = new HashMap<>();
        entries.forEach(e -> byId.putIfAbsent(e.reservation().id(), e));
        return byId.values().stream()
                .sorted(OLDEST_FIRST)
                .limit(max)
                .map(Entry::reservation)
                .toList();
    }

    private static String errorCode(DynamoDbException e) {
        return e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
    }

    private static Entry toEntry(Map<String, AttributeValue> item) {
        long expiresAtMillis = Long.parseLong(
                item.get(BudgetsTable.RESERVATION_EXPIRES_AT_MILLIS).n());
        List<String> itemKeys = item.get(BudgetsTable.RESERVATION_ITEM_KEYS).l().stream()
                .map(AttributeValue::s)
                .toList();
        OpenReservation reservation = new OpenReservation(
                item.get(PARTITION_KEY).s().substring(BudgetsTable.RESERVATION_ITEM_PREFIX.length()),
                itemKeys,
                new BigDecimal(item.get(BudgetsTable.RESERVATION_AMOUNT).n()),
                Instant.ofEpochMilli(expiresAtMillis),
                !item.containsKey(BudgetsTable.RESERVATION_CONFIRMED)
                        || Boolean.TRUE.equals(
                                item.get(BudgetsTable.RESERVATION_CONFIRMED).bool()),
                item.containsKey(BudgetsTable.RESERVATION_CALL)
                        ? toCall(item.get(BudgetsTable.RESERVATION_CALL).m())
                        : null,
                item.containsKey(BudgetsTable.RESERVATION_SETTLED)
                        && Boolean.TRUE.equals(
                                item.get(BudgetsTable.RESERVATION_SETTLED).bool()));
        return new Entry(reservation, expiresAtMillis);
    }

    private static AttributeValue number(long value) {
        return AttributeValue.fromN(Long.toString(value));
    }

    private record Entry(OpenReservation reservation, long expiresAtMillis) {}
}
