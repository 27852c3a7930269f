package dev.spendgate.infra;

import dev.spendgate.aws.dynamodb.DynamoDbTables;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.services.apigateway.AccessLogFormat;
import software.amazon.awscdk.services.apigateway.AuthorizationType;
import software.amazon.awscdk.services.apigateway.DomainName;
import software.amazon.awscdk.services.apigateway.DomainNameOptions;
import software.amazon.awscdk.services.apigateway.EndpointType;
import software.amazon.awscdk.services.apigateway.LambdaIntegration;
import software.amazon.awscdk.services.apigateway.LogGroupLogDestination;
import software.amazon.awscdk.services.apigateway.MethodLoggingLevel;
import software.amazon.awscdk.services.apigateway.MethodOptions;
import software.amazon.awscdk.services.apigateway.ResponseTransferMode;
import software.amazon.awscdk.services.apigateway.RestApi;
import software.amazon.awscdk.services.apigateway.SecurityPolicy;
import software.amazon.awscdk.services.apigateway.StageOptions;
import software.amazon.awscdk.services.certificatemanager.Certificate;
import software.amazon.awscdk.services.ec2.ISecurityGroup;
import software.amazon.awscdk.services.ec2.ISubnet;
import software.amazon.awscdk.services.ec2.InstanceType;
import software.amazon.awscdk.services.ec2.SecurityGroup;
import software.amazon.awscdk.services.ec2.SecurityGroupImportOptions;
import software.amazon.awscdk.services.ec2.Subnet;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.kms.IKey;
import software.amazon.awscdk.services.lambda.Alias;
import software.amazon.awscdk.services.lambda.CapacityProvider;
import software.amazon.awscdk.services.lambda.CapacityProviderFunctionOptions;
import software.amazon.awscdk.services.lambda.CapacityProviderProps;
import software.amazon.awscdk.services.lambda.Function;
import software.amazon.awscdk.services.lambda.InstanceTypeFilter;
import software.amazon.awscdk.services.lambda.Runtime;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.logs.LogRetention;
import software.amazon.awscdk.services.logs.RetentionDays;
import software.amazon.awscdk.services.secretsmanager.ISecret;
import software.amazon.awscdk.services.sns.ITopic;
import software.constructs.Construct;

/**
 * The proxy: a REST API whose {@code /v1/*} and {@code /model/*} (Bedrock runtime) routes stream the Lambda's response as it is produced (REST rather than
 * HTTP API, which caps at 30 s and cannot stream), and whose {@code /admin/*} routes need an IAM-signed caller. The
 * function runs the streaming bootstrap on {@code provided.al2023} with a bundled JRE, because the managed Java
 * runtime cannot stream responses.
 */
public final class ProxyApi extends Construct {
    /** The function runs up to API Gateway's streaming limit, the longest an LLM answer may take. */
    static final Duration TIMEOUT = Duration.minutes(15);

    static final String STAGE = "prod";

    /**
     * API Gateway's idle timeout on a streamed response from a Regional (or private) endpoint: a stream that carries
     * no byte for this long is closed, the client gets API Gateway's 504 while the function runs on (developer guide,
     * "Stream the integration response for your proxy integrations", considerations: "Streams are subject to an idle
     * timeout. For Regional or private endpoints, the timeout is 5 minutes"; 30 seconds for edge-optimized ones).
     */
    static final java.time.Duration API_GATEWAY_STREAM_IDLE_TIMEOUT = java.time.Duration.ofMinutes(5);

    /**
     * The deployed proxy's {@code SPENDGATE_UPSTREAM_TIMEOUT_SECONDS} unless {@code proxyEnvironment} sets a lower
     * one: below {@link #API_GATEWAY_STREAM_IDLE_TIMEOUT}, so a provider silent that long is ended by the proxy itself
     * before API Gateway drops the client, and the record says what the client saw: no answer yet, its own 502 in the
     * route's error shape with {@code X-Spendgate-Request-Id} ({@code upstream_timeout}); a stream quiet between two
     * events, a visibly cut stream ({@code upstream_truncated}). The 20 s left are for that answer to leave.
     */
    static final long UPSTREAM_TIMEOUT_SECONDS = 280;

    /** API Gateway's name for a REST API's execution log group: this, the API's id, "/" and the stage. */
    static final String EXECUTION_LOG_GROUP_PREFIX = "API-Gateway-Execution-Logs_";

    /**
     * The CDK's construct id (and logical id) of the one function behind every {@link LogRetention} of a stack; its
     * handler keeps that function's own logs 1 day.
     */
    static final String LOG_RETENTION_FUNCTION_ID = "LogRetentionaae0aa3c5b4d4f87b02d85b201efdd8a";

    /** First path segments of the routes callers reach with a Spendgate key. */
    static final List<String> LLM_PREFIXES = List.of("v1", "model");

    private final Function function;
    private final Alias alias;
    private final Role role;
    private final RestApi api;
    private final LogGroup logGroup;
    private final LogGroup accessLogs;
    private final LogRetention executionLogsRetention;
    private final DomainName domain;
    private final CapacityProvider capacityProvider;

    /**
     * API Gateway's standard JSON access log fields, plus {@code responseType}: {@code THROTTLED} marks a request
     * the stage's throttling refused (the throttle alarm counts those).
     */
    static final String ACCESS_LOG_FORMAT =
            "{\"requestId\":\"$context.requestId\",\"ip\":\"$context.identity.sourceIp\","
                    + "\"user\":\"$context.identity.user\",\"caller\":\"$context.identity.caller\","
                    + "\"requestTime\":\"$context.requestTime\",\"httpMethod\":\"$context.httpMethod\","
                    + "\"resourcePath\":\"$context.resourcePath\",\"status\":\"$context.status\","
                    + "\"protocol\":\"$context.protocol\",\"responseLength\":\"$context.responseLength\","
                    + "\"responseType\":\"$context.error.responseType\"}";

    public ProxyApi(
            Construct scope,
            String id,
            SpendgateStackProps props,
            Storage storage,
            UsageDelivery usage,
            ISecret providerKeys,
            ITopic alerts,
            IKey alertsKey) {
        super(scope, id);
        logGroup = LogGroup.Builder.create(this, "Logs")
                .retention(RetentionDays.THREE_MONTHS)
                .removalPolicy(RemovalPolicy.RETAIN)
                .build();
        role = Policies.lambdaRole(
                this,
                "Role",
                "Spendgate proxy: reads and manages keys, writes usage and budgets, reads provider keys",
                logGroup);
        // GetItem checks callers' keys; the rest serves the IAM-authorised admin key routes (create, list, revoke).
        role.addToPolicy(Policies.table(
                "UseKeys",
                storage.keys(),
                "dynamodb:GetItem",
                "dynamodb:PutItem",
                "dynamodb:UpdateItem",
                "dynamodb:DeleteItem",
                "dynamodb:Scan"));
        role.addToPolicy(Policies.table(
                "UseSpool",
                storage.spool(),
                "dynamodb:PutItem",
                "dynamodb:GetItem",
                "dynamodb:UpdateItem",
                "dynamodb:DeleteItem",
                "dynamodb:Scan"));
        // A drain page lists the oldest spilled batches from the spool's queue index.
        role.addToPolicy(Policies.allow(
                "ListSpoolQueue",
                List.of("dynamodb:Query"),
                List.of(storage.spool().getTableArn() + "/index/" + DynamoDbTables.SpoolTable.QUEUE_INDEX)));
        role.addToPolicy(Policies.table(
                "UseBudgets",
                storage.budgets(),
                "dynamodb:GetItem",
                "dynamodb:BatchGetItem",
                "dynamodb:PutItem",
                "dynamodb:UpdateItem",
                "dynamodb:DeleteItem",
                "dynamodb:Scan"));
        // The reservation sweeper finds expired entries through the budgets table's expiry index.
        role.addToPolicy(Policies.allow(
                "QueryExpiredReservations",
                List.of("dynamodb:Query"),
                List.of(storage.budgets().getTableArn() + "/index/"
                        + dev.spendgate.aws.dynamodb.DynamoDbTables.BudgetsTable.RESERVATIONS_BY_EXPIRY)));
        // Usage records go to the Firehose stream (which writes usage/ itself), also when the spool is drained.
        role.addToPolicy(
                Policies.allow("PutUsageRecords", List.of("firehose:PutRecordBatch"), List.of(usage.streamArn())));
        // POST /v1/outcomes with an Idempotency-Key claims it with a conditional put under outcomes/v1/idempotency/
        // and,
        // when the claim exists, reads it back (OutcomeLog.recordOnce): a retry is answered 200 and not counted again.
        role.addToPolicy(Policies.allow(
                "RecordOutcomes",
                List.of("s3:GetObject", "s3:PutObject"),
                List.of(storage.data().arnForObjects(Storage.OUTCOMES_PREFIX + "*"))));
        // The batch API (/v1/batches, /v1/messages/batches) keeps who created each batch and which results it recorded.
        role.addToPolicy(Policies.allow(
                "UseBatchState",
                List.of("s3:GetObject", "s3:PutObject"),
                List.of(storage.data().arnForObjects(Storage.BATCHES_PREFIX + "*"))));
        // The web console (/admin/console/) shows the usage log, the stored findings and the monthly reports.
        role.addToPolicy(Policies.readObjects(
                "ReadForConsole",
                storage.data(),
                Storage.USAGE_PREFIX,
                Storage.FINDINGS_PREFIX,
                Storage.REPORTS_PREFIX));
        // A batch object or an idempotent outcome is read before it exists: it must read 404, not 403.
        role.addToPolicy(Policies.listBucket("ListStateAndConsoleInputs", storage.data()));
        role.addToPolicy(Policies.allow(
                "ReadProviderKeys", List.of("secretsmanager:GetSecretValue"), List.of(providerKeys.getSecretArn())));
        if (props.providerKeySecretKmsKeyArn() != null) {
            // a secret under a customer-managed key: GetSecretValue alone answers AccessDenied and every call 503s
            role.addToPolicy(software.amazon.awscdk.services.iam.PolicyStatement.Builder.create()
                    .sid("DecryptProviderKeys")
                    .effect(software.amazon.awscdk.services.iam.Effect.ALLOW)
                    .actions(List.of("kms:Decrypt"))
                    .resources(List.of(props.providerKeySecretKmsKeyArn()))
                    .conditions(Map.of(
                            "StringEquals",
                            Map.of(
                                    "kms:ViaService",
                                    "secretsmanager."
                                            + software.amazon.awscdk.Stack.of(this)
                                                    .getRegion() + ".amazonaws.com")))
                    .build());
        }
        role.addToPolicy(Policies.allow("PublishAlerts", List.of("sns:Publish"), List.of(alerts.getTopicArn())));
        role.addToPolicy(Policies.allow(
                "EncryptAlerts", List.of("kms:GenerateDataKey", "kms:Decrypt"), List.of(alertsKey.getKeyArn())));

        List<String> guardrails = props.bedrockResourceArns().stream()
                .filter(ProxyApi::isGuardrail)
                .toList();
        List<String> models = props.bedrockResourceArns().stream()
                .filter(arn -> !isGuardrail(arn))
                .toList();
        if (!models.isEmpty()) {
            role.addToPolicy(Policies.allow(
                    "InvokeBedrock", List.of("bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"), models));
        }
        // A call forwarded with X-Amzn-Bedrock-GuardrailIdentifier is also authorised as ApplyGuardrail on the
        // guardrail.
        if (!guardrails.isEmpty()) {
            role.addToPolicy(Policies.allow("ApplyBedrockGuardrails", List.of("bedrock:ApplyGuardrail"), guardrails));
        }

        Map<String, String> env = new HashMap<>(props.proxyEnvironment());
        env.putIfAbsent("SPENDGATE_UPSTREAM_TIMEOUT_SECONDS", Long.toString(UPSTREAM_TIMEOUT_SECONDS));
        env.putAll(storage.tableEnvironment());
        env.put("SPENDGATE_USAGE_FIREHOSE_STREAM", usage.streamName());
        env.put("SPENDGATE_PROVIDER_SECRET_ID", providerKeys.getSecretArn());
        env.put("SPENDGATE_ALERT_TOPIC_ARN", alerts.getTopicArn());
        env.putAll(ConfigFiles.proxyEnvironment(props));
        var functionBuilder = Function.Builder.create(this, "Function")
                .description("Spendgate proxy (streaming custom runtime, Java on a bundled JRE)")
                .runtime(Runtime.PROVIDED_AL2023)
                .architecture(props.proxyArchitecture())
                .handler("dev.spendgate.function.proxy.lambda.stream.StreamingBootstrap")
                .code(props.code().code(FunctionCode.Function.PROXY))
                .memorySize(props.proxyMemoryMb())
                .timeout(TIMEOUT)
                .role(role)
                .logGroup(logGroup)
                .layers(ConfigFiles.layers(this, props))
                .environment(env);
        boolean managedInstances = props.proxyCompute() == SpendgateStackProps.ProxyCompute.MANAGED_INSTANCES;
        if (props.proxyMaxConcurrency() > 0 && !managedInstances) {
            // A runaway client cannot take the account's whole Lambda concurrency from the customer's other functions.
            // (On managed instances the capacity provider's vCPU ceiling bounds the fleet instead.)
            functionBuilder.reservedConcurrentExecutions(props.proxyMaxConcurrency());
        }
        function = functionBuilder.build();
        capacityProvider = managedInstances ? managedInstances(props, function) : null;
        alias = Alias.Builder.create(this, "Live")
                .aliasName("live")
                .version(function.getCurrentVersion())
                .build();

        accessLogs = LogGroup.Builder.create(this, "AccessLogs")
                .retention(RetentionDays.THREE_MONTHS)
                .removalPolicy(RemovalPolicy.RETAIN)
                .build();
        api = RestApi.Builder.create(this, "Api")
                .restApiName("spendgate")
                .description("Spendgate: OpenAI- and Anthropic-compatible LLM gateway")
                .endpointTypes(List.of(EndpointType.REGIONAL))
                .cloudWatchRole(true)
                .deployOptions(StageOptions.builder()
                        .stageName(STAGE)
                        .accessLogDestination(new LogGroupLogDestination(accessLogs))
                        .accessLogFormat(AccessLogFormat.custom(ACCESS_LOG_FORMAT))
                        // Across all callers: above these API Gateway answers 429 before the function runs.
                        .throttlingRateLimit(props.apiRateLimit())
                        .throttlingBurstLimit(props.apiBurstLimit())
                        .loggingLevel(MethodLoggingLevel.ERROR)
                        // Never log request or response bodies: they hold prompts and completions.
                        .dataTraceEnabled(false)
                        .metricsEnabled(true)
                        .build())
                .build();
        // API Gateway writes the stage's execution logs to a group it names and creates itself, which never expires.
        // LogRetention (a CDK custom resource with a small function of its own) sets the group's retention, creating
        // the group when API Gateway has not yet; a LogGroup resource of that name would fail "already exists" on a
        // stack deployed before, where API Gateway created the group on its first error.
        executionLogsRetention = LogRetention.Builder.create(this, "ExecutionLogsRetention")
                .logGroupName(EXECUTION_LOG_GROUP_PREFIX + api.getRestApiId() + "/" + STAGE)
                .retention(RetentionDays.THREE_MONTHS)
                .removalPolicy(RemovalPolicy.RETAIN)
                .build();

        LambdaIntegration streaming = LambdaIntegration.Builder.create(alias)
                .proxy(true)
                .allowTestInvoke(false)
                .responseTransferMode(ResponseTransferMode.STREAM)
                .timeout(TIMEOUT)
                .build();
        // OpenAI/Anthropic routes under /v1, Bedrock runtime routes under /model. Callers show a Spendgate key; the
        // function checks it on every call.
        for (String prefix : LLM_PREFIXES) {
            api.getRoot()
                    .addResource(prefix)
                    .addResource("{proxy+}")
                    .addMethod(
                            "ANY",
                            streaming,
                            MethodOptions.builder()
                                    .authorizationType(AuthorizationType.NONE)
                                    .build());
        }
        // The bootstrap always answers in streaming mode, so admin routes use a streaming integration as well (a
        // buffered Invoke would hand API Gateway the prelude bytes instead of a proxy response).
        LambdaIntegration adminIntegration = LambdaIntegration.Builder.create(alias)
                .proxy(true)
                .allowTestInvoke(false)
                .responseTransferMode(ResponseTransferMode.STREAM)
                .build();
        api.getRoot()
                .addResource("admin")
                .addResource("{proxy+}")
                .addMethod(
                        "ANY",
                        adminIntegration,
                        MethodOptions.builder()
                                .authorizationType(AuthorizationType.IAM)
                                .build());

        if (props.customDomainName() != null) {
            domain = api.addDomainName(
                    "CustomDomain",
                    DomainNameOptions.builder()
                            .domainName(props.customDomainName())
                            .certificate(Certificate.fromCertificateArn(this, "Certificate", props.certificateArn()))
                            .endpointType(EndpointType.REGIONAL)
                            .securityPolicy(SecurityPolicy.TLS_1_2)
                            .build());
        } else {
            domain = null;
        }
    }

    /** A guardrail (or cross-region guardrail profile) ARN, as opposed to a model or an inference profile. */
    static boolean isGuardrail(String arn) {
        return arn.contains(":guardrail/") || arn.contains(":guardrail-profile/");
    }

    public Function function() {
        return function;
    }

    /** The Lambda Managed Instances capacity provider the function runs on, or null on standard Lambda. */
    public CapacityProvider capacityProvider() {
        return capacityProvider;
    }

    /**
     * Lambda Managed Instances: a capacity provider over the customer's subnets and security groups, and the function
     * attached to it. Each execution environment then serves many calls at once (the streaming bootstrap runs
     * {@code AWS_LAMBDA_MAX_CONCURRENCY} poll loops), so the EC2 time is shared by calls that mostly wait on the
     * provider. Lambda starts three instances for AZ resiliency when the version is published; the API still
     * invokes the {@code live} alias over that version, streaming as before.
     */
    private CapacityProvider managedInstances(SpendgateStackProps props, Function fn) {
        List<ISubnet> subnets = new ArrayList<>();
        for (int i = 0; i < props.proxySubnetIds().size(); i++) {
            subnets.add(Subnet.fromSubnetId(
                    this, "Subnet" + i, props.proxySubnetIds().get(i)));
        }
        List<ISecurityGroup> groups = new ArrayList<>();
        for (int i = 0; i < props.proxySecurityGroupIds().size(); i++) {
            groups.add(SecurityGroup.fromSecurityGroupId(
                    this,
                    "SecurityGroup" + i,
                    props.proxySecurityGroupIds().get(i),
                    SecurityGroupImportOptions.builder().mutable(false).build()));
        }
        var capacity = CapacityProviderProps.builder()
                .subnets(subnets)
                .securityGroups(groups)
                .architectures(List.of(props.proxyArchitecture()))
                .maxVCpuCount(props.proxyMaxVCpus());
        if (!props.proxyInstanceTypes().isEmpty()) {
            capacity.instanceTypeFilter(InstanceTypeFilter.allow(
                    props.proxyInstanceTypes().stream().map(InstanceType::new).toList()));
        }
        CapacityProvider provider = new CapacityProvider(this, "Capacity", capacity.build());
        var options = CapacityProviderFunctionOptions.builder()
                // the live alias's numbered version is the one invoked; no second, unused $LATEST.PUBLISHED fleet
                .publishToLatestPublished(false);
        options.perExecutionEnvironmentMaxConcurrency(props.concurrencyPerEnvironment());
        provider.addFunction(fn, options.build());
        return provider;
    }

    /** The function's role (its policies are this construct's). */
    public Role role() {
        return role;
    }

    public Alias alias() {
        return alias;
    }

    public RestApi api() {
        return api;
    }

    public LogGroup logGroup() {
        return logGroup;
    }

    /** The API stage's access log (JSON lines, {@link #ACCESS_LOG_FORMAT}). */
    /** The 90-day retention of the stage's execution log group, which API Gateway names and creates. */
    public LogRetention executionLogsRetention() {
        return executionLogsRetention;
    }

    public LogGroup accessLogs() {
        return accessLogs;
    }

    /** The custom domain, or null. */
    public DomainName domain() {
        return domain;
    }
}
