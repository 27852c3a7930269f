package dev.spendgate.infra;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.TimeZone;
import software.amazon.awscdk.services.cloudwatch.Alarm;
import software.amazon.awscdk.services.cloudwatch.ComparisonOperator;
import software.amazon.awscdk.services.cloudwatch.Metric;
import software.amazon.awscdk.services.cloudwatch.MetricOptions;
import software.amazon.awscdk.services.cloudwatch.TreatMissingData;
import software.amazon.awscdk.services.cloudwatch.actions.SnsAction;
import software.amazon.awscdk.services.iam.Effect;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.kms.IKey;
import software.amazon.awscdk.services.lambda.Alias;
import software.amazon.awscdk.services.lambda.Function;
import software.amazon.awscdk.services.lambda.Runtime;
import software.amazon.awscdk.services.lambda.SnapStartConf;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.logs.RetentionDays;
import software.amazon.awscdk.services.s3.Bucket;
import software.amazon.awscdk.services.s3.IBucket;
import software.amazon.awscdk.services.scheduler.CronOptionsWithTimezone;
import software.amazon.awscdk.services.scheduler.Schedule;
import software.amazon.awscdk.services.scheduler.ScheduleExpression;
import software.amazon.awscdk.services.scheduler.targets.LambdaInvoke;
import software.amazon.awscdk.services.secretsmanager.ISecret;
import software.amazon.awscdk.services.secretsmanager.Secret;
import software.amazon.awscdk.services.secretsmanager.SecretStringGenerator;
import software.amazon.awscdk.services.sns.ITopic;
import software.amazon.awscdk.services.sqs.IQueue;
import software.constructs.Construct;

/**
 * The daily reconciliation against the providers' bills at 05:00 UTC (month to date through yesterday): its own
 * admin-key secret (an existing one from {@code reconcileAdminKeySecretArn}, else a new placeholder the operator
 * fills; a provider without a key is skipped), read access to the CUR/FOCUS export under
 * {@code reconcileExportBucket}/{@code reconcileExportPrefix} when given, {@code reconciliation/} in the data bucket
 * for its CSV and stored bill lines ({@code reconciliation/bills/}, which the report runner reads), the alert topic for
 * its notice, CloudWatch {@code PutMetricData} in the {@code Spendgate} namespace for the unexplained difference per
 * provider, an alarm per provider on it (threshold {@code reconcileThresholdPercent}, default 2 %) and an alarm when a
 * run fails. Like the other scheduled functions it runs
 * on {@code java21} with SnapStart behind a {@code live} alias, which the schedule invokes.
 */
public final class ReconcileJob extends Construct {
    public static final String HANDLER = "dev.spendgate.function.report.ReconcileRunnerHandler::handleRequest";
    public static final String RECONCILIATION_PREFIX = "reconciliation/";
    /** The imported bill lines per month and provider, which the monthly report reads. */
    public static final String BILLS_PREFIX = RECONCILIATION_PREFIX + "bills/";
    /** The namespace the job publishes its metrics in (the reconcile run's {@code METRIC_NAMESPACE}). */
    public static final String METRIC_NAMESPACE = "Spendgate";
    /** The per-provider unexplained share of the bill, in % (dimension {@code Provider}). */
    public static final String UNEXPLAINED_PERCENT_METRIC = "ReconciliationUnexplainedPercent";
    /** The providers the job reconciles, as the {@code Provider} dimension values. */
    public static final List<String> PROVIDERS = List.of("openai", "anthropic", "aws");

    private final Function function;
    private final Alias alias;
    private final Schedule schedule;
    private final Alarm failures;
    private final ISecret adminKeys;
    private final Map<String, Alarm> unexplained = new java.util.LinkedHashMap<>();

    public ReconcileJob(
            Construct scope,
            String id,
            SpendgateStackProps props,
            Storage storage,
            ITopic alerts,
            IKey alertsKey,
            IQueue failedRuns) {
        super(scope, id);
        var bucket = storage.data();
        if (props.reconcileAdminKeySecretArn() != null) {
            adminKeys = Secret.fromSecretCompleteArn(this, "AdminKeys", props.reconcileAdminKeySecretArn());
        } else {
            adminKeys = Secret.Builder.create(this, "AdminKeys")
                    .description("Spendgate reconciliation admin keys: {\"OPENAI_ADMIN_KEY\": \"...\","
                            + " \"ANTHROPIC_ADMIN_KEY\": \"...\"}; a provider without a key is skipped")
                    .generateSecretString(SecretStringGenerator.builder()
                            .secretStringTemplate("{}")
                            .generateStringKey("placeholder")
                            .excludePunctuation(true)
                            .build())
                    .removalPolicy(RemovalPolicy.RETAIN)
                    .build();
        }
        LogGroup logs = LogGroup.Builder.create(this, "Logs")
                .retention(RetentionDays.THREE_MONTHS)
                .removalPolicy(RemovalPolicy.RETAIN)
                .build();
        Role role = Policies.lambdaRole(
                this,
                "Role",
                "Spendgate reconciliation: reads usage, its admin keys and the billing export; writes reconciliation/",
                logs);
        role.addToPolicy(Policies.readObjects("ReadUsage", bucket, Storage.USAGE_PREFIX));
        role.addToPolicy(Policies.listPrefixes("ListUsage", bucket, Storage.USAGE_PREFIX));
        role.addToPolicy(Policies.writeObjects("WriteReconciliation", bucket, RECONCILIATION_PREFIX));
        role.addToPolicy(Policies.allow(
                "ReadAdminKeys", List.of("secretsmanager:GetSecretValue"), List.of(adminKeys.getSecretArn())));
        role.addToPolicy(Policies.allow("PublishAlerts", List.of("sns:Publish"), List.of(alerts.getTopicArn())));
        role.addToPolicy(Policies.allow(
                "EncryptAlerts", List.of("kms:GenerateDataKey", "kms:Decrypt"), List.of(alertsKey.getKeyArn())));
        // PutMetricData has no resource type: "*", limited to the job's own namespace
        role.addToPolicy(PolicyStatement.Builder.create()
                .sid("PublishMetrics")
                .effect(Effect.ALLOW)
                .actions(List.of("cloudwatch:PutMetricData"))
                .resources(List.of("*"))
                .conditions(Map.of("StringEquals", Map.of("cloudwatch:namespace", METRIC_NAMESPACE)))
                .build());
        // the month to date summed by Athena: read object by object, a month past about 40M calls did not fit the
        // job's 10 minutes
        UsageQueries.grant(role, bucket, software.amazon.awscdk.Stack.of(this));
        Map<String, String> env = new HashMap<>(UsageQueries.environment());
        env.put("SPENDGATE_USAGE_BUCKET", bucket.getBucketName());
        env.put("SPENDGATE_ALERT_TOPIC_ARN", alerts.getTopicArn());
        env.put("SPENDGATE_RECONCILE_ADMIN_KEYS_SECRET", adminKeys.getSecretArn());
        env.put("SPENDGATE_RECONCILE_THRESHOLD_PCT", props.reconcileThresholdPercent());
        env.putAll(ConfigFiles.reportEnvironment(props));
        if (props.reconcileExportBucket() != null) {
            IBucket export = Bucket.fromBucketName(this, "ExportBucket", props.reconcileExportBucket());
            String prefix = props.reconcileExportPrefix();
            role.addToPolicy(Policies.readObjects("ReadBillingExport", export, prefix));
            role.addToPolicy(Policies.listPrefixes("ListBillingExport", export, prefix));
            env.put("SPENDGATE_RECONCILE_EXPORT_BUCKET", props.reconcileExportBucket());
            env.put("SPENDGATE_RECONCILE_EXPORT_PREFIX", prefix);
        }
        function = Function.Builder.create(this, "Function")
                .description("Spendgate daily reconciliation of metered cost with the providers' bills")
                .runtime(Runtime.JAVA_21)
                .handler(HANDLER)
                .code(props.code().code(FunctionCode.Function.REPORT_RUNNER))
                .memorySize(1024)
                // longer than one Athena query's wait (10 minutes, AthenaMonthlyUsageSource): a slow query is stopped
                // and reported by the job, not cut off with it
                .timeout(Duration.minutes(15))
                .role(role)
                .logGroup(logs)
                .layers(ConfigFiles.layers(this, props))
                .environment(env)
                .snapStart(SnapStartConf.ON_PUBLISHED_VERSIONS)
                .build();
        alias = Alias.Builder.create(this, "Live")
                .aliasName("live")
                .version(function.getCurrentVersion())
                .build();
        ScheduledJobs.onFailure(alias, role, failedRuns);
        schedule = Schedule.Builder.create(this, "Daily")
                .description("Spendgate reconciliation with provider bills, month to date, every day at 05:00 UTC")
                .schedule(ScheduleExpression.cron(CronOptionsWithTimezone.builder()
                        .minute("0")
                        .hour("5")
                        .timeZone(TimeZone.ETC_UTC)
                        .build()))
                .target(LambdaInvoke.Builder.create(alias)
                        .retryAttempts(2)
                        .maxEventAge(Duration.hours(6))
                        .deadLetterQueue(failedRuns)
                        .build())
                .build();
        failures = Alarm.Builder.create(this, "Failed")
                .alarmDescription("Spendgate reconciliation failed (bad provider data, an unreadable export or an"
                        + " admin API error); see its log group")
                .metric(function.metricErrors(MetricOptions.builder()
                        .period(Duration.days(1))
                        .statistic("Sum")
                        .build()))
                .threshold(1)
                .evaluationPeriods(1)
                .comparisonOperator(ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD)
                .treatMissingData(TreatMissingData.NOT_BREACHING)
                .build();
        failures.addAlarmAction(new SnsAction(alerts));
        double threshold = Double.parseDouble(props.reconcileThresholdPercent());
        for (String provider : PROVIDERS) {
            Alarm a = Alarm.Builder.create(
                            this, "Unexplained" + Character.toUpperCase(provider.charAt(0)) + provider.substring(1))
                    .alarmDescription("Spendgate reconciliation: " + provider + "'s unexplained difference between its"
                            + " bill and the metered cost passed " + props.reconcileThresholdPercent() + " % of the"
                            + " bill; see reconciliation/YYYY-MM.csv in the data bucket")
                    .metric(Metric.Builder.create()
                            .namespace(METRIC_NAMESPACE)
                            .metricName(UNEXPLAINED_PERCENT_METRIC)
                            .dimensionsMap(Map.of("Provider", provider))
                            .statistic("Maximum")
                            .period(Duration.days(1))
                            .build())
                    .threshold(threshold)
                    .evaluationPeriods(1)
                    .comparisonOperator(ComparisonOperator.GREATER_THAN_THRESHOLD)
                    // a provider without an admin key or export publishes nothing: not an alarm
                    .treatMissingData(TreatMissingData.NOT_BREACHING)
                    .build();
            a.addAlarmAction(new SnsAction(alerts));
            unexplained.put(provider, a);
        }
        suppressNagFindings(props);
    }

    private void suppressNagFindings(SpendgateStackProps props) {
        if (adminKeys instanceof Secret secret) {
            NagSuppressionsConfig.suppress(
                    secret,
                    false,
                    NagSuppressionsConfig.because(
                            "AwsSolutions-SMG4",
                            "Admin keys are issued by OpenAI and Anthropic, which offer no rotation API; operators"
                                    + " rotate them at the provider and put the new value."));
        }
        List<String> wildcards = new java.util.ArrayList<>(List.of(
                "Resource::<StorageDataBucketB1B922FA.Arn>/" + Storage.USAGE_PREFIX + "*",
                "Resource::<StorageDataBucketB1B922FA.Arn>/" + RECONCILIATION_PREFIX + "*",
                "Resource::*"));
        wildcards.addAll(UsageQueries.nagWildcards());
        if (props.reconcileExportBucket() != null) {
            wildcards.add("Resource::arn:<AWS::Partition>:s3:::" + props.reconcileExportBucket() + "/"
                    + props.reconcileExportPrefix() + "*");
        }
        NagSuppressionsConfig.suppress(
                function.getRole(),
                true,
                NagSuppressionsConfig.because(
                        "AwsSolutions-IAM5",
                        "The job reads usage objects (usage/ only) and the billing export's objects (its prefix"
                                + " only), whose names are not known in advance, writes reconciliation/YYYY-MM.csv"
                                + " and its bill lines (PutObject, reconciliation/ only), and Athena's query results"
                                + " (athena-results/ only); cloudwatch:PutMetricData has"
                                + " no resource type, so it is granted on * for the Spendgate namespace only.",
                        wildcards));
        NagSuppressionsConfig.suppress(
                function,
                false,
                NagSuppressionsConfig.because(
                        "AwsSolutions-L1",
                        "java21 is the runtime the project deploys and tests its functions on (code compiled for"
                                + " Java 21, the minimum)."));
        software.amazon.awscdk.Annotations.of(function)
                .acknowledgeWarning(
                        "@aws-cdk/aws-lambda:snapStartRequirePublish",
                        "Versions are published: the live alias points at currentVersion.");
    }

    public Function function() {
        return function;
    }

    public Alias alias() {
        return alias;
    }

    public Schedule schedule() {
        return schedule;
    }

    public Alarm failures() {
        return failures;
    }

    /** The alarm on each provider's unexplained difference, by provider ({@code openai}, {@code anthropic}, ...). */
    public Map<String, Alarm> unexplainedAlarms() {
        return java.util.Collections.unmodifiableMap(unexplained);
    }

    public ISecret adminKeys() {
        return adminKeys;
    }
}
