package dev.spendgate.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.assertions.Capture;
import software.amazon.awscdk.assertions.Match;

/**
 * What keeps one runaway client from hurting the customer's account: the API stage's throttling, the proxy's
 * reserved concurrency (the most of the account's Lambda concurrency it can take), an alarm when either throttles,
 * and a dead-letter queue with an alarm for scheduled runs that fail.
 */
class AccountProtectionStackTest {
    private static Synth defaults;

    @BeforeAll
    static void synthesize() {
        defaults = Synth.of(b -> {});
    }

    @Test
    void apiStage_defaults_throttlesEveryRouteAtFiftyPerSecondBurstHundred() {
        defaults.template.hasResourceProperties(
                "AWS::ApiGateway::Stage",
                Match.objectLike(Map.of(
                        "StageName",
                        "prod",
                        "MethodSettings",
                        List.of(Match.objectLike(Map.of(
                                "HttpMethod",
                                "*",
                                "ResourcePath",
                                "/*",
                                "ThrottlingRateLimit",
                                50,
                                "ThrottlingBurstLimit",
                                100))))));
    }

    @Test
    void proxyFunction_defaults_reservesTwoHundredConcurrentExecutions() {
        defaults.template.hasResourceProperties(
                "AWS::Lambda::Function",
                Match.objectLike(Map.of("Runtime", "provided.al2023", "ReservedConcurrentExecutions", 200)));
    }

    @Test
    void options_customLimits_reachTheStageAndTheFunction() {
        Synth custom = Synth.of(b -> b.apiThrottling(5.5, 10).proxyMaxConcurrency(20));

        custom.template.hasResourceProperties(
                "AWS::ApiGateway::Stage",
                Match.objectLike(Map.of(
                        "MethodSettings",
                        List.of(Match.objectLike(Map.of("ThrottlingRateLimit", 5.5, "ThrottlingBurstLimit", 10))))));
        custom.template.hasResourceProperties(
                "AWS::Lambda::Function",
                Match.objectLike(Map.of("Runtime", "provided.al2023", "ReservedConcurrentExecutions", 20)));
    }

    @Test
    void options_maxConcurrencyZero_reservesNothing() {
        Synth none = Synth.of(b -> b.proxyMaxConcurrency(0));

        none.template.hasResourceProperties(
                "AWS::Lambda::Function",
                Match.objectLike(Map.of("Runtime", "provided.al2023", "ReservedConcurrentExecutions", Match.absent())));
    }

    @Test
    void options_badLimits_failNamingTheSetting() {
        assertThatThrownBy(() -> Synth.of(b -> b.apiThrottling(0.0, 10))).hasMessageContaining("apiRateLimit");
        assertThatThrownBy(() -> Synth.of(b -> b.proxyMaxConcurrency(-1))).hasMessageContaining("proxyMaxConcurrency");
        assertThatThrownBy(() -> Synth.of(b -> b.usageBufferSeconds(30))).hasMessageContaining("usageBufferSeconds");
    }

    @Test
    void throttleAlarms_apiAndLambdaThrottles_notifyTheAlertTopic() {
        Capture format = new Capture();
        defaults.template.hasResourceProperties(
                "AWS::ApiGateway::Stage",
                Match.objectLike(Map.of("AccessLogSetting", Match.objectLike(Map.of("Format", format)))));
        assertThat(format.asString()).contains("\"responseType\":\"$context.error.responseType\"");
        defaults.template.hasResourceProperties(
                "AWS::Logs::MetricFilter",
                Match.objectLike(Map.of(
                        "LogGroupName",
                        Map.of("Ref", logicalId("ProxyAccessLogs")),
                        "FilterPattern",
                        Operations.API_THROTTLED_PATTERN)));
        for (String metric : List.of(Operations.API_THROTTLED, "Throttles")) {
            defaults.template.hasResourceProperties(
                    "AWS::CloudWatch::Alarm",
                    Match.objectLike(Map.of(
                            "MetricName",
                            metric,
                            "Threshold",
                            1,
                            "AlarmActions",
                            List.of(Map.of("Ref", logicalId("Alerts"))))));
        }
    }

    @Test
    void scheduledJobs_failedRuns_goToAnEncryptedQueueAndAlarm() {
        String queue = logicalId("JobsFailedRuns");
        defaults.template.hasResourceProperties(
                "AWS::SQS::Queue", Map.of("SqsManagedSseEnabled", true, "MessageRetentionPeriod", 14 * 24 * 3600));
        // function errors, after Lambda's two retries: the live alias's on-failure destination
        for (String function : List.of("JobsWasteDetector", "JobsReportRunner", "ReconcileFunction", "ProxyFunction")) {
            defaults.template.hasResourceProperties(
                    "AWS::Lambda::EventInvokeConfig",
                    Match.objectLike(Map.of(
                            "FunctionName",
                            Map.of("Ref", logicalId(function)),
                            "MaximumRetryAttempts",
                            2,
                            "DestinationConfig",
                            Map.of("OnFailure", Map.of("Destination", Map.of("Fn::GetAtt", List.of(queue, "Arn")))))));
        }
        assertThat(defaults.resources("AWS::Lambda::EventInvokeConfig")).hasSize(4);
        // invocations the scheduler could not make: its dead-letter queue
        Map<String, Map<String, Object>> schedules = defaults.resources("AWS::Scheduler::Schedule");
        assertThat(schedules).hasSize(4);
        schedules.values().forEach(s -> assertThat(s.toString())
                .contains("DeadLetterConfig={Arn={Fn::GetAtt=[" + queue + ", Arn]}}"));
        defaults.template.hasResourceProperties(
                "AWS::CloudWatch::Alarm",
                Match.objectLike(Map.of(
                        "MetricName", "ApproximateNumberOfMessagesVisible",
                        "Dimensions",
                                List.of(Map.of(
                                        "Name",
                                        "QueueName",
                                        "Value",
                                        Map.of("Fn::GetAtt", List.of(queue, "QueueName")))),
                        "AlarmActions", List.of(Map.of("Ref", logicalId("Alerts"))))));
    }

    @Test
    void failedRunsQueue_plainHttp_isDenied() {
        Capture policy = new Capture();
        defaults.template.hasResourceProperties(
                "AWS::SQS::QueuePolicy", Map.of("PolicyDocument", policy, "Queues", Match.anyValue()));
        assertThat(policy.asObject().toString()).contains("Deny").contains("aws:SecureTransport=false");
    }

    private static String logicalId(String prefix) {
        return Statements.logicalId(defaults, prefix);
    }
}
