package dev.spendgate.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Review of the stack as an AWS architect reads it (session 22): who hears the alarms, how long the API's logs are
 * kept, what a failed first deploy leaves behind, and who may write the usage log. Each test states the AWS rule it
 * relies on.
 */
class StackOperationsReviewTest {
    private static Synth synth;

    @BeforeAll
    static void synthesize() {
        synth = Synth.of(b -> {});
    }

    /**
     * README "Deploy to AWS", Operations: "alarms to the topic for API 5xx, ... failed scheduled runs". A CloudWatch
     * alarm publishes to SNS as the service principal {@code cloudwatch.amazonaws.com}, which the topic's access
     * policy must allow (AWS Knowledge Center, "Why didn't I receive an SNS notification for my CloudWatch alarm
     * trigger?": the alarm history then shows "... is not authorized to perform: SNS:Publish ... because no
     * resource-based policy allows the SNS:Publish action"). An AWS::SNS::TopicPolicy replaces the topic's default
     * policy (the one allowing the owner account, AWS:SourceOwner); {@code enforceSsl(true)} creates one holding only
     * the TLS Deny. The KMS key already lets CloudWatch encrypt (AllowCloudWatchAlarmsToPublish): the topic does not
     * let it publish, so none of the stack's 15 alarms reaches a subscriber.
     */
    @Test
    void alertTopicPolicy_allowsTheStacksAlarmsToPublish() {
        Map<String, Map<String, Object>> alarms = synth.resources("AWS::CloudWatch::Alarm");
        String topic = Statements.logicalId(synth, "Alerts");
        assertThat(alarms.values())
                .as("the stack's alarms act on the alert topic")
                .hasSizeGreaterThanOrEqualTo(15)
                .allSatisfy(a -> assertThat(props(a).get("AlarmActions")).isEqualTo(List.of(Map.of("Ref", topic))));

        List<String> allows = new ArrayList<>();
        synth.resources("AWS::SNS::TopicPolicy").values().forEach(p -> {
            assertThat(props(p).get("Topics")).isEqualTo(List.of(Map.of("Ref", topic)));
            for (Object o : (List<?>) ((Map<?, ?>) props(p).get("PolicyDocument")).get("Statement")) {
                Map<?, ?> st = (Map<?, ?>) o;
                if ("Allow".equals(st.get("Effect"))
                        && String.valueOf(st.get("Action")).toLowerCase().contains("sns:publish")) {
                    allows.add(String.valueOf(st.get("Principal")));
                }
            }
        });
        assertThat(allows)
                .as("statements of the alert topic's policy that allow sns:Publish, by principal")
                .anySatisfy(principal -> assertThat(principal).contains("cloudwatch.amazonaws.com"));
    }

    /**
     * README "Deploy to AWS": "execution logs at ERROR level" and "90-day log retention for every function, the API
     * and the usage stream". With a stage logging level set, API Gateway writes execution logs to the log group
     * {@code API-Gateway-Execution-Logs_{rest-api-id}/{stage}}, which it creates itself when the stack does not
     * (API Gateway developer guide, "Set up CloudWatch logging for REST APIs"), and a log group created that way never
     * expires. The stack creates only the access log group: the execution logs are kept forever.
     */
    @Test
    void apiExecutionLogs_inALogGroupTheStackKeepsNinetyDays() {
        String api = Statements.logicalId(synth, "ProxyApi");
        String expected = "API-Gateway-Execution-Logs_<" + api + ">/" + ProxyApi.STAGE;
        // A log group the stack creates, or (for a stack deployed before, where API Gateway already created the
        // group and a new AWS::Logs::LogGroup of that name would fail "already exists") the CDK's LogRetention,
        // which sets the retention of the existing group.
        List<String> named = new ArrayList<>();
        for (String type : List.of("AWS::Logs::LogGroup", "Custom::LogRetention")) {
            synth.resources(type).values().forEach(g -> {
                Object name = props(g).get("LogGroupName");
                if (name != null && Statements.text(name).equals(expected)) {
                    named.add(expected + " " + props(g).get("RetentionInDays") + " days");
                }
            });
        }
        assertThat(named).containsExactly(expected + " 90 days");
    }

    /**
     * README "Deploy to AWS" foresees a first deploy failing ("it needs an account limit of at least 300 ... on a new
     * account with a low quota deploy with 0"). When a stack's create rolls back, CloudFormation keeps every resource
     * whose DeletionPolicy is Retain. The three tables have fixed names (spendgate-keys, -usage-spool, -budgets), so
     * after that rollback every retry of {@code cdk deploy} fails with "already exists" until the operator removes
     * them.
     *
     * <p>RetainExceptOnCreate (AWS, DeletionPolicy attribute: "If the stack operation that created the resource is
     * rolled back, CloudFormation deletes the resource") would not help here: the tables have deletion protection, and
     * a protected table "cannot be deleted by any user or process" (AWS::DynamoDB::Table DeletionProtectionEnabled,
     * in the CloudFormation resource specification the CDK CLI ships, {@code node_modules/aws-cdk/db.json.gz}); the
     * CDK's own integration test of {@code deletionProtection} (aws-cdk, integ.dynamodb.deletion-protection.ts) runs
     * {@code aws dynamodb update-table ... --no-deletion-protection-enabled} before its stack can be destroyed. The
     * rollback's DeleteTable would fail, the stack end in ROLLBACK_FAILED with the tables still there: worse than
     * Retain. So the tables stay Retain with deletion protection (no change to deployed tables), and the README's
     * deploy section gives the clean-up after a failed first deploy, command by command, for each table the
     * template names.
     */
    @Test
    void namedTables_keptByARolledBackFirstCreate_readmeSaysHowToRemoveThem() throws IOException {
        Map<String, Map<String, Object>> tables = synth.resources("AWS::DynamoDB::Table");
        assertThat(tables).hasSize(3);
        List<String> policies = new ArrayList<>();
        List<String> names = new ArrayList<>();
        tables.forEach((id, t) -> {
            assertThat(props(t)).containsKey("TableName");
            names.add((String) props(t).get("TableName"));
            policies.add(props(t).get("TableName") + " deletion " + t.get("DeletionPolicy") + ", replace "
                    + t.get("UpdateReplacePolicy") + ", protected " + props(t).get("DeletionProtectionEnabled"));
        });
        assertThat(policies)
                .containsExactlyInAnyOrder(
                        "spendgate-keys deletion Retain, replace Retain, protected true",
                        "spendgate-usage-spool deletion Retain, replace Retain, protected true",
                        "spendgate-budgets deletion Retain, replace Retain, protected true");

        String readme = Files.readString(Path.of("..", "README.md"));
        for (String name : names) {
            assertThat(readme)
                    .as("README's clean-up after a failed first deploy, for " + name)
                    .contains("aws dynamodb update-table --table-name " + name + " --no-deletion-protection-enabled")
                    .contains("aws dynamodb delete-table --table-name " + name);
        }
    }

    /**
     * Least privilege (README: "one role per function with statements written action by action"). The waste run
     * reads Firehose's usage objects and writes back under {@code usage/} only the records it replays from
     * {@code usage-errors/}, as {@code usage/v1/year=/month=/day=/hour=/part-replayed-<hash>.ndjson.gz}
     * (UsageErrorReplay). Its role may PutObject on {@code usage/*}: a bug or a compromised function can overwrite any
     * object of the usage log, the record every report and the reconciliation read, and the bucket keeps the old
     * version for only 30 days (expire-old-versions).
     */
    @Test
    void wasteRole_writesUnderUsageOnlyTheObjectsItReplays() {
        List<String> usageWrites = new ArrayList<>();
        Statements.of(synth, "JobsWasteDetectorRole").forEach((sid, text) -> {
            if (text.startsWith("[") && text.contains("s3:PutObject") && text.contains("/usage/")) {
                usageWrites.add(sid + ": " + text);
            }
        });
        assertThat(usageWrites).isNotEmpty();
        assertThat(usageWrites).allSatisfy(w -> assertThat(w).contains("part-replayed-"));
    }

    /**
     * README "Deploy to AWS", proxy settings: "secrets (SPENDGATE_ADMIN_TOKEN, provider keys) are refused, they would
     * be readable in the template". SPENDGATE_TLS_KEYSTORE_PASSWORD (Configuration: "the password is never logged")
     * is accepted and lands in clear in the function's Environment of the template, readable by anyone with
     * cloudformation:GetTemplate or lambda:GetFunctionConfiguration.
     */
    @Test
    void proxyEnvironment_keystorePassword_isRefusedAsASecret() {
        assertThatThrownBy(() -> SpendgateStackProps.builder()
                        .proxyCode(Path.of("."))
                        .wasteDetectorJar(Path.of("."))
                        .reportRunnerJar(Path.of("."))
                        .proxyEnvironment(Map.of("SPENDGATE_TLS_KEYSTORE_PASSWORD", "hunter2"))
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("SPENDGATE_TLS_KEYSTORE_PASSWORD");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> props(Map<String, Object> resource) {
        return (Map<String, Object>) resource.get("Properties");
    }
}
