package dev.spendgate.aws.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.aws.dynamodb.DynamoDbTables.BudgetsTable;
import dev.spendgate.domain.budget.BudgetPeriod;
import dev.spendgate.domain.budget.BudgetPolicy;
import dev.spendgate.domain.budget.BudgetPolicy.Mode;
import dev.spendgate.domain.budget.BudgetPolicy.OnStoreError;
import dev.spendgate.domain.budget.BudgetScope;
import dev.spendgate.domain.budget.ReservationJournal;
import dev.spendgate.domain.budget.ReservationJournal.OpenReservation;
import dev.spendgate.testing.aws.LocalDynamoDb;
import dev.spendgate.testing.contract.ReservationJournalContract;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

class DynamoDbReservationJournalIT extends ReservationJournalContract {
    private static final Instant EXPIRES = Instant.parse("2026-11-28T15:15:00.123Z");
    /** The sweeper's instance, with a client of its own, as in another process. */
    private static DynamoDbClient sweeperClient;

    private final DynamoDbClient dynamoDb = LocalDynamoDb.shared().client();
    private String table;

    @BeforeAll
    static void connectSweeper() {
        sweeperClient = LocalDynamoDb.shared().clientBuilder().build();
    }

    @AfterAll
    static void disconnectSweeper() {
        sweeperClient.close();
    }

    @Override
    protected ReservationJournal newJournal() {
        table = LocalDynamoDb.uniqueTableName("budgets");
        DynamoDbTables.createBudgetsTable(dynamoDb, table);
        return new DynamoDbReservationJournal(dynamoDb, table);
    }

    @Override
    protected ReservationJournal reopenJournal() {
        return new DynamoDbReservationJournal(sweeperClient, table);
    }

    @Test
    void open_writesOneItemWithKeysAmountAndBothExpiries() {
        new DynamoDbReservationJournal(dynamoDb, table)
                .open(new OpenReservation(
                        "r-1", List.of("budget#b", "budget#a"), new BigDecimal("0.00925"), EXPIRES.plusNanos(999_999)));

        Map<String, AttributeValue> item = dynamoDb.getItem(b ->
                        b.tableName(table).key(Map.of(DynamoDbTables.PARTITION_KEY, AttributeValue.fromS("resv#r-1"))))
                .item();
        long ttl = EXPIRES.plus(DynamoDbReservationJournal.TTL_DELAY).getEpochSecond() + 1;
        assertThat(item)
                .containsOnlyKeys(
                        DynamoDbTables.PARTITION_KEY,
                        BudgetsTable.RESERVATION_ITEM_KEYS,
                        BudgetsTable.RESERVATION_AMOUNT,
                        BudgetsTable.RESERVATION_EXPIRES_AT_MILLIS,
                        BudgetsTable.EXPIRES_AT,
                        BudgetsTable.RESERVATION_CONFIRMED,
                        BudgetsTable.RESERVATION_SHARD)
                .containsEntry(BudgetsTable.RESERVATION_CONFIRMED, AttributeValue.fromBool(true))
                .containsEntry(
                        BudgetsTable.RESERVATION_SHARD,
                        AttributeValue.fromS(Integer.toString(Math.floorMod("r-1".hashCode(), 16))))
                .containsEntry(
                        BudgetsTable.RESERVATION_ITEM_KEYS,
                        AttributeValue.fromL(
                                List.of(AttributeValue.fromS("budget#b"), AttributeValue.fromS("budget#a"))))
                .containsEntry(BudgetsTable.RESERVATION_AMOUNT, AttributeValue.fromN("0.00925"))
                .containsEntry(BudgetsTable.RESERVATION_EXPIRES_AT_MILLIS, AttributeValue.fromN("1795878900123"))
                .containsEntry(BudgetsTable.EXPIRES_AT, AttributeValue.fromN(Long.toString(ttl)));
        assertThat(ttl).isEqualTo(EXPIRES.atOffset(ZoneOffset.UTC).plusDays(35).toEpochSecond() + 1);
    }

    @Test
    void expired_subMillisecondExpiry_isListedFromTheNextMillisecondTruncated() {
        ReservationJournal journal = new DynamoDbReservationJournal(dynamoDb, table);
        journal.open(
                new OpenReservation("r-1", List.of("budget#a"), new BigDecimal("0.1"), EXPIRES.plusNanos(500_000)));

        assertThat(journal.expired(EXPIRES.plusNanos(999_999), 10))
                .as("never early")
                .isEmpty();
        assertThat(journal.expired(EXPIRES.plusMillis(1), 10))
                .extracting(OpenReservation::expiresAt)
                .containsExactly(EXPIRES);
    }

    @Test
    void expired_tableAlsoHoldingLedgerCounterMarkerAndPolicyItems_returnsOnlyReservations() {
        ReservationJournal journal = new DynamoDbReservationJournal(dynamoDb, table);
        journal.open(new OpenReservation("r-1", List.of("budget#a"), new BigDecimal("0.1"), EXPIRES));
        new DynamoDbBudgetLedger(dynamoDb, table)
                .reserve("budget#feature:chatbot#monthly#2026-11", new BigDecimal("100"), new BigDecimal("1"));
        new DynamoDbRateCounter(dynamoDb, table)
                .incrementIfBelow("rate#session:s-1#2026-11-28T15:00", 10, EXPIRES.minusSeconds(600));
        new DynamoDbOnceMarker(dynamoDb, table).markOnce("once#alert", EXPIRES.minusSeconds(600));
        new DynamoDbBudgetPolicyStore(dynamoDb, table)
                .put(new BudgetPolicy(
                        BudgetScope.parse("feature:chatbot"),
                        BudgetPeriod.MONTHLY,
                        new BigDecimal("100"),
                        Mode.BLOCK,
                        List.of(80),
                        OnStoreError.FAIL_CLOSED,
                        ZoneOffset.UTC));

        assertThat(journal.expired(EXPIRES.plusSeconds(3600), 100))
                .extracting(OpenReservation::id)
                .containsExactly("r-1");
    }

    @Test
    void expired_tableLargerThanOneScanPage_findsEntriesOnEveryPage() {
        byte[] filler = new byte[300 * 1024];
        for (int i = 0; i < 8; i++) {
            String pk = "filler#" + i;
            dynamoDb.putItem(b -> b.tableName(table)
                    .item(Map.of(
                            DynamoDbTables.PARTITION_KEY,
                            AttributeValue.fromS(pk),
                            "blob",
                            AttributeValue.fromB(SdkBytes.fromByteArray(filler)))));
        }
        ReservationJournal journal = new DynamoDbReservationJournal(dynamoDb, table);
        List<String> ids =
                IntStream.range(0, 30).mapToObj(i -> "r-" + (100 + i)).toList();
        for (int i = 0; i < ids.size(); i++) {
            journal.open(new OpenReservation(
                    ids.get(i), List.of("budget#a"), new BigDecimal("0.01"), EXPIRES.plusMillis(i)));
        }
        assertThat(dynamoDb.scan(b -> b.tableName(table)).lastEvaluatedKey())
                .as("premise: the table spans several scan pages")
                .isNotEmpty();

        assertThat(journal.expired(EXPIRES.plusSeconds(1), 100))
                .extracting(OpenReservation::id)
                .containsExactlyElementsOf(ids);
        assertThat(journal.expired(EXPIRES.plusSeconds(1), 5))
                .extracting(OpenReservation::id)
                .containsExactlyElementsOf(ids.subList(0, 5));
    }
}
