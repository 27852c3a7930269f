package dev.spendgate.bench;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.budget.BudgetLedger.Settlement;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.usage.UsageJournal;
import dev.spendgate.domain.usage.UsageLogWriter;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageRecord.PricingStatus;
import dev.spendgate.domain.usage.UsageRecord.UsageSource;
import dev.spendgate.embedded.FileBudgetLedger;
import dev.spendgate.embedded.FileSystemObjectStore;
import dev.spendgate.embedded.FileSystemUsageSpool;
import dev.spendgate.embedded.FileUsageJournal;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * CPU per call of the durable path, each part against the same part without its journal, on the calling threads
 * (thread CPU time, so other load on the machine does not count): a usage record appended with and without the
 * usage journal; a three-budget settlement of the local ledger (one journal entry), and a bare journal append of
 * the size of that entry, which is what the settlement's journal adds. Flushes run on the caller here, a worst case.
 *
 * <pre>java -cp ... dev.spendgate.bench.DurablePathBench [calls per thread] [threads]</pre>
 */
public final class DurablePathBench {
    private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();

    public static void main(String[] args) throws Exception {
        int calls = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 16;
        for (int round = 0; round < 3; round++) {
            report("usage append, no journal", calls, threads, dir -> appender(dir, false));
            report("usage append, journal", calls, threads, dir -> appender(dir, true));
            report("3-budget settle (journaled)", calls, threads, DurablePathBench::settler);
            report("journal append alone, 150 B", calls, threads, DurablePathBench::journalOnly);
        }
    }

    interface Setup {
        Runnable create(Path dir) throws Exception;
    }

    private static void report(String what, int calls, int threads, Setup setup) throws Exception {
        Path dir = Files.createTempDirectory("durable-bench");
        Runnable call = setup.create(dir);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        int perThread = calls / threads;
        List<Future<Long>> cpu = new java.util.ArrayList<>();
        long wall = System.nanoTime();
        for (int t = 0; t < threads; t++) {
            cpu.add(pool.submit(() -> {
                long start = CPU.getCurrentThreadCpuTime();
                for (int i = 0; i < perThread; i++) {
                    call.run();
                }
                return CPU.getCurrentThreadCpuTime() - start;
            }));
        }
        long total = 0;
        for (Future<Long> f : cpu) {
            total += f.get();
        }
        wall = System.nanoTime() - wall;
        pool.shutdown();
        System.out.printf(
                "RESULT %-30s calls=%d threads=%d cpu_us_per_call=%.2f wall_us_per_call=%.2f%n",
                what,
                perThread * threads,
                threads,
                total / 1000.0 / (perThread * threads),
                wall / 1000.0 / (perThread * threads));
    }

    private static Runnable appender(Path dir, boolean journaled) {
        UsageLogWriter writer = UsageLogWriter.create(
                new FileSystemObjectStore(dir),
                new FileSystemUsageSpool(dir.resolve("spool")),
                journaled ? new FileUsageJournal(dir.resolve("journal"), Clock.systemUTC(), false) : UsageJournal.NONE,
                Clock.systemUTC(),
                500);
        UsageRecord record = UsageRecord.builder()
                .requestId("8a6e0c1e-4f1b-4c5e-9a57-1f0c2b0e7d11")
                .tsStart(Instant.now())
                .tsEnd(Instant.now())
                .keyId("key_1")
                .attribution(new Attribution("chatbot", "engineering", "support", "prod", "s-1", null, null))
                .provider("openai")
                .endpoint("chat.completions")
                .modelRequested("gpt-4o-mini")
                .modelServed("gpt-4o-mini-2024-07-18")
                .statusCode(200)
                .tokens(TokenUsage.openAi(1200, 200, 80, 0))
                .costUsd(new BigDecimal("0.000228"))
                .pricingStatus(PricingStatus.PRICED)
                .pricingVersion("2026-11-28")
                .usageSource(UsageSource.PROVIDER)
                .build();
        return () -> writer.append(record);
    }

    private static Runnable settler(Path dir) {
        FileBudgetLedger ledger = new FileBudgetLedger(dir.resolve("ledger.json"));
        List<Settlement> settlements = List.of(
                new Settlement("budget#global#2026-12-03", BigDecimal.ZERO, new BigDecimal("0.000228")),
                new Settlement("budget#feature:chatbot#2026-12-03", BigDecimal.ZERO, new BigDecimal("0.000228")),
                new Settlement("budget#department:engineering#2026-12", BigDecimal.ZERO, new BigDecimal("0.000228")));
        return () -> ledger.settleAll(settlements);
    }

    private static Runnable journalOnly(Path dir) {
        FileUsageJournal journal = new FileUsageJournal(dir, Clock.systemUTC(), false);
        byte[] line = ("{\"seq\":123456,\"items\":[{\"key\":\"budget#global#2026-12-03\",\"actual\":\"0.000228\"},"
                        + "{\"key\":\"budget#feature:chatbot#2026-12-03\",\"actual\":\"0.000228\"}]}\n")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return () -> journal.append(line);
    }
}
