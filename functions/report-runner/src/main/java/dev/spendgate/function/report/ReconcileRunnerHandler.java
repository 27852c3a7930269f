package dev.spendgate.function.report;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import dev.spendgate.aws.AwsClients;
import dev.spendgate.aws.cloudwatch.CloudWatchMetricSink;
import dev.spendgate.aws.s3.S3ObjectStore;
import dev.spendgate.aws.secrets.SecretsManagerSecrets;
import dev.spendgate.aws.sns.SnsAlertSink;
import dev.spendgate.domain.reconcile.BillSource;
import dev.spendgate.domain.report.MonthlyUsageSource;
import dev.spendgate.report.reconcile.AdminApiClient;
import dev.spendgate.report.reconcile.ReconcileRun;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The daily reconciliation Lambda, invoked by EventBridge Scheduler: the month to date (through yesterday, UTC) of the
 * OpenAI and Anthropic admin APIs (keys from one Secrets Manager secret, {@code {"OPENAI_ADMIN_KEY": "...",
 * "ANTHROPIC_ADMIN_KEY": "..."}}; a provider without a key is skipped) and the AWS CUR/FOCUS export objects, against
 * the usage log; writes {@code reconciliation/YYYY-MM.csv} and the imported bill lines
 * ({@code reconciliation/bills/YYYY-MM/<provider>.json}, for the monthly report) to the usage bucket, publishes each
 * provider's unexplained difference as CloudWatch metrics (namespace {@code Spendgate}, the stack alarms on them) and
 * notifies the alert topic when a provider's unexplained difference passes {@code SPENDGATE_RECONCILE_THRESHOLD_PCT}
 * (default 2). The month's metered usage is Athena's sum when {@code SPENDGATE_ATHENA_DATABASE} is set (as the report
 * function's), else read from the usage log. The input may name
 * {@code month} ("2026-11") to re-run a whole month. The scheduled run on the 2nd ({@link #MONTHLY_REPORT_DAY}), the
 * last before the monthly report ({@code ScheduledJobs}: the 2nd at 06:00 UTC), also re-runs the whole previous month
 * (CSV, stored bills, metrics, notice), so the report reconciles against the bill as delivered by then (an AWS export
 * refreshed or finalised after the 1st's 05:00 run), not as it stood at that run; its result is under
 * {@code previous_month}.
 */
public final class ReconcileRunnerHandler implements RequestHandler<Map<String, Object>, Map<String, Object>> {
    /**
     * The day of the month the stack runs the monthly report (at 06:00 UTC, after this job's 05:00 run); runs from the
     * 2nd through this day also reconcile the previous month in full.
     */
    static final int MONTHLY_REPORT_DAY = 2;

    private final ReconcileRun run;
    private final Clock clock;

    public ReconcileRunnerHandler() {
        this(System.getenv(), AwsClients.fromEnvironment(), Clock.systemUTC());
    }

    private ReconcileRunnerHandler(Map<String, String> env, AwsClients aws, Clock clock) {
        this(build(env, aws), clock);
    }

    /** For tests: a run wired to local parts. */
    ReconcileRunnerHandler(ReconcileRun run, Clock clock) {
        this.run = run;
        this.clock = clock;
    }

    static ReconcileRun build(Map<String, String> env, AwsClients aws) {
        String bucket = required(env, "SPENDGATE_USAGE_BUCKET");
        S3ObjectStore usage = new S3ObjectStore(aws.s3(), bucket);
        String secretId = get(env, "SPENDGATE_RECONCILE_ADMIN_KEYS_SECRET");
        String exportBucket = get(env, "SPENDGATE_RECONCILE_EXPORT_BUCKET");
        String topic = get(env, "SPENDGATE_ALERT_TOPIC_ARN");
        String threshold = get(env, "SPENDGATE_RECONCILE_THRESHOLD_PCT");
        SecretsManagerSecrets secrets = new SecretsManagerSecrets(aws.secretsManager());
        // the month to date summed by Athena when the stack set it up: read here object by object, a month of tens
        // of millions of calls does not fit the job's time
        ReportRunnerConfig config = ReportRunnerConfig.fromEnv(env);
        ReconcileRun run = new ReconcileRun(
                config.athena() ? ReportRunnerHandler.athena(config, aws) : MonthlyUsageSource.fromLog(usage),
                usage,
                exportBucket == null ? null : new S3ObjectStore(aws.s3(), exportBucket),
                Optional.ofNullable(get(env, "SPENDGATE_RECONCILE_EXPORT_PREFIX"))
                        .orElse(""),
                source -> adminKey(secrets, secretId, source),
                AdminApiClient.create(Duration.ofSeconds(30)),
                ReconcileRun.Endpoints.PUBLIC,
                topic == null ? null : new SnsAlertSink(aws.sns(), topic),
                dev.spendgate.report.ReportEnvironment.forAnalysis(env).contractedCatalog(),
                threshold == null ? BigDecimal.valueOf(2) : new BigDecimal(threshold));
        // the unexplained difference as CloudWatch metrics, which the stack's alarms watch
        return run.withMetrics(new CloudWatchMetricSink(CloudWatchMetricSink.client(aws)), Clock.systemUTC());
    }

    static Optional<String> adminKey(SecretsManagerSecrets secrets, String secretId, BillSource source) {
        if (secretId == null || source == BillSource.AWS) {
            return Optional.empty();
        }
        String field = source == BillSource.OPENAI ? "OPENAI_ADMIN_KEY" : "ANTHROPIC_ADMIN_KEY";
        String v = secrets.jsonSecret(secretId).get(field);
        return v == null || v.isBlank() ? Optional.empty() : Optional.of(v.strip()); // pasted with its line end
    }

    @Override
    public Map<String, Object> handleRequest(Map<String, Object> input, Context context) {
        LocalDate today = LocalDate.now(clock.withZone(ZoneOffset.UTC));
        LocalDate yesterday = today.minusDays(1);
        Object m = input == null ? null : input.get("month");
        YearMonth month = m == null ? YearMonth.from(yesterday) : YearMonth.parse(m.toString());
        LocalDate through = m == null ? yesterday : month.atEndOfMonth();
        Map<String, Object> previousMonth = null;
        if (m == null && today.getDayOfMonth() > 1 && today.getDayOfMonth() <= MONTHLY_REPORT_DAY) {
            // the month to date is the new month: import the previous month's bill once more before the report reads
            // it, an export delivered after the 1st's run included (first: it is the month the report is about)
            YearMonth previous = month.minusMonths(1);
            previousMonth = result(previous, run.run(previous, previous.atEndOfMonth()));
        }
        Map<String, Object> out = result(month, run.run(month, through));
        if (previousMonth != null) {
            out.put("previous_month", previousMonth);
        }
        return out;
    }

    private static Map<String, Object> result(YearMonth month, ReconcileRun.Result r) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("month", month.toString());
        out.put("through", r.reconciliation().through().toString());
        out.put("csv", r.csvKey());
        out.put("lines", r.reconciliation().lines().size());
        out.put("alarmed", r.alarmed());
        out.put("skipped", r.skipped());
        out.put("warnings", r.reconciliation().warnings());
        out.put("left_out", r.leftOut());
        return out;
    }

    private static String required(Map<String, String> env, String name) {
        String v = get(env, name);
        if (v == null) {
            throw new IllegalStateException("environment variable " + name + " must be set");
        }
        return v;
    }

    private static String get(Map<String, String> env, String name) {
        String v = env.get(name);
        return v == null || v.isBlank() ? null : v.trim();
    }
}
