package dev.spendgate.domain.budget;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;

/**
 * The shard limit of a budget set anew mid-period ({@link BudgetPolicy#countInForceUnknown}): created, or set again
 * after a delete, so the period's spend so far may sit on the items of another shard count (a $10 monthly budget with
 * $9 on its one item, deleted and set again with four shards, would otherwise admit $2.50 on each of three empty
 * shards). From the items the ledger holds for the period (shard 0 to {@link BudgetPolicy#MAX_SHARDS} - 1), it finds
 * the largest level {@code x} such that the policy's {@code N} shards filled up to {@code x} (those holding more stay
 * as they are), plus the items beyond {@code N}, hold at most the limit: each shard then takes reservations up to
 * {@code x}. With every item at most {@code limit / N} (the usual case: nothing or the same count before) that is
 * {@code limit / N}. Spend made under this level does not change it, so instances that work it out at different times
 * agree. Worked out once per budget item, period and limit in this process; the items are read on the caller's thread
 * for an in-process ledger, in parallel otherwise.
 */
final class SpreadShardLimits {
    private static final int MAX_CACHED = 100_000;

    private final BudgetLedger ledger;
    private final ExecutorService executor;
    private final Map<String, BigDecimal> limits = new ConcurrentHashMap<>();

    SpreadShardLimits(BudgetLedger ledger, ExecutorService executor) {
        this.ledger = ledger;
        this.executor = executor;
    }

    /** The limit each of the policy's shards takes reservations up to, for {@code scopeValue} at {@code now}. */
    BigDecimal limit(BudgetPolicy policy, String scopeValue, Instant now) {
        String key = policy.shardKey(scopeValue, now, 0) + "/" + policy.shards() + "/"
                + policy.limitUsd().toPlainString();
        BigDecimal known = limits.get(key);
        if (known != null) {
            return known;
        }
        BigDecimal limit = level(policy, committed(policy, scopeValue, now));
        if (limits.size() > MAX_CACHED) {
            limits.clear();
        }
        limits.put(key, limit);
        return limit;
    }

    private BigDecimal[] committed(BudgetPolicy policy, String scopeValue, Instant now) {
        BigDecimal[] committed = new BigDecimal[BudgetPolicy.MAX_SHARDS];
        if (executor == null) {
            for (int i = 0; i < committed.length; i++) {
                committed[i] = read(policy.shardKey(scopeValue, now, i));
            }
            return committed;
        }
        List<CompletableFuture<BigDecimal>> reads = new ArrayList<>(committed.length);
        for (int i = 0; i < committed.length; i++) {
            String item = policy.shardKey(scopeValue, now, i);
            reads.add(CompletableFuture.supplyAsync(() -> read(item), executor));
        }
        for (int i = 0; i < committed.length; i++) {
            committed[i] = reads.get(i).join();
        }
        return committed;
    }

    private BigDecimal read(String item) {
        return ledger.state(item).map(BudgetState::committed).orElse(BigDecimal.ZERO);
    }

    /** Water-filling: the largest x with sum(max(c_i, x)) over the N shards, plus the items beyond, within the limit. */
    static BigDecimal level(BudgetPolicy policy, BigDecimal[] committed) {
        int n = policy.shards();
        BigDecimal available = policy.limitUsd();
        for (int i = n; i < committed.length; i++) {
            available = available.subtract(committed[i]);
        }
        BigDecimal[] own = Arrays.copyOf(committed, n);
        Arrays.sort(own);
        BigDecimal above = BigDecimal.ZERO; // the shards already past the level, kept as they are
        for (int below = n; below >= 1; below--) {
            BigDecimal x = available.subtract(above).divide(BigDecimal.valueOf(below), 9, RoundingMode.DOWN);
            if (x.compareTo(own[below - 1]) >= 0) {
                return x.signum() < 0 ? BigDecimal.ZERO : x.min(policy.shardLimit());
            }
            above = above.add(own[below - 1]);
        }
        return BigDecimal.ZERO;
    }
}
