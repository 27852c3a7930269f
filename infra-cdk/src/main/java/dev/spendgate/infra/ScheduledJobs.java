package dev.spendgate.infra;

import dev.spendgate.domain.usage.UsageErrorReplay;
import dev.spendgate.domain.usage.UsageLayout;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.TimeZone;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.kms.IKey;
import software.amazon.awscdk.services.lambda.Alias;
import software.amazon.awscdk.services.lambda.Code;
import software.amazon.awscdk.services.lambda.DestinationConfig;
import software.amazon.awscdk.services.lambda.DestinationOptions;
import software.amazon.awscdk.services.lambda.EventInvokeConfigOptions;
import software.amazon.awscdk.services.lambda.Function;
import software.amazon.awscdk.services.lambda.IDestination;
import software.amazon.awscdk.services.lambda.IFunction;
import software.amazon.awscdk.services.lambda.ILayerVersion;
import software.amazon.awscdk.services.lambda.Runtime;
import software.amazon.awscdk.services.lambda.SnapStartConf;
import software.amazon.awscdk.services.lambda.VersionOptions;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.logs.RetentionDays;
import software.amazon.awscdk.services.scheduler.CronOptionsWithTimezone;
import software.amazon.awscdk.services.scheduler.Schedule;
import software.amazon.awscdk.services.scheduler.ScheduleExpression;
import software.amazon.awscdk.services.scheduler.targets.LambdaInvoke;
import software.amazon.awscdk.services.ses.EmailIdentity;
import software.amazon.awscdk.services.sns.ITopic;
import software.amazon.awscdk.services.sqs.IQueue;
import software.amazon.awscdk.services.sqs.Queue;
import software.amazon.awscdk.services.sqs.QueueEncryption;
import software.constructs.Construct;

/**
 * The two scheduled functions, on the managed {@code java21} runtime with SnapStart (code compiled for Java 21):
 * daily waste detection at 03:00 UTC and the monthly report at 06:00 UTC on the 2nd (a batch created on the month's
 * last day may run 24 hours, and its records are dated in that month). EventBridge Scheduler invokes
 * each function's {@code live} alias, so every run starts from the published version's snapshot.
 */
public final class ScheduledJobs extends Construct {
    /**
     * 10,240 MB because the daily run needs the 6 vCPUs Lambda gives at this size (about 1 per 1,769 MB), not the
     * memory: the day pass compares calls in the response-cache index on worker threads, one (feature, model) at a
     * time each (SPENDGATE_WASTE_THREADS, default the processors the JVM sees), and usage objects are decoded on
     * other threads. Measured on a 1B-call month's weekday density (bench/RESULTS.md, "Parallel waste day pass"):
     * about 37 us of CPU a record in all, the busiest (feature, model) 30 % of the index work; a 38M-record weekday
     * is then about 250-375 s on 6 vCPUs, against about 840 s of CPU per vCPU-share at 3,008 MB (1.7 vCPUs), too
     * close to the 15 minutes. What the run holds (under 1 GB: two hours of index, batches in flight, at most 256 MiB
     * of usage objects fetched ahead and 64 chunks of 512 lines parsed ahead) would fit the smaller size. Ephemeral
     * storage stays at Lambda's default 512 MB (SnapStart takes no more): the window run copies one stored day
     * aggregate at a time to /tmp (66 MB in the worst case, deleted after the day) rather than holding its bytes on
     * the heap.
     */
    static final int WASTE_MEMORY_MB = 10240;
    /** The waste function's JVM: the full JIT (C2), not the runtime's default C1-only. */
    static final String WASTE_JAVA_TOOL_OPTIONS = "-XX:+TieredCompilation -XX:TieredStopAtLevel=4";

    public static final String WASTE_HANDLER = "dev.spendgate.function.waste.WasteDetectorHandler::handleRequest";
    public static final String REPORT_HANDLER = "dev.spendgate.function.report.ReportRunnerHandler::handleRequest";

    /** The usage objects the waste run may write: the records it puts back ({@link UsageErrorReplay}), no others. */
    static final String REPLAYED_USAGE_OBJECTS = UsageLayout.ROOT + "*/" + UsageErrorReplay.REPLAYED_PART + "*";

    private final Function wasteDetector;
    private final Function reportRunner;
    private final Alias wasteAlias;
    private final Alias reportAlias;
    private final Schedule daily;
    private final Schedule monthly;
    private final Queue failedRuns;

    public ScheduledJobs(
            Construct scope,
            String id,
            SpendgateStackProps props,
            Storage storage,
            ITopic alerts,
            IKey alertsKey,
            EmailIdentity sender,
            String senderAddress,
            String recipients) {
        super(scope, id);
        var bucket = storage.data();
        // Runs that fail after their retries (function errors: the alias's on-failure destination; invocations the
        // scheduler could not make: its dead-letter queue) land here with their event, and the operators are alerted.
        failedRuns = Queue.Builder.create(this, "FailedRuns")
                .encryption(QueueEncryption.SQS_MANAGED)
                .enforceSsl(true)
                .retentionPeriod(Duration.days(14))
                .build();

        LogGroup wasteLogs = logGroup("WasteDetectorLogs");
        Role wasteRole = Policies.lambdaRole(
                this,
                "WasteDetectorRole",
                "Spendgate waste detector: reads usage, writes findings, puts back undelivered usage",
                wasteLogs);
        wasteRole.addToPolicy(Policies.readObjects("ReadUsage", bucket, Storage.USAGE_PREFIX));
        // the day's alert marker and a day's aggregate are read before they exist: they must read 404, not 403
        wasteRole.addToPolicy(Policies.listBucket("ListUsageAndFindings", bucket));
        wasteRole.addToPolicy(Policies.writeObjects("WriteFindings", bucket, Storage.FINDINGS_PREFIX));
        // Records Firehose could not deliver to S3 in its 2 hours (under usage-errors/) are put back under usage/ at
        // the start of each run, and their error objects deleted (UsageErrorReplay).
        wasteRole.addToPolicy(Policies.listPrefixes("ListUndeliveredUsage", bucket, UsageErrorReplay.PREFIX));
        wasteRole.addToPolicy(Policies.allow(
                "ReplayUndeliveredUsage",
                List.of("s3:GetObject", "s3:DeleteObject"),
                List.of(bucket.arnForObjects(UsageErrorReplay.PREFIX + "*"))));
        // Only the objects the replay names (usage/v1/year=/month=/day=/hour=/part-replayed-<hash>.ndjson.gz): the
        // role cannot overwrite Firehose's objects, the usage log every report and the reconciliation read.
        wasteRole.addToPolicy(Policies.allow(
                "PutBackUsage", List.of("s3:PutObject"), List.of(bucket.arnForObjects(REPLAYED_USAGE_OBJECTS))));
        // the day aggregates the 30-day window merges: built once per day, rebuilt when missing or stale
        wasteRole.addToPolicy(Policies.allow(
                "ReadWriteAggregates",
                List.of("s3:GetObject", "s3:PutObject"),
                List.of(bucket.arnForObjects(Storage.AGGREGATES_PREFIX + "*"))));
        // reads back only its own marker (findings/YYYY-MM-DD.alerted) so a retried run does not alert twice
        wasteRole.addToPolicy(Policies.readObjects("ReadFindings", bucket, Storage.FINDINGS_PREFIX));
        // A run claims the day's alert with that marker (a conditional PutObject) before publishing and gives it back
        // when the publish fails, so the retry alerts: delete, on the markers only.
        wasteRole.addToPolicy(Policies.allow(
                "ReleaseAlertClaim",
                List.of("s3:DeleteObject"),
                List.of(bucket.arnForObjects(Storage.FINDINGS_PREFIX + "*.alerted"))));
        // The key and budget rules list keys and budget policies (Scan); nothing else in those tables.
        wasteRole.addToPolicy(Policies.table("ListKeys", storage.keys(), "dynamodb:Scan"));
        wasteRole.addToPolicy(listBudgetPolicies(storage));
        wasteRole.addToPolicy(Policies.allow("PublishAlerts", List.of("sns:Publish"), List.of(alerts.getTopicArn())));
        wasteRole.addToPolicy(Policies.allow(
                "EncryptAlerts", List.of("kms:GenerateDataKey", "kms:Decrypt"), List.of(alertsKey.getKeyArn())));
        Map<String, String> wasteEnv = new HashMap<>(props.wasteEnvironment());
        wasteEnv.put("SPENDGATE_USAGE_BUCKET", bucket.getBucketName());
        wasteEnv.put("SPENDGATE_ALERT_TOPIC_ARN", alerts.getTopicArn());
        wasteEnv.put("SPENDGATE_KEYS_TABLE", storage.keys().getTableName());
        wasteEnv.put("SPENDGATE_BUDGETS_TABLE", storage.budgets().getTableName());
        // savings priced at the customer's contracted prices, as the proxy charged the calls
        wasteEnv.putAll(ConfigFiles.reportEnvironment(props));
        // Lambda's java21 runtime stops the JIT at C1 (level 1) by default, which suits short calls; the day pass is
        // minutes of tight loops, measured 1.6-1.7x slower on C1 alone (bench/RESULTS.md, "Parallel waste day pass")
        wasteEnv.put("JAVA_TOOL_OPTIONS", WASTE_JAVA_TOOL_OPTIONS);
        wasteDetector = snapStartFunction(
                "WasteDetector",
                "Spendgate daily waste detection",
                WASTE_HANDLER,
                props.code().code(FunctionCode.Function.WASTE_DETECTOR),
                WASTE_MEMORY_MB,
                Duration.minutes(15),
                wasteRole,
                wasteLogs,
                wasteEnv,
                ConfigFiles.layers(this, props),
                null);
        wasteAlias = live("WasteDetectorLive", wasteDetector);
        onFailure(wasteAlias, wasteRole, failedRuns);

        LogGroup reportLogs = logGroup("ReportRunnerLogs");
        Role reportRole = Policies.lambdaRole(
                this,
                "ReportRunnerRole",
                "Spendgate monthly report: reads usage, findings, outcomes, rules, keys and budget policies; writes reports and"
                        + " day aggregates; emails them",
                reportLogs);
        reportRole.addToPolicy(Policies.readObjects(
                "ReadInputs",
                bucket,
                Storage.USAGE_PREFIX,
                Storage.FINDINGS_PREFIX,
                Storage.REPORTS_PREFIX,
                Storage.OUTCOMES_PREFIX,
                Storage.CONFIG_PREFIX,
                ReconcileJob.BILLS_PREFIX));
        // the month's findings, stored bills, the email claim, config and day aggregates are read before they may
        // exist: 404, not 403
        reportRole.addToPolicy(Policies.listBucket("ListInputs", bucket));
        reportRole.addToPolicy(Policies.writeObjects("WriteReports", bucket, Storage.REPORTS_PREFIX));
        // the month's waste is merged from the waste detector's day aggregates of the calendar month; a day it has
        // not built, or whose usage changed since, is built from the log and stored for the detector to reuse
        reportRole.addToPolicy(Policies.allow(
                "ReadWriteAggregates",
                List.of("s3:GetObject", "s3:PutObject"),
                List.of(bucket.arnForObjects(Storage.AGGREGATES_PREFIX + "*"))));
        // and judges keys with the governance rules as the detector does (Scan of the keys table)
        reportRole.addToPolicy(Policies.table("ListKeys", storage.keys(), "dynamodb:Scan"));
        // A run claims the month's email before sending (a conditional PutObject) and gives the claim back when the
        // send fails, so the retry sends: delete, on the claim objects only.
        reportRole.addToPolicy(Policies.allow(
                "ReleaseEmailClaim",
                List.of("s3:DeleteObject"),
                List.of(bucket.arnForObjects(Storage.REPORTS_PREFIX + "*/email-claim-*"))));
        // Budget status lists the policies (Scan).
        reportRole.addToPolicy(listBudgetPolicies(storage));
        // The findings' life cycle (open / resolved / regressed) that recovered savings are measured from.
        reportRole.addToPolicy(Policies.allow(
                "WriteFindingLifecycle",
                List.of("s3:PutObject"),
                List.of(bucket.arnForObjects("findings/lifecycle.json"))));
        // A month whose data is damaged or quarantined alerts the operators instead of failing silently.
        reportRole.addToPolicy(Policies.allow("PublishAlerts", List.of("sns:Publish"), List.of(alerts.getTopicArn())));
        reportRole.addToPolicy(Policies.allow(
                "EncryptAlerts", List.of("kms:GenerateDataKey", "kms:Decrypt"), List.of(alertsKey.getKeyArn())));
        Stack stack = Stack.of(this);
        // the month's figures are summed by Athena: the same grants as the reconcile job's
        UsageQueries.grant(reportRole, bucket, stack);
        reportRole.addToPolicy(Policies.allow(
                "SendReports",
                List.of("ses:SendEmail", "ses:SendRawEmail"),
                List.of(stack.formatArn(software.amazon.awscdk.ArnComponents.builder()
                        .service("ses")
                        .resource("identity")
                        .resourceName(sender.getEmailIdentityName())
                        .build()))));
        Map<String, String> reportEnv = new HashMap<>(props.reportEnvironment());
        reportEnv.put("SPENDGATE_USAGE_BUCKET", bucket.getBucketName());
        reportEnv.put("SPENDGATE_BUDGETS_TABLE", storage.budgets().getTableName());
        reportEnv.put("SPENDGATE_KEYS_TABLE", storage.keys().getTableName());
        reportEnv.put("SPENDGATE_REPORT_EMAIL_FROM", senderAddress);
        reportEnv.put("SPENDGATE_REPORT_EMAIL_TO", recipients);
        reportEnv.put("SPENDGATE_CHARGEBACK_RULES_KEY", Storage.CHARGEBACK_RULES_KEY);
        reportEnv.putAll(UsageQueries.environment());
        reportEnv.put("SPENDGATE_ALERT_TOPIC_ARN", alerts.getTopicArn());
        reportEnv.putAll(ConfigFiles.reportEnvironment(props));
        // the report reconciles with the bill lines the daily reconcile job stores (read-only here)
        reportEnv.put("SPENDGATE_REPORT_PROVIDER_BILLS", "true");
        reportEnv.put("SPENDGATE_RECONCILE_THRESHOLD_PCT", props.reconcileThresholdPercent());
        // the gateway's own AWS cost in the report is estimated for the proxy as deployed
        reportEnv.put("SPENDGATE_PROXY_MEMORY_MB", Integer.toString(props.proxyMemoryMb()));
        reportEnv.put(
                "SPENDGATE_PROXY_ARCHITECTURE",
                props.proxyArchitecture().getName().equals("arm64") ? "arm64" : "x86_64");
        // Secrets Manager bills each secret the stack creates by the month: the provider keys and the reconciliation
        // admin keys, unless existing ones were given by ARN (the operator's own)
        reportEnv.put(
                "SPENDGATE_GATEWAY_COST_SECRETS",
                Integer.toString((props.providerKeySecretArn() == null ? 1 : 0)
                        + (props.reconcileAdminKeySecretArn() == null ? 1 : 0)));
        // on managed instances the proxy's compute is the fleet, not Lambda duration: the report prices that
        reportEnv.put("SPENDGATE_PROXY_COMPUTE", props.proxyCompute().contextValue());
        if (props.proxyCompute() == SpendgateStackProps.ProxyCompute.MANAGED_INSTANCES) {
            reportEnv.put("SPENDGATE_PROXY_MAX_VCPUS", Integer.toString(props.proxyMaxVCpus()));
            // the fleet is sized by the calls each environment takes at once, as the template sets it
            reportEnv.put(
                    "SPENDGATE_PROXY_CONCURRENCY_PER_ENVIRONMENT", Integer.toString(props.concurrencyPerEnvironment()));
            if (!props.proxyInstanceTypes().isEmpty()) {
                reportEnv.put(
                        "SPENDGATE_PROXY_INSTANCE_TYPE",
                        props.proxyInstanceTypes().get(0));
            }
        }
        reportRunner = snapStartFunction(
                "ReportRunner",
                "Spendgate monthly FOCUS export, chargeback, board PDF and email",
                REPORT_HANDLER,
                props.code().code(FunctionCode.Function.REPORT_RUNNER),
                2048,
                Duration.minutes(15),
                reportRole,
                reportLogs,
                reportEnv,
                ConfigFiles.layers(this, props),
                // The schedule invokes the live alias's published version, whose logical id cannot see a parameter's
                // value: naming both parameters here makes CloudFormation replace (publish) the version when either
                // changes, so the next report goes to the new recipients from the new sender. At most 256 characters
                // (Lambda's limit), hence the parameters' maximum lengths (SpendgateStack).
                recipients + " from " + senderAddress);
        reportAlias = live("ReportRunnerLive", reportRunner);
        onFailure(reportAlias, reportRole, failedRuns);

        daily = Schedule.Builder.create(this, "DailyWasteDetection")
                .description("Spendgate waste detection over the trailing 30 days, every day at 03:00 UTC")
                .schedule(ScheduleExpression.cron(CronOptionsWithTimezone.builder()
                        .minute("0")
                        .hour("3")
                        .timeZone(TimeZone.ETC_UTC)
                        .build()))
                .target(LambdaInvoke.Builder.create(wasteAlias)
                        .retryAttempts(2)
                        .maxEventAge(Duration.hours(6))
                        .deadLetterQueue(failedRuns)
                        .build())
                .build();
        monthly = Schedule.Builder.create(this, "MonthlyReport")
                .description("Spendgate report for the previous month, on the 2nd at 06:00 UTC")
                .schedule(ScheduleExpression.cron(CronOptionsWithTimezone.builder()
                        .minute("0")
                        .hour("6")
                        // the 2nd, not the 1st: a batch created on the month's last day ends up to 24 h later
                        // (both providers' completion window), and its records are dated at its creation
                        .day("2")
                        .timeZone(TimeZone.ETC_UTC)
                        .build()))
                .target(LambdaInvoke.Builder.create(reportAlias)
                        .retryAttempts(2)
                        .maxEventAge(Duration.hours(6))
                        .deadLetterQueue(failedRuns)
                        .build())
                .build();
    }

    /**
     * The scheduler invokes asynchronously: a run whose function fails is retried twice by Lambda, then its event
     * goes to {@code queue} (the function's role may send there and nothing else; the CDK's SqsDestination would
     * also grant GetQueueAttributes and GetQueueUrl, which Lambda does not use).
     */
    static void onFailure(Alias alias, Role role, IQueue queue) {
        role.addToPolicy(Policies.allow("SendFailedRuns", List.of("sqs:SendMessage"), List.of(queue.getQueueArn())));
        IDestination toQueue = new IDestination() {
            @Override
            public DestinationConfig bind(Construct scope, IFunction fn, DestinationOptions options) {
                return DestinationConfig.builder()
                        .destination(queue.getQueueArn())
                        .build();
            }

            @Override
            public DestinationConfig bind(Construct scope, IFunction fn) {
                return bind(scope, fn, null);
            }
        };
        alias.configureAsyncInvoke(EventInvokeConfigOptions.builder()
                .retryAttempts(2)
                .maxEventAge(Duration.hours(6))
                .onFailure(toQueue)
                .build());
    }

    /**
     * Listing budget policies reads the policy index and the items it names (GetItem, BatchGetItem); Scan finds the
     * policies of a table whose index the proxy has not completed yet (DynamoDbBudgetPolicyStore). No writes.
     */
    private static software.amazon.awscdk.services.iam.PolicyStatement listBudgetPolicies(Storage storage) {
        return Policies.table(
                "ListBudgetPolicies", storage.budgets(), "dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Scan");
    }

    private LogGroup logGroup(String id) {
        return LogGroup.Builder.create(this, id)
                .retention(RetentionDays.THREE_MONTHS)
                .removalPolicy(RemovalPolicy.RETAIN)
                .build();
    }

    private Function snapStartFunction(
            String id,
            String description,
            String handler,
            Code code,
            int memoryMb,
            Duration timeout,
            Role role,
            LogGroup logs,
            Map<String, String> env,
            List<ILayerVersion> layers,
            String versionDescription) {
        var builder = Function.Builder.create(this, id)
                .description(description)
                .runtime(Runtime.JAVA_21)
                .handler(handler)
                .code(code)
                .memorySize(memoryMb)
                .timeout(timeout)
                .snapStart(SnapStartConf.ON_PUBLISHED_VERSIONS)
                .role(role)
                .logGroup(logs)
                .layers(layers)
                .environment(env);
        if (versionDescription != null) {
            builder.currentVersionOptions(
                    VersionOptions.builder().description(versionDescription).build());
        }
        return builder.build();
    }

    private Alias live(String id, Function function) {
        return Alias.Builder.create(this, id)
                .aliasName("live")
                .version(function.getCurrentVersion())
                .build();
    }

    public Function wasteDetector() {
        return wasteDetector;
    }

    public Function reportRunner() {
        return reportRunner;
    }

    public Alias wasteAlias() {
        return wasteAlias;
    }

    public Alias reportAlias() {
        return reportAlias;
    }

    public Schedule daily() {
        return daily;
    }

    public Schedule monthly() {
        return monthly;
    }

    /** Failed scheduled runs (dead letters), kept 14 days. */
    public Queue failedRuns() {
        return failedRuns;
    }
}
