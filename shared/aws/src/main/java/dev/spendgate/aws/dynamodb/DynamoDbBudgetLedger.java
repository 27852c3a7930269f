package dev.spendgate.aws.dynamodb;

import static dev.spendgate.aws.dynamodb.DynamoDbTables.PARTITION_KEY;

import dev.spendgate.aws.AwsClients;
import dev.spendgate.aws.dynamodb.DynamoDbTables.BudgetsTable;
import dev.spendgate.domain.budget.BudgetLedger;
import dev.spendgate.domain.budget.BudgetState;
import dev.spendgate.domain.budget.BudgetWriteNotAppliedException;
import java.math.BigDecimal;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;

/**
 * A {@link BudgetLedger} in the budgets table ({@link DynamoDbTables#createBudgetsTable}): one item per budget item
 * key with {@code committed}, {@code reserved} and {@code spent} (N, exact decimals), correct across any number of
 * gateway instances without transactions (which dynalite lacks).
 *
 * <p>{@link #reserve} is one conditional UpdateItem: add the amount to {@code committed} and {@code reserved} if
 * {@code committed <= limit - amount} (computed here; a negative bound refuses without a write). DynamoDB serialises
 * updates of one item, so concurrent reservations never overshoot. A refusal reads the item back with a consistent
 * GetItem (dynalite ignores {@code ReturnValuesOnConditionCheckFailure}), so the returned state may already include
 * a later write. {@link #release} and {@link #settle} are unconditional {@code ADD}s; a release of an item that does
 * not exist changes nothing. Both answer with the three counters only ({@code UPDATED_NEW}), not the whole item.
 *
 * <p>SDK failures propagate as {@link SdkException}; a release that certainly changed nothing as {@link
 * BudgetWriteNotAppliedException}. These updates are not idempotent: the SDK's default retries resend a request whose
 * response was lost, which would count a settlement twice or give a reservation back twice. So the client must be
 * {@link AwsClients#dynamoDbForBudgets}, which resends only what DynamoDB certainly did not apply.
 */
public final class DynamoDbBudgetLedger implements BudgetLedger {
    private static final AttributeValue ZERO = AttributeValue.fromN("0");
    private static final Map<String, String> COUNTER_NAMES = Map.of(
            "#committed", BudgetsTable.COMMITTED, "#reserved", BudgetsTable.RESERVED, "#spent", BudgetsTable.SPENT);
    private static final Map<String, String> SWEEP_NAMES = Map.of(
            "#committed",
            BudgetsTable.COMMITTED,
            "#reserved",
            BudgetsTable.RESERVED,
            "#spent",
            BudgetsTable.SPENT,
            "#swept",
            BudgetsTable.SWEPT_CHARGES);
    private static final String RESERVE = "SET #committed = if_not_exists(#committed, :zero) + :amount,"
            + " #reserved = if_not_exists(#reserved, :zero) + :amount, #spent = if_not_exists(#spent, :zero)";
    private static final String RESERVE_CONDITION = "attribute_not_exists(#committed) OR #committed <= :max";

    private final DynamoDbClient dynamoDb;
    private final String table;
    private final SweptCharges sweptCharges;
    private final Clock clock;

    public DynamoDbBudgetLedger(DynamoDbClient dynamoDb, String table) {
        this(dynamoDb, table, Clock.systemUTC());
    }

    /** As {@link #DynamoDbBudgetLedger(DynamoDbClient, String)}, timing the sweeper's charge markers by {@code clock}. */
    public DynamoDbBudgetLedger(DynamoDbClient dynamoDb, String table, Clock clock) {
        this.dynamoDb = Objects.requireNonNull(dynamoDb, "dynamoDb");
        this.table = Objects.requireNonNull(table, "table");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.sweptCharges = new SweptCharges(dynamoDb, table, clock);
    }

    @Override
    public ReserveResult reserve(String itemKey, BigDecimal limit, BigDecimal amount) {
        Objects.requireNonNull(itemKey, "itemKey");
        requireNotNegative(limit, "limit");
        requireNotNegative(amount, "amount");
        BigDecimal max = limit.subtract(amount);
        if (max.signum() < 0) {
            return new ReserveResult(false, state(itemKey).orElse(BudgetState.EMPTY));
        }
        try {
            Map<String, AttributeValue> updated = dynamoDb.updateItem(b -> b.tableName(table)
                            .key(partitionKey(itemKey))
                            .updateExpression(RESERVE)
                            .conditionExpression(RESERVE_CONDITION)
                            .expressionAttributeNames(COUNTER_NAMES)
                            .expressionAttributeValues(
                                    Map.of(":zero", ZERO, ":amount", number(amount), ":max", number(max)))
                            .returnValues(ReturnValue.UPDATED_NEW))
                    .attributes();
            return new ReserveResult(true, toState(updated));
        } catch (ConditionalCheckFailedException refused) {
            return new ReserveResult(false, state(itemKey).orElse(BudgetState.EMPTY));
        }
    }

    @Override
    public void release(String itemKey, BigDecimal reserved) {
        Objects.requireNonNull(itemKey, "itemKey");
        requireNotNegative(reserved, "reserved");
        if (reserved.signum() == 0) {
            return;
        }
        AttributeValue minus = number(reserved.negate());
        try {
            dynamoDb.updateItem(b -> b.tableName(table)
                    .key(partitionKey(itemKey))
                    .updateExpression("ADD #committed :minus, #reserved :minus")
                    .conditionExpression("attribute_exists(#committed)")
                    .expressionAttributeNames(
                            Map.of("#committed", BudgetsTable.COMMITTED, "#reserved", BudgetsTable.RESERVED))
                    .expressionAttributeValues(Map.of(":minus", minus)));
        } catch (ConditionalCheckFailedException noSuchItem) {
            // nothing was reserved on it: creating it with negative counters would be wrong
        } catch (SdkException e) {
            if (AwsClients.notApplied(e)) {
                throw new BudgetWriteNotAppliedException("the release on " + itemKey + " was not applied", e);
            }
            throw e;
        }
    }

    @Override
    public BudgetState settle(String itemKey, BigDecimal reserved, BigDecimal actual) {
        Objects.requireNonNull(itemKey, "itemKey");
        requireNotNegative(reserved, "reserved");
        requireNotNegative(actual, "actual");
        Map<String, AttributeValue> after = dynamoDb.updateItem(b -> b.tableName(table)
                        .key(partitionKey(itemKey))
                        .updateExpression("ADD #committed :delta, #reserved :released, #spent :actual")
                        .expressionAttributeNames(COUNTER_NAMES)
                        .expressionAttributeValues(Map.of(
                                ":delta", number(actual.subtract(reserved)),
                                ":released", number(reserved.negate()),
                                ":actual", number(actual)))
                        .returnValues(ReturnValue.UPDATED_NEW))
                .attributes();
        return toState(after);
    }

    /**
     * Each item on its own, at most once per {@code chargeId}: the worst case moves to spent, unless the charge is
     * already known on the item (a retry of a write whose response was lost, or of a sweep that failed: then nothing
     * changes). An item whose charge fails, or is being made by another caller at the same moment, is reported and the
     * others are still charged; {@link SweptCharges} has the steps.
     */
    @Override
    public List<String> chargeEachOnce(String chargeId, List<Settlement> settlements) {
        Objects.requireNonNull(chargeId, "chargeId");
        List<String> failed = new ArrayList<>();
        for (Settlement s : settlements) {
            boolean charged;
            try {
                charged = sweptCharges.chargeOnce(chargeId, s.itemKey(), () -> applyCharge(chargeId, s));
            } catch (RuntimeException e) {
                charged = false;
            }
            if (!charged) {
                failed.add(s.itemKey());
            }
        }
        return failed;
    }

    /**
     * The charge itself: one conditional UpdateItem that adds the worst case and puts {@code chargeId} in the item's
     * {@link BudgetsTable#SWEPT_CHARGES} set, unless the set holds it already (applied before, its answer lost; or
     * listed there by an earlier version, which kept every id). {@link SweptCharges} takes it out again once the
     * charge's marker says it is done, so the set holds only charges in flight.
     */
    private void applyCharge(String chargeId, Settlement s) {
        try {
            dynamoDb.updateItem(b -> b.tableName(table)
                    .key(partitionKey(s.itemKey()))
                    .updateExpression("ADD #committed :delta, #reserved :released, #spent :actual, #swept :ids")
                    .conditionExpression("attribute_not_exists(#swept) OR NOT contains(#swept, :id)")
                    .expressionAttributeNames(SWEEP_NAMES)
                    .expressionAttributeValues(Map.of(
                            ":delta", number(s.actual().subtract(s.reserved())),
                            ":released", number(s.reserved().negate()),
                            ":actual", number(s.actual()),
                            ":ids", AttributeValue.fromSs(List.of(chargeId)),
                            ":id", AttributeValue.fromS(chargeId))));
        } catch (ConditionalCheckFailedException alreadyCharged) {
            // this charge reached the item before: once is enough
        }
    }

    /**
     * The plan in the item {@code chargeplan#<chargeId>} (a list of item key and amount, kept {@link SweptCharges#KEEP}
     * like the charge's markers): one conditional PutItem, and when a plan is there already a consistent GetItem of it.
     */
    @Override
    public List<Settlement> planOnce(String chargeId, List<Settlement> plan) {
        Objects.requireNonNull(chargeId, "chargeId");
        Map<String, AttributeValue> key = partitionKey(BudgetsTable.CHARGE_PLAN_ITEM_PREFIX + chargeId);
        List<AttributeValue> parts = plan.stream()
                .map(s -> AttributeValue.fromM(Map.of(
                        "item", AttributeValue.fromS(s.itemKey()),
                        "reserved", number(s.reserved()),
                        "actual", number(s.actual()))))
                .toList();
        Map<String, AttributeValue> item = new java.util.HashMap<>(key);
        item.put(BudgetsTable.CHARGE_PLAN, AttributeValue.fromL(parts));
        item.put(
                BudgetsTable.EXPIRES_AT,
                AttributeValue.fromN(
                        Long.toString(clock.instant().plus(SweptCharges.KEEP).getEpochSecond())));
        try {
            dynamoDb.putItem(b -> b.tableName(table)
                    .item(item)
                    .conditionExpression("attribute_not_exists(#pk)")
                    .expressionAttributeNames(Map.of("#pk", PARTITION_KEY)));
            return plan;
        } catch (ConditionalCheckFailedException kept) {
            // planned by an earlier try (or this put, resent after its answer was lost): that plan stands
        }
        Map<String, AttributeValue> stored = dynamoDb.getItem(
                        b -> b.tableName(table).key(key).consistentRead(true))
                .item();
        List<Settlement> out = new ArrayList<>();
        for (AttributeValue part : stored.get(BudgetsTable.CHARGE_PLAN).l()) {
            Map<String, AttributeValue> m = part.m();
            out.add(new Settlement(
                    m.get("item").s(),
                    new BigDecimal(m.get("reserved").n()),
                    new BigDecimal(m.get("actual").n())));
        }
        return out;
    }

    @Override
    public Optional<BudgetState> state(String itemKey) {
        Objects.requireNonNull(itemKey, "itemKey");
        Map<String, AttributeValue> item = dynamoDb.getItem(
                        b -> b.tableName(table).key(partitionKey(itemKey)).consistentRead(true))
                .item();
        if (item == null || !item.containsKey(BudgetsTable.COMMITTED)) {
            return Optional.empty();
        }
        return Optional.of(toState(item));
    }

    private static BudgetState toState(Map<String, AttributeValue> item) {
        return new BudgetState(
                decimal(item, BudgetsTable.SPENT),
                decimal(item, BudgetsTable.RESERVED),
                decimal(item, BudgetsTable.COMMITTED));
    }

    private static BigDecimal decimal(Map<String, AttributeValue> item, String attribute) {
        AttributeValue value = item.get(attribute);
        return value == null || value.n() == null ? BigDecimal.ZERO : new BigDecimal(value.n());
    }

    /** An exact DynamoDB number: plain notation, no exponent, trailing zeros dropped (they are not significant). */
    static AttributeValue number(BigDecimal value) {
        return AttributeValue.fromN(value.stripTrailingZeros().toPlainString());
    }

    private static Map<String, AttributeValue> partitionKey(String value) {
        return Map.of(PARTITION_KEY, AttributeValue.fromS(value));
    }

    private static void requireNotNegative(BigDecimal value, String name) {
        Objects.requireNonNull(value, name);
        if (value.signum() < 0) {
            throw new IllegalArgumentException(name + " must not be negative, was " + value.toPlainString());
        }
    }
}
