package dev.spendgate.report.reconcile;

import dev.spendgate.domain.budget.AlertSink;
import dev.spendgate.domain.metric.MetricSink;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.reconcile.BillSource;
import dev.spendgate.domain.reconcile.ProviderBill;
import dev.spendgate.domain.reconcile.Reconciler;
import dev.spendgate.domain.reconcile.Reconciliation;
import dev.spendgate.domain.report.MonthlyUsage;
import dev.spendgate.domain.report.MonthlyUsageSource;
import dev.spendgate.domain.store.ObjectStore;
import dev.spendgate.domain.usage.CostCheck;
import dev.spendgate.domain.usage.UsageSummary;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * One scheduled reconciliation: fetches the providers that have an admin key, reads the AWS export objects under a
 * prefix, compares them with the metered month to date, writes {@code reconciliation/YYYY-MM.csv} and the imported
 * bill lines ({@link StoredBills}, {@code reconciliation/bills/YYYY-MM/<provider>.json}, read by the monthly report),
 * and sends one notice when a provider's unexplained difference passes the threshold. Providers without a key are
 * skipped. Records whose cost the monthly report quarantines ({@link CostCheck} against the catalog) are left out of
 * the metered side, as {@code spendgate reconcile} leaves them out; their count is stated in the CSV's {@code total}
 * row, the notice and {@link Result#leftOut()}.
 */
public final class ReconcileRun {
    /** Where each provider's admin API lives (the public endpoints, or a local server in tests). */
    public record Endpoints(URI openAi, URI anthropic) {
        public static final Endpoints PUBLIC = new Endpoints(AdminApiClient.OPENAI, AdminApiClient.ANTHROPIC);
    }

    /**
     * What a run did.
     *
     * @param leftOut the records left out of the metered side as the monthly report quarantines them, in a sentence
     *     ("1 records with a cost above the model's maximum for its tokens"); empty when none were
     */
    public record Result(
            Reconciliation reconciliation, String csvKey, List<String> skipped, boolean alarmed, String leftOut) {}

    private final MonthlyUsageSource metered;
    private final ObjectStore reports;
    private final ObjectStore exports;
    private final String exportPrefix;
    private final Function<BillSource, Optional<String>> adminKeys;
    private final AdminApiClient api;
    private final Endpoints endpoints;
    private final AlertSink alerts;
    private final Reconciler reconciler;
    private final CostCheck check;
    private final MetricSink metrics;
    private final Clock clock;

    /** The CloudWatch namespace of {@link #UNEXPLAINED_PERCENT} and {@link #UNEXPLAINED_USD}. */
    public static final String METRIC_NAMESPACE = "Spendgate";
    /** Per provider ({@code Provider} dimension): the unexplained difference as a share of its bill, in %. */
    public static final String UNEXPLAINED_PERCENT = "ReconciliationUnexplainedPercent";
    /** Per provider ({@code Provider} dimension): the unexplained difference in USD (absolute, lines not netted). */
    public static final String UNEXPLAINED_USD = "ReconciliationUnexplainedUsd";

    public ReconcileRun(
            MonthlyUsageSource metered,
            ObjectStore reports,
            ObjectStore exports,
            String exportPrefix,
            Function<BillSource, Optional<String>> adminKeys,
            AdminApiClient api,
            Endpoints endpoints,
            AlertSink alerts,
            PricingCatalog catalog,
            java.math.BigDecimal thresholdPercent) {
        this.metered = Objects.requireNonNull(metered, "metered");
        this.reports = Objects.requireNonNull(reports, "reports");
        this.exports = exports;
        this.exportPrefix = exportPrefix;
        this.adminKeys = Objects.requireNonNull(adminKeys, "adminKeys");
        this.api = Objects.requireNonNull(api, "api");
        this.endpoints = Objects.requireNonNull(endpoints, "endpoints");
        this.alerts = alerts;
        this.reconciler = Reconciler.create(catalog, thresholdPercent);
        this.check = CostCheck.against(catalog);
        this.metrics = null;
        this.clock = Clock.systemUTC();
    }

    private ReconcileRun(ReconcileRun base, MetricSink metrics, Clock clock) {
        this.metered = base.metered;
        this.reports = base.reports;
        this.exports = base.exports;
        this.exportPrefix = base.exportPrefix;
        this.adminKeys = base.adminKeys;
        this.api = base.api;
        this.endpoints = base.endpoints;
        this.alerts = base.alerts;
        this.reconciler = base.reconciler;
        this.check = base.check;
        this.metrics = metrics;
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * This run also publishing each reconciled provider's unexplained difference ({@value #UNEXPLAINED_PERCENT},
     * {@value #UNEXPLAINED_USD}, dimension {@code Provider}) to {@code metrics}, stamped and stored with
     * {@code clock}'s time.
     */
    public ReconcileRun withMetrics(MetricSink metrics, Clock clock) {
        return new ReconcileRun(this, Objects.requireNonNull(metrics, "metrics"), clock);
    }

    /** The month to date: {@code month}'s days through {@code through} (inclusive). */
    public Result run(YearMonth month, LocalDate through) {
        LocalDate from = month.atDay(1);
        LocalDate to = through.plusDays(1);
        List<ProviderBill> bills = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        Optional<String> openAiKey = adminKeys.apply(BillSource.OPENAI);
        if (openAiKey.isPresent()) {
            bills.add(api.openAi(endpoints.openAi(), openAiKey.get(), from, to));
        } else {
            skipped.add("openai: no admin key");
        }
        Optional<String> anthropicKey = adminKeys.apply(BillSource.ANTHROPIC);
        if (anthropicKey.isPresent()) {
            bills.add(api.anthropic(endpoints.anthropic(), anthropicKey.get(), from, to));
        } else {
            skipped.add("anthropic: no admin key");
        }
        if (exports != null && exportPrefix != null) {
            ProviderBill aws = awsExport(month);
            if (aws != null) {
                bills.add(aws);
            } else if (parquetObjects(month) > 0) {
                skipped.add("aws: the export under " + exportPrefix + " is Parquet (" + parquetObjects(month)
                        + " objects for " + month + "); " + AwsBill.PARQUET_NOT_READ.replace("a Parquet file: ", ""));
            } else {
                skipped.add("aws: no export object under " + exportPrefix);
            }
        } else {
            skipped.add("aws: no export bucket configured");
        }
        // records the monthly report quarantines are left out here too, as spendgate reconcile leaves them out
        MonthlyUsage usage = metered.load(month, Set.of(), Set.of(), rec -> {}, check);
        String leftOut = leftOut(usage);
        Reconciliation r = reconciler.reconcile(usage, through, bills);
        Map<BillSource, String> origins = new EnumMap<>(BillSource.class);
        bills.forEach(b -> origins.put(b.source(), b.origin()));
        // the month's bill lines, so the monthly report reconciles against the same data in AWS
        Instant now = clock.instant();
        bills.forEach(b -> StoredBills.write(reports, month, through, now, b));
        String key = "reconciliation/" + month + ".csv";
        reports.put(key, ReconciliationCsv.write(r, origins, leftOut).getBytes(StandardCharsets.UTF_8));
        if (metrics != null && !r.totals().isEmpty()) {
            metrics.publish(METRIC_NAMESPACE, datapoints(r, now));
        }
        List<String> alarms = r.alarms();
        if (!alarms.isEmpty() && alerts != null) {
            Map<String, String> attributes = new LinkedHashMap<>();
            attributes.put("kind", "reconciliation");
            attributes.put("month", month.toString());
            alerts.send(new AlertSink.Notice(
                    "Spendgate: provider bills differ from metered cost (" + month + ")",
                    String.join("\n", alarms) + "\nDetails: " + key
                            + (r.warnings().isEmpty() ? "" : "\nWarnings:\n" + String.join("\n", r.warnings()))
                            + (leftOut.isEmpty() ? "" : "\n" + leftOutSentence(leftOut)),
                    attributes));
        }
        return new Result(r, key, skipped, !alarms.isEmpty(), leftOut);
    }

    /**
     * The quarantined records of {@code usage} by reason, in a sentence; empty when none. Their calls went through the
     * gateway and the providers billed them, so a reconciliation (this job's, {@code spendgate reconcile}'s, the
     * monthly report's) names them beside its figures.
     */
    public static String leftOut(MonthlyUsage usage) {
        if (usage.quality().quarantinedCount() == 0) {
            return "";
        }
        return UsageSummary.quarantinedSentenceByReason(usage.quality().quarantined().entrySet().stream()
                .filter(e -> e.getValue() > 0)
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)));
    }

    /** The sentence the CSV and the notice state left-out records in. */
    static String leftOutSentence(String leftOut) {
        return "Left out: " + leftOut + ", in no metered figure, as the monthly report quarantines them.";
    }

    static List<MetricSink.Datapoint> datapoints(Reconciliation r, Instant at) {
        List<MetricSink.Datapoint> out = new ArrayList<>();
        for (BillSource s : BillSource.values()) {
            Reconciliation.Totals t = r.totals().get(s);
            if (t == null) {
                continue;
            }
            Map<String, String> dims = Map.of("Provider", s.id());
            out.add(new MetricSink.Datapoint(
                    UNEXPLAINED_PERCENT, dims, t.unexplainedPercent(), MetricSink.Unit.PERCENT, at));
            out.add(new MetricSink.Datapoint(UNEXPLAINED_USD, dims, t.unexplainedAbsUsd(), MetricSink.Unit.NONE, at));
        }
        return out;
    }

    private long parquetObjects(YearMonth month) {
        String compact = month.toString().replace("-", "");
        return exports.list(exportPrefix).stream()
                .filter(k -> k.toLowerCase(java.util.Locale.ROOT).endsWith(".parquet"))
                .filter(k -> k.contains(month.toString()) || k.contains(compact))
                .count();
    }

    /** The month's CSV export objects (names containing the month as {@code YYYY-MM} or {@code YYYYMM}). */
    private ProviderBill awsExport(YearMonth month) {
        String compact = month.toString().replace("-", "");
        List<Path> files = new ArrayList<>();
        try {
            Path dir = Files.createTempDirectory("spendgate-export");
            for (String k : exports.list(exportPrefix)) {
                String lower = k.toLowerCase(java.util.Locale.ROOT);
                if (!(lower.endsWith(".csv") || lower.endsWith(".csv.gz"))
                        || !(k.contains(month.toString()) || k.contains(compact))) {
                    continue;
                }
                Path f = dir.resolve(k.replace('/', '_'));
                Files.write(f, exports.get(k).orElseThrow());
                files.add(f);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return files.isEmpty() ? null : AwsBill.read(files);
    }
}
