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
 * its own JVM with the heap cap under test ({@code bench/waste.sh} uses -Xmx512m and one CPU). {@code repack} writes
 * the same records as a few large objects ({@code --days} days of hourly objects each, one gzip stream, under the
 * first day's hour 00), as Firehose's largest objects are; {@code analyze --fetch-ahead 8} reads as the waste Lambda
 * does ({@code --bytes-ahead N}: the budget of fetched bytes, default the reader's).
 *
 * <pre>
 *   WasteBench generate --records 1000000 --dir /tmp/waste-1m [--seed 1]
 *   WasteBench repack --dir /tmp/waste-1m --out /tmp/waste-1m-large --days 5
 *   WasteBench analyze --dir /tmp/waste-1m [--fetch-ahead 8] [--bytes-ahead 268435456]
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
            case "analyze" ->
                analyze(
                        dir,
                        Integer.parseInt(option(args, "--fetch-ahead", "1")),
                        Long.parseLong(option(args, "--bytes-ahead", "0")));
            case "gunzip" -> gunzip(dir);
            case "repack" ->
                repack(
                        dir,
                        Path.of(option(args, "--out", dir + "-large")),
                        Integer.parseInt(option(args, "--days", "5")));
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

    /**
     * The share of the read's decoding that stays on one thread when the reader fetches ahead: gunzip and cutting
     * lines, against gunzip, lines and parsing each line into a record, both on this one thread over every object.
     */
    private static void gunzip(Path dir) throws Exception {
        FileSystemObjectStore store = new FileSystemObjectStore(dir);
        for (int round = 1; round <= 2; round++) {
            long lines = 0;
            long start = System.nanoTime();
            for (String key : store.list("usage/")) {
                try (var in = new java.io.BufferedReader(
                        new java.io.InputStreamReader(
                                new java.util.zip.GZIPInputStream(
                                        store.open(key).orElseThrow(), 16384),
                                java.nio.charset.StandardCharsets.UTF_8),
                        16384)) {
                    while (in.readLine() != null) {
                        lines++;
                    }
                }
            }
            double gunzip = (System.nanoTime() - start) / 1e9;
            long records = 0;
            start = System.nanoTime();
            for (String key : store.list("usage/")) {
                try (var in = new java.io.BufferedReader(
                        new java.io.InputStreamReader(
                                new java.util.zip.GZIPInputStream(
                                        store.open(key).orElseThrow(), 16384),
                                java.nio.charset.StandardCharsets.UTF_8),
                        16384)) {
                    for (String line = in.readLine(); line != null; line = in.readLine()) {
                        if (dev.spendgate.domain.usage.UsageRecordCodec.read(line) != null) {
                            records++;
                        }
                    }
                }
            }
            double parse = (System.nanoTime() - start) / 1e9;
            System.out.printf(
                    "RESULT gunzip round=%d lines=%d gunzip_lines_s=%.2f us_per_line=%.2f with_parse_s=%.2f"
                            + " us_per_record=%.2f records=%d%n",
                    round, lines, gunzip, gunzip * 1e6 / lines, parse, parse * 1e6 / records, records);
        }
    }

    private static void repack(Path dir, Path out, int daysPerObject) throws Exception {
        FileSystemObjectStore from = new FileSystemObjectStore(dir);
        FileSystemObjectStore to = new FileSystemObjectStore(out);
        for (String key : from.list("")) {
            if (!key.startsWith("usage/")) {
                to.put(key, from.get(key).orElseThrow());
            }
        }
        long start = System.nanoTime();
        for (int first = 1; first <= MONTH.lengthOfMonth(); first += daysPerObject) {
            java.time.LocalDate day = MONTH.atDay(first);
            String key = dev.spendgate.domain.usage.UsageLayout.dayPrefix(
                            day.atStartOfDay(ZoneOffset.UTC).toInstant())
                    + "hour=00/repacked-" + day + ".ndjson.gz";
            Path file = out.resolve(key);
            Files.createDirectories(file.getParent());
            long lines = 0;
            try (var gzip = new java.util.zip.GZIPOutputStream(Files.newOutputStream(file), 65536)) {
                for (int d = first; d < first + daysPerObject && d <= MONTH.lengthOfMonth(); d++) {
                    String prefix = dev.spendgate.domain.usage.UsageLayout.dayPrefix(
                            MONTH.atDay(d).atStartOfDay(ZoneOffset.UTC).toInstant());
                    for (String part : from.list(prefix)) {
                        try (var in = new java.util.zip.GZIPInputStream(
                                from.open(part).orElseThrow(), 65536)) {
                            in.transferTo(gzip);
                        }
                    }
                }
            }
            System.out.printf("repack: %s %,d bytes%n", key, Files.size(file));
        }
        System.out.printf("repack: %s in %.1f s%n", out, (System.nanoTime() - start) / 1e9);
    }

    private static void analyze(Path dir, int fetchAhead, long bytesAhead) throws Exception {
        WasteWindow window = new WasteWindow(
                MONTH.atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant(),
                MONTH.plusMonths(1).atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant());
        Governance governance = new Governance(
                new FileKeyStore(dir.resolve("keys.json")).list(),
                new FileBudgetPolicyStore(dir.resolve("budgets").resolve("policies.json")).list());
        WasteAnalyzer analyzer =
                WasteAnalyzer.create(PricingCatalog.bundled(), governance, Clock.fixed(window.to(), ZoneOffset.UTC));
        if (bytesAhead > 0) { // not on the code before the budget: reflection keeps this bench compiling there
            analyzer = (WasteAnalyzer)
                    WasteAnalyzer.class.getMethod("withBytesAhead", long.class).invoke(analyzer, bytesAhead);
        }
        System.gc();
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            pool.resetPeakUsage();
        }
        long cpuStart = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
        long start = System.nanoTime();
        WasteReport report = analyzer.analyze(new FileSystemObjectStore(dir), window, fetchAhead);
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
                        + " max_heap_mb=%.0f cpus=%d findings=%d skipped=%d fetch_ahead=%d wall_s=%.1f"
                        + " findings_sha256=%s%n",
                n,
                n / seconds,
                n / seconds * 60,
                peak / 1048576.0,
                retained / 1048576.0,
                Runtime.getRuntime().maxMemory() / 1048576.0,
                Runtime.getRuntime().availableProcessors(),
                report.findings().size(),
                report.skippedInput(),
                fetchAhead,
                seconds,
                java.util.HexFormat.of()
                        .formatHex(java.security.MessageDigest.getInstance("SHA-256")
                                .digest(dev.spendgate.domain.waste.WasteReportJson.toBytes(report)))
                        .substring(0, 16));
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
