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
import dev.spendgate.function.proxy.usage.TokenCounter;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
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

    BatchResults(
            BatchStore store,
            PricingCatalog pricing,
            UsageLogWriter usageLog,
            BudgetGate budgets,
            BudgetPolicyStore policies) {
        this.store = store;
        this.pricing = pricing;
        this.usageLog = usageLog;
        this.budgets = budgets;
        this.policies = policies;
    }

    /** Which results format: OpenAI batch output lines or Anthropic Message Batch results. */
    enum Format {
        OPENAI,
        ANTHROPIC
    }

    /**
     * What {@link #record} did: the records it added, and whether the results are settled (charged to every budget and
     * marked recorded, or nothing new); unsettled ones are charged and marked at the next fetch or sweep.
     */
    record Recorded(int added, boolean settled) {}

    /**
     * Records what was not recorded yet, ended (and charged) at {@code completedAt}, the same instant on every fetch.
     */
    Recorded record(BatchStore.Creator creator, Instant completedAt, byte[] jsonl, Format format) {
        // one batch's results at a time; a lock, not synchronized: appends and settlements may park (SnapshotGate),
        // which on Java 21-23 pins a virtual thread's carrier inside a monitor
        recording.lock();
        try {
            return recordLocked(creator, completedAt, jsonl, format);
        } finally {
            recording.unlock();
        }
    }

    private Recorded recordLocked(BatchStore.Creator creator, Instant completedAt, byte[] jsonl, Format format) {
        BatchResultRecords.Batch batch = new BatchResultRecords.Batch(
                creator.batchId(),
                creator.pricingProvider(),
                creator.keyId(),
                creator.attribution(),
                creator.createdAt(),
                completedAt,
                pricing.version());
        CallPricer pricer = CallPricer.create(pricing);
        List<UsageRecord> all = format == Format.OPENAI
                ? BatchResultRecords.openAi(jsonl, batch, pricer, TokenCounter::count)
                : BatchResultRecords.anthropic(jsonl, batch, pricer, TokenCounter::count);
        Set<String> recorded = store.recorded(creator.batchId());
        String prefix = creator.batchId() + "/";
        List<UsageRecord> fresh = new ArrayList<>();
        BigDecimal cost = BigDecimal.ZERO;
        for (UsageRecord r : all) {
            String customId = r.requestId().substring(prefix.length());
            if (recorded.add(customId)) {
                fresh.add(r);
                cost = cost.add(charge(r, creator));
            }
        }
        if (fresh.isEmpty()) {
            return new Recorded(0, true);
        }
        fresh.forEach(usageLog::append);
        // charged first, whether or not the records are stored yet: the provider has billed them, and a batch whose
        // results are fetched only once must still count against its budgets. A later fetch that finds the same
        // results unmarked charges them under the same id to the same items (those of the batch's end, kept, not of
        // this fetch, which may fall on another day), and each item takes the id once.
        boolean charged = charged(
                "batch " + creator.batchId(),
                creator.keyId(),
                creator.attribution(),
                cost,
                chargeId(creator.batchId(), fresh, prefix),
                completedAt);
        if (!durable()) {
            // not marked: the next fetch appends them again (readers drop the repeated ids)
            Log.warn(
                    null,
                    "batch " + creator.batchId() + ": " + fresh.size()
                            + " result records not yet stored; they are recorded again at the next fetch");
            return new Recorded(fresh.size(), false);
        }
        if (charged) {
            store.saveRecorded(creator.batchId(), recorded);
        }
        return new Recorded(fresh.size(), charged);
    }

    /**
     * What a result line adds to its budgets: its cost; for a line the provider billed whose cost is unknown (unpriced:
     * a count missing, the line unreadable, a model without a batch price) the batch's worst case per request, as a
     * live unpriced call keeps its worst case as spend, so an enforced budget never counts it free (nothing when that
     * worst case is unknown too); nothing for a line not billed.
     */
    static BigDecimal charge(UsageRecord r, BatchStore.Creator creator) {
        if (r.costUsd() != null) {
            return r.costUsd();
        }
        if (r.pricingStatus() == UsageRecord.PricingStatus.UNPRICED && creator.lineWorstCaseUsd() != null) {
            return creator.lineWorstCaseUsd();
        }
        return BigDecimal.ZERO;
    }

    /**
     * Whether the appended records are durable before the marker says they are recorded: in the usage journal where
     * there is one (the local gateway), else stored by a flush now (on Lambda the buffer lives only as long as the
     * execution environment, which may end with the invocation).
     */
    private boolean durable() {
        if (usageLog.journaled()) {
            return true;
        }
        return usageLog.flushSaved();
    }

    /**
     * Charges a batch create no provider batch was found for ({@link PendingBatchCreates}) its worst case, as spend in
     * the period of {@code at}, once (by the entry's id); nothing when that worst case is unknown. Returns whether
     * every budget item took it.
     */
    boolean chargeUnmatchedCreate(PendingBatchCreates.Entry e, Instant at) {
        if (e.worstCaseUsd() == null) {
            return true;
        }
        return charged(
                "batch create " + e.id(), e.keyId(), e.attribution(), e.worstCaseUsd(), "batch-create#" + e.id(), at);
    }

    /**
     * Adds {@code cost} to every budget of the creator as spend (nothing was reserved for it), in the period of
     * {@code at}; returns whether every item took it.
     */
    private boolean charged(
            String what,
            String keyId,
            dev.spendgate.domain.attribution.Attribution attribution,
            BigDecimal cost,
            String chargeId,
            Instant at) {
        if (cost.signum() == 0) {
            return true;
        }
        Instant now = at;
        List<BudgetDecision.Reservation> items = new ArrayList<>();
        try {
            for (BudgetPolicy stored : policies.list()) {
                BudgetPolicy policy = stored.inForceAt(now);
                String value = policy.scope().matchValue(attribution, keyId);
                if (value != null) {
                    items.add(new BudgetDecision.Reservation(
                            policy, value, policy.shardKey(value, now, 0), BigDecimal.ZERO));
                }
            }
            List<String> failed = items.isEmpty() ? List.of() : budgets.chargeOnce(chargeId, items, cost);
            if (!failed.isEmpty()) {
                Log.warn(null, "could not add " + what + " to budget items " + failed + "; the next fetch will");
            }
            return failed.isEmpty();
        } catch (RuntimeException e) {
            Log.error(null, "could not add " + what + " to its budgets", e);
            return false;
        }
    }

    /** The same for every fetch that finds the same results not yet recorded: the batch and their custom ids. */
    private static String chargeId(String batchId, List<UsageRecord> fresh, String prefix) {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        fresh.stream()
                .map(r -> r.requestId().substring(prefix.length()))
                .sorted()
                .forEach(id -> sha.update((id + "\n").getBytes(StandardCharsets.UTF_8)));
        return "batch#" + batchId + "#" + HexFormat.of().formatHex(sha.digest(), 0, 8);
    }
}
