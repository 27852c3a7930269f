package dev.spendgate.function.proxy.batch;

import dev.spendgate.domain.budget.BudgetDecision;
import dev.spendgate.domain.budget.BudgetPolicy;
import dev.spendgate.domain.budget.BudgetPolicyStore;
import dev.spendgate.domain.pricing.CallPricer;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.usage.BatchResultRecords;
import dev.spendgate.domain.usage.UsageLogWriter;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.function.proxy.Log;
import dev.spendgate.function.proxy.budget.BudgetGate;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Records a batch's results once: one usage record per result line at the batch tier ({@link BatchResultRecords}),
 * attributed to the batch's creator, skipping the {@code custom_id}s an earlier fetch recorded (kept durably by
 * {@link BatchStore}), and adds their cost to the creator's budgets.
 */
final class BatchResults {
    private final ReentrantLock recording = new ReentrantLock();
    private final BatchStore store;
    private final PricingCatalog pricing;
    private final UsageLogWriter usageLog;
    private final BudgetGate budgets;
    private final BudgetPolicyStore policies;
    private final Clock clock;

    BatchResults(
            BatchStore store,
            PricingCatalog pricing,
            UsageLogWriter usageLog,
            BudgetGate budgets,
            BudgetPolicyStore policies,
            Clock clock) {
        this.store = store;
        this.pricing = pricing;
        this.usageLog = usageLog;
        this.budgets = budgets;
        this.policies = policies;
        this.clock = clock;
    }

    /** Which results format: OpenAI batch output lines or Anthropic Message Batch results. */
    enum Format {
        OPENAI,
        ANTHROPIC
    }

    /** Records what was not recorded yet; returns how many records were added. */
    int record(BatchStore.Creator creator, Instant completedAt, byte[] jsonl, Format format) {
        // one batch's results at a time; a lock, not synchronized: appends and settlements may park (SnapshotGate),
        // which on Java 21-23 pins a virtual thread's carrier inside a monitor
        recording.lock();
        try {
            return recordLocked(creator, completedAt, jsonl, format);
        } finally {
            recording.unlock();
        }
    }

    private int recordLocked(BatchStore.Creator creator, Instant completedAt, byte[] jsonl, Format format) {
        BatchResultRecords.Batch batch = new BatchResultRecords.Batch(
                creator.batchId(),
                creator.pricingProvider(),
                creator.keyId(),
                creator.attribution(),
                creator.createdAt(),
                completedAt == null ? clock.instant() : completedAt,
                pricing.version());
        CallPricer pricer = CallPricer.create(pricing);
        List<UsageRecord> all = format == Format.OPENAI
                ? BatchResultRecords.openAi(jsonl, batch, pricer)
                : BatchResultRecords.anthropic(jsonl, batch, pricer);
        Set<String> recorded = store.recorded(creator.batchId());
        String prefix = creator.batchId() + "/";
        List<UsageRecord> fresh = new ArrayList<>();
        BigDecimal cost = BigDecimal.ZERO;
        for (UsageRecord r : all) {
            String customId = r.requestId().substring(prefix.length());
            if (recorded.add(customId)) {
                fresh.add(r);
                cost = r.costUsd() == null ? cost : cost.add(r.costUsd());
            }
        }
        if (fresh.isEmpty()) {
            return 0;
        }
        fresh.forEach(usageLog::append); // durable in the usage journal before the marker says so
        store.saveRecorded(creator.batchId(), recorded);
        charge(creator, cost);
        return fresh.size();
    }

    /** Adds the results' cost to every budget of the creator as spend (nothing was reserved for it). */
    private void charge(BatchStore.Creator creator, BigDecimal cost) {
        Instant now = clock.instant();
        List<BudgetDecision.Reservation> items = new ArrayList<>();
        try {
            for (BudgetPolicy policy : policies.list()) {
                String value = policy.scope().matchValue(creator.attribution(), creator.keyId());
                if (value != null) {
                    items.add(new BudgetDecision.Reservation(
                            policy, value, policy.shardKey(value, now, 0), BigDecimal.ZERO));
                }
            }
            if (!items.isEmpty()) {
                budgets.settle(
                        new BudgetDecision(
                                BudgetDecision.Outcome.ALLOW, null, BigDecimal.ZERO, items, null, false, null),
                        cost);
            }
        } catch (RuntimeException e) {
            // the records keep the cost; the ledger misses it until reconciled
            Log.error(null, "could not add batch " + creator.batchId() + " to its budgets", e);
        }
    }
}
