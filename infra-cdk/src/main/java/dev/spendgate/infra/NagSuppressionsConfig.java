package dev.spendgate.infra;

import io.github.cdklabs.cdknag.NagPackSuppression;
import io.github.cdklabs.cdknag.NagSuppressions;
import java.util.List;

/** Every cdk-nag AwsSolutions finding Spendgate accepts, each with the reason a reviewer can check. */
final class NagSuppressionsConfig {
    private NagSuppressionsConfig() {}

    static void apply(SpendgateStack stack) {
        if (stack.providerKeys() instanceof software.amazon.awscdk.services.secretsmanager.Secret secret) {
            suppress(
                    secret,
                    false,
                    because(
                            "AwsSolutions-SMG4",
                            "The secret holds API keys issued by OpenAI, Anthropic and other providers; Secrets Manager"
                                    + " cannot rotate them because the providers offer no rotation API. Operators rotate"
                                    + " at the provider and put the new value (README: Deploy to AWS)."));
        }
        ProxyApi proxy = stack.proxy();
        suppress(
                proxy.api(),
                false,
                because(
                        "AwsSolutions-APIG2",
                        "The proxy forwards request bodies to the provider unchanged and validates method, path, JSON"
                                + " and size itself, answering in the provider's error shape that the OpenAI and"
                                + " Anthropic SDKs parse; API Gateway validation errors would break that contract."));
        suppress(
                proxy.api().getDeploymentStage(),
                false,
                because(
                        "AwsSolutions-APIG3",
                        "WAF is optional and billed per web ACL; the gateway enforces per-key and per-session"
                                + " velocity limits and budgets itself. Attach the organisation's web ACL to the stage"
                                + " where policy requires one (README)."));
        suppress(
                proxy.api().getNode().findChild("CloudWatchRole"),
                true,
                because(
                        "AwsSolutions-IAM4",
                        "API Gateway's account-level logging role uses AWS's AmazonAPIGatewayPushToCloudWatchLogs,"
                                + " the documented policy for execution logs; it grants log-writing actions only.",
                        List.of("Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
                                + "AmazonAPIGatewayPushToCloudWatchLogs")));
        software.constructs.IConstruct logRetention = java.util.Objects.requireNonNull(
                stack.getNode().tryFindChild(ProxyApi.LOG_RETENTION_FUNCTION_ID),
                "the CDK's log-retention function behind ProxyApi.executionLogsRetention()");
        suppress(
                logRetention,
                true,
                because(
                        "AwsSolutions-IAM4",
                        "The CDK's log-retention function (it sets 90 days on API Gateway's execution log group) writes"
                                + " its own logs with AWSLambdaBasicExecutionRole, log-writing actions only; the CDK"
                                + " creates this role.",
                        List.of("Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
                                + "AWSLambdaBasicExecutionRole")),
                because(
                        "AwsSolutions-IAM5",
                        "logs:PutRetentionPolicy and logs:DeleteRetentionPolicy on any log group, as the CDK writes"
                                + " them: the function also sets 1-day retention on its own log group, whose name"
                                + " the template cannot reference without a cycle. No read or write of log data.",
                        List.of("Resource::*")));
        for (String prefix : ProxyApi.LLM_PREFIXES) {
            suppress(
                    proxy.api().getRoot().getNode().findChild(prefix).getNode().findChild("{proxy+}"),
                    true,
                    because(
                            "AwsSolutions-APIG4",
                            "LLM routes authenticate callers with Spendgate keys (Authorization: Bearer sg-... or"
                                    + " x-api-key, as the OpenAI and Anthropic SDKs send them), checked by the function"
                                    + " against SHA-256 hashes in DynamoDB on every call; SDKs cannot sign SigV4 or use"
                                    + " Cognito."),
                    because(
                            "AwsSolutions-COG4",
                            "See AwsSolutions-APIG4: Spendgate keys, not Cognito, identify callers."));
        }
        software.constructs.IConstruct admin =
                proxy.api().getRoot().getNode().findChild("admin").getNode().findChild("{proxy+}");
        suppress(
                admin,
                true,
                because(
                        "AwsSolutions-COG4",
                        "Admin routes use IAM (SigV4) authorisation: operators call them with their AWS"
                                + " credentials, so no Cognito user pool is needed."));
        suppress(
                proxy.function().getRole(),
                true,
                because(
                        "AwsSolutions-IAM5",
                        "The proxy writes posted outcomes under keys it generates"
                                + " (outcomes/v1/year=/month=/day=/<id>.json), reads back an idempotent one's name"
                                + " under the day and the day before, and keeps the batch API's state under"
                                + " batches/ (one object per batch id); the web console it serves reads the usage log,"
                                + " the stored findings and the reports, whose keys are per hour, day and month. Each"
                                + " wildcard is limited to its prefix and to the actions named (usage records go to"
                                + " the Firehose stream).",
                        List.of(
                                "Resource::<StorageDataBucketB1B922FA.Arn>/outcomes/*",
                                "Resource::<StorageDataBucketB1B922FA.Arn>/batches/*",
                                "Resource::<StorageDataBucketB1B922FA.Arn>/usage/*",
                                "Resource::<StorageDataBucketB1B922FA.Arn>/findings/*",
                                "Resource::<StorageDataBucketB1B922FA.Arn>/reports/*")));
        UsageDelivery usage = stack.usageDelivery();
        suppress(
                usage.role(),
                true,
                because(
                        "AwsSolutions-IAM5",
                        "Firehose names the objects it writes (usage/v1/year=/month=/day=/hour=/<stream>-<time>-"
                                + "<id>.ndjson.gz, failed records under usage-errors/); the wildcards are limited to"
                                + " those two prefixes and to PutObject and AbortMultipartUpload.",
                        List.of(
                                "Resource::<StorageDataBucketB1B922FA.Arn>/usage/*",
                                "Resource::<StorageDataBucketB1B922FA.Arn>/usage-errors/*")));
        suppress(
                stack.jobs().failedRuns(),
                true,
                because(
                        "AwsSolutions-SQS3",
                        "This queue is itself the dead-letter queue of the scheduled jobs (their failed runs); a"
                                + " dead-letter queue of its own would only move the same messages again."));
        List<String> wildcardModels = stack.bedrockResourceArns().stream()
                .filter(arn -> arn.contains("*"))
                .map(arn -> "Resource::" + arn)
                .toList();
        if (!wildcardModels.isEmpty()) {
            suppress(
                    proxy.function().getRole(),
                    true,
                    because(
                            "AwsSolutions-IAM5",
                            "The operator chose these Bedrock model and inference-profile patterns"
                                    + " (-c bedrockResourceArns); cross-region inference profiles route to the same"
                                    + " model in several regions, hence a region wildcard.",
                            wildcardModels));
        }
        ScheduledJobs jobs = stack.jobs();
        suppress(
                jobs.wasteDetector().getRole(),
                true,
                because(
                        "AwsSolutions-IAM5",
                        "The waste detector reads usage objects (GetObject, usage/ only), writes dated findings"
                                + " (PutObject, findings/ only) and claims its day's alert marker there (deleted"
                                + " again only after a failed publish: findings/*.alerted only), reads"
                                + " and writes its day aggregates (aggregates/ only), and puts the records Firehose"
                                + " could not deliver (usage-errors/ only: read, then delete) back under usage/"
                                + " (PutObject on usage/v1/*/part-replayed-* only, the names the replay gives them);"
                                + " object names are not known in advance.",
                        List.of(
                                "Resource::<StorageDataBucketB1B922FA.Arn>/usage/*",
                                "Resource::<StorageDataBucketB1B922FA.Arn>/" + ScheduledJobs.REPLAYED_USAGE_OBJECTS,
                                "Resource::<StorageDataBucketB1B922FA.Arn>/findings/*",
                                "Resource::<StorageDataBucketB1B922FA.Arn>/findings/*.alerted",
                                "Resource::<StorageDataBucketB1B922FA.Arn>/aggregates/*",
                                "Resource::<StorageDataBucketB1B922FA.Arn>/usage-errors/*")));
        suppress(
                jobs.reportRunner().getRole(),
                true,
                because(
                        "AwsSolutions-IAM5",
                        "The report runner reads usage, findings, outcomes, the chargeback rules (config/), the"
                                + " reconcile job's stored bill lines (reconciliation/bills/) and earlier"
                                + " reports, writes reports/YYYY-MM/ and"
                                + " Athena results, reads and writes the waste detector's day aggregates (the month's"
                                + " waste; a missing or stale day is built and stored), and deletes only its own email"
                                + " claims (reports/YYYY-MM/email-claim-*); each wildcard is limited to one prefix"
                                + " (writes to reports/, aggregates/ and athena-results/ only).",
                        List.of(
                                "Resource::<StorageDataBucketB1B922FA.Arn>/reports/*/email-claim-*",
                                "Resource::<StorageDataBucketB1B922FA.Arn>/usage/*",
                                "Resource::<StorageDataBucketB1B922FA.Arn>/findings/*",
                                "Resource::<StorageDataBucketB1B922FA.Arn>/reports/*",
                                "Resource::<StorageDataBucketB1B922FA.Arn>/athena-results/*",
                                "Resource::<StorageDataBucketB1B922FA.Arn>/outcomes/*",
                                "Resource::<StorageDataBucketB1B922FA.Arn>/config/*",
                                "Resource::<StorageDataBucketB1B922FA.Arn>/aggregates/*",
                                "Resource::<StorageDataBucketB1B922FA.Arn>/" + ReconcileJob.BILLS_PREFIX + "*")));
        if (proxy.capacityProvider() != null) {
            suppress(
                    proxy.capacityProvider(),
                    true,
                    because(
                            "AwsSolutions-IAM4",
                            "The capacity provider's operator role carries AWS's AWSLambdaManagedEC2ResourceOperator,"
                                    + " the policy Lambda Managed Instances document for letting Lambda launch,"
                                    + " patch and end the proxy's instances in the given subnets; no custom policy can"
                                    + " track what that service needs."));
        }
        for (var function : List.of(jobs.wasteDetector(), jobs.reportRunner())) {
            suppress(
                    function,
                    false,
                    because(
                            "AwsSolutions-L1",
                            "java21 is the runtime the project deploys and tests SnapStart on (code compiled for"
                                    + " Java 21, the minimum); java25 is newer and will follow once its SnapStart"
                                    + " priming is verified."));
            software.amazon.awscdk.Annotations.of(function)
                    .acknowledgeWarning(
                            "@aws-cdk/aws-lambda:snapStartRequirePublish",
                            "Versions are published: the live alias points at currentVersion.");
        }
    }

    static NagPackSuppression because(String id, String reason) {
        return NagPackSuppression.builder().id(id).reason(reason).build();
    }

    static NagPackSuppression because(String id, String reason, List<String> appliesTo) {
        return NagPackSuppression.builder()
                .id(id)
                .reason(reason)
                .appliesTo(List.copyOf(appliesTo))
                .build();
    }

    static void suppress(software.constructs.IConstruct construct, boolean children, NagPackSuppression... s) {
        NagSuppressions.addResourceSuppressions(construct, List.of(s), children);
    }
}
