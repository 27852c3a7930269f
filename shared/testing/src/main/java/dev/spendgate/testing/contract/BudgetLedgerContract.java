package dev.spendgate.testing.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spendgate.domain.budget.BudgetLedger;
import dev.spendgate.domain.budget.BudgetLedger.ReserveResult;
import dev.spendgate.domain.budget.BudgetState;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link BudgetLedger} must do. Extend it once per adapter: {@link #newLedger()} returns a ledger over
 * fresh, empty storage and {@link #reopenLedger()} a second instance over the same storage, as a restarted process
 * or another gateway instance sees it.
 *
 * <p>Amounts are compared by value ({@code compareTo}), not by scale: a store may return {@code 0.3} for
 * {@code 0.30} (DynamoDB does), but never {@code 0.30000000000000004}.
 */
public abstract class BudgetLedgerContract {
    private static final String ITEM = "budget#feature:chatbot#monthly#2026-11";
    private static final String OTHER_ITEM = "budget#team:platform#monthly#2026-11";
    private static final BigDecimal LIMIT = usd("1.00");

    private BudgetLedger ledger;

    /** A ledger over fresh, empty storage; called before every test. */
    protected abstract BudgetLedger newLedger();

    /**
     * Another instance over the storage of the ledger {@link #newLedger()} last returned. An adapter that keeps its
     * counters in memory persists them first (as a clean shutdown would) and the test then uses only the new one.
     */
    protected abstract BudgetLedger reopenLedger();

    @BeforeEach
    void createLedger() {
        ledger = newLedger();
    }

    @Test
    void state_unknownItem_isEmpty() {
        assertThat(ledger.state(ITEM)).isEmpty();
    }

    @Test
    void reserve_unknownItem_createsItemAndGrants() {
        ReserveResult result = ledger.reserve(ITEM, LIMIT, usd("0.30"));

        assertThat(result.granted()).isTrue();
        assertState(result.state(), "0", "0.30", "0.30");
        assertState(ledger.state(ITEM).orElseThrow(), "0", "0.30", "0.30");
    }

    @Test
    void reserve_upToExactlyTheLimit_isGranted() {
        ledger.reserve(ITEM, LIMIT, usd("0.60"));

        ReserveResult result = ledger.reserve(ITEM, LIMIT, usd("0.40"));

        assertThat(result.granted()).isTrue();
        assertState(result.state(), "0", "1.00", "1.00");
    }

    @Test
    void reserve_overTheLimit_isRefusedWithCurrentStateAndChangesNothing() {
        ledger.reserve(ITEM, LIMIT, usd("0.60"));

        ReserveResult refused = ledger.reserve(ITEM, LIMIT, usd("0.41"));

        assertThat(refused.granted()).isFalse();
        assertState(refused.state(), "0", "0.60", "0.60");
        assertState(ledger.state(ITEM).orElseThrow(), "0", "0.60", "0.60");
        assertThat(ledger.reserve(ITEM, LIMIT, usd("0.40")).granted())
                .as("the refused amount was not counted")
                .isTrue();
    }

    @Test
    void reserve_amountAboveTheLimitOnUnknownItem_isRefusedWithoutCreatingTheItem() {
        ReserveResult refused = ledger.reserve(ITEM, LIMIT, usd("1.01"));

        assertThat(refused.granted()).isFalse();
        assertState(refused.state(), "0", "0", "0");
        assertThat(ledger.state(ITEM)).isEmpty();
    }

    @Test
    void reserve_zeroLimit_refusesAnyPositiveAmount() {
        assertThat(ledger.reserve(ITEM, BigDecimal.ZERO, usd("0.000001")).granted())
                .isFalse();
        assertThat(ledger.state(ITEM)).isEmpty();
    }

    @Test
    void reserve_loweredLimit_appliesToTheNextReserve() {
        assertThat(ledger.reserve(ITEM, LIMIT, usd("0.50")).granted()).isTrue();

        assertThat(ledger.reserve(ITEM, usd("0.60"), usd("0.20")).granted()).isFalse();
        assertThat(ledger.reserve(ITEM, usd("0.70"), usd("0.20")).granted()).isTrue();
        assertThat(ledger.reserve(ITEM, usd("0.50"), usd("0.01")).granted()).isFalse();
        assertState(ledger.state(ITEM).orElseThrow(), "0", "0.70", "0.70");
    }

    @Test
    void reserve_tinyAmounts_areComparedExactlyWithTheLimit() {
        BigDecimal limit = usd("0.0000003");
        BigDecimal tenth = usd("0.0000001");

        assertThat(ledger.reserve(ITEM, limit, tenth).granted()).isTrue();
        assertThat(ledger.reserve(ITEM, limit, tenth).granted()).isTrue();
        assertThat(ledger.reserve(ITEM, limit, tenth).granted())
                .as("0.1 + 0.1 + 0.1 <= 0.3 exactly (in double it is not)")
                .isTrue();
        assertThat(ledger.reserve(ITEM, limit, tenth).granted()).isFalse();
        assertState(ledger.state(ITEM).orElseThrow(), "0", "0.0000003", "0.0000003");
    }

    @Test
    void reserve_manyDigits_areKeptExactly() {
        BigDecimal limit = usd("123456789012345.12345678901234567891"); // 35 significant digits

        ReserveResult result = ledger.reserve(ITEM, limit, limit);

        assertThat(result.granted()).isTrue();
        assertState(ledger.state(ITEM).orElseThrow(), "0", limit.toPlainString(), limit.toPlainString());
        assertThat(ledger.reserve(ITEM, limit, usd("0.00000000000000000001")).granted())
                .isFalse();
    }

    @Test
    void release_givesTheAmountBack() {
        ledger.reserve(ITEM, LIMIT, usd("0.70"));

        ledger.release(ITEM, usd("0.70"));

        assertState(ledger.state(ITEM).orElseThrow(), "0", "0", "0");
        assertThat(ledger.reserve(ITEM, LIMIT, usd("1.00")).granted()).isTrue();
    }

    @Test
    void release_oneOfTwoReservations_keepsTheOther() {
        ledger.reserve(ITEM, LIMIT, usd("0.25"));
        ledger.reserve(ITEM, LIMIT, usd("0.40"));

        ledger.release(ITEM, usd("0.40"));

        assertState(ledger.state(ITEM).orElseThrow(), "0", "0.25", "0.25");
    }

    @Test
    void release_unknownItem_changesNothing() {
        ledger.release(ITEM, usd("0.50"));

        assertThat(ledger.state(ITEM)).isEmpty();
    }

    @Test
    void settle_replacesTheReservationByTheActualCost() {
        ledger.reserve(ITEM, LIMIT, usd("0.50"));

        ledger.settle(ITEM, usd("0.50"), usd("0.20"));

        assertState(ledger.state(ITEM).orElseThrow(), "0.20", "0", "0.20");
        assertThat(ledger.reserve(ITEM, LIMIT, usd("0.80")).granted()).isTrue();
    }

    @Test
    void settle_returnsTheCountersRightAfterItsUpdate() {
        ledger.reserve(ITEM, LIMIT, usd("0.50"));
        ledger.reserve(ITEM, LIMIT, usd("0.25"));

        BudgetState after = ledger.settle(ITEM, usd("0.50"), usd("0.30"));

        assertState(after, "0.30", "0.25", "0.55");
        assertThat(after).isEqualTo(ledger.state(ITEM).orElseThrow());
        assertState(ledger.settle("budget#fresh", BigDecimal.ZERO, usd("0.05")), "0.05", "0", "0.05");
    }

    @Test
    void settle_actualAboveTheReservation_recordsTheWholeActual() {
        ledger.reserve(ITEM, LIMIT, usd("0.10"));

        ledger.settle(ITEM, usd("0.10"), usd("0.35"));

        assertState(ledger.state(ITEM).orElseThrow(), "0.35", "0", "0.35");
    }

    @Test
    void settle_pastTheLimit_recordsTheSpendAndLaterReservesAreRefused() {
        ledger.reserve(ITEM, LIMIT, usd("0.90"));

        ledger.settle(ITEM, usd("0.90"), usd("1.70"));

        BudgetState state = ledger.state(ITEM).orElseThrow();
        assertState(state, "1.70", "0", "1.70");
        assertThat(state.remaining(LIMIT)).isEqualByComparingTo("-0.70");
        assertThat(ledger.reserve(ITEM, LIMIT, usd("0.01")).granted()).isFalse();
    }

    @Test
    void settle_withoutReservation_createsTheItemAndRecordsTheSpend() {
        ledger.settle(ITEM, BigDecimal.ZERO, usd("0.25"));

        assertState(ledger.state(ITEM).orElseThrow(), "0.25", "0", "0.25");
    }

    @Test
    void settle_whileOtherReservationsAreOpen_keepsThem() {
        ledger.reserve(ITEM, LIMIT, usd("0.30"));
        ledger.reserve(ITEM, LIMIT, usd("0.20"));

        ledger.settle(ITEM, usd("0.30"), usd("0.12"));

        assertState(ledger.state(ITEM).orElseThrow(), "0.12", "0.20", "0.32");
    }

    @Test
    void settle_thousandTinyAmountsOnEightThreads_sumExactly() {
        BigDecimal tiny = usd("0.00000005");
        int threads = 8;
        int perThread = 125;

        ConcurrentCalls.startTogether(threads, thread -> {
            for (int i = 0; i < perThread; i++) {
                ledger.settle(ITEM, BigDecimal.ZERO, tiny);
            }
            return null;
        });

        assertState(ledger.state(ITEM).orElseThrow(), "0.00005", "0", "0.00005");
    }

    @Test
    void operations_onDistinctItems_areIndependent() {
        assertThat(ledger.reserve(ITEM, LIMIT, usd("1.00")).granted()).isTrue();

        assertThat(ledger.reserve(OTHER_ITEM, LIMIT, usd("0.40")).granted()).isTrue();
        ledger.settle(OTHER_ITEM, usd("0.40"), usd("0.10"));
        ledger.release(ITEM, usd("0.25"));

        assertState(ledger.state(ITEM).orElseThrow(), "0", "0.75", "0.75");
        assertState(ledger.state(OTHER_ITEM).orElseThrow(), "0.10", "0", "0.10");
        assertThat(ledger.state("budget#feature:other#monthly#2026-11")).isEmpty();
    }

    @Test
    void countersAfterReopen_areKept() {
        ledger.reserve(ITEM, LIMIT, usd("0.50"));
        ledger.settle(ITEM, usd("0.50"), usd("0.45"));
        ledger.reserve(ITEM, LIMIT, usd("0.30"));
        ledger.reserve(OTHER_ITEM, LIMIT, usd("0.05"));

        BudgetLedger reopened = reopenLedger();

        assertState(reopened.state(ITEM).orElseThrow(), "0.45", "0.30", "0.75");
        assertState(reopened.state(OTHER_ITEM).orElseThrow(), "0", "0.05", "0.05");
        assertThat(reopened.reserve(ITEM, LIMIT, usd("0.26")).granted()).isFalse();
        assertThat(reopened.reserve(ITEM, LIMIT, usd("0.25")).granted()).isTrue();
    }

    /**
     * The proof that a budget cannot be overshot: 200 callers released together each reserve 0.01 of 1.00, exactly 100
     * win. Then the winners settle concurrently at random actual costs: every cent of spend is recorded exactly.
     */
    @Test
    void reserve_200ConcurrentCallersForOneCentOfOneDollar_exactly100GrantedAndSettledSpendIsExact() {
        BigDecimal cent = usd("0.01");

        List<ReserveResult> results = ConcurrentCalls.startTogether(200, i -> ledger.reserve(ITEM, LIMIT, cent));

        List<ReserveResult> granted =
                results.stream().filter(ReserveResult::granted).toList();
        assertThat(granted).hasSize(100);
        assertThat(results).allSatisfy(r -> assertThat(r.state().committed()).isLessThanOrEqualTo(LIMIT));
        assertState(ledger.state(ITEM).orElseThrow(), "0", "1.00", "1.00");

        Random random = new Random(20261128);
        List<BigDecimal> actuals = new ArrayList<>();
        for (int i = 0; i < granted.size(); i++) {
            actuals.add(BigDecimal.valueOf(5_000 + random.nextInt(5_001), 6)); // 0.005000 .. 0.010000
        }
        BigDecimal expectedSpend = actuals.stream().reduce(BigDecimal.ZERO, BigDecimal::add);

        ConcurrentCalls.startTogether(actuals.size(), i -> {
            ledger.settle(ITEM, cent, actuals.get(i));
            return null;
        });

        BudgetState state = ledger.state(ITEM).orElseThrow();
        assertThat(state.reserved()).isEqualByComparingTo(BigDecimal.ZERO);
        assertThat(state.spent()).isEqualByComparingTo(expectedSpend);
        assertThat(state.committed()).isEqualByComparingTo(expectedSpend);
    }

    @Test
    void negativeAmounts_throwIllegalArgumentExceptionAndChangeNothing() {
        ledger.reserve(ITEM, LIMIT, usd("0.10"));

        assertThatThrownBy(() -> ledger.reserve(ITEM, LIMIT, usd("-0.01")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ledger.reserve(ITEM, usd("-1"), usd("0.01")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ledger.release(ITEM, usd("-0.01"))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ledger.settle(ITEM, usd("-0.01"), usd("0.01")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ledger.settle(ITEM, usd("0.01"), usd("-0.01")))
                .isInstanceOf(IllegalArgumentException.class);

        assertState(ledger.state(ITEM).orElseThrow(), "0", "0.10", "0.10");
    }

    @Test
    void nullArguments_throwNullPointerException() {
        assertThatThrownBy(() -> ledger.reserve(null, LIMIT, usd("0.01"))).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> ledger.reserve(ITEM, null, usd("0.01"))).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> ledger.reserve(ITEM, LIMIT, null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> ledger.release(null, usd("0.01"))).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> ledger.release(ITEM, null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> ledger.settle(ITEM, null, usd("0.01"))).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> ledger.settle(ITEM, usd("0.01"), null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> ledger.state(null)).isInstanceOf(NullPointerException.class);
    }

    /** Compares each counter by value: {@code 0.3} equals {@code 0.30}. */
    protected static void assertState(BudgetState state, String spent, String reserved, String committed) {
        assertThat(state.spent()).as("spent").isEqualByComparingTo(spent);
        assertThat(state.reserved()).as("reserved").isEqualByComparingTo(reserved);
        assertThat(state.committed()).as("committed").isEqualByComparingTo(committed);
    }

    protected static BigDecimal usd(String amount) {
        return new BigDecimal(amount);
    }
}
