package dev.spendgate.domain.budget;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Spend counters, one item per budget scope and period, updated atomically so that concurrent calls across any
 * number of gateway instances cannot overshoot a limit. An item holds {@code committed} (settled spend plus open
 * reservations), {@code reserved} (open reservations) and {@code spent} (settled spend), exact decimals in USD.
 * Items are created on first use. The limit is passed with each reservation (it lives in the policy), so a changed
 * limit applies to the next call at once.
 */
public interface BudgetLedger {

    /**
     * Reserves {@code amount} when {@code committed + amount <= limit}, in one atomic conditional write. Returns
     * whether it was granted and the item's state (after the reservation when granted; as read when refused, which
     * may lag a concurrent write).
     */
    ReserveResult reserve(String itemKey, BigDecimal limit, BigDecimal amount);

    /**
     * Gives back a reservation that will not be used (the call was refused on another scope, or never ran).
     *
     * @throws BudgetWriteNotAppliedException when it failed and certainly changed nothing; any other failure may have
     *     been applied, and releasing again could give the amount back twice
     */
    void release(String itemKey, BigDecimal reserved);

    /**
     * Replaces a reservation by the call's actual cost, unconditionally: spend is always recorded, even above the
     * estimate or the limit. {@code reserved} may be zero (spend recorded without a reservation). Returns the item's
     * counters right after this update, so the caller needs no second read for remaining budget and alerts.
     */
    BudgetState settle(String itemKey, BigDecimal reserved, BigDecimal actual);

    /**
     * Settles each of one call's items, in order, and returns their counters after the update. A store that can make
     * the whole set durable in one write (the local ledger's journal) does so; the default settles one by one.
     */
    default List<BudgetState> settleAll(List<Settlement> settlements) {
        List<BudgetState> after = new ArrayList<>(settlements.size());
        for (Settlement s : settlements) {
            after.add(settle(s.itemKey(), s.reserved(), s.actual()));
        }
        return after;
    }

    /**
     * As {@link #settleAll(List)}, naming the journal entry ({@link ReservationJournal}) these settlements end. A store
     * that journals its settlements locally (the file ledger) keeps the id with them, so that after a crash the
     * gateway can tell a call that settled from one that died in flight; the default ignores it. {@code reservationId}
     * may be null (a call with no entry).
     */
    default List<BudgetState> settleAll(String reservationId, List<Settlement> settlements) {
        return settleAll(settlements);
    }

    /**
     * The sweeper's charge of a call that never settled: each item settled on its own, so one that fails does not stop
     * the others, and at most once per {@code chargeId} (the journal entry's id), so the sweeper can retry the items
     * that failed at its next run without charging twice. Returns the item keys that failed (empty when every item is
     * charged). A store whose writes can end with an unknown outcome (DynamoDB: a lost response, the SDK's retry) must
     * make each item's write conditional on {@code chargeId}; the default, for stores whose writes are local and all
     * or nothing, settles all in one {@link #settleAll(String, List)} and reports every item failed when it throws,
     * except with a {@link BudgetWriteNotDurableException}: then every item is counted (its journal write pending), so
     * none is reported, or the next run would charge them again.
     */
    default List<String> chargeEachOnce(String chargeId, List<Settlement> settlements) {
        try {
            settleAll(chargeId, settlements);
            return List.of();
        } catch (BudgetWriteNotDurableException e) {
            return List.of(); // counted: the store writes its journal entry with its next commit that succeeds
        } catch (RuntimeException e) {
            return settlements.stream().map(Settlement::itemKey).toList();
        }
    }

    /** One item's part of a call's settlement: the reservation it replaces and the actual cost. */
    record Settlement(String itemKey, BigDecimal reserved, BigDecimal actual) {}

    /**
     * The split of one charge over several items (a batch's cost over a budget's shards, by their headroom) as its
     * first try planned it: keeps {@code plan} under {@code chargeId} unless a plan is kept there already, and returns
     * the kept one. A retry of a charge some of whose items failed ({@link #chargeEachOnce}) charges each item what the
     * first try planned, not a share worked out again from counters that now hold the first try's charges, so the items
     * together take the cost exactly. A store whose {@link #chargeEachOnce} is all or nothing (the local ledger, the
     * default's) has no partial charge to retry and need not keep it: the default returns {@code plan}.
     */
    default List<Settlement> planOnce(String chargeId, List<Settlement> plan) {
        return plan;
    }

    /** The item's counters, or empty when nothing was ever reserved or spent on it. */
    Optional<BudgetState> state(String itemKey);

    /**
     * Whether every call completes in this process in microseconds (an in-memory or file-backed ledger). The
     * enforcer then reserves a call's budgets one after another on the caller's thread; a remote store (the default)
     * gets its reservations in parallel, one network round trip for all.
     */
    default boolean inProcess() {
        return false;
    }

    /** Whether a reservation was granted, and the item's counters. */
    record ReserveResult(boolean granted, BudgetState state) {}
}
