package dev.spendgate.bench;

import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.simulate.GroundTruth;
import dev.spendgate.domain.simulate.Simulation;
import dev.spendgate.domain.simulate.TrafficSimulator;
import dev.spendgate.domain.waste.Governance;
import dev.spendgate.domain.waste.WasteAnalyzer;
import dev.spendgate.domain.waste.WasteReport;
import dev.spendgate.domain.waste.WasteWindow;
import dev.spendgate.embedded.FileBudgetPolicyStore;
import dev.spendgate.embedded.FileKeyStore;
import dev.spendgate.embedded.FileSystemObjectStore;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.YearMonth;
import java.time.ZoneOffset;

/**
 * Waste detection throughput and memory: {@code generate} writes a simulated month of N calls to a directory (not
 * timed); {@code analyze} runs the five detectors over it and prints records/s and peak heap. Run {@code analyze} in
 * its own JVM with the heap cap under test ({@code bench/waste.sh} uses -Xmx512m and one CPU).
 *
 * <pre>
 *   WasteBench generate --records 1000000 --dir /tmp/waste-1m [--seed 1]
 *   WasteBench analyze --dir /tmp/waste-1m
 * </pre>
 */
public final class WasteBench {
    private static final YearMonth MONTH = YearMonth.of(2026, 10);

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            throw new IllegalArgumentException("usage: WasteBench generate|analyze --dir DIR [--records N] [--seed S]");
        }
        Path dir = Path.of(option(args, "--dir", "/tmp/spendgate-waste-bench"));
        switch (args[0]) {
            case "generate" ->
                generate(
                        dir,
                        Long.parseLong(option(args, "--records", "1000000")),
                        Long.parseLong(option(args, "--seed", "1")));
            case "analyze" -> analyze(dir);
            default -> throw new IllegalArgumentException("unknown mode " + args[0]);
        }
    }

    private static void generate(Path dir, long records, long seed) throws Exception {
        if (Files.exists(dir.resolve(Simulation.groundTruthKey(MONTH)))) {
            System.out.println("generate: " + dir + " already holds a simulated month; reusing it");
            return;
        }
        long start = System.nanoTime();
        TrafficSimulator simulator = TrafficSimulator.create(
                PricingCatalog.bundled(), new TrafficSimulator.Settings(MONTH, seed, records, false));
        GroundTruth truth = Simulation.write(
                simulator,
                MONTH,
                new FileSystemObjectStore(dir),
                new FileKeyStore(dir.resolve("keys.json")),
                new FileBudgetPolicyStore(dir.resolve("budgets").resolve("policies.json")),
                Clock.systemUTC(),
                (day, n) -> {
                    if (day.getDayOfMonth() % 5 == 0) {
                        System.out.printf("generate: %s, %,d records%n", day, n);
                    }
                });
        System.out.printf(
                "generate: %,d records in %s in %.1f s%n", truth.records(), dir, (System.nanoTime() - start) / 1e9);
    }

    private static void analyze(Path dir) {
        WasteWindow window = new WasteWindow(
                MONTH.atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant(),
                MONTH.plusMonths(1).atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant());
        Governance governance = new Governance(
                new FileKeyStore(dir.resolve("keys.json")).list(),
                new FileBudgetPolicyStore(dir.resolve("budgets").resolve("policies.json")).list());
        WasteAnalyzer analyzer = WasteAnalyzer.create(PricingCatalog.bundled(), governance, Clock.systemUTC());
        System.gc();
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            pool.resetPeakUsage();
        }
        long cpuStart = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
        long start = System.nanoTime();
        WasteReport report = analyzer.analyze(new FileSystemObjectStore(dir), window);
        double seconds = (System.nanoTime() - start) / 1e9;
        double cpuSeconds = (ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime() - cpuStart) / 1e9;
        long peak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                peak += pool.getPeakUsage().getUsed();
            }
        }
        System.gc();
        long retained = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        long n = report.callsAnalysed();
        System.out.printf(
                "analyze: %,d records, %d objects, %.1f s wall, %.1f s CPU of the reading thread%n",
                n, report.input().objects(), seconds, cpuSeconds);
        System.out.printf(
                "RESULT records=%d records_per_s=%.0f records_per_min=%.0f peak_heap_mb=%.0f heap_after_gc_mb=%.0f"
                        + " max_heap_mb=%.0f cpus=%d findings=%d skipped=%d%n",
                n,
                n / seconds,
                n / seconds * 60,
                peak / 1048576.0,
                retained / 1048576.0,
                Runtime.getRuntime().maxMemory() / 1048576.0,
                Runtime.getRuntime().availableProcessors(),
                report.findings().size(),
                report.skippedInput());
    }

    private static String option(String[] args, String name, String fallback) {
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals(name)) {
                return args[i + 1];
            }
        }
        return fallback;
    }
}
