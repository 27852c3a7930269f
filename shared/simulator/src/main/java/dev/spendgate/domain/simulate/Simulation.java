package dev.spendgate.domain.simulate;

import dev.spendgate.domain.budget.BudgetPolicy;
import dev.spendgate.domain.budget.BudgetPolicyStore;
import dev.spendgate.domain.keys.KeyStore;
import dev.spendgate.domain.keys.ProxyKey;
import dev.spendgate.domain.store.ObjectStore;
import dev.spendgate.domain.store.ObjectStoreException;
import dev.spendgate.domain.usage.UsageLayout;
import dev.spendgate.domain.usage.UsageLogWriter;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageSpool;
import java.time.Clock;
import java.time.YearMonth;
import java.util.List;
import java.util.Objects;

/**
 * Writes a simulated month where the gateway would: usage records through the {@link UsageLogWriter} into the usage
 * layout (one object per hour), the simulated keys and budgets into their stores, and the ground truth to
 * {@code simulate/YYYY-MM/ground-truth.json} in the object store.
 */
public final class Simulation {
    private Simulation() {}

    /** Where the ground truth of a simulated month goes in the object store. */
    public static String groundTruthKey(YearMonth month) {
        return "simulate/" + month + "/ground-truth.json";
    }

    /** The usage prefix of a month, e.g. {@code usage/v1/year=2026/month=10/}. */
    public static String monthPrefix(YearMonth month) {
        return String.format("%syear=%04d/month=%02d/", UsageLayout.ROOT, month.getYear(), month.getMonthValue());
    }

    /**
     * Runs the simulator and writes everything. Refuses (IllegalStateException) when the month already has usage, so
     * a month is never simulated twice into the same place. Keys and budgets that already exist are left as they are.
     */
    public static GroundTruth write(
            TrafficSimulator simulator,
            YearMonth month,
            ObjectStore store,
            KeyStore keyStore,
            BudgetPolicyStore policyStore,
            Clock clock,
            TrafficSimulator.Progress progress) {
        return write(simulator, month, store, keyStore, policyStore, clock, progress, r -> r);
    }

    /**
     * As above, with every record passed through {@code served} before it is written: a month as the gateway would
     * have recorded it under a policy ({@link GatewayPolicyReplay#apply}).
     */
    public static GroundTruth write(
            TrafficSimulator simulator,
            YearMonth month,
            ObjectStore store,
            KeyStore keyStore,
            BudgetPolicyStore policyStore,
            Clock clock,
            TrafficSimulator.Progress progress,
            java.util.function.UnaryOperator<UsageRecord> served) {
        Objects.requireNonNull(store, "store");
        if (!store.list(monthPrefix(month)).isEmpty()) {
            throw new IllegalStateException(
                    "the usage log already has records for " + month + "; simulate into an empty data directory");
        }
        for (ProxyKey key : simulator.keys()) {
            if (keyStore.findById(key.id()).isEmpty()) {
                keyStore.create(key);
            }
        }
        for (BudgetPolicy policy : simulator.policies()) {
            if (policyStore.find(policy.id()).isEmpty()) {
                policyStore.put(policy);
            }
        }
        UsageLogWriter writer = UsageLogWriter.create(store, NO_SPOOL, clock, Integer.MAX_VALUE);
        Failure failure = new Failure();
        writer.setListener(failure);
        String[] hour = {null};
        GroundTruth truth = simulator.run(
                (UsageRecord r) -> {
                    String h = UsageLayout.hourPrefix(r.tsStart());
                    if (!h.equals(hour[0])) {
                        flush(writer, failure);
                        hour[0] = h;
                    }
                    writer.append(served.apply(r));
                },
                progress);
        flush(writer, failure);
        store.put(groundTruthKey(month), truth.toJson());
        return truth;
    }

    private static void flush(UsageLogWriter writer, Failure failure) {
        writer.flush();
        if (failure.cause != null) {
            throw new ObjectStoreException("could not write simulated usage", failure.cause);
        }
    }

    private static final class Failure implements UsageLogWriter.FlushListener {
        RuntimeException cause;

        @Override
        public void storeFailed(String objectKey, RuntimeException e) {
            cause = e;
        }
    }

    /** A simulation has nowhere to spool: a failed write fails the run. */
    private static final UsageSpool NO_SPOOL = new UsageSpool() {
        @Override
        public void spill(SpooledBatch batch) {
            throw new IllegalStateException("no spool in a simulation");
        }

        @Override
        public List<SpooledBatch> pending(int max) {
            return List.of();
        }

        @Override
        public void remove(String objectKey) {}
    };
}
