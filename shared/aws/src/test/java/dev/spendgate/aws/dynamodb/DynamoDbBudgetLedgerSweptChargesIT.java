package dev.spendgate.aws.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.aws.dynamodb.DynamoDbTables.BudgetsTable;
import dev.spendgate.domain.budget.BudgetLedger;
import dev.spendgate.domain.budget.BudgetLedger.ReserveResult;
import dev.spendgate.testing.aws.LocalAwsEndpoint;
import dev.spendgate.testing.aws.LocalDynamoDb;
import java.math.BigDecimal;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The budget item at real volume: every call the sweeper charges (a Lambda that timed out or crashed mid-call) adds
 * its 36-character reservation id to the item's {@code swept} string set, and nothing ever takes one out. A busy
 * budget item (the {@code global} budget, a big feature's, any lifetime budget) reaches DynamoDB's 400 KB item limit
 * after about 11,300 such calls; from then on every write to the item fails.
 */
class DynamoDbBudgetLedgerSweptChargesIT {
    private static final String ITEM = "budget#global:*#monthly#2026-12";
    /** The swept charges that bring one item just under 400 KB (36 bytes each). */
    private static final int SWEPT_SO_FAR = 11_300;

    private final DynamoDbClient dynamoDb = LocalDynamoDb.shared().client();
    private String table;
    private BudgetLedger ledger;

    @BeforeEach
    void setUp() {
        table = LocalDynamoDb.uniqueTableName("budgets");
        DynamoDbTables.createBudgetsTable(dynamoDb, table);
        ledger = new DynamoDbBudgetLedger(dynamoDb, table);
    }

    /**
     * The item as {@link DynamoDbBudgetLedger#chargeEachOnce} leaves it after {@code SWEPT_SO_FAR} sweeper charges of
     * $0.50 each (written in one PutItem: charging them one by one takes minutes on dynalite, for the same item).
     */
    private void itemAfterSweptCharges() {
        itemAfterSweptCharges(SWEPT_SO_FAR);
    }

    private void itemAfterSweptCharges(int swept) {
        Random random = new Random(7);
        List<String> ids = new ArrayList<>(swept);
        for (int i = 0; i < swept; i++) {
            ids.add(new UUID(random.nextLong(), random.nextLong()).toString());
        }
        BigDecimal spent = new BigDecimal("0.50").multiply(BigDecimal.valueOf(swept));
        dynamoDb.putItem(b -> b.tableName(table)
                .item(Map.of(
                        DynamoDbTables.PARTITION_KEY, AttributeValue.fromS(ITEM),
                        BudgetsTable.COMMITTED, AttributeValue.fromN(spent.toPlainString()),
                        BudgetsTable.RESERVED, AttributeValue.fromN("0"),
                        BudgetsTable.SPENT, AttributeValue.fromN(spent.toPlainString()),
                        BudgetsTable.SWEPT_CHARGES, AttributeValue.fromSs(ids))));
    }

    /**
     * 200 more crashed calls in the month: each charge must reach the item (else the sweeper retries it forever and
     * the worst case it owes is never counted), and the budget must still answer the next call.
     */
    @Test
    void chargeEachOnce_11500CrashedCallsOnOneItem_allChargedAndTheBudgetStillAdmits() {
        itemAfterSweptCharges();

        List<String> notCharged = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            String reservationId = UUID.randomUUID().toString();
            notCharged.addAll(ledger.chargeEachOnce(
                    reservationId,
                    List.of(new BudgetLedger.Settlement(ITEM, new BigDecimal("0.50"), new BigDecimal("0.50")))));
        }

        assertThat(notCharged.size())
                .as("of 200 sweeper charges, those the item refused")
                .isZero();
        ReserveResult next = ledger.reserve(ITEM, new BigDecimal("100000"), new BigDecimal("0.01"));
        assertThat(next.granted())
                .as("a $0.01 call against a $100,000 budget with $5,750 spent")
                .isTrue();
    }

    /** A charge made again (the sweeper's retry after a failure it could not tell apart) counts once. */
    @Test
    void chargeEachOnce_sameChargeTwice_countedOnceAndTheBudgetItemKeepsNoId() {
        BudgetLedger.Settlement half =
                new BudgetLedger.Settlement(ITEM, new BigDecimal("0.50"), new BigDecimal("0.50"));
        ledger.reserve(ITEM, new BigDecimal("100"), new BigDecimal("0.50"));

        assertThat(ledger.chargeEachOnce("c-1", List.of(half))).isEmpty();
        assertThat(ledger.chargeEachOnce("c-1", List.of(half))).isEmpty();

        assertThat(ledger.state(ITEM).orElseThrow().spent()).isEqualByComparingTo("0.50");
        assertThat(budgetItem()).doesNotContainKey(BudgetsTable.SWEPT_CHARGES);
    }

    /**
     * An item written by an earlier version, whose set lists every charge swept on it: a charge listed there is not
     * counted again (and leaves the set), and new charges no longer add to it.
     */
    @Test
    void chargeEachOnce_itemWithTheSetOfAnEarlierVersion_listedChargesNotCountedAgainAndTheSetNoLongerGrows() {
        itemAfterSweptCharges(1_000);
        String listed = budgetItem().get(BudgetsTable.SWEPT_CHARGES).ss().get(0);
        BudgetLedger.Settlement half = new BudgetLedger.Settlement(ITEM, BigDecimal.ZERO, new BigDecimal("0.50"));

        assertThat(ledger.chargeEachOnce(listed, List.of(half))).isEmpty();
        assertThat(ledger.state(ITEM).orElseThrow().spent())
                .as("spent after a charge the earlier version had counted")
                .isEqualByComparingTo("500");
        for (int i = 0; i < 10; i++) {
            assertThat(ledger.chargeEachOnce("new-" + i, List.of(half))).isEmpty();
        }
        assertThat(ledger.state(ITEM).orElseThrow().spent()).isEqualByComparingTo("505");
        assertThat(budgetItem().get(BudgetsTable.SWEPT_CHARGES).ss())
                .as("charge ids on the budget item")
                .hasSize(999)
                .doesNotContain(listed);
    }

    /**
     * A sweeper that died between its charge and the marker saying so: another one waits while the claim may still
     * be alive, then takes it over and does not count the charge a second time.
     */
    @Test
    void chargeEachOnce_claimOfASweeperThatDiedAfterCharging_takenOverAfter15MinutesAndCountedOnce() {
        Instant died = Instant.parse("2026-12-03T10:00:00Z");
        BudgetLedger.Settlement half = new BudgetLedger.Settlement(ITEM, BigDecimal.ZERO, new BigDecimal("0.50"));
        // what the dead sweeper left: its claim, and the charge applied with its id on the item
        dynamoDb.putItem(b -> b.tableName(table)
                .item(Map.of(
                        DynamoDbTables.PARTITION_KEY, AttributeValue.fromS("swept#" + ITEM + "#c-1"),
                        BudgetsTable.MARKER_TOKEN, AttributeValue.fromS("dead"),
                        BudgetsTable.SWEPT_CHARGE_SINCE, AttributeValue.fromN(Long.toString(died.toEpochMilli())),
                        BudgetsTable.SWEPT_CHARGE_DONE, AttributeValue.fromBool(false))));
        dynamoDb.putItem(b -> b.tableName(table)
                .item(Map.of(
                        DynamoDbTables.PARTITION_KEY, AttributeValue.fromS(ITEM),
                        BudgetsTable.COMMITTED, AttributeValue.fromN("0.5"),
                        BudgetsTable.RESERVED, AttributeValue.fromN("0"),
                        BudgetsTable.SPENT, AttributeValue.fromN("0.5"),
                        BudgetsTable.SWEPT_CHARGES, AttributeValue.fromSs(List.of("c-1")))));

        BudgetLedger soon = new DynamoDbBudgetLedger(dynamoDb, table, at(died.plus(Duration.ofMinutes(5))));
        BudgetLedger later = new DynamoDbBudgetLedger(dynamoDb, table, at(died.plus(Duration.ofMinutes(16))));

        assertThat(soon.chargeEachOnce("c-1", List.of(half)))
                .as("not charged yet: the claim may still be alive")
                .containsExactly(ITEM);
        assertThat(later.chargeEachOnce("c-1", List.of(half))).isEmpty();
        assertThat(later.chargeEachOnce("c-1", List.of(half))).isEmpty();

        assertThat(ledger.state(ITEM).orElseThrow().spent()).isEqualByComparingTo("0.50");
        assertThat(budgetItem()).doesNotContainKey(BudgetsTable.SWEPT_CHARGES);
    }

    /**
     * Before the limit: a reservation and a settlement on an item with 5,000 swept charges (180 KB). Both return the
     * whole item ({@code ALL_NEW}) to the call, and DynamoDB bills a write by the item's size (1 KB a unit; a
     * partition takes 1,000 units a second), so every call on the budget costs ~180 write units and the item takes
     * only about five calls a second before it throttles.
     */
    @Test
    void reserveAndSettle_itemWith5000SweptCharges_answersCarryOnlyTheCounters() {
        itemAfterSweptCharges(5_000);
        LocalAwsEndpoint aws = LocalAwsEndpoint.start(
                LocalDynamoDb.shared().endpoint(), LocalDynamoDb.shared().endpoint());
        try (DynamoDbClient viaEndpoint = LocalDynamoDb.shared()
                .clientBuilder()
                .endpointOverride(URI.create(aws.endpoint()))
                .build()) {
            BudgetLedger measured = new DynamoDbBudgetLedger(viaEndpoint, table);

            assertThat(measured.reserve(ITEM, new BigDecimal("100000"), new BigDecimal("0.01"))
                            .granted())
                    .isTrue();
            measured.settle(ITEM, new BigDecimal("0.01"), new BigDecimal("0.004"));

            assertThat(aws.operations())
                    .extracting(LocalAwsEndpoint.Operation::responseBytes)
                    .as("bytes of the reserve and settle answers")
                    .hasSize(2)
                    .allSatisfy(bytes -> assertThat(bytes).isLessThan(4096L));
        } finally {
            aws.close();
        }
    }

    private static Clock at(Instant instant) {
        return Clock.fixed(instant, ZoneOffset.UTC);
    }

    private Map<String, AttributeValue> budgetItem() {
        return dynamoDb.getItem(b -> b.tableName(table)
                        .key(Map.of(DynamoDbTables.PARTITION_KEY, AttributeValue.fromS(ITEM)))
                        .consistentRead(true))
                .item();
    }
}
