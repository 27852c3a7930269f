package dev.spendgate.bench;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.budget.BudgetPeriod;
import dev.spendgate.domain.budget.BudgetPolicy;
import dev.spendgate.domain.budget.BudgetScope;
import dev.spendgate.domain.pricing.ModelPrice;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.report.ChargebackRules;
import dev.spendgate.domain.report.MailTransport;
import dev.spendgate.domain.report.MonthlyUsageSource;
import dev.spendgate.domain.usage.UsageLayout;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageRecordCodec;
import dev.spendgate.embedded.FileSystemObjectStore;
import dev.spendgate.report.MonthlyReport;
import dev.spendgate.report.focus.FocusCsvWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.GZIPOutputStream;

/**
 * A month of usage (default one million calls) to every report output: FOCUS CSV, chargeback, board PDF and the
 * composed email (handed to a transport that only counts bytes). The month is generated first, as the gateway writes
 * it (gzip NDJSON, one object per hour, real catalog prices), and is not part of the timed report.
 *
 * <pre>
 * bench/report.sh [--calls 1000000] [--dir DIR] [--keep]
 * </pre>
 */
public final class ReportBench {
    static final YearMonth MONTH = YearMonth.of(2026, 11);
    static final String[][] MODELS = {
        {"openai", "gpt-4o"},
        {"openai", "gpt-4o-mini"},
        {"openai", "gpt-4.1"},
        {"openai", "gpt-4.1-mini"},
        {"openai", "gpt-5"},
        {"openai", "gpt-5-mini"},
        {"openai", "o4-mini"},
        {"openai", "text-embedding-3-small"},
        {"anthropic", "claude-sonnet-4-5-20250929"},
        {"anthropic", "claude-haiku-4-5-20251001"},
        {"anthropic", "claude-opus-4-5"},
        {"bedrock", "us.anthropic.claude-sonnet-4-20250514-v1:0"}
    };
    static final String[] DEPARTMENTS = {"support", "sales", "eng", "marketing", "legal", "finance", "hr", "platform"};

    private ReportBench() {}

    public static void main(String[] args) throws Exception {
        int calls = 1_000_000;
        Path dir = null;
        boolean keep = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--calls" -> calls = Integer.parseInt(args[++i]);
                case "--dir" -> dir = Path.of(args[++i]);
                case "--keep" -> keep = true;
                default ->
                    throw new IllegalArgumentException("unknown option " + args[i] + " (--calls N --dir D --keep)");
            }
        }
        Path data = dir != null ? dir : Files.createTempDirectory("report-bench");
        long g0 = System.nanoTime();
        BigDecimal total = generate(data, calls);
        double generateSeconds = (System.nanoTime() - g0) / 1e9;
        System.out.printf(
                Locale.ROOT,
                "generated %,d calls (%s USD) in %.1f s into %s%n",
                calls,
                total.toPlainString(),
                generateSeconds,
                data);
        System.gc();
        for (var pool : ManagementFactory.getMemoryPoolMXBeans()) {
            pool.resetPeakUsage();
        }

        FileSystemObjectStore store = new FileSystemObjectStore(data);
        Path out = data.resolve("out");
        Files.createDirectories(out);
        AtomicLong mailed = new AtomicLong();
        MailTransport counting = (from, to, mime) -> {
            mailed.addAndGet(mime.length);
            return MailTransport.Delivery.TO_ALL;
        };
        MonthlyReport report = MonthlyReport.create(
                new MonthlyReport.Settings(
                        PricingCatalog.bundled(),
                        PricingCatalog.bundled(),
                        ChargebackRules.parse(RULES.getBytes(StandardCharsets.UTF_8)),
                        List.of(new BudgetPolicy(
                                BudgetScope.parse("department:support"),
                                BudgetPeriod.MONTHLY,
                                new BigDecimal("5000"),
                                BudgetPolicy.Mode.ALERT,
                                null,
                                null,
                                null)),
                        FocusCsvWriter.Settings.DEFAULT),
                Clock.fixed(Instant.parse("2026-12-01T06:00:00Z"), ZoneOffset.UTC));
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long cpu0 = os.getProcessCpuTime();
        long t0 = System.nanoTime();
        MonthlyReport.Result r = report.run(
                MONTH,
                MonthlyUsageSource.fromLog(store),
                store,
                new FileSystemObjectStore(out),
                "",
                new MonthlyReport.Email("reports@bench", List.of("cfo@bench"), 7_000_000, counting, k -> "file:" + k),
                true);
        double seconds = (System.nanoTime() - t0) / 1e9;
        double cpu = (os.getProcessCpuTime() - cpu0) / 1e9;
        long peak = 0;
        for (var pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == java.lang.management.MemoryType.HEAP) {
                peak += pool.getPeakUsage().getUsed();
            }
        }
        System.out.printf(
                Locale.ROOT,
                "report: %.1f s wall, %.1f s CPU, peak heap %d MB (sum of the heap pools' peaks)%n",
                seconds,
                cpu,
                peak >> 20);
        System.out.println("steps (ms): " + r.timingsMs());
        System.out.printf(
                Locale.ROOT,
                "FOCUS rows %,d (BilledCost %s, log %s, equal: %s); chargeback lines %d (%s);"
                        + " files %s; email %,d bytes, links: %s%n",
                r.focusRows(),
                r.focusBilledTotalUsd().toPlainString(),
                total.toPlainString(),
                r.focusBilledTotalUsd().compareTo(total) == 0,
                r.chargeback().lines().size(),
                r.chargeback().totalUsd().toPlainString(),
                r.fileSizes(),
                mailed.get(),
                r.emailUsedLinks());
        if (!keep && dir == null) {
            try (var paths = Files.walk(data)) {
                paths.sorted(java.util.Comparator.reverseOrder())
                        .forEach(p -> p.toFile().delete());
            }
        }
    }

    static final String RULES = """
            {"suspense": {"gl_account": "6999", "cost_centre": "SUSPENSE"},
             "rules": [
               {"department": "support", "gl_account": "6100", "cost_centre": "CC-100"},
               {"department": "sales", "gl_account": "6110", "cost_centre": "CC-110"},
               {"department": "eng", "gl_account": "6200", "cost_centre": "CC-200"},
               {"department": "marketing", "gl_account": "6300", "cost_centre": "CC-300"},
               {"department": "legal", "gl_account": "6400", "cost_centre": "CC-400"},
               {"department": "finance", "gl_account": "6500", "cost_centre": "CC-500"}],
             "shared": [{"department": "platform", "allocation": "proportional", "gl_account": "6900"}]}
            """;

    /** Writes {@code calls} records spread over the month's hours; returns their exact total cost. */
    static BigDecimal generate(Path dir, int calls) throws IOException {
        FileSystemObjectStore store = new FileSystemObjectStore(dir);
        PricingCatalog catalog = PricingCatalog.bundled();
        ModelPrice[] prices = new ModelPrice[MODELS.length];
        for (int m = 0; m < MODELS.length; m++) {
            prices[m] = catalog.find(MODELS[m][0], MODELS[m][1]).orElseThrow();
        }
        Random random = new Random(42);
        int hours = MONTH.lengthOfMonth() * 24;
        Instant start = MONTH.atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant();
        BigDecimal total = BigDecimal.ZERO;
        int perHour = calls / hours;
        for (int h = 0; h < hours; h++) {
            int n = perHour + (h < calls % hours ? 1 : 0);
            Instant hour = start.plusSeconds(h * 3600L);
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(n * 200);
            try (GZIPOutputStream gz = new GZIPOutputStream(bytes, 1 << 16)) {
                for (int i = 0; i < n; i++) {
                    int d = random.nextInt(DEPARTMENTS.length);
                    String department = random.nextInt(20) == 0 ? null : DEPARTMENTS[d];
                    int team = random.nextInt(3);
                    int feature = random.nextInt(3);
                    int m = (d * 3 + feature + random.nextInt(3)) % MODELS.length;
                    long input = 200 + random.nextInt(6000);
                    long output = MODELS[m][1].startsWith("text-embedding") ? 0 : 20 + random.nextInt(900);
                    TokenUsage tokens = MODELS[m][0].equals("openai")
                            ? TokenUsage.openAi(input, random.nextInt(3) == 0 ? input / 2 : 0, output, 0)
                            : TokenUsage.anthropic(
                                    input,
                                    random.nextInt(2) == 0 ? 1500 : 0,
                                    random.nextInt(10) == 0 ? 800 : 0,
                                    0,
                                    output);
                    BigDecimal cost = prices[m].cost(tokens);
                    total = total.add(cost);
                    Instant ts = hour.plusMillis(random.nextInt(3_600_000));
                    UsageRecordCodec.write(
                            UsageRecord.builder()
                                    .requestId("req-" + h + "-" + i)
                                    .tsStart(ts)
                                    .tsEnd(ts.plusMillis(800))
                                    .keyId("key-" + d)
                                    .attribution(new Attribution(
                                            DEPARTMENTS[d] + "-feature-" + feature,
                                            department,
                                            DEPARTMENTS[d] + "-team-" + team,
                                            random.nextInt(10) == 0 ? "staging" : "prod",
                                            "s-" + random.nextInt(50_000),
                                            null,
                                            null))
                                    .provider(MODELS[m][0])
                                    .endpoint("/v1/chat/completions")
                                    .modelRequested(MODELS[m][1])
                                    .modelServed(MODELS[m][1])
                                    .statusCode(200)
                                    .tokens(tokens)
                                    .costUsd(cost)
                                    .pricingStatus(UsageRecord.PricingStatus.PRICED)
                                    .pricingVersion(catalog.version())
                                    .usageSource(UsageRecord.UsageSource.PROVIDER)
                                    .latencyMs(800)
                                    .build(),
                            gz);
                }
            }
            store.put(UsageLayout.hourPrefix(hour) + "part-bench.ndjson.gz", bytes.toByteArray());
        }
        return total;
    }
}
