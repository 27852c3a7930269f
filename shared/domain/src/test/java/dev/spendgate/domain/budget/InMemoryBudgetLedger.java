package dev.spendgate.domain.budget;

import java.math.BigDecimal;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link BudgetLedger} in memory with the same atomic semantics as the real ones (checked by
 * {@code BudgetLedgerContract} in shared/testing), plus a switch that makes every call fail as an unreachable store
 * would.
 */
public final class InMemoryBudgetLedger implements BudgetLedger {
    private final ConcurrentHashMap<String, BudgetState> items = new ConcurrentHashMap<>();
    private final boolean inProcess;
    private final AtomicInteger calls = new AtomicInteger();
    private volatile boolean down;

    private InMemoryBudgetLedger(boolean inProcess) {
        this.inProcess = inProcess;
    }

    /** Reports itself as in-process, as the file ledger does: the enforcer reserves on the caller's thread. */
    public static InMemoryBudgetLedger create() {
        return new InMemoryBudgetLedger(true);
    }

    /** Reports itself as remote, as DynamoDB does: the enforcer reserves a call's items in parallel. */
    public static InMemoryBudgetLedger remote() {
        return new InMemoryBudgetLedger(false);
    }

    /** From now on every call throws {@link BudgetStoreException} ({@code true}) or works again ({@code false}). */
    public void down(boolean down) {
        this.down = down;
    }

    /** How many reserve, release and settle calls reached the ledger. */
    public int calls() {
        return calls.get();
    }

    @Override
    public ReserveResult reserve(String itemKey, BigDecimal limit, BigDecimal amount) {
        Objects.requireNonNull(limit, "limit");
        if (limit.signum() < 0) {
            throw new IllegalArgumentException("limit must not be negative, got " + limit.toPlainString());
        }
        check(itemKey, amount);
        ReserveResult[] result = new ReserveResult[1];
        items.compute(itemKey, (k, s) -> {
            BudgetState state = s == null ? BudgetState.EMPTY : s;
            if (state.committed().add(amount).compareTo(limit) > 0) {
                result[0] = new ReserveResult(false, state);
                return s;
            }
            BudgetState next = new BudgetState(
                    state.spent(),
                    state.reserved().add(amount),
                    state.committed().add(amount));
            result[0] = new ReserveResult(true, next);
            return next;
        });
        return result[0];
    }

    @Override
    public void release(String itemKey, BigDecimal reserved) {
        check(itemKey, reserved);
        items.computeIfPresent(
                itemKey,
                (k, s) -> new BudgetState(
                        s.spent(),
                        s.reserved().subtract(reserved),
                        s.committed().subtract(reserved)));
    }

    @Override
    public BudgetState settle(String itemKey, BigDecimal reserved, BigDecimal actual) {
        check(itemKey, reserved);
        check(itemKey, actual);
        return items.compute(itemKey, (k, s) -> {
            BudgetState state = s == null ? BudgetState.EMPTY : s;
            return new BudgetState(
                    state.spent().add(actual),
                    state.reserved().subtract(reserved),
                    state.committed().subtract(reserved).add(actual));
        });
    }

    @Override
    public Optional<BudgetState> state(String itemKey) {
        Objects.requireNonNull(itemKey, "itemKey");
        return Optional.ofNullable(items.get(itemKey));
    }

    @Override
    public boolean inProcess() {
        return inProcess;
    }

    private void check(String itemKey, BigDecimal amount) {
        Objects.requireNonNull(itemKey, "itemKey");
        Objects.requireNonNull(amount, "amount");
        if (amount.signum() < 0) {
            throw new IllegalArgumentException("amount must not be negative, got " + amount.toPlainString());
        }
        if (down) {
            throw new BudgetStoreException("budget ledger is down (test switch)", null);
        }
        calls.incrementAndGet();
    }
}
