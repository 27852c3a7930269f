package dev.spendgate.bench;

import dev.spendgate.aws.dynamodb.DynamoDbBudgetLedger;
import dev.spendgate.aws.dynamodb.DynamoDbTables;
import dev.spendgate.domain.budget.BudgetLedger;
import dev.spendgate.embedded.FileBudgetLedger;
import dev.spendgate.testing.aws.LocalDynamoDb;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;

/**
 * Reservations per second on one hot budget item: each operation is a reserve (the atomic conditional write) and
 * its settle, from 1, 8 and 32 threads, against the embedded ledger and against dynalite (DynamoDB's wire protocol in
 * one local node process; real DynamoDB caps one item at about 1,000 writes per second, see the README's scale note).
 *
 * <pre>
 * bench/budgets.sh [--seconds 5] [--threads 1,8,32]
 * </pre>
 */
public final class BudgetLedgerBench {
    private static final BigDecimal LIMIT = new BigDecimal("1000000000");
    private static final BigDecimal RESERVE = new BigDecimal("0.0092");
    private static final BigDecimal ACTUAL = new BigDecimal("0.0081");

    private BudgetLedgerBench() {}

    public static void main(String[] args) throws Exception {
        int seconds = 5;
        int[] threads = {1, 8, 32};
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--seconds" -> seconds = Integer.parseInt(args[++i]);
                case "--threads" ->
                    threads = Arrays.stream(args[++i].split(","))
                            .mapToInt(Integer::parseInt)
                            .toArray();
                default ->
                    throw new IllegalArgumentException("unknown option " + args[i] + " (--seconds N --threads 1,8,32)");
            }
        }
        if (seconds < 1 || seconds > 60) {
            throw new IllegalArgumentException("--seconds must be 1..60");
        }
        try (FileBudgetLedger embedded =
                new FileBudgetLedger(Files.createTempDirectory("ledger").resolve("ledger.json"))) {
            for (int t : threads) {
                print("embedded", t, run(embedded, "hot-" + t, t, seconds));
            }
        }
        try (LocalDynamoDb dynalite = LocalDynamoDb.start()) {
            String table = LocalDynamoDb.uniqueTableName("bench");
            DynamoDbTables.createBudgetsTable(dynalite.client(), table);
            BudgetLedger ledger = new DynamoDbBudgetLedger(dynalite.client(), table);
            for (int t : threads) {
                print("dynalite", t, run(ledger, "hot-" + t, t, seconds));
            }
        }
    }

    private static Result run(BudgetLedger ledger, String item, int threads, int seconds) throws InterruptedException {
        // warm-up: a second of the same work, not measured
        measure(ledger, item, threads, 1);
        return measure(ledger, item, threads, seconds);
    }

    private static Result measure(BudgetLedger ledger, String item, int threads, int seconds)
            throws InterruptedException {
        CountDownLatch start = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(threads);
        List<long[]> samples = new ArrayList<>();
        long[] counts = new long[threads];
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        for (int t = 0; t < threads; t++) {
            long[] mine = new long[200_000];
            samples.add(mine);
            int index = t;
            Thread worker = new Thread(() -> {
                try {
                    start.await();
                    int n = 0;
                    while (System.nanoTime() < end && n < mine.length) {
                        long t0 = System.nanoTime();
                        if (!ledger.reserve(item, LIMIT, RESERVE).granted()) {
                            throw new IllegalStateException("refused under a huge limit");
                        }
                        mine[n++] = System.nanoTime() - t0;
                        ledger.settle(item, RESERVE, ACTUAL);
                    }
                    counts[index] = n;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    done.countDown();
                }
            });
            worker.start();
        }
        long t0 = System.nanoTime();
        start.countDown();
        done.await();
        double elapsed = (System.nanoTime() - t0) / 1e9;
        long total = Arrays.stream(counts).sum();
        long[] all = new long[(int) total];
        int k = 0;
        for (int t = 0; t < threads; t++) {
            System.arraycopy(samples.get(t), 0, all, k, (int) counts[t]);
            k += (int) counts[t];
        }
        Arrays.sort(all);
        return new Result(total / elapsed, pct(all, 0.5), pct(all, 0.99));
    }

    private static double pct(long[] sorted, double p) {
        return sorted.length == 0 ? Double.NaN : sorted[(int) Math.min(sorted.length - 1, p * sorted.length)] / 1e6;
    }

    private static void print(String ledger, int threads, Result r) {
        System.out.printf(
                Locale.ROOT,
                "RESULT ledger=%s threads=%d reserve_settle_per_s=%.0f reserve_p50_ms=%.3f reserve_p99_ms=%.3f%n",
                ledger,
                threads,
                r.perSecond,
                r.p50,
                r.p99);
    }

    private record Result(double perSecond, double p50, double p99) {}
}
