package dev.spendgate.infra;

import java.util.List;
import java.util.Map;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.services.cloudwatch.Alarm;
import software.amazon.awscdk.services.cloudwatch.ComparisonOperator;
import software.amazon.awscdk.services.cloudwatch.Dashboard;
import software.amazon.awscdk.services.cloudwatch.GraphWidget;
import software.amazon.awscdk.services.cloudwatch.IMetric;
import software.amazon.awscdk.services.cloudwatch.Metric;
import software.amazon.awscdk.services.cloudwatch.MetricOptions;
import software.amazon.awscdk.services.cloudwatch.TreatMissingData;
import software.amazon.awscdk.services.cloudwatch.actions.SnsAction;
import software.amazon.awscdk.services.lambda.Function;
import software.amazon.awscdk.services.logs.FilterPattern;
import software.amazon.awscdk.services.logs.ILogGroup;
import software.amazon.awscdk.services.logs.MetricFilter;
import software.amazon.awscdk.services.sns.ITopic;
import software.constructs.Construct;

/**
 * Alarms (to the alert topic) and one dashboard. The proxy's JSON log lines become metrics through metric filters;
 * the gateway's own added latency ({@code overhead_ms} of each usage record) arrives as the embedded-metric-format
 * metric {@value #OVERHEAD_METRIC} that the streaming bootstrap prints.
 */
public final class Operations extends Construct {
    public static final String NAMESPACE = "Spendgate";
    public static final String OVERHEAD_METRIC = "GatewayOverhead";
    public static final String BUDGET_STORE_ERRORS = "BudgetStoreErrors";
    public static final String UNDELIVERED_USAGE = "UsageRecordsUndelivered";
    public static final String SPOOLED_USAGE = "UsageBatchesSpooled";
    public static final String API_THROTTLED = "ApiRequestsThrottled";
    /** USD charged at the reserved worst case by the sweeper (calls that never settled); summed per period. */
    public static final String WORST_CASE_CHARGED = "WorstCaseChargedUsd";

    /**
     * The line a sweep writes when it charges calls at their worst case ({@code GatewayRuntime.WORST_CASE_EVENT}), with
     * the amount in {@code worst_case_usd}. The alert itself goes to the alert topic from the gateway (a notice with
     * the amount, from {@code SPENDGATE_WORST_CASE_ALERT_USD}), so no alarm repeats it; the metric shows the trend.
     */
    static final String WORST_CASE_CHARGED_PATTERN = "{ $.event = \"proxy.sweeper.worst_case_charged\" }";

    /** Access log lines of requests the API stage's throttling refused (429 before the function runs). */
    static final String API_THROTTLED_PATTERN = "{ $.responseType = \"THROTTLED\" }";

    /** Log lines the gateway writes when a budget store call fails (see Gateway and GatewayRuntime). */
    static final String BUDGET_STORE_ERROR_PATTERN = "{ $.level = \"ERROR\" && ($.message = \"budget store failed*\""
            + " || $.message = \"could not settle the call's budgets*\""
            + " || $.message = \"budget ledger or journal flush failed*\""
            + " || $.message = \"budget reservation sweep failed*\") }";
    /** Log lines saying usage records are in memory only: neither the bucket nor the spool took them. */
    static final String UNDELIVERED_USAGE_PATTERN = "{ $.level = \"ERROR\" && ($.message = \"usage spool failed too*\""
            + " || $.message = \"could not buffer the usage record*\""
            + " || $.message = \"usage flush after invocation failed*\") }";
    /** Batches parked in the DynamoDB spool while S3 refused them (durable, delivered later). */
    static final String SPOOLED_USAGE_PATTERN = "{ $.level = \"WARN\" && $.message = \"usage store unreachable*\" }";

    private final Dashboard dashboard;
    private final List<Alarm> alarms;

    public Operations(Construct scope, String id, ProxyApi proxy, ScheduledJobs jobs, ITopic alerts) {
        super(scope, id);
        ILogGroup proxyLogs = proxy.logGroup();
        Metric budgetStoreErrors =
                logMetric("BudgetStoreErrorsFilter", proxyLogs, BUDGET_STORE_ERRORS, BUDGET_STORE_ERROR_PATTERN);
        Metric undelivered =
                logMetric("UndeliveredUsageFilter", proxyLogs, UNDELIVERED_USAGE, UNDELIVERED_USAGE_PATTERN);
        Metric spooled = logMetric("SpooledUsageFilter", proxyLogs, SPOOLED_USAGE, SPOOLED_USAGE_PATTERN);
        Metric worstCaseCharged = logMetric(
                "WorstCaseChargedFilter",
                proxyLogs,
                WORST_CASE_CHARGED,
                WORST_CASE_CHARGED_PATTERN,
                "$.worst_case_usd");
        Metric apiThrottled = logMetric("ApiThrottledFilter", proxy.accessLogs(), API_THROTTLED, API_THROTTLED_PATTERN);

        MetricOptions fiveMinuteSum = MetricOptions.builder()
                .period(Duration.minutes(5))
                .statistic("Sum")
                .build();
        Function proxyFunction = proxy.function();
        alarms = List.of(
                alarm(
                        "Api5xx",
                        "API Gateway answered 5xx at least 5 times in 5 minutes",
                        proxy.api().metricServerError(fiveMinuteSum),
                        5),
                alarm(
                        "ProxyThrottles",
                        "The proxy Lambda was throttled (raise its concurrency or the account limit)",
                        proxyFunction.metricThrottles(fiveMinuteSum),
                        1),
                alarm(
                        "ApiThrottled",
                        "API Gateway refused calls above the stage's rate or burst limit (429); raise"
                                + " apiRateLimit/apiBurstLimit or find the runaway client in the access log",
                        apiThrottled.with(fiveMinuteSum),
                        1),
                alarm(
                        "ScheduledJobFailedRuns",
                        "A scheduled job (waste detection, monthly report, reconciliation) failed after its retries;"
                                + " the failed run's event is in the FailedRuns queue",
                        jobs.failedRuns()
                                .metricApproximateNumberOfMessagesVisible(MetricOptions.builder()
                                        .period(Duration.minutes(5))
                                        .statistic("Maximum")
                                        .build()),
                        1),
                alarm(
                        "BudgetStoreErrors",
                        "The proxy could not reach its budget store (calls refused or unsettled)",
                        budgetStoreErrors.with(fiveMinuteSum),
                        1),
                alarm(
                        "UndeliveredUsage",
                        "Usage records reached neither S3 nor the DynamoDB spool",
                        undelivered.with(fiveMinuteSum),
                        1),
                alarm(
                        "WasteDetectorErrors",
                        "The daily waste detection failed",
                        jobs.wasteDetector()
                                .metricErrors(MetricOptions.builder()
                                        .period(Duration.hours(1))
                                        .statistic("Sum")
                                        .build()),
                        1),
                alarm(
                        "ReportRunnerErrors",
                        "The monthly report failed",
                        jobs.reportRunner()
                                .metricErrors(MetricOptions.builder()
                                        .period(Duration.hours(1))
                                        .statistic("Sum")
                                        .build()),
                        1));
        alarms.forEach(a -> {
            a.addAlarmAction(new SnsAction(alerts));
        });

        Metric overheadP50 = overhead("p50");
        Metric overheadP99 = overhead("p99");
        dashboard = Dashboard.Builder.create(this, "Dashboard")
                .dashboardName("spendgate")
                .widgets(List.of(
                        List.of(
                                graph(
                                        "Gateway added latency (ms, excludes the provider)",
                                        List.of(overheadP50, overheadP99)),
                                graph(
                                        "API latency (ms, includes the provider)",
                                        List.of(
                                                proxy.api().metricLatency(stat("p50")),
                                                proxy.api().metricLatency(stat("p99")))),
                                graph(
                                        "API calls and errors",
                                        List.of(
                                                proxy.api().metricCount(stat("Sum")),
                                                proxy.api().metricClientError(stat("Sum")),
                                                proxy.api().metricServerError(stat("Sum"))))),
                        List.of(
                                graph(
                                        "Proxy Lambda",
                                        List.of(
                                                proxyFunction.metricInvocations(stat("Sum")),
                                                proxyFunction.metricErrors(stat("Sum")),
                                                proxyFunction.metricThrottles(stat("Sum")))),
                                graph(
                                        "Proxy Lambda duration (ms)",
                                        List.of(
                                                proxyFunction.metricDuration(stat("p50")),
                                                proxyFunction.metricDuration(stat("p99")))),
                                graph(
                                        "Budget store errors and usage delivery",
                                        List.of(
                                                budgetStoreErrors.with(stat("Sum")),
                                                undelivered.with(stat("Sum")),
                                                spooled.with(stat("Sum")))),
                                graph(
                                        "Charged at worst case (USD, calls that never settled)",
                                        List.of(worstCaseCharged.with(stat("Sum"))))),
                        List.of(graph(
                                "Scheduled jobs",
                                List.of(
                                        jobs.wasteDetector().metricErrors(stat("Sum")),
                                        jobs.reportRunner().metricErrors(stat("Sum")),
                                        jobs.wasteDetector().metricDuration(stat("Maximum")),
                                        jobs.reportRunner().metricDuration(stat("Maximum")))))))
                .build();
    }

    private Metric logMetric(String id, ILogGroup logGroup, String metricName, String pattern) {
        return logMetric(id, logGroup, metricName, pattern, "1");
    }

    /** As above, counting {@code value} (a JSON selector such as {@code $.worst_case_usd}) per matching line. */
    private Metric logMetric(String id, ILogGroup logGroup, String metricName, String pattern, String value) {
        MetricFilter filter = MetricFilter.Builder.create(this, id)
                .logGroup(logGroup)
                .filterPattern(FilterPattern.literal(pattern))
                .metricNamespace(NAMESPACE)
                .metricName(metricName)
                .metricValue(value)
                .defaultValue(0)
                .build();
        return filter.metric();
    }

    private Alarm alarm(String id, String description, IMetric metric, int threshold) {
        return Alarm.Builder.create(this, id)
                .alarmDescription(description)
                .metric(metric)
                .threshold(threshold)
                .evaluationPeriods(1)
                .comparisonOperator(ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD)
                .treatMissingData(TreatMissingData.NOT_BREACHING)
                .build();
    }

    private static Metric overhead(String statistic) {
        return Metric.Builder.create()
                .namespace(NAMESPACE)
                .metricName(OVERHEAD_METRIC)
                .dimensionsMap(Map.of("Service", "proxy"))
                .statistic(statistic)
                .period(Duration.minutes(1))
                .unit(software.amazon.awscdk.services.cloudwatch.Unit.MILLISECONDS)
                .build();
    }

    private static MetricOptions stat(String statistic) {
        return MetricOptions.builder()
                .statistic(statistic)
                .period(Duration.minutes(1))
                .build();
    }

    private static GraphWidget graph(String title, List<IMetric> metrics) {
        return GraphWidget.Builder.create().title(title).left(metrics).width(8).build();
    }

    public Dashboard dashboard() {
        return dashboard;
    }

    public List<Alarm> alarms() {
        return alarms;
    }
}
