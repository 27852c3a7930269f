package dev.spendgate.infra;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.assertions.Match;

/** What a security reviewer asks of the reconciliation job: its grants, its schedule, its alarm. */
class ReconcileJobStackTest {
    static Synth plain;
    static Synth withExport;

    @BeforeAll
    static void synthesize() {
        plain = Synth.of(b -> {});
        withExport = Synth.of(b -> b.reconcileAdminKeySecretArn(
                        "arn:aws:secretsmanager:eu-central-1:123456789012:secret:admin-keys-AbCdEf")
                .reconcileExport("acme-billing-exports", "cur/spendgate")
                .reconcileThresholdPercent("1.5"));
    }

    @Test
    void role_default_readsUsageWritesReconciliationReadsOnlyItsOwnSecret() {
        Map<String, String> s = statements(plain, "ReconcileRole");

        assertThat(s)
                .containsOnlyKeys(
                        "WriteOwnLogs",
                        "ReadUsage",
                        "ListUsage",
                        "WriteReconciliation",
                        "ReadAdminKeys",
                        "PublishAlerts",
                        "EncryptAlerts",
                        "PublishMetrics",
                        "SendFailedRuns",
                        "ReadQueryResults",
                        "ListQueryResults",
                        "WriteQueryResults",
                        "AthenaResultsLocation",
                        "AthenaResultUploads",
                        "QueryUsage",
                        "UsageTableDefinition");
        assertThat(s.get("SendFailedRuns")).isEqualTo("[sqs:SendMessage] on <JobsFailedRuns.Arn>");
        assertThat(s.get("ReadUsage")).isEqualTo("[s3:GetObject] on <StorageDataBucket.Arn>/usage/*");
        assertThat(s.get("ListUsage")).isEqualTo("[s3:ListBucket] on <StorageDataBucket.Arn> if s3:prefix=[usage/*]");
        assertThat(s.get("WriteReconciliation"))
                .isEqualTo("[s3:PutObject] on <StorageDataBucket.Arn>/reconciliation/*");
        assertThat(s.get("ReadAdminKeys")).isEqualTo("[secretsmanager:GetSecretValue] on <ReconcileAdminKeys>");
        assertThat(s.get("PublishAlerts")).isEqualTo("[sns:Publish] on <Alerts>");
        assertThat(s.get("PublishMetrics"))
                .isEqualTo("[cloudwatch:PutMetricData] on * if cloudwatch:namespace=Spendgate");
        assertThat(managedPolicies(plain, "ReconcileRole")).isNull();
    }

    @Test
    void function_sumsTheMonthWithAthenaAsTheReportDoes() {
        // read object by object, a month past about 40M calls did not fit the job's 10 minutes
        Map<String, String> s = statements(plain, "ReconcileRole");
        assertThat(s.get("QueryUsage")).startsWith("[athena:StartQueryExecution, athena:GetQueryExecution,");
        assertThat(s.get("QueryUsage")).contains(":workgroup/spendgate");
        assertThat(s.get("WriteQueryResults")).isEqualTo("[s3:PutObject] on <StorageDataBucket.Arn>/athena-results/*");
        plain.template.hasResourceProperties(
                "AWS::Lambda::Function",
                Match.objectLike(Map.of(
                        "Handler",
                        ReconcileJob.HANDLER,
                        // the job outlives a query's 10-minute wait, so a slow query fails the run with its reason
                        "Timeout",
                        900,
                        "Environment",
                        Map.of(
                                "Variables",
                                Match.objectLike(Map.of(
                                        "SPENDGATE_ATHENA_WORKGROUP", Storage.ATHENA_WORKGROUP,
                                        "SPENDGATE_ATHENA_DATABASE", Storage.GLUE_DATABASE,
                                        "SPENDGATE_ATHENA_TABLE", Storage.GLUE_TABLE))))));
    }

    @Test
    void role_withExportAndExistingSecret_readsThatPrefixAndThatSecretOnly() {
        Map<String, String> s = statements(withExport, "ReconcileRole");

        assertThat(s.get("ReadBillingExport"))
                .isEqualTo("[s3:GetObject] on arn:<AWS::Partition>:s3:::acme-billing-exports/cur/spendgate/*");
        assertThat(s.get("ListBillingExport"))
                .isEqualTo(
                        "[s3:ListBucket] on arn:<AWS::Partition>:s3:::acme-billing-exports if s3:prefix=[cur/spendgate/*]");
        assertThat(s.get("ReadAdminKeys"))
                .isEqualTo("[secretsmanager:GetSecretValue] on "
                        + "arn:aws:secretsmanager:eu-central-1:123456789012:secret:admin-keys-AbCdEf");
        assertThat(s).doesNotContainKeys("WriteBillingExport");
        withExport.template.hasResourceProperties(
                "AWS::Lambda::Function",
                Match.objectLike(Map.of(
                        "Handler",
                        ReconcileJob.HANDLER,
                        "Environment",
                        Map.of(
                                "Variables",
                                Match.objectLike(Map.of(
                                        "SPENDGATE_RECONCILE_EXPORT_BUCKET", "acme-billing-exports",
                                        "SPENDGATE_RECONCILE_EXPORT_PREFIX", "cur/spendgate/",
                                        "SPENDGATE_RECONCILE_THRESHOLD_PCT", "1.5"))))));
    }

    @Test
    void schedule_dailyAt5Utc_invokesTheLiveAlias() {
        List<Map<?, ?>> mine = plain.resources("AWS::Scheduler::Schedule").values().stream()
                .<Map<?, ?>>map(r -> (Map<?, ?>) r.get("Properties"))
                .filter(p -> "cron(0 5 * * ? *)".equals(p.get("ScheduleExpression")))
                .toList();
        assertThat(mine).singleElement().satisfies(p -> {
            assertThat(p.get("ScheduleExpressionTimezone")).isEqualTo("Etc/UTC");
            assertThat(p.get("State")).isEqualTo("ENABLED");
            assertThat(((Map<?, ?>) p.get("Target")).get("Arn"))
                    .isEqualTo(Map.of("Ref", logicalId(plain, "ReconcileLive")));
        });
    }

    @Test
    void alarm_failedRun_notifiesTheAlertTopic() {
        plain.template.hasResourceProperties(
                "AWS::CloudWatch::Alarm",
                Match.objectLike(Map.of(
                        "MetricName",
                        "Errors",
                        "Namespace",
                        "AWS/Lambda",
                        "Threshold",
                        1,
                        "Period",
                        86400,
                        "Dimensions",
                        List.of(Map.of(
                                "Name", "FunctionName", "Value", Map.of("Ref", logicalId(plain, "ReconcileFunction")))),
                        "AlarmActions",
                        List.of(Map.of("Ref", logicalId(plain, "Alerts"))))));
    }

    @Test
    void alarms_unexplainedDifferencePerProvider_atTheThresholdParameterToTheAlertTopic() {
        for (Synth synth : List.of(plain, withExport)) {
            double threshold = synth == plain ? 2 : 1.5;
            List<Map<?, ?>> mine = synth.resources("AWS::CloudWatch::Alarm").values().stream()
                    .<Map<?, ?>>map(r -> (Map<?, ?>) r.get("Properties"))
                    .filter(p -> "ReconciliationUnexplainedPercent".equals(p.get("MetricName")))
                    .toList();
            List<Object> dimensions = mine.stream()
                    .map(p -> (Object) ((List<?>) p.get("Dimensions")).get(0))
                    .toList();
            assertThat(dimensions)
                    .containsExactlyInAnyOrder(
                            Map.of("Name", "Provider", "Value", "openai"),
                            Map.of("Name", "Provider", "Value", "anthropic"),
                            Map.of("Name", "Provider", "Value", "aws"));
            assertThat(mine).allSatisfy(p -> {
                assertThat(p.get("Namespace")).isEqualTo("Spendgate");
                assertThat(((Number) p.get("Threshold")).doubleValue()).isEqualTo(threshold);
                assertThat(p.get("ComparisonOperator")).isEqualTo("GreaterThanThreshold");
                assertThat(p.get("Statistic")).isEqualTo("Maximum");
                assertThat(((Number) p.get("Period")).intValue()).isEqualTo(86400);
                assertThat(p.get("TreatMissingData")).isEqualTo("notBreaching");
                assertThat(p.get("AlarmActions")).isEqualTo(List.of(Map.of("Ref", logicalId(synth, "Alerts"))));
            });
        }
    }

    @Test
    void logs_retainedThreeMonths() {
        plain.template.hasResourceProperties("AWS::Logs::LogGroup", Match.objectLike(Map.of("RetentionInDays", 90)));
        assertThat(plain.resources("AWS::Logs::LogGroup")).containsKey(logicalId(plain, "ReconcileLogs"));
    }

    @Test
    void cdkNag_bothVariants_noUnsuppressedFinding() {
        for (Synth s : List.of(plain, withExport)) {
            List<String> findings = new java.util.ArrayList<>();
            s.annotations
                    .findError("*", Match.stringLikeRegexp("AwsSolutions-.*"))
                    .forEach(m -> findings.add(m.getId() + " " + m.getEntry().getData()));
            s.annotations
                    .findWarning("*", Match.stringLikeRegexp("AwsSolutions-.*"))
                    .forEach(m -> findings.add(m.getId() + " " + m.getEntry().getData()));
            assertThat(findings).isEmpty();
        }
    }

    // ---- helpers

    static String logicalId(Synth s, String prefix) {
        List<String> ids = s.template.toJSON().keySet().isEmpty()
                ? List.of()
                : ((Map<?, ?>) s.template.toJSON().get("Resources"))
                        .keySet().stream()
                                .map(Object::toString)
                                .filter(k -> k.startsWith(prefix)
                                        && k.substring(prefix.length()).matches("[0-9A-F]{8}"))
                                .toList();
        assertThat(ids).as("one resource named %s", prefix).hasSize(1);
        return ids.get(0);
    }

    static Object managedPolicies(Synth s, String rolePrefix) {
        return ((Map<?, ?>) s.resources("AWS::IAM::Role")
                        .get(logicalId(s, rolePrefix))
                        .get("Properties"))
                .get("ManagedPolicyArns");
    }

    /** Sid to "[actions] on resources[ if s3:prefix=..]" with references as {@code <LogicalIdWithoutHash>}. */
    static Map<String, String> statements(Synth s, String rolePrefix) {
        String role = logicalId(s, rolePrefix);
        Map<String, String> out = new TreeMap<>();
        s.resources("AWS::IAM::Policy").values().forEach(p -> {
            Map<?, ?> props = (Map<?, ?>) p.get("Properties");
            if (!props.get("Roles").equals(List.of(Map.of("Ref", role)))) {
                return;
            }
            for (Object o : (List<?>) ((Map<?, ?>) props.get("PolicyDocument")).get("Statement")) {
                Map<?, ?> st = (Map<?, ?>) o;
                assertThat(st.get("Effect")).isEqualTo("Allow");
                List<?> actions = st.get("Action") instanceof List<?> l ? l : List.of(st.get("Action"));
                List<?> resources = st.get("Resource") instanceof List<?> l ? l : List.of(st.get("Resource"));
                String text = actions + " on "
                        + String.join(
                                ", ",
                                resources.stream()
                                        .map(ReconcileJobStackTest::text)
                                        .toList());
                if (st.get("Condition") instanceof Map<?, ?> c && c.get("StringLike") instanceof Map<?, ?> like) {
                    text += " if s3:prefix=" + like.get("s3:prefix");
                }
                if (st.get("Condition") instanceof Map<?, ?> c && c.get("StringEquals") instanceof Map<?, ?> eq) {
                    text += " if cloudwatch:namespace=" + eq.get("cloudwatch:namespace");
                }
                out.put((String) st.get("Sid"), text);
            }
        });
        return out;
    }

    private static String text(Object value) {
        if (value instanceof String str) {
            return str;
        }
        Map<?, ?> m = (Map<?, ?>) value;
        if (m.containsKey("Ref")) {
            return "<" + unhashed(m.get("Ref").toString()) + ">";
        }
        if (m.containsKey("Fn::GetAtt")) {
            List<?> att = (List<?>) m.get("Fn::GetAtt");
            return "<" + unhashed(att.get(0).toString()) + "." + att.get(1) + ">";
        }
        if (m.containsKey("Fn::Join")) {
            StringBuilder sb = new StringBuilder();
            for (Object part : (List<?>) ((List<?>) m.get("Fn::Join")).get(1)) {
                sb.append(text(part));
            }
            return sb.toString();
        }
        return m.toString();
    }

    private static String unhashed(String logicalId) {
        return logicalId.replaceAll("[0-9A-F]{8}$", "");
    }
}
