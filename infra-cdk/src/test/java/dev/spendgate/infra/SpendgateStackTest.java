package dev.spendgate.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.aws.dynamodb.DynamoDbTables;
import dev.spendgate.domain.usage.UsageLayout;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageRecordCodec;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.assertions.Capture;
import software.amazon.awscdk.assertions.Match;

/**
 * What a security reviewer reads in the synthesized template: routes and their authorisation, streaming, the
 * tables, bucket and analytics, who may do what (every IAM statement's actions and resources), SnapStart, log
 * retention, schedules, alarms, and cdk-nag's AwsSolutions findings. One synthesis is shared by every test.
 */
class SpendgateStackTest {
    private static Synth synth;
    private static Map<String, Object> json;

    @BeforeAll
    static void synthesize() {
        synth = Synth.of(b -> {});
        @SuppressWarnings("unchecked")
        Map<String, Object> template = (Map<String, Object>) synth.template.toJSON();
        json = template;
    }

    @Test
    void llmRoutes_anyMethod_streamFromTheLiveAliasWithoutIam() {
        synth.template.hasResourceProperties(
                "AWS::ApiGateway::Method",
                Match.objectLike(Map.of(
                        "HttpMethod",
                        "ANY",
                        "AuthorizationType",
                        "NONE",
                        "ResourceId",
                        Match.objectLike(Map.of("Ref", Match.stringLikeRegexp("ProxyApiv1proxy.*"))),
                        "Integration",
                        Match.objectLike(Map.of(
                                "Type",
                                "AWS_PROXY",
                                "ResponseTransferMode",
                                "STREAM",
                                "TimeoutInMillis",
                                900_000,
                                "Uri",
                                Match.anyValue())))));
        String uri = integrationUri("ProxyApiv1proxyANY");
        assertThat(uri)
                .contains("/2021-11-15/functions/")
                .contains("ProxyLive")
                .endsWith("/response-streaming-invocations");
    }

    @Test
    void bedrockRoutes_anyMethod_streamLikeTheLlmRoutes() {
        synth.template.hasResourceProperties(
                "AWS::ApiGateway::Method",
                Match.objectLike(Map.of(
                        "HttpMethod",
                        "ANY",
                        "AuthorizationType",
                        "NONE",
                        "ResourceId",
                        Map.of("Ref", Match.stringLikeRegexp("ProxyApimodelproxy.*")),
                        "Integration",
                        Match.objectLike(Map.of("ResponseTransferMode", "STREAM")))));
        assertThat(integrationUri("ProxyApimodelproxyANY")).endsWith("/response-streaming-invocations");
    }

    @Test
    void adminRoutes_anyMethod_requireIamSignature() {
        synth.template.hasResourceProperties(
                "AWS::ApiGateway::Method",
                Match.objectLike(Map.of(
                        "HttpMethod", "ANY",
                        "AuthorizationType", "AWS_IAM",
                        "ResourceId", Map.of("Ref", Match.stringLikeRegexp("ProxyApiadminproxy.*")))));
        assertThat(integrationUri("ProxyApiadminproxyANY"))
                .contains("ProxyLive")
                .endsWith("/response-streaming-invocations");
        assertThat(synth.resources("AWS::ApiGateway::Method")).hasSize(3);
    }

    @Test
    void apiStage_logs_accessLogsButNeverBodies() {
        synth.template.hasResourceProperties(
                "AWS::ApiGateway::Stage",
                Match.objectLike(Map.of(
                        "StageName", "prod",
                        "AccessLogSetting", Match.objectLike(Map.of("DestinationArn", Match.anyValue())),
                        "MethodSettings",
                                List.of(Match.objectLike(Map.of(
                                        "DataTraceEnabled", false,
                                        "LoggingLevel", "ERROR",
                                        "MetricsEnabled", true,
                                        "HttpMethod", "*",
                                        "ResourcePath", "/*"))))));
    }

    @Test
    void proxyFunction_customRuntime_getsEveryVariableTheGatewayReads() {
        Capture env = new Capture();
        synth.template.hasResourceProperties(
                "AWS::Lambda::Function",
                Match.objectLike(
                        Map.of("Runtime", "provided.al2023", "Timeout", 900, "Environment", Map.of("Variables", env))));
        assertThat(env.asObject().keySet())
                .containsExactlyInAnyOrder(
                        "SPENDGATE_KEYS_TABLE",
                        "SPENDGATE_SPOOL_TABLE",
                        "SPENDGATE_BUDGETS_TABLE",
                        "SPENDGATE_USAGE_BUCKET",
                        "SPENDGATE_USAGE_FIREHOSE_STREAM",
                        "SPENDGATE_PROVIDER_SECRET_ID",
                        "SPENDGATE_ALERT_TOPIC_ARN",
                        "SPENDGATE_UPSTREAM_TIMEOUT_SECONDS");
        assertThat(env.asObject().get("SPENDGATE_USAGE_FIREHOSE_STREAM"))
                .isEqualTo(Map.of("Ref", logicalId("UsageDeliveryStream")));
        assertThat(env.asObject().get("SPENDGATE_KEYS_TABLE")).isEqualTo(Map.of("Ref", logicalId("StorageKeysTable")));
        assertThat(env.asObject().get("SPENDGATE_PROVIDER_SECRET_ID"))
                .isEqualTo(Map.of("Ref", logicalId("ProviderKeys")));
        assertThat(env.asObject().toString()).doesNotContain("SPENDGATE_ADMIN_TOKEN");
    }

    @Test
    @SuppressWarnings("unchecked")
    void tables_threeAdapterTables_onDemandWithPitrAndDeletionProtection() {
        Map<String, Map<String, Object>> tables = synth.resources("AWS::DynamoDB::Table");
        assertThat(tables.values().stream().map(t -> props(t).get("TableName")))
                .containsExactlyInAnyOrder(
                        DynamoDbTables.DEFAULT_KEYS_TABLE,
                        DynamoDbTables.DEFAULT_SPOOL_TABLE,
                        DynamoDbTables.DEFAULT_BUDGETS_TABLE);
        for (Map<String, Object> table : tables.values()) {
            Map<String, Object> p = props(table);
            assertThat(p.get("BillingMode")).isEqualTo("PAY_PER_REQUEST");
            assertThat(p.get("KeySchema")).isEqualTo(List.of(Map.of("AttributeName", "pk", "KeyType", "HASH")));
            assertThat((List<Object>) p.get("AttributeDefinitions"))
                    .contains((Object) Map.of("AttributeName", "pk", "AttributeType", "S"));
            assertThat(p.get("PointInTimeRecoverySpecification")).isEqualTo(Map.of("PointInTimeRecoveryEnabled", true));
            assertThat(p.get("DeletionProtectionEnabled")).isEqualTo(true);
            assertThat(table.get("DeletionPolicy")).isEqualTo("Retain");
        }
    }

    /** The spool's one index: a drain page queries the oldest batches instead of scanning every spilled batch. */
    @Test
    void spoolTable_oneKeysOnlyIndexOfBatchesBySpillTime() {
        synth.template.hasResourceProperties(
                "AWS::DynamoDB::Table",
                Match.objectLike(Map.of(
                        "TableName",
                        DynamoDbTables.DEFAULT_SPOOL_TABLE,
                        "GlobalSecondaryIndexes",
                        List.of(Match.objectLike(Map.of(
                                "IndexName",
                                DynamoDbTables.SpoolTable.QUEUE_INDEX,
                                "KeySchema",
                                List.of(
                                        Map.of("AttributeName", "queue", "KeyType", "HASH"),
                                        Map.of("AttributeName", "spilled_at", "KeyType", "RANGE")),
                                "Projection",
                                Map.of("ProjectionType", "KEYS_ONLY")))))));
    }

    /**
     * The proxy's sweeper finds orphaned reservations through this index (DynamoDbReservationJournal.expired): without
     * it every sweep, per warm instance once a minute, would Scan the whole table with its cached answers.
     */
    @Test
    void budgetsTable_reservationExpiryIndex_asTheSweeperQueriesIt() {
        synth.template.hasResourceProperties(
                "AWS::DynamoDB::Table",
                Match.objectLike(Map.of(
                        "TableName",
                        DynamoDbTables.DEFAULT_BUDGETS_TABLE,
                        "GlobalSecondaryIndexes",
                        List.of(Map.of(
                                "IndexName",
                                DynamoDbTables.BudgetsTable.RESERVATIONS_BY_EXPIRY,
                                "KeySchema",
                                List.of(
                                        Map.of("AttributeName", "resv_shard", "KeyType", "HASH"),
                                        Map.of("AttributeName", "expires_at_ms", "KeyType", "RANGE")),
                                "Projection",
                                Map.of("ProjectionType", "KEYS_ONLY"))))));
        long withIndex = synth.resources("AWS::DynamoDB::Table").values().stream()
                .filter(t -> props(t).containsKey("GlobalSecondaryIndexes"))
                .count();
        assertThat(withIndex).isEqualTo(2); // this one and the spool's
    }

    @Test
    void budgetsTable_expiringCounters_haveTtlOnExpiresAt() {
        synth.template.hasResourceProperties(
                "AWS::DynamoDB::Table",
                Match.objectLike(Map.of(
                        "TableName",
                        DynamoDbTables.DEFAULT_BUDGETS_TABLE,
                        "TimeToLiveSpecification",
                        Map.of("AttributeName", DynamoDbTables.BudgetsTable.EXPIRES_AT, "Enabled", true))));
        long withTtl = synth.resources("AWS::DynamoDB::Table").values().stream()
                .filter(t -> props(t).containsKey("TimeToLiveSpecification"))
                .count();
        assertThat(withTtl).isEqualTo(1);
    }

    @Test
    void dataBucket_encryptedPrivateVersionedAndLogged() {
        synth.template.hasResourceProperties(
                "AWS::S3::Bucket",
                Match.objectLike(Map.of(
                        "BucketEncryption",
                                Map.of(
                                        "ServerSideEncryptionConfiguration",
                                        List.of(Map.of(
                                                "ServerSideEncryptionByDefault", Map.of("SSEAlgorithm", "AES256")))),
                        "PublicAccessBlockConfiguration",
                                Map.of(
                                        "BlockPublicAcls", true,
                                        "BlockPublicPolicy", true,
                                        "IgnorePublicAcls", true,
                                        "RestrictPublicBuckets", true),
                        "VersioningConfiguration", Map.of("Status", "Enabled"),
                        "LoggingConfiguration",
                                Match.objectLike(Map.of(
                                        "DestinationBucketName",
                                        Map.of("Ref", logicalId("StorageAccessLogsBucket")))))));
    }

    @Test
    void dataBucket_plainHttp_isDenied() {
        synth.template.hasResourceProperties(
                "AWS::S3::BucketPolicy",
                Match.objectLike(Map.of(
                        "Bucket", Map.of("Ref", logicalId("StorageDataBucket")),
                        "PolicyDocument",
                                Match.objectLike(Map.of(
                                        "Statement",
                                        Match.arrayWith(List.of(Match.objectLike(Map.of(
                                                "Effect",
                                                "Deny",
                                                "Action",
                                                "s3:*",
                                                "Principal",
                                                Map.of("AWS", "*"),
                                                "Condition",
                                                Map.of("Bool", Map.of("aws:SecureTransport", "false")))))))))));
    }

    @Test
    void dataBucket_lifecycle_movesEachPrefixToCheaperStorage() {
        Map<String, Object> bucket = props(synth.resources("AWS::S3::Bucket").get(logicalId("StorageDataBucket")));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> rules =
                (List<Map<String, Object>>) ((Map<String, Object>) bucket.get("LifecycleConfiguration")).get("Rules");
        Map<String, List<String>> classesByPrefix = new TreeMap<>();
        for (Map<String, Object> rule : rules) {
            Object transitions = rule.get("Transitions");
            if (transitions instanceof List<?> list) {
                List<String> classes = new ArrayList<>();
                list.forEach(t -> classes.add(
                        ((Map<?, ?>) t).get("StorageClass") + "@" + ((Map<?, ?>) t).get("TransitionInDays")));
                classesByPrefix.put((String) rule.get("Prefix"), classes);
            }
        }
        assertThat(classesByPrefix)
                .containsEntry("usage/", List.of("STANDARD_IA@30", "GLACIER_IR@90"))
                .containsEntry("findings/", List.of("STANDARD_IA@30", "GLACIER_IR@180"))
                .containsEntry("reports/", List.of("STANDARD_IA@30", "GLACIER_IR@180"));
        assertThat(rules)
                .anySatisfy(r ->
                        assertThat(r).containsEntry("Prefix", "athena-results/").containsEntry("ExpirationInDays", 7));
    }

    @Test
    void usageTable_partitionProjection_resolvesToTheWritersHourPrefix() {
        Capture input = new Capture();
        synth.template.hasResourceProperties("AWS::Glue::Table", Match.objectLike(Map.of("TableInput", input)));
        @SuppressWarnings("unchecked")
        Map<String, String> parameters = (Map<String, String>) input.asObject().get("Parameters");
        assertThat(parameters).containsEntry("projection.enabled", "true").containsEntry("compressionType", "gzip");
        String template = resolveJoin(parameters.get("storage.location.template"));
        Instant t = Instant.parse("2026-03-07T05:41:00Z");
        String resolved = template.replace("${year}", "2026")
                .replace("${month}", pad(3, parameters.get("projection.month.digits")))
                .replace("${day}", pad(7, parameters.get("projection.day.digits")))
                .replace("${hour}", pad(5, parameters.get("projection.hour.digits")));
        assertThat(resolved).isEqualTo("s3://<bucket>/" + UsageLayout.hourPrefix(t));
    }

    @Test
    void usageTable_columns_coverEveryFieldTheCodecWrites() throws Exception {
        UsageRecord record = UsageRecord.builder()
                .requestId("req-1")
                .tsStart(Instant.parse("2026-11-01T00:00:00Z"))
                .tsEnd(Instant.parse("2026-11-01T00:00:01Z"))
                .pricingStatus(UsageRecord.PricingStatus.UNPRICED)
                .usageSource(UsageRecord.UsageSource.PROVIDER)
                .provider("azure")
                .pricingProvider("openai") // written only when set: set, so every field shows
                .tokens(dev.spendgate.domain.pricing.TokenUsage.openAi(100, 0, 10, 0)
                        .withWebSearches(1) // web_searches is written only when the call searched
                        .withPreviewWebSearches(true)) // web_search_tool only when the preview tool ran them
                .fingerprints(new UsageRecord.Fingerprints("s", "p", "r", "h", "v", "vs", "ss"))
                .serviceTierRequested("flex")
                .serviceTierServed("flex")
                .batchId("batch_1")
                .batchCreatedAt(Instant.parse("2026-10-31T23:00:00Z")) // written only for a batch result line
                .inferenceProfileArn("arn:aws:bedrock:us-east-1:111122223333:inference-profile/x")
                .inferenceGeo("us")
                .optimization(new UsageRecord.Optimization("triage-mini", "hit", new BigDecimal("0.0012"), "5m"))
                .costBasis(UsageRecord.CostBasis.RESERVED_WORST_CASE)
                .build();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        UsageRecordCodec.write(record, out);
        Iterator<String> fields = new ObjectMapper()
                .readTree(out.toString(StandardCharsets.UTF_8))
                .fieldNames();
        List<String> written = new ArrayList<>();
        fields.forEachRemaining(written::add);

        Capture input = new Capture();
        synth.template.hasResourceProperties("AWS::Glue::Table", Match.objectLike(Map.of("TableInput", input)));
        @SuppressWarnings("unchecked")
        List<Map<String, String>> columns = (List<Map<String, String>>)
                ((Map<String, Object>) input.asObject().get("StorageDescriptor")).get("Columns");
        assertThat(columns.stream().map(c -> c.get("Name"))).containsExactlyInAnyOrderElementsOf(written);
    }

    @Test
    void athenaWorkgroup_results_encryptedEnforcedAndCapped() {
        synth.template.hasResourceProperties(
                "AWS::Athena::WorkGroup",
                Match.objectLike(Map.of(
                        "Name",
                        "spendgate",
                        "WorkGroupConfiguration",
                        Match.objectLike(Map.of(
                                "EnforceWorkGroupConfiguration",
                                true,
                                "BytesScannedCutoffPerQuery",
                                1024L * 1024 * 1024 * 1024,
                                "ResultConfiguration",
                                Map.of(
                                        "EncryptionConfiguration", Map.of("EncryptionOption", "SSE_S3"),
                                        "OutputLocation", Match.anyValue()))))));
    }

    @Test
    void providerSecret_created_holdsNoKeyInTheTemplate() {
        synth.template.hasResourceProperties(
                "AWS::SecretsManager::Secret",
                Match.objectLike(Map.of(
                        "GenerateSecretString", Match.objectLike(Map.of("SecretStringTemplate", "{}")),
                        "SecretString", Match.absent())));
        String all = json.toString();
        assertThat(all).doesNotContainPattern("sk-[A-Za-z0-9]").doesNotContain("SPENDGATE_ADMIN_TOKEN");
    }

    @Test
    void alertTopic_encryptedWithRotatingKeyAndTlsOnly() {
        synth.template.hasResourceProperties(
                "AWS::SNS::Topic",
                Match.objectLike(
                        Map.of("KmsMasterKeyId", Map.of("Fn::GetAtt", List.of(logicalId("AlertsKey"), "Arn")))));
        synth.template.hasResourceProperties("AWS::KMS::Key", Match.objectLike(Map.of("EnableKeyRotation", true)));
        synth.template.hasResourceProperties(
                "AWS::SNS::TopicPolicy",
                Match.objectLike(Map.of(
                        "PolicyDocument",
                        Match.objectLike(Map.of(
                                "Statement",
                                Match.arrayWith(List.of(Match.objectLike(Map.of(
                                        "Effect",
                                        "Deny",
                                        "Condition",
                                        Map.of("Bool", Map.of("aws:SecureTransport", "false")))))))))));
    }

    /** An alarm of another account naming this topic must not publish to it (the confused-deputy guard). */
    @Test
    void alertTopic_cloudWatchMayPublish_onlyForThisAccountsAlarms() {
        String account = synth.stack.getAccount();
        Map<String, Object> allow = Map.of(
                "Effect", "Allow",
                "Principal", Map.of("Service", "cloudwatch.amazonaws.com"),
                "Action", "sns:Publish",
                "Resource", Map.of("Ref", logicalId("Alerts")),
                "Condition",
                        Map.of(
                                "StringEquals", Map.of("aws:SourceAccount", account),
                                "ArnLike", Map.of("aws:SourceArn", Match.anyValue())));
        synth.template.hasResourceProperties(
                "AWS::SNS::TopicPolicy",
                Match.objectLike(Map.of(
                        "Topics",
                        List.of(Map.of("Ref", logicalId("Alerts"))),
                        "PolicyDocument",
                        Match.objectLike(Map.of("Statement", Match.arrayWith(List.of(Match.objectLike(allow))))))));
        String sourceArn = synth.resources("AWS::SNS::TopicPolicy").values().stream()
                .flatMap(p -> ((List<?>) ((Map<?, ?>) props(p).get("PolicyDocument")).get("Statement")).stream())
                .map(st -> (Map<?, ?>) st)
                .filter(st -> "Allow".equals(st.get("Effect")))
                .map(st -> Statements.text(
                        ((Map<?, ?>) ((Map<?, ?>) st.get("Condition")).get("ArnLike")).get("aws:SourceArn")))
                .findFirst()
                .orElseThrow();
        assertThat(sourceArn)
                .isEqualTo("arn:<AWS::Partition>:cloudwatch:" + synth.stack.getRegion() + ":" + account + ":alarm:*");
    }

    @Test
    void parameters_recipientsAndSender_feedSesAndTheReportRunner() {
        synth.template.hasParameter("ReportRecipients", Match.objectLike(Map.of("Type", "String")));
        synth.template.hasParameter("SenderAddress", Match.objectLike(Map.of("Type", "String")));
        synth.template.hasResourceProperties(
                "AWS::SES::EmailIdentity", Map.of("EmailIdentity", Map.of("Ref", "SenderAddress")));
        synth.template.hasResourceProperties(
                "AWS::Lambda::Function",
                Match.objectLike(Map.of(
                        "Handler",
                        ScheduledJobs.REPORT_HANDLER,
                        "Environment",
                        Map.of(
                                "Variables",
                                Match.objectLike(Map.of(
                                        "SPENDGATE_REPORT_EMAIL_TO", Map.of("Ref", "ReportRecipients"),
                                        "SPENDGATE_REPORT_EMAIL_FROM", Map.of("Ref", "SenderAddress"),
                                        "SPENDGATE_ATHENA_DATABASE", "spendgate",
                                        "SPENDGATE_ATHENA_TABLE", "usage_records",
                                        "SPENDGATE_ATHENA_WORKGROUP", "spendgate"))))));
    }

    @Test
    void scheduledFunctions_java21WithSnapStart_behindLiveAliases() {
        for (String handler : List.of(ScheduledJobs.WASTE_HANDLER, ScheduledJobs.REPORT_HANDLER)) {
            synth.template.hasResourceProperties(
                    "AWS::Lambda::Function",
                    Match.objectLike(Map.of(
                            "Handler",
                            handler,
                            "Runtime",
                            "java21",
                            "SnapStart",
                            Map.of("ApplyOn", "PublishedVersions"))));
        }
        Map<String, Map<String, Object>> aliases = synth.resources("AWS::Lambda::Alias");
        assertThat(aliases).hasSize(4);
        aliases.values().forEach(a -> assertThat(props(a))
                .containsEntry("Name", "live")
                .extractingByKey("FunctionVersion")
                .asString()
                .contains("CurrentVersion"));
    }

    @Test
    void wasteFunction_dailyRun_getsSixVcpusFifteenMinutesAndTheFullJit() {
        // 10,240 MB is Lambda's largest size and the one with 6 vCPUs: the parallel day pass of a 1B-call month
        // needs the processors (bench/RESULTS.md, "Parallel waste day pass")
        synth.template.hasResourceProperties(
                "AWS::Lambda::Function",
                Match.objectLike(Map.of(
                        "Handler",
                        ScheduledJobs.WASTE_HANDLER,
                        "MemorySize",
                        10240,
                        "Timeout",
                        900,
                        "Environment",
                        Match.objectLike(Map.of(
                                "Variables",
                                Match.objectLike(Map.of(
                                        "JAVA_TOOL_OPTIONS", "-XX:+TieredCompilation -XX:TieredStopAtLevel=4")))))));
    }

    @Test
    void schedules_dailyWasteAndMonthlyReport_invokeTheLiveAliasesInUtc() {
        synth.template.hasResourceProperties(
                "AWS::Scheduler::Schedule",
                Match.objectLike(Map.of(
                        "ScheduleExpression", "cron(0 3 * * ? *)",
                        "ScheduleExpressionTimezone", "Etc/UTC",
                        "State", "ENABLED",
                        "Target", Match.objectLike(Map.of("Arn", Map.of("Ref", logicalId("JobsWasteDetectorLive")))))));
        synth.template.hasResourceProperties(
                "AWS::Scheduler::Schedule",
                Match.objectLike(Map.of(
                        "ScheduleExpression", "cron(0 6 2 * ? *)",
                        "ScheduleExpressionTimezone", "Etc/UTC",
                        "Target", Match.objectLike(Map.of("Arn", Map.of("Ref", logicalId("JobsReportRunnerLive")))))));
    }

    @Test
    void batchResultsSweep_every10Minutes_invokesTheProxyWithItsTaskAndFailuresReachTheFailedRuns() {
        synth.template.hasResourceProperties(
                "AWS::Scheduler::Schedule",
                Match.objectLike(Map.of(
                        "ScheduleExpression",
                        "rate(10 minutes)",
                        "State",
                        "ENABLED",
                        "Target",
                        Match.objectLike(Map.of(
                                "Arn", Map.of("Ref", logicalId("ProxyLive")),
                                "Input", "{\"spendgate_task\":\"batch_results_sweep\"}",
                                "DeadLetterConfig",
                                        Map.of(
                                                "Arn",
                                                Map.of("Fn::GetAtt", List.of(logicalId("JobsFailedRuns"), "Arn"))),
                                "RetryPolicy", Match.objectLike(Map.of("MaximumRetryAttempts", 0)))))));
        // the proxy's asynchronous invocations (the sweep's only) that fail go to the same queue, which is alarmed
        synth.template.hasResourceProperties(
                "AWS::Lambda::EventInvokeConfig",
                Match.objectLike(Map.of(
                        "FunctionName",
                        Map.of("Ref", logicalId("ProxyFunction")),
                        "DestinationConfig",
                        Map.of(
                                "OnFailure",
                                Map.of(
                                        "Destination",
                                        Map.of("Fn::GetAtt", List.of(logicalId("JobsFailedRuns"), "Arn")))))));
        assertThat(statements("ProxyRole"))
                .containsEntry("SendFailedRuns", grant("[sqs:SendMessage]", arn("JobsFailedRuns")));
    }

    @Test
    void proxyRole_mayOnlyTouchItsTablesUsageStreamSecretAndTopic() {
        assertThat(statements("ProxyRole"))
                .containsOnlyKeys(
                        "WriteOwnLogs",
                        "UseKeys",
                        "UseSpool",
                        "ListSpoolQueue",
                        "UseBudgets",
                        "QueryExpiredReservations",
                        "PutUsageRecords",
                        "RecordOutcomes",
                        "UseBatchState",
                        "ReadForConsole",
                        "ListStateAndConsoleInputs",
                        "ReadProviderKeys",
                        "PublishAlerts",
                        "EncryptAlerts",
                        "SendFailedRuns")
                .containsEntry("WriteOwnLogs", grant("[logs:CreateLogStream, logs:PutLogEvents]", arn("ProxyLogs")))
                .containsEntry(
                        "UseKeys",
                        grant(
                                "[dynamodb:GetItem, dynamodb:PutItem, dynamodb:UpdateItem, dynamodb:DeleteItem, dynamodb:Scan]",
                                arn("StorageKeysTable")))
                .containsEntry(
                        "UseSpool",
                        grant(
                                "[dynamodb:PutItem, dynamodb:GetItem, dynamodb:UpdateItem, dynamodb:DeleteItem,"
                                        + " dynamodb:Scan]",
                                arn("StorageSpoolTable")))
                .containsEntry(
                        "ListSpoolQueue",
                        grant(
                                "[dynamodb:Query]",
                                arn("StorageSpoolTable") + "/index/" + DynamoDbTables.SpoolTable.QUEUE_INDEX))
                .containsEntry(
                        "UseBudgets",
                        grant(
                                "[dynamodb:GetItem, dynamodb:BatchGetItem, dynamodb:PutItem, dynamodb:UpdateItem,"
                                        + " dynamodb:DeleteItem, dynamodb:Scan]",
                                arn("StorageBudgetsTable")))
                .containsEntry(
                        "QueryExpiredReservations",
                        grant("[dynamodb:Query]", arn("StorageBudgetsTable") + "/index/reservations-by-expiry"))
                .containsEntry("PutUsageRecords", grant("[firehose:PutRecordBatch]", arn("UsageDeliveryStream")))
                .containsEntry("RecordOutcomes", grant("[s3:GetObject, s3:PutObject]", objects("outcomes/")))
                .containsEntry("UseBatchState", grant("[s3:GetObject, s3:PutObject]", objects("batches/")))
                .containsEntry(
                        "ReadForConsole",
                        grant(
                                "[s3:GetObject]",
                                objects("usage/") + ", " + objects("findings/") + ", " + objects("reports/")))
                .containsEntry("ListStateAndConsoleInputs", grant("[s3:ListBucket]", arn("StorageDataBucket")))
                .containsEntry("ReadProviderKeys", grant("[secretsmanager:GetSecretValue]", ref("ProviderKeys")))
                .containsEntry("PublishAlerts", grant("[sns:Publish]", ref("Alerts")))
                .containsEntry("EncryptAlerts", grant("[kms:GenerateDataKey, kms:Decrypt]", arn("AlertsKey")));
        assertThat(managedPolicies("ProxyRole")).isNull();
    }

    /**
     * The deployed function serves the batch API (/v1 routes) and keeps its state in the data bucket under
     * {@code batches/} (README "Batch APIs": created/, input-files/, output-files/, recorded/): it reads those objects
     * (a missing one must answer 404, which S3 gives only with ListBucket) and writes them. Without these grants every
     * batch create answers 500 after the provider created the batch, and no batch result is ever recorded.
     */
    @Test
    void proxyRole_readsAndWritesTheBatchStateTheBatchApiKeeps() {
        String onBatches = statements("ProxyRole").values().stream()
                .filter(g -> g.contains("batches/"))
                .sorted()
                .collect(java.util.stream.Collectors.joining("\n"));

        assertThat(onBatches)
                .as("the proxy role's grants on batches/")
                .contains(objects("batches/"))
                .contains("s3:GetObject")
                .contains("s3:PutObject");
        assertThat(statements("ProxyRole"))
                .as("a batch object not written yet reads 404 only with ListBucket on the whole bucket")
                .containsEntry("ListStateAndConsoleInputs", grant("[s3:ListBucket]", arn("StorageDataBucket")));
    }

    @Test
    void wasteDetectorRole_readsUsageWritesFindingsAndPutsBackUndeliveredUsageOnly() {
        assertThat(statements("JobsWasteDetectorRole"))
                .containsOnlyKeys(
                        "WriteOwnLogs",
                        "ReadUsage",
                        "ListUsageAndFindings",
                        "WriteFindings",
                        "ReadFindings",
                        "ReleaseAlertClaim",
                        "ListKeys",
                        "ListBudgetPolicies",
                        "PublishAlerts",
                        "EncryptAlerts",
                        "SendFailedRuns",
                        "ReadWriteAggregates",
                        "ListUndeliveredUsage",
                        "ReplayUndeliveredUsage",
                        "PutBackUsage")
                .containsEntry("SendFailedRuns", grant("[sqs:SendMessage]", arn("JobsFailedRuns")))
                .containsEntry(
                        "ReplayUndeliveredUsage", grant("[s3:GetObject, s3:DeleteObject]", objects("usage-errors/")))
                .containsEntry("PutBackUsage", grant("[s3:PutObject]", objects("usage/v1/*/part-replayed-")))
                .containsEntry(
                        "ListUndeliveredUsage",
                        grant("[s3:ListBucket]", arn("StorageDataBucket") + " if s3:prefix=[usage-errors/*]"))
                .containsEntry("ListKeys", grant("[dynamodb:Scan]", arn("StorageKeysTable")))
                .containsEntry("ReadWriteAggregates", grant("[s3:GetObject, s3:PutObject]", objects("aggregates/")))
                .containsEntry(
                        "ListBudgetPolicies",
                        grant("[dynamodb:GetItem, dynamodb:BatchGetItem, dynamodb:Scan]", arn("StorageBudgetsTable")))
                .containsEntry("ReadUsage", grant("[s3:GetObject]", objects("usage/")))
                .containsEntry("ListUsageAndFindings", grant("[s3:ListBucket]", arn("StorageDataBucket")))
                .containsEntry("WriteFindings", grant("[s3:PutObject]", objects("findings/")))
                .containsEntry("ReadFindings", grant("[s3:GetObject]", objects("findings/")))
                .containsEntry(
                        "ReleaseAlertClaim",
                        grant("[s3:DeleteObject]", arn("StorageDataBucket") + "/findings/*.alerted"))
                .containsEntry(
                        "WriteOwnLogs",
                        grant("[logs:CreateLogStream, logs:PutLogEvents]", arn("JobsWasteDetectorLogs")));
    }

    @Test
    void reportRunnerRole_readsInputsWritesReportsQueriesAthenaSendsAsSender() {
        Map<String, String> s = statements("JobsReportRunnerRole");
        assertThat(s)
                .containsOnlyKeys(
                        "WriteOwnLogs",
                        "ReadInputs",
                        "ListInputs",
                        "WriteReports",
                        "ReleaseEmailClaim",
                        "ReadQueryResults",
                        "ListQueryResults",
                        "WriteQueryResults",
                        "AthenaResultsLocation",
                        "AthenaResultUploads",
                        "ListBudgetPolicies",
                        "QueryUsage",
                        "UsageTableDefinition",
                        "SendReports",
                        "WriteFindingLifecycle",
                        "PublishAlerts",
                        "EncryptAlerts",
                        "SendFailedRuns",
                        "ReadWriteAggregates",
                        "ListKeys")
                .containsEntry("SendFailedRuns", grant("[sqs:SendMessage]", arn("JobsFailedRuns")))
                // the month's waste from the calendar month's day aggregates, governance judged as the detector does
                .containsEntry("ReadWriteAggregates", grant("[s3:GetObject, s3:PutObject]", objects("aggregates/")))
                .containsEntry("ListKeys", grant("[dynamodb:Scan]", arn("StorageKeysTable")))
                .containsEntry(
                        "ReleaseEmailClaim",
                        grant("[s3:DeleteObject]", arn("StorageDataBucket") + "/reports/*/email-claim-*"))
                .containsEntry(
                        "WriteFindingLifecycle",
                        grant("[s3:PutObject]", arn("StorageDataBucket") + "/findings/lifecycle.json"))
                .containsEntry("PublishAlerts", grant("[sns:Publish]", ref("Alerts")))
                .containsEntry("EncryptAlerts", grant("[kms:GenerateDataKey, kms:Decrypt]", arn("AlertsKey")))
                .containsEntry(
                        "AthenaResultUploads",
                        grant("[s3:AbortMultipartUpload, s3:ListMultipartUploadParts]", objects("athena-results/")))
                .containsEntry("WriteReports", grant("[s3:PutObject]", objects("reports/")))
                .containsEntry("ReadQueryResults", grant("[s3:GetObject]", objects("athena-results/")))
                .containsEntry("WriteQueryResults", grant("[s3:PutObject]", objects("athena-results/")))
                .containsEntry(
                        "ListQueryResults",
                        grant("[s3:ListBucket]", arn("StorageDataBucket") + " if s3:prefix=[athena-results/*]"))
                .containsEntry(
                        "ListBudgetPolicies",
                        grant("[dynamodb:GetItem, dynamodb:BatchGetItem, dynamodb:Scan]", arn("StorageBudgetsTable")));
        assertThat(s.get("QueryUsage"))
                .startsWith("[athena:StartQueryExecution, athena:GetQueryExecution, athena:GetQueryResults,"
                        + " athena:StopQueryExecution] on ")
                .endsWith(":workgroup/spendgate");
        assertThat(s.get("UsageTableDefinition"))
                .startsWith("[glue:GetDatabase, glue:GetTable, glue:CreateTable] on ")
                .contains(":catalog, ")
                .contains(":database/spendgate, ")
                .endsWith(":table/spendgate/usage_records");
        assertThat(s.get("SendReports"))
                .startsWith("[ses:SendEmail, ses:SendRawEmail] on ")
                .contains(":identity/")
                .contains(logicalId("SenderIdentity"));
        assertThat(s.get("ReadInputs"))
                .doesNotContain("PutObject")
                .contains(objects("outcomes/"))
                .contains(objects("config/"))
                // the reconcile job's stored bill lines, read-only: not the rest of reconciliation/
                .contains(objects("reconciliation/bills/"))
                .doesNotContain(objects("reconciliation/") + ",");
        assertThat(s.get("WriteReports")).doesNotContain("reconciliation/");
    }

    @Test
    void schedulerRoles_mayOnlyInvokeTheirAliasAndDeadLetterFailedRuns() {
        Map<String, Map<String, Object>> policies = synth.resources("AWS::IAM::Policy");
        List<String> schedulerGrants = new ArrayList<>();
        policies.forEach((id, p) -> {
            if (id.startsWith("SchedulerRoleForTarget")) {
                schedulerGrants.addAll(describe(props(p)).values());
            }
        });
        assertThat(schedulerGrants)
                .containsExactlyInAnyOrder(
                        grant("[lambda:InvokeFunction]", ref("JobsWasteDetectorLive")),
                        grant("[lambda:InvokeFunction]", ref("JobsReportRunnerLive")),
                        grant("[lambda:InvokeFunction]", ref("ReconcileLive")),
                        grant("[lambda:InvokeFunction]", ref("ProxyLive")),
                        grant("[sqs:SendMessage]", arn("JobsFailedRuns")),
                        grant("[sqs:SendMessage]", arn("JobsFailedRuns")),
                        grant("[sqs:SendMessage]", arn("JobsFailedRuns")),
                        grant("[sqs:SendMessage]", arn("JobsFailedRuns")));
    }

    @Test
    void logGroups_everyFunctionTheApiAndTheUsageStream_keepLogsNinetyDays() {
        Map<String, Map<String, Object>> groups = synth.resources("AWS::Logs::LogGroup");
        assertThat(groups).hasSize(6);
        groups.values().forEach(g -> assertThat(props(g)).containsEntry("RetentionInDays", 90));
        Map<String, Map<String, Object>> functions = new HashMap<>(synth.resources("AWS::Lambda::Function"));
        // the CDK's log-retention function, behind the API's execution log retention: its own handler keeps its logs
        // 1 day (it has no LoggingConfig to give it a group of the stack's)
        String logRetention = logicalId(ProxyApi.LOG_RETENTION_FUNCTION_ID);
        assertThat(functions.remove(logRetention)).isNotNull();
        functions.values().forEach(f -> assertThat(props(f))
                .extractingByKey("LoggingConfig")
                .asString()
                .contains("LogGroup"));
        synth.template.hasResourceProperties(
                "Custom::LogRetention",
                Map.of(
                        "ServiceToken",
                        Map.of("Fn::GetAtt", List.of(logRetention, "Arn")),
                        "LogGroupName",
                        Map.of(
                                "Fn::Join",
                                List.of(
                                        "",
                                        List.of(
                                                ProxyApi.EXECUTION_LOG_GROUP_PREFIX,
                                                Map.of("Ref", logicalId("ProxyApi")),
                                                "/" + ProxyApi.STAGE))),
                        "RetentionInDays",
                        90,
                        "RemovalPolicy",
                        "retain"));
    }

    @Test
    void alarms_operationalFailures_notifyTheAlertTopic() {
        for (String metric :
                List.of("5XXError", "Throttles", Operations.BUDGET_STORE_ERRORS, Operations.UNDELIVERED_USAGE)) {
            synth.template.hasResourceProperties(
                    "AWS::CloudWatch::Alarm",
                    Match.objectLike(Map.of(
                            "MetricName",
                            metric,
                            "ComparisonOperator",
                            "GreaterThanOrEqualToThreshold",
                            "AlarmActions",
                            List.of(Map.of("Ref", logicalId("Alerts"))))));
        }
        synth.template.hasResourceProperties(
                "AWS::Logs::MetricFilter",
                Match.objectLike(Map.of(
                        "LogGroupName", Map.of("Ref", logicalId("ProxyLogs")),
                        "FilterPattern", Operations.BUDGET_STORE_ERROR_PATTERN,
                        "MetricTransformations",
                                List.of(Match.objectLike(Map.of(
                                        "MetricNamespace",
                                        "Spendgate",
                                        "MetricName",
                                        Operations.BUDGET_STORE_ERRORS))))));
    }

    @Test
    void worstCaseCharges_amountFromTheSweepersLogLine_isAMetricOnTheDashboard() {
        synth.template.hasResourceProperties(
                "AWS::Logs::MetricFilter",
                Match.objectLike(Map.of(
                        "LogGroupName", Map.of("Ref", logicalId("ProxyLogs")),
                        "FilterPattern", Operations.WORST_CASE_CHARGED_PATTERN,
                        "MetricTransformations",
                                List.of(Match.objectLike(Map.of(
                                        "MetricNamespace", "Spendgate",
                                        "MetricName", Operations.WORST_CASE_CHARGED,
                                        "MetricValue", "$.worst_case_usd"))))));
        // the event name GatewayRuntime.WORST_CASE_EVENT logs (the proxy module is not a dependency here)
        assertThat(Operations.WORST_CASE_CHARGED_PATTERN).contains("\"proxy.sweeper.worst_case_charged\"");
        Capture body = new Capture();
        synth.template.hasResourceProperties(
                "AWS::CloudWatch::Dashboard", Map.of("DashboardName", "spendgate", "DashboardBody", body));
        assertThat(body.asObject().toString())
                .contains("Charged at worst case")
                .contains("\"Spendgate\",\"" + Operations.WORST_CASE_CHARGED + "\"");
    }

    @Test
    void dashboard_showsTheGatewaysAddedLatency() {
        Capture body = new Capture();
        synth.template.hasResourceProperties(
                "AWS::CloudWatch::Dashboard", Map.of("DashboardName", "spendgate", "DashboardBody", body));
        String rendered = body.asObject().toString();
        assertThat(rendered)
                .contains("Gateway added latency")
                .contains("[\"Spendgate\",\"GatewayOverhead\",\"Service\",\"proxy\",{\"period\":60,\"stat\":\"p50\"}]")
                .contains("[\"Spendgate\",\"GatewayOverhead\",\"Service\",\"proxy\",{\"period\":60,\"stat\":\"p99\"}]");
    }

    @Test
    void cdkNag_awsSolutions_hasNoUnsuppressedFinding() {
        assertThat(synth.annotations.findError("*", Match.stringLikeRegexp("AwsSolutions-.*")))
                .isEmpty();
        assertThat(synth.annotations.findWarning("*", Match.stringLikeRegexp("AwsSolutions-.*")))
                .isEmpty();
    }

    @Test
    void cdkNag_everySuppression_namesItsReason() {
        List<String> reasons = new ArrayList<>();
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> resources = (Map<String, Map<String, Object>>) json.get("Resources");
        resources.values().forEach(r -> {
            Object metadata = r.get("Metadata");
            if (metadata instanceof Map<?, ?> m && m.get("cdk_nag") instanceof Map<?, ?> nag) {
                ((List<?>) nag.get("rules_to_suppress"))
                        .forEach(rule ->
                                reasons.add(((Map<?, ?>) rule).get("id") + ": " + ((Map<?, ?>) rule).get("reason")));
            }
        });
        assertThat(reasons).isNotEmpty();
        assertThat(reasons)
                .allSatisfy(r -> assertThat(r.substring(r.indexOf(": ") + 2)).hasSizeGreaterThan(60));
    }

    @Test
    void props_missingFunctionJar_failsWithBuildHint() {
        assertThatThrownBy(() -> SpendgateStackProps.builder()
                        .proxyCode(Path.of("."))
                        .wasteDetectorJar(Path.of("no/such/waste.jar"))
                        .reportRunnerJar(Path.of("."))
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("wasteDetectorJar")
                .hasMessageContaining("build the functions first");
    }

    // ---- helpers over the template JSON

    private static String integrationUri(String methodPrefix) {
        Map<String, Object> method =
                props(synth.resources("AWS::ApiGateway::Method").get(logicalId(methodPrefix)));
        return resolveJoin(((Map<?, ?>) method.get("Integration")).get("Uri"));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> props(Map<String, Object> resource) {
        return (Map<String, Object>) resource.get("Properties");
    }

    @SuppressWarnings("unchecked")
    private static String logicalId(String prefix) {
        Map<String, Object> resources = (Map<String, Object>) json.get("Resources");
        List<String> matches = resources.keySet().stream()
                .filter(k ->
                        k.startsWith(prefix) && k.substring(prefix.length()).matches("[0-9A-F]{8}"))
                .toList();
        assertThat(matches).as("one resource named %s", prefix).hasSize(1);
        return matches.get(0);
    }

    /** Renders Fn::Join / Ref / Fn::GetAtt as text, with references as {@code <LogicalId>}. */
    private static String resolveJoin(Object value) {
        if (value instanceof String s) {
            return s;
        }
        Map<?, ?> m = (Map<?, ?>) value;
        if (m.containsKey("Ref")) {
            String ref = (String) m.get("Ref");
            return ref.startsWith("StorageDataBucket") ? "<bucket>" : "<" + ref + ">";
        }
        if (m.containsKey("Fn::GetAtt")) {
            List<?> att = (List<?>) m.get("Fn::GetAtt");
            return "<" + att.get(0) + "." + att.get(1) + ">";
        }
        if (m.containsKey("Fn::Join")) {
            List<?> join = (List<?>) m.get("Fn::Join");
            StringBuilder sb = new StringBuilder();
            for (Object part : (List<?>) join.get(1)) {
                sb.append(resolveJoin(part));
            }
            return sb.toString();
        }
        return m.toString();
    }

    private static String pad(int value, String digits) {
        return String.format("%0" + Integer.parseInt(digits) + "d", value);
    }

    private static String grant(String actions, String resources) {
        return actions + " on " + resources;
    }

    private static String arn(String prefix) {
        return "<" + logicalId(prefix) + ".Arn>";
    }

    private static String ref(String prefix) {
        return "<" + logicalId(prefix) + ">";
    }

    private static String objects(String prefix) {
        return arn("StorageDataBucket") + "/" + prefix + "*";
    }

    /** Sid to "[actions] on resources[ if condition]" of the default policy attached to the role. */
    private static Map<String, String> statements(String rolePrefix) {
        String role = logicalId(rolePrefix);
        Map<String, String> out = new HashMap<>();
        synth.resources("AWS::IAM::Policy").values().forEach(p -> {
            if (props(p).get("Roles").equals(List.of(Map.of("Ref", role)))) {
                out.putAll(describe(props(p)));
            }
        });
        return out;
    }

    private static Object managedPolicies(String rolePrefix) {
        return props(synth.resources("AWS::IAM::Role").get(logicalId(rolePrefix)))
                .get("ManagedPolicyArns");
    }

    private static Map<String, String> describe(Map<String, Object> policy) {
        Map<String, String> out = new HashMap<>();
        List<?> statements = (List<?>) ((Map<?, ?>) policy.get("PolicyDocument")).get("Statement");
        int n = 0;
        for (Object o : statements) {
            Map<?, ?> st = (Map<?, ?>) o;
            assertThat(st.get("Effect")).isEqualTo("Allow");
            Object action = st.get("Action");
            List<?> actions = action instanceof List<?> l ? l : List.of(action);
            Object resource = st.get("Resource");
            List<?> resources = resource instanceof List<?> l ? l : List.of(resource);
            String text = actions + " on "
                    + String.join(
                            ", ",
                            resources.stream()
                                    .map(SpendgateStackTest::resolveJoin)
                                    .toList());
            if (st.get("Condition") instanceof Map<?, ?> c) {
                Map<?, ?> like = (Map<?, ?>) c.get("StringLike");
                text += " if s3:prefix=" + like.get("s3:prefix");
            }
            out.put(st.get("Sid") == null ? "statement" + n++ : (String) st.get("Sid"), text);
        }
        return out;
    }
}
