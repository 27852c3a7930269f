package dev.spendgate.function.waste;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import dev.spendgate.aws.AwsClients;
import dev.spendgate.aws.dynamodb.DynamoDbBudgetPolicyStore;
import dev.spendgate.aws.dynamodb.DynamoDbKeyStore;
import dev.spendgate.aws.s3.S3ObjectStore;
import dev.spendgate.aws.sns.SnsAlertSink;
import dev.spendgate.domain.budget.AlertSink;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.store.ObjectStore;
import dev.spendgate.domain.usage.UsageErrorReplay;
import dev.spendgate.domain.usage.UsageLogReader;
import dev.spendgate.domain.waste.DayAggregates;
import dev.spendgate.domain.waste.Finding;
import dev.spendgate.domain.waste.Governance;
import dev.spendgate.domain.waste.WasteAnalyzer;
import dev.spendgate.domain.waste.WasteReport;
import dev.spendgate.domain.waste.WasteReportJson;
import dev.spendgate.domain.waste.WasteWindow;
import dev.spendgate.logging.JsonLogger;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Daily waste detection, invoked by EventBridge Scheduler. The run's day is the event's {@code time} (EventBridge) or
 * {@code scheduled_time} field, else now; the window is the 30 days before that day's UTC midnight. Reads the window's
 * 30 day aggregates ({@link DayAggregates}: yesterday's, and any missing or stale one, is built from the usage log
 * and stored), or with {@code SPENDGATE_WASTE_SOURCE=log} every record of the window, writes {@code findings/YYYY-MM-DD.json} to the same bucket and sends the top findings to the alert
 * topic. Running twice for a day rewrites the same object.
 */
public final class WasteDetectorHandler implements RequestHandler<Map<String, Object>, Map<String, Object>> {
    private static final JsonLogger LOG = JsonLogger.create("waste-detector");
    public static final String FINDINGS_PREFIX = "findings/";

    /**
     * The log event of an undelivered-usage object the run kept (lines that are no usage record), one per object with
     * its {@code object_key}; the run also sends a notice to the alert topic.
     */
    public static final String USAGE_ERRORS_KEPT_EVENT = "waste.usage_errors_kept";

    /** The log event (ERROR) of a run that could not put undelivered usage records back; a notice goes out too. */
    public static final String USAGE_ERRORS_REPLAY_FAILED_EVENT = "waste.usage_errors_replay_failed";
    /** Usage objects fetched from S3 in parallel ahead of the one being parsed (S3 latency, not CPU, is the limit). */
    static final int FETCH_AHEAD = 8;
    /**
     * Bytes of usage objects (compressed, as listed) the run holds while it fetches ahead, the one being read
     * included: two of Firehose's largest (128 MiB) objects. A larger object is streamed from S3 when its turn comes.
     */
    static final long FETCH_AHEAD_BYTES = UsageLogReader.DEFAULT_BYTES_AHEAD;

    private final ObjectStore store;
    private final Supplier<Governance> governance;
    private final AlertSink alerts;
    private final Clock clock;
    private final int topFindings;
    private final boolean fromAggregates;
    private final int indexThreads;
    private final WasteAnalyzer.Bounds mergeBounds;
    /** The bundled catalog with the customer's overrides: savings at the rates the calls were charged at. */
    private final PricingCatalog catalog;

    /** Built once per execution environment from {@link WasteDetectorConfig} and {@link AwsClients}. */
    public WasteDetectorHandler() {
        this(WasteDetectorConfig.fromEnvironment(System.getenv()), AwsClients.fromEnvironment());
    }

    private WasteDetectorHandler(WasteDetectorConfig config, AwsClients aws) {
        this(
                new S3ObjectStore(aws.s3(), config.usageBucket()),
                governance(config, aws),
                config.alertTopicArn() == null ? null : new SnsAlertSink(aws.sns(), config.alertTopicArn()),
                Clock.systemUTC(),
                config.topFindings(),
                config.fromAggregates(),
                config.indexThreads(),
                config.mergeBounds(),
                catalog(config));
    }

    /** The bundled catalog with {@code SPENDGATE_PRICING_OVERRIDES} applied; a bad file fails the function's init. */
    private static PricingCatalog catalog(WasteDetectorConfig config) {
        PricingCatalog bundled = PricingCatalog.bundled();
        if (config.pricingOverrides() == null) {
            return bundled;
        }
        try {
            return bundled.withOverrides(java.nio.file.Path.of(config.pricingOverrides()));
        } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
            throw new IllegalStateException("SPENDGATE_PRICING_OVERRIDES: " + e.getMessage(), e);
        }
    }

    /** For tests: collaborators given; {@code alerts} may be null (no alerts); reads the day aggregates. */
    WasteDetectorHandler(
            ObjectStore store, Supplier<Governance> governance, AlertSink alerts, Clock clock, int topFindings) {
        this(store, governance, alerts, clock, topFindings, true);
    }

    /**
     * For tests: as above, reading the day aggregates or (false) every record of the window, with two index threads
     * (so the tests run the parallel day pass on any machine).
     */
    WasteDetectorHandler(
            ObjectStore store,
            Supplier<Governance> governance,
            AlertSink alerts,
            Clock clock,
            int topFindings,
            boolean fromAggregates) {
        this(
                store,
                governance,
                alerts,
                clock,
                topFindings,
                fromAggregates,
                2,
                WasteAnalyzer.Bounds.DEFAULT,
                PricingCatalog.bundled());
    }

    /** For tests: reading the day aggregates, pricing savings with {@code catalog} (a customer's overrides). */
    WasteDetectorHandler(
            ObjectStore store,
            Supplier<Governance> governance,
            AlertSink alerts,
            Clock clock,
            int topFindings,
            PricingCatalog catalog) {
        this(store, governance, alerts, clock, topFindings, true, 2, WasteAnalyzer.Bounds.DEFAULT, catalog);
    }

    /** For tests: as above, the window merge settling past {@code mergeBounds}. */
    WasteDetectorHandler(
            ObjectStore store,
            Supplier<Governance> governance,
            AlertSink alerts,
            Clock clock,
            int topFindings,
            WasteAnalyzer.Bounds mergeBounds) {
        this(store, governance, alerts, clock, topFindings, true, 2, mergeBounds, PricingCatalog.bundled());
    }

    private WasteDetectorHandler(
            ObjectStore store,
            Supplier<Governance> governance,
            AlertSink alerts,
            Clock clock,
            int topFindings,
            boolean fromAggregates,
            int indexThreads,
            WasteAnalyzer.Bounds mergeBounds,
            PricingCatalog catalog) {
        this.catalog = Objects.requireNonNull(catalog, "catalog");
        this.fromAggregates = fromAggregates;
        this.indexThreads = indexThreads;
        this.mergeBounds = Objects.requireNonNull(mergeBounds, "mergeBounds");
        this.store = Objects.requireNonNull(store, "store");
        this.governance = Objects.requireNonNull(governance, "governance");
        this.alerts = alerts;
        this.clock = Objects.requireNonNull(clock, "clock");
        this.topFindings = topFindings;
    }

    private static Supplier<Governance> governance(WasteDetectorConfig config, AwsClients aws) {
        if (config.keysTable() == null || config.budgetsTable() == null) {
            return () -> Governance.UNKNOWN;
        }
        var dynamoDb = aws.dynamoDb();
        var keys = new DynamoDbKeyStore(dynamoDb, config.keysTable());
        var policies = new DynamoDbBudgetPolicyStore(dynamoDb, config.budgetsTable());
        return () -> new Governance(keys.list(), policies.list());
    }

    @Override
    public Map<String, Object> handleRequest(Map<String, Object> event, Context context) {
        long started = System.nanoTime();
        LocalDate day = runDay(event);
        List<String> warnings = new ArrayList<>();
        UsageErrorReplay.Result replay = replayUndelivered(warnings);
        Instant end = day.atStartOfDay(ZoneOffset.UTC).toInstant();
        // a Lambda of a deployment: its findings advise the admin API, as the CLI does not reach the tables
        WasteAnalyzer analyzer = WasteAnalyzer.create(catalog, governance.get().deployed(), clock)
                .withIndexThreads(indexThreads)
                .withMergeBounds(mergeBounds)
                .withBytesAhead(FETCH_AHEAD_BYTES);
        WasteWindow window = WasteWindow.trailing30Days(end);
        WasteReport report;
        int reused = 0;
        int built = 0;
        if (fromAggregates) {
            DayAggregates.Outcome outcome = DayAggregates.create(store, analyzer, catalog.version(), FETCH_AHEAD)
                    .analyze(window);
            report = outcome.report();
            reused = outcome.reused();
            built = outcome.built().size();
        } else {
            report = analyzer.analyze(store, window, FETCH_AHEAD);
        }
        String key = FINDINGS_PREFIX + day + ".json";
        store.put(key, WasteReportJson.toBytes(report));
        int alerted = alert(day, key, report);
        log(context, key, report, alerted, started);
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("findings_key", key);
        result.put("findings", report.findings().size());
        result.put("records", report.callsAnalysed());
        result.put("skipped_input", report.skippedInput());
        result.put("quarantined_records", report.input().quarantined());
        result.put("monthly_savings_usd", report.monthlySavingsUsd().toPlainString());
        result.put("efficiency_score", report.overall().score());
        result.put("alerted_findings", alerted);
        result.put("source", fromAggregates ? "aggregates" : "log");
        result.put("aggregates_reused", reused);
        result.put("aggregates_built", built);
        result.put("index_threads", indexThreads);
        result.put("usage_errors_replayed_objects", replay.objectsReplayed());
        result.put("usage_errors_replayed_records", replay.recordsReplayed());
        result.put("warnings", List.copyOf(warnings));
        return result;
    }

    /**
     * Puts the usage records Firehose could not deliver (under {@code usage-errors/}) back where the run reads them,
     * before it reads: records a long S3 outage diverted count in findings and reports again.
     */
    private UsageErrorReplay.Result replayUndelivered(List<String> warnings) {
        UsageErrorReplay.Result replay;
        try {
            replay = UsageErrorReplay.create(store).run();
        } catch (RuntimeException e) {
            String warning = "usage-errors: undelivered records not put back (" + e.getMessage() + "); the next run"
                    + " tries again";
            LOG.error(USAGE_ERRORS_REPLAY_FAILED_EVENT)
                    .field("error", e.getClass().getSimpleName())
                    .log(warning);
            warnings.add(warning);
            notice(
                    "Spendgate could not put undelivered usage records back",
                    "The waste run could not put the usage records Firehose could not deliver (under usage-errors/ in"
                            + " the usage bucket) back where reports read them: " + e.getMessage()
                            + ". Until they are, they count in no finding or report. The next daily run tries again.",
                    Map.of("kind", "usage_errors_replay_failed"));
            return new UsageErrorReplay.Result(0, 0, List.of());
        }
        List<String> kept = replay.objectsKept();
        if (!kept.isEmpty()) {
            for (String objectKey : kept) {
                LOG.warn(USAGE_ERRORS_KEPT_EVENT)
                        .field("object_key", objectKey)
                        .log("undelivered-usage object " + objectKey + " holds lines that are no usage record: kept,"
                                + " its records are in no report until someone puts them back");
            }
            warnings.add("usage-errors: " + kept.size() + " objects hold lines that are no usage record and were kept: "
                    + kept);
            notice(
                    "Spendgate kept " + kept.size() + " undelivered usage objects",
                    "The waste run found usage records Firehose could not deliver (under usage-errors/ in the usage"
                            + " bucket) in objects with lines that are no usage record, so it kept them: their records"
                            + " count in no finding or report until someone removes the bad lines and the next run puts"
                            + " them back. Objects: " + String.join(", ", kept),
                    Map.of("kind", "usage_errors_kept", "objects", Integer.toString(kept.size())));
        }
        return replay;
    }

    /** Sends a notice to the alert topic, when there is one; a failed send is logged and does not fail the run. */
    private void notice(String subject, String message, Map<String, String> attributes) {
        if (alerts == null) {
            return;
        }
        try {
            alerts.send(new AlertSink.Notice(subject, message, attributes));
        } catch (RuntimeException e) {
            LOG.error("waste.notice_failed")
                    .field("subject", subject)
                    .error(e)
                    .log("could not send the notice: " + subject);
        }
    }

    private LocalDate runDay(Map<String, Object> event) {
        if (event != null) {
            for (String field : List.of("time", "scheduled_time")) {
                Object value = event.get(field);
                if (value instanceof String text && !text.isBlank()) {
                    try {
                        return Instant.parse(text).atZone(ZoneOffset.UTC).toLocalDate();
                    } catch (DateTimeParseException e) {
                        throw new IllegalArgumentException("event field " + field + " is not an instant: " + text);
                    }
                }
            }
        }
        return clock.instant().atZone(ZoneOffset.UTC).toLocalDate();
    }

    private int alert(LocalDate day, String key, WasteReport report) {
        List<Finding> top = report.findings().stream()
                .filter(f -> f.monthlySavingsUsd().signum() > 0
                        || f.monthlySpendAtRiskUsd().signum() > 0)
                .limit(topFindings)
                .toList();
        if (alerts == null || top.isEmpty()) {
            return 0;
        }
        // A retried run (EventBridge Scheduler retries failed invocations) or an overlapping one (a doubled delivery)
        // rewrites the same findings but must not alert the day twice: the run that writes the marker beside the
        // findings first, only if absent (S3 If-None-Match: *), is the one that alerts; a failed publish deletes it
        // again, so the retry alerts. The run id makes the marker's bytes this run's own, by which S3's resend of a
        // put whose answer was lost knows it wrote it.
        String marker = key.replace(".json", ".alerted");
        if (!store.putIfAbsent(
                marker,
                ("{\"alerted_findings\":" + top.size() + ",\"run_id\":\"" + UUID.randomUUID() + "\"}")
                        .getBytes(StandardCharsets.UTF_8))) {
            return 0;
        }
        StringBuilder message = new StringBuilder();
        message.append("Spendgate found $")
                .append(report.monthlySavingsUsd()
                        .setScale(2, RoundingMode.HALF_UP)
                        .toPlainString())
                .append(" per month of recoverable AI spend in the 30 days to ")
                .append(day)
                .append(" (AI Efficiency Score ")
                .append(report.overall().score())
                .append("/100).");
        String leftOut = LeftOutInput.line(report.input());
        if (!leftOut.isEmpty()) {
            // the dollars above rest on the usage that could be read: say what they leave out, beside them
            message.append('\n').append(leftOut).append("\n\n");
        } else {
            message.append(' ');
        }
        message.append("Top findings:\n");
        int rank = 1;
        for (Finding f : top) {
            message.append('\n')
                    .append(rank++)
                    .append(". ")
                    .append(
                            f.monthlySavingsUsd().signum() > 0
                                    ? "$"
                                            + f.monthlySavingsUsd()
                                                    .setScale(2, RoundingMode.HALF_UP)
                                                    .toPlainString() + "/month"
                                    : "$"
                                            + f.monthlySpendAtRiskUsd()
                                                    .setScale(2, RoundingMode.HALF_UP)
                                                    .toPlainString()
                                            + "/month at risk")
                    .append(" - ")
                    .append(f.category().label())
                    .append(" - ")
                    .append(f.scopeType())
                    .append(':')
                    .append(f.scopeValue())
                    .append('\n')
                    .append("   ")
                    .append(f.recommendation())
                    .append('\n');
        }
        message.append("\nAll findings: s3 object ").append(key).append('\n');
        Map<String, String> attributes = new LinkedHashMap<>();
        attributes.put("kind", "waste_findings");
        attributes.put("day", day.toString());
        attributes.put("monthly_savings_usd", report.monthlySavingsUsd().toPlainString());
        attributes.put("findings_key", key);
        try {
            alerts.send(new AlertSink.Notice("Spendgate waste findings for " + day, message.toString(), attributes));
        } catch (RuntimeException e) {
            // not published: give the day back, so the retry of this failed run alerts
            try {
                store.delete(marker);
            } catch (RuntimeException d) {
                e.addSuppressed(new IllegalStateException(
                        marker + " not removed after the failed publish: " + day + " will not alert until it is", d));
                LOG.warn("waste.alert_claim_not_released")
                        .field("marker", marker)
                        .log(marker + " kept after a failed publish: remove it to have " + day + " alerted");
            }
            throw e;
        }
        return top.size();
    }

    private static void log(Context context, String key, WasteReport report, int alerted, long startNanos) {
        LOG.info("waste.findings_written")
                .requestId(context == null ? null : context.getAwsRequestId())
                .durationMs((System.nanoTime() - startNanos) / 1_000_000)
                .field("findings_key", key)
                .field("records", report.callsAnalysed())
                .field("findings", report.findings().size())
                .field("skipped_input", report.skippedInput())
                .field("monthly_savings_usd", report.monthlySavingsUsd())
                .field("alerted", alerted)
                .log("waste findings written");
    }
}
