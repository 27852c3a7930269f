package dev.spendgate.report.reconcile;

import dev.spendgate.domain.budget.AlertSink;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.reconcile.BillSource;
import dev.spendgate.domain.reconcile.ProviderBill;
import dev.spendgate.domain.reconcile.Reconciler;
import dev.spendgate.domain.reconcile.Reconciliation;
import dev.spendgate.domain.report.MonthlyUsageSource;
import dev.spendgate.domain.store.ObjectStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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

/**
 * One scheduled reconciliation: fetches the providers that have an admin key, reads the AWS export objects under a
 * prefix, compares them with the metered month to date, writes {@code reconciliation/YYYY-MM.csv} and sends one
 * notice when a provider's unexplained difference passes the threshold. Providers without a key are skipped.
 */
public final class ReconcileRun {
    /** Where each provider's admin API lives (the public endpoints, or a local server in tests). */
    public record Endpoints(URI openAi, URI anthropic) {
        public static final Endpoints PUBLIC = new Endpoints(AdminApiClient.OPENAI, AdminApiClient.ANTHROPIC);
    }

    /** What a run did. */
    public record Result(Reconciliation reconciliation, String csvKey, List<String> skipped, boolean alarmed) {}

    private final MonthlyUsageSource metered;
    private final ObjectStore reports;
    private final ObjectStore exports;
    private final String exportPrefix;
    private final Function<BillSource, Optional<String>> adminKeys;
    private final AdminApiClient api;
    private final Endpoints endpoints;
    private final AlertSink alerts;
    private final Reconciler reconciler;

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
            } else {
                skipped.add("aws: no export object under " + exportPrefix);
            }
        } else {
            skipped.add("aws: no export bucket configured");
        }
        Reconciliation r = reconciler.reconcile(metered.load(month, Set.of(), Set.of()), through, bills);
        Map<BillSource, String> origins = new EnumMap<>(BillSource.class);
        bills.forEach(b -> origins.put(b.source(), b.origin()));
        String key = "reconciliation/" + month + ".csv";
        reports.put(key, ReconciliationCsv.write(r, origins).getBytes(StandardCharsets.UTF_8));
        List<String> alarms = r.alarms();
        if (!alarms.isEmpty() && alerts != null) {
            Map<String, String> attributes = new LinkedHashMap<>();
            attributes.put("kind", "reconciliation");
            attributes.put("month", month.toString());
            alerts.send(new AlertSink.Notice(
                    "Spendgate: provider bills differ from metered cost (" + month + ")",
                    String.join("\n", alarms) + "\nDetails: " + key
                            + (r.warnings().isEmpty() ? "" : "\nWarnings:\n" + String.join("\n", r.warnings())),
                    attributes));
        }
        return new Result(r, key, skipped, !alarms.isEmpty());
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
