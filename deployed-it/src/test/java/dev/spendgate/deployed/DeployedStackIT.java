package dev.spendgate.deployed;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.aws.dynamodb.DynamoDbTables.BudgetsTable;
import dev.spendgate.aws.s3.S3ObjectStore;
import dev.spendgate.domain.gatewaycost.AwsPrices;
import dev.spendgate.domain.gatewaycost.AwsService;
import dev.spendgate.domain.gatewaycost.CallProfile;
import dev.spendgate.domain.gatewaycost.GatewayCostModel;
import dev.spendgate.domain.usage.UsageLogReader;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.function.proxy.lambda.stream.StreamingBootstrap;
import dev.spendgate.infra.ScheduledJobs;
import dev.spendgate.report.MonthlyReport;
import dev.spendgate.testing.aws.LocalAthena;
import dev.spendgate.testing.aws.LocalAwsEndpoint;
import dev.spendgate.testing.aws.LocalDynamoDb;
import dev.spendgate.testing.aws.LocalFirehose;
import dev.spendgate.testing.aws.LocalS3;
import dev.spendgate.testing.upstream.FakeLlmUpstream;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.Projection;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The stack as deployed, run here: the synthesised template decides every function's handler, runtime, memory and
 * environment, every table's keys, indexes and TTL, the bucket, the API's stage and routes and the schedules; the
 * functions run in JVMs of their own behind local Runtime APIs, against dynalite and s3proxy (Secrets Manager, SNS
 * and SES answered by {@link LocalAwsEndpoint}), with the fake upstream as OpenAI. A name that differs between the
 * template and the code (an environment variable, a table key, a route, a handler) fails here.
 *
 * <p>Local stand-ins, and only these: the upstream's base URL goes in through the stack's own {@code proxyEnvironment}
 * option; each function gets {@code SPENDGATE_AWS_ENDPOINT_URL}. The report runner aggregates the month with Athena, as
 * deployed: {@link LocalAthena} runs its queries' SQL over the objects the stream delivered to the bucket.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DeployedStackIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CHAT =
            "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Say hi to the deployed stack.\"}]}";
    private static final String STREAMED_CHAT =
            "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Count to three.\"}]}";
    private static final String CONTOSO_CHAT =
            "{\"model\":\"contoso-large\",\"messages\":[{\"role\":\"user\",\"content\":\"Price me by contract.\"}]}";
    private static final String CONTOSO_INPUT_PER_1M = "2.00";
    private static final String CONTOSO_OUTPUT_PER_1M = "6.00";
    private static final String IAM_CALLER = "arn:aws:iam::123456789012:user/ops";

    LocalDynamoDb dynamo;
    LocalS3 s3;
    LocalFirehose firehose;
    FakeLlmUpstream upstream;
    LocalAwsEndpoint aws;
    DeployedTemplate template;
    final Map<String, LocalLambda> lambdas = new LinkedHashMap<>();
    LocalRestApi api;
    HttpClient http = HttpClient.newHttpClient();
    String bucket;
    String secret;
    final List<String> requestIds = new ArrayList<>();
    LocalAthena athena;

    /** What each measured call cost in AWS operations, by budgets per call. */
    final Map<Integer, List<CallOperations>> measured = new LinkedHashMap<>();

    @BeforeAll
    void deploy() throws Exception {
        dynamo = LocalDynamoDb.start();
        s3 = LocalS3.start();
        upstream = FakeLlmUpstream.start();
        aws = LocalAwsEndpoint.start(dynamo.endpoint(), s3.endpoint());
        athena = new LocalAthena(b -> new S3ObjectStore(s3.client(), b));
        aws.withAthena(athena);
        // a customer's own provider and its contracted prices, shipped as files (README, "Deploy to AWS")
        Path files = Files.createTempDirectory("spendgate-deployed-files");
        Path providers = Files.writeString(
                files.resolve("providers.json"),
                "[{\"name\":\"contoso\",\"format\":\"openai\",\"base_url\":\"" + upstream.openAiBaseUrl()
                        + "\",\"models\":[\"contoso-*\"]}]");
        Path prices = Files.writeString(
                files.resolve("contract.json"),
                "{\"models\":[{\"provider\":\"contoso\",\"model\":\"contoso-large\",\"input\":\"" + CONTOSO_INPUT_PER_1M
                        + "\",\"output\":\"" + CONTOSO_OUTPUT_PER_1M + "\"}]}");
        template = DeployedTemplate.synthesise(
                props -> props.proxyEnvironment(Map.of("SPENDGATE_OPENAI_BASE_URL", upstream.openAiBaseUrl()))
                        .providersFile(providers)
                        .pricingOverridesFile(prices),
                Map.of("ReportRecipients", "finance@example.com", "SenderAddress", "spendgate@example.com"));

        for (DeployedTemplate.Table table : template.tables()) {
            createTable(dynamo.client(), table);
        }
        for (String name : template.buckets()) {
            s3.createBucket(name);
        }

        DeployedTemplate.Function proxy = template.functionWithHandler(StreamingBootstrap.class.getName());
        DeployedTemplate.Function waste = template.functionWithHandler(ScheduledJobs.WASTE_HANDLER);
        DeployedTemplate.Function report = template.functionWithHandler(ScheduledJobs.REPORT_HANDLER);
        bucket = proxy.environment().get("SPENDGATE_USAGE_BUCKET");
        assertThat(template.buckets())
                .as("the proxy's usage bucket is one of the stack's")
                .contains(bucket);
        // the template's usage stream, delivering by record hour into the bucket the readers list
        firehose = LocalFirehose.start(
                proxy.environment().get("SPENDGATE_USAGE_FIREHOSE_STREAM"), new S3ObjectStore(s3.client(), bucket));
        aws.withFirehose(firehose.endpoint());
        aws.putSecret(
                proxy.environment().get("SPENDGATE_PROVIDER_SECRET_ID"),
                "{\"OPENAI_API_KEY\":\"" + upstream.openAiKey() + "\",\"CONTOSO_API_KEY\":\"" + upstream.openAiKey()
                        + "\"}");

        Path logs = Files.createDirectories(Path.of("target", "deployed-logs"));
        Map<String, String> local = Map.of("SPENDGATE_AWS_ENDPOINT_URL", aws.endpoint());
        lambdas.put(proxy.logicalId(), LocalLambda.start(proxy, local, logs));
        lambdas.put(waste.logicalId(), LocalLambda.start(waste, local, logs));
        Map<String, String> reportEnv = new HashMap<>(report.environment());
        assertThat(reportEnv).as("the stack aggregates reports with Athena").containsKey("SPENDGATE_ATHENA_DATABASE");
        lambdas.put(
                report.logicalId(),
                LocalLambda.start(
                        new DeployedTemplate.Function(
                                report.logicalId(),
                                report.handler(),
                                report.runtime(),
                                report.memoryMb(),
                                report.architecture(),
                                report.timeoutSeconds(),
                                reportEnv,
                                report.layers()),
                        local,
                        logs));
        for (LocalLambda l : lambdas.values()) {
            l.awaitReady();
        }
        api = new LocalRestApi(template.stage(), template.routes(), lambdas);
    }

    @AfterAll
    void tearDown() {
        if (api != null) {
            api.close();
        }
        lambdas.values().forEach(LocalLambda::close);
        for (AutoCloseable c : new AutoCloseable[] {aws, athena, firehose, upstream, s3, dynamo}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                // closing anyway
            }
        }
    }

    @Test
    @Order(1)
    void adminRoute_unsignedRequest_refusedByTheApiBeforeTheFunction() throws Exception {
        HttpResponse<String> r = send("GET", "/admin/keys", null, Map.of());

        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(r.body()).contains("Missing Authentication Token");
    }

    @Test
    @Order(2)
    void adminApi_createKey_returnsASecretTheProxyAccepts() throws Exception {
        HttpResponse<String> created = send(
                "POST",
                "/admin/keys",
                "{\"name\":\"chatbot-prod\",\"environment\":\"prod\",\"feature\":\"chatbot\",\"department\":\"support\","
                        + "\"team\":\"assist\"}",
                Map.of(LocalRestApi.IAM_CALLER_HEADER, IAM_CALLER));

        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        secret = JSON.readTree(created.body()).path("secret").asText();
        assertThat(secret).isNotBlank();
        HttpResponse<String> listed =
                send("GET", "/admin/keys", null, Map.of(LocalRestApi.IAM_CALLER_HEADER, IAM_CALLER));
        assertThat(listed.body()).contains("chatbot-prod").doesNotContain(secret);
    }

    @Test
    @Order(3)
    void llmCall_noBudget_answeredAndCounted() throws Exception {
        HttpResponse<String> r = call(CHAT, 0);

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(JSON.readTree(r.body()).path("object").asText()).isEqualTo("chat.completion");
    }

    @Test
    @Order(4)
    void llmCalls_oneBudget_bufferedAndStreamedAnsweredAndSettled() throws Exception {
        putBudget("feature:chatbot", "10", "block");

        HttpResponse<String> buffered = call(CHAT, 1);
        HttpResponse<String> streamed = call(STREAMED_CHAT, 1);

        assertThat(buffered.statusCode()).as(buffered.body()).isEqualTo(200);
        assertThat(buffered.headers().firstValue("X-Spendgate-Budget-Remaining-Usd"))
                .isPresent();
        assertThat(streamed.statusCode()).as(streamed.body()).isEqualTo(200);
        assertThat(streamed.headers().firstValue("Content-Type"))
                .hasValueSatisfying(v -> assertThat(v).startsWith("text/event-stream"));
        assertThat(streamed.body()).contains("data: ").contains("[DONE]");
        JsonNode status = JSON.readTree(
                send("GET", "/admin/budgets/status", null, Map.of(LocalRestApi.IAM_CALLER_HEADER, IAM_CALLER))
                        .body());
        assertThat(status.toString()).contains("feature:chatbot");
        assertThat(spentOn(status, "feature:chatbot")).as(status.toString()).isPositive();
    }

    @Test
    @Order(5)
    void llmCall_threeBudgets_answered() throws Exception {
        putBudget("global", "1000", "block");
        // crossed by this call: the alert goes to the template's topic and leaves a once marker that TTL deletes
        putBudget("team:assist", "0.00002", "alert");

        HttpResponse<String> r = call(CHAT, 3);

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        String topic = lambdas.get(firstProxy()).function.environment().get("SPENDGATE_ALERT_TOPIC_ARN");
        assertThat(aws.published()).anySatisfy(m -> {
            assertThat(m.get("TopicArn")).isEqualTo(topic);
            assertThat(m.get("Message")).contains("team:assist");
        });
    }

    @Test
    @Order(6)
    void llmCall_customersOwnProvider_servedAndPricedAtTheContractRate() throws Exception {
        HttpResponse<String> r = call(CONTOSO_CHAT, 3);

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(JSON.readTree(r.body()).path("model").asText()).startsWith("contoso-large");
    }

    @Test
    @Order(7)
    void usageLog_everyCall_deliveredToTheBucketWithItsTtlAttributeOnTheBudgetItems() throws Exception {
        S3Client client = s3.client();
        firehose.deliver(); // what the stream's buffer interval does in AWS
        List<UsageRecord> records = new ArrayList<>();
        Instant now = Instant.now();
        UsageLogReader.create(new S3ObjectStore(client, bucket))
                .read(now.minus(1, ChronoUnit.DAYS), now.plus(1, ChronoUnit.HOURS), records::add);

        assertThat(records).extracting(UsageRecord::requestId).containsExactlyInAnyOrderElementsOf(requestIds);
        assertThat(records).allSatisfy(r -> {
            assertThat(r.costUsd()).isPositive();
            assertThat(r.attribution().feature()).isEqualTo("chatbot");
        });
        // the providers file and the price overrides reached the proxy: its provider, at the contract rate
        UsageRecord contract = records.stream()
                .filter(r -> r.modelRequested().equals("contoso-large"))
                .findFirst()
                .orElseThrow();
        assertThat(contract.provider()).isEqualTo("contoso");
        assertThat(contract.costUsd())
                .isEqualByComparingTo(new BigDecimal(contract.tokens().inputTokens())
                        .multiply(new BigDecimal(CONTOSO_INPUT_PER_1M))
                        .add(new BigDecimal(contract.tokens().outputTokens())
                                .multiply(new BigDecimal(CONTOSO_OUTPUT_PER_1M)))
                        .movePointLeft(6));
        // TTL cannot be switched on in dynalite: instead, the items the code expects TTL to delete must carry the
        // attribute the template names as the budgets table's TTL.
        DeployedTemplate.Table budgets = template.tables().stream()
                .filter(t -> t.name()
                        .equals(lambdas.get(firstProxy()).function.environment().get("SPENDGATE_BUDGETS_TABLE")))
                .findFirst()
                .orElseThrow();
        assertThat(budgets.ttl()).as("the budgets table has TTL").isNotNull();
        List<Map<String, AttributeValue>> items =
                dynamo.client().scan(b -> b.tableName(budgets.name())).items();
        assertThat(items).anySatisfy(item -> assertThat(item).containsKey(budgets.ttl()));
    }

    @Test
    @Order(8)
    void wasteSchedule_run_writesTheDaysFindings() throws Exception {
        DeployedTemplate.Schedule daily = schedule(ScheduledJobs.WASTE_HANDLER);
        String tomorrow = Instant.now()
                .plus(1, ChronoUnit.DAYS)
                .truncatedTo(ChronoUnit.DAYS)
                .plus(3, ChronoUnit.HOURS)
                .toString();
        String event = daily.input() != null
                ? daily.input()
                : "{\"version\":\"0\",\"detail-type\":\"Scheduled Event\",\"source\":\"aws.scheduler\",\"time\":\""
                        + tomorrow + "\",\"detail\":{}}";

        JsonNode result = invoke(daily.function(), event);

        assertThat(result.path("records").asInt()).as(result.toString()).isEqualTo(requestIds.size());
        String key = result.path("findings_key").asText();
        assertThat(s3.client().getObjectAsBytes(b -> b.bucket(bucket).key(key)).asUtf8String())
                .contains("findings");
    }

    @Test
    @Order(9)
    void reportSchedule_rerunOfThisMonth_writesFocusPdfAndEmailsThem() throws Exception {
        DeployedTemplate.Schedule monthly = schedule(ScheduledJobs.REPORT_HANDLER);
        String month = YearMonth.now(ZoneOffset.UTC).toString();

        // The scheduler sends the previous month; an operator re-runs this one (README, Finance reports).
        JsonNode result = invoke(monthly.function(), "{\"month\":\"" + month + "\",\"force_email\":true}");

        assertThat(result.path("calls").asInt()).as(result.toString()).isEqualTo(requestIds.size());
        assertThat(result.path("focus_rows").asInt()).isPositive();
        // aggregated by Athena over the template's usage table, each cost checked in the query
        assertThat(result.path("data_quality").asText())
                .contains("aggregated by Athena")
                .contains("0 quarantined");
        assertThat(athena.queries())
                .anySatisfy(q -> assertThat(q).startsWith("CREATE EXTERNAL TABLE IF NOT EXISTS"))
                .anySatisfy(q -> assertThat(q).contains("FROM checked GROUP BY"));
        assertThat(result.path("email").asText()).isEqualTo("sent");
        String prefix = result.path("prefix").asText();
        byte[] pdf = s3.client()
                .getObjectAsBytes(b -> b.bucket(bucket).key(prefix + MonthlyReport.PDF))
                .asByteArray();
        assertThat(new String(pdf, 0, 5, StandardCharsets.US_ASCII)).isEqualTo("%PDF-");
        String focus = s3.client()
                .getObjectAsBytes(b -> b.bucket(bucket).key(prefix + MonthlyReport.FOCUS))
                .asUtf8String();
        assertThat(focus).contains("gpt-4o-mini").contains("contoso-large");
        // the gateway's own AWS cost, from the proxy's memory and architecture as the template deploys them
        assertThat(focus).contains("Amazon Web Services").contains("AWS Lambda").contains("gateway_aws_estimate");
        assertThat(aws.emails()).singleElement().satisfies(e -> assertThat(e).contains("finance@example.com"));
    }

    @Test
    @Order(10)
    void operations_perCall_writtenForTheCostModel() throws Exception {
        assertThat(measured.keySet()).containsExactly(0, 1, 3);
        Path out = Path.of("target", "gateway-operations.json");
        JSON.writerWithDefaultPrettyPrinter().writeValue(out.toFile(), measured);
        for (var e : measured.entrySet()) {
            for (CallOperations c : e.getValue()) {
                assertThat(c.apiGatewayRequests()).isEqualTo(1);
                assertThat(c.dynamoDbWrites())
                        .as("writes with %d budgets", e.getKey())
                        .isGreaterThanOrEqualTo(e.getKey());
                // the journal entry's put into the reservations-by-expiry index and its removal: billed, not on the
                // wire
                assertThat(c.dynamoDbIndexWrites())
                        .as("index writes with %d budgets: %s", e.getKey(), c)
                        .isEqualTo(e.getKey() == 0 ? 0 : CallProfile.INDEX_WRITES_PER_CALL_WITH_BUDGETS);
                assertThat(c.s3Puts())
                        .as("usage goes through the stream, not an object per call")
                        .isZero();
                assertThat(c.byAction()).containsEntry("firehose:PutRecordBatch", 1L);
                assertThat(c.firehosePuts())
                        .as("the stream received the proxy's one PutRecordBatch")
                        .isEqualTo(1);
                assertThat(c.firehoseRecords()).as("one usage record per call").isEqualTo(1);
                assertThat(c.firehoseRecordBytes()).isPositive();
            }
            if (e.getKey() > 0) {
                // a warm call's writes, table and index, are what the cost model prices (a cold one adds its own)
                long fewest = e.getValue().stream()
                        .mapToLong(c -> c.dynamoDbWrites() + c.dynamoDbIndexWrites())
                        .min()
                        .orElseThrow();
                assertThat(BigDecimal.valueOf(fewest))
                        .as("write units billed for a warm call with %d budgets: %s", e.getKey(), e.getValue())
                        .isEqualByComparingTo(
                                CallProfile.measured(e.getKey(), 4_000, 1024, false, CallProfile.Delivery.FIREHOSE)
                                        .dynamoDbWriteUnits());
            }
        }
    }

    @Test
    @Order(11)
    void operations_firehoseCounted_pricedAsTheCostModelPricesThem() {
        GatewayCostModel model = GatewayCostModel.create(AwsPrices.US_EAST_1);
        long rounding = AwsPrices.US_EAST_1.firehoseRecordRoundingBytes();
        for (var e : measured.entrySet()) {
            for (CallOperations c : e.getValue()) {
                CallProfile modelled =
                        CallProfile.measured(e.getKey(), 4_000, c.memoryMb(), false, CallProfile.Delivery.FIREHOSE);
                CallProfile counted = new CallProfile(
                        4_000,
                        c.memoryMb(),
                        false,
                        modelled.apiGatewayRequests(),
                        modelled.dynamoDbWriteUnits(),
                        modelled.dynamoDbReadUnits(),
                        modelled.s3Puts(),
                        modelled.s3Gets(),
                        java.math.BigDecimal.valueOf(c.firehoseRecords()),
                        c.firehoseRecords() == 0 ? 0 : c.firehoseRecordBytes() / c.firehoseRecords(),
                        modelled.secretsManagerCalls(),
                        modelled.logBytes());

                assertThat(c.firehoseBilledBytes())
                        .as("%d bytes of records in %s billed as whole 5 KB units", c.firehoseRecordBytes(), c)
                        .isEqualTo(c.firehoseRecords() * rounding);
                // ingestion is billed by the 5 KB unit, dynamic partitioning by the bytes delivered (1,083-1,088 a
                // record): the README's figure, priced at the largest record counted, covers each call counted
                assertThat(model.perMillionCalls(modelled).of(AwsService.FIREHOSE))
                        .as("the README's Firehose figure, against the records and bytes counted for %s", c)
                        .isGreaterThanOrEqualTo(model.perMillionCalls(counted).of(AwsService.FIREHOSE));
            }
        }
    }

    @Test
    @Order(12)
    void batchSweepSchedule_run_theProxyTakesTheTemplatesEventAndSweeps() throws Exception {
        DeployedTemplate.Schedule sweep = schedule(StreamingBootstrap.class.getName());
        assertThat(sweep.expression()).isEqualTo("rate(10 minutes)");

        JsonNode result = invoke(sweep.function(), sweep.input());

        assertThat(result.path("spendgate_task").asText()).as(result.toString()).isEqualTo("batch_results_sweep");
        assertThat(result.path("batches_checked").asInt())
                .as("no batch was created here")
                .isZero();
    }

    @Test
    @Order(13)
    void adminApi_revokeKey_saysWarmInstancesMayAcceptItForTheKeyCacheTime() throws Exception {
        HttpResponse<String> created = send(
                "POST",
                "/admin/keys",
                "{\"name\":\"leaver\",\"environment\":\"prod\"}",
                Map.of(LocalRestApi.IAM_CALLER_HEADER, IAM_CALLER));
        String id = JSON.readTree(created.body()).path("id").asText();

        HttpResponse<String> revoked =
                send("DELETE", "/admin/keys/" + id, null, Map.of(LocalRestApi.IAM_CALLER_HEADER, IAM_CALLER));

        assertThat(revoked.statusCode()).as(revoked.body()).isEqualTo(200);
        // the template leaves SPENDGATE_KEY_CACHE_SECONDS at its default: a warm instance trusts a look-up 30 s
        assertThat(JSON.readTree(revoked.body())
                        .path("refused_everywhere_within_seconds")
                        .asLong())
                .isEqualTo(30);
    }

    /** The AWS operations one call caused, as counted on the wire. */
    record CallOperations(
            int budgets,
            boolean streamed,
            int apiGatewayRequests,
            long dynamoDbReads,
            long dynamoDbWrites,
            long dynamoDbIndexWrites,
            long s3Puts,
            long s3Other,
            int firehosePuts,
            long firehoseRecords,
            long firehoseRecordBytes,
            long firehoseBilledBytes,
            long secretsManager,
            long logBytes,
            long billedMillis,
            int memoryMb,
            Map<String, Long> byAction) {}

    private HttpResponse<String> call(String body, int budgets) throws Exception {
        aws.resetOperations();
        firehose.resetPuts();
        int dynamoDbRequestsBefore = aws.dynamoDbRequests().size();
        long apiBefore = api.requests();
        HttpResponse<String> r =
                send("POST", "/v1/chat/completions", body, Map.of("Authorization", "Bearer " + secret));
        LocalLambda.Invocation inv = api.last;
        long billed = inv.billedNanos();
        long logBytes = inv.logBytes();
        // the record leaves after the response ends, within the invocation: counted once it asked for the next event
        List<LocalFirehose.Put> puts = firehose.puts();
        long rounding = AwsPrices.US_EAST_1.firehoseRecordRoundingBytes();
        r.headers().firstValue("X-Spendgate-Request-Id").ifPresent(requestIds::add);
        Map<String, Long> byAction = new java.util.TreeMap<>();
        for (LocalAwsEndpoint.Operation op : aws.operations()) {
            byAction.merge(op.service() + ":" + op.action(), 1L, Long::sum);
        }
        long reads = count(byAction, "dynamodb:", List.of("GetItem", "Query", "Scan", "BatchGetItem"));
        long writes = count(byAction, "dynamodb:", List.of("PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem"));
        List<String> dynamoDbRequests = aws.dynamoDbRequests();
        long indexWrites = indexWrites(dynamoDbRequests.subList(dynamoDbRequestsBefore, dynamoDbRequests.size()));
        measured.computeIfAbsent(budgets, b -> new ArrayList<>())
                .add(new CallOperations(
                        budgets,
                        body.contains("\"stream\":true"),
                        (int) (api.requests() - apiBefore),
                        reads,
                        writes,
                        indexWrites,
                        byAction.getOrDefault("s3:PutObject", 0L),
                        byAction.entrySet().stream()
                                .filter(e -> e.getKey().startsWith("s3:")
                                        && !e.getKey().equals("s3:PutObject"))
                                .mapToLong(Map.Entry::getValue)
                                .sum(),
                        puts.size(),
                        puts.stream().mapToLong(LocalFirehose.Put::records).sum(),
                        puts.stream().mapToLong(LocalFirehose.Put::recordBytes).sum(),
                        puts.stream().mapToLong(p -> p.billedBytes(rounding)).sum(),
                        count(byAction, "secretsmanager:", List.of("GetSecretValue")),
                        logBytes,
                        TimeUnit.NANOSECONDS.toMillis(billed),
                        inv == null ? 0 : lambdas.get(firstProxy()).function.memoryMb(),
                        byAction));
        return r;
    }

    /**
     * The writes DynamoDB bills to the budgets table's {@code reservations-by-expiry} index (keys only), which never
     * show on the wire: one for each journal entry put with both index keys, one for each journal entry's delete
     * (every entry the proxy puts carries them). The confirmation and the settled mark change neither key.
     */
    private static long indexWrites(List<String> dynamoDbRequests) {
        String journalKey = "\"" + BudgetsTable.RESERVATION_ITEM_PREFIX;
        return dynamoDbRequests.stream()
                .filter(r -> r.contains(journalKey)
                        && ((r.startsWith("PutItem ")
                                        && r.contains("\"" + BudgetsTable.RESERVATION_SHARD + "\"")
                                        && r.contains("\"" + BudgetsTable.RESERVATION_EXPIRES_AT_MILLIS + "\""))
                                || r.startsWith("DeleteItem ")))
                .count();
    }

    private String firstProxy() {
        return template.functionWithHandler(StreamingBootstrap.class.getName()).logicalId();
    }

    private static long count(Map<String, Long> byAction, String service, List<String> actions) {
        return actions.stream()
                .mapToLong(a -> byAction.getOrDefault(service + a, 0L))
                .sum();
    }

    private void putBudget(String scope, String limit, String mode) throws Exception {
        HttpResponse<String> r = send(
                "PUT",
                "/admin/budgets",
                "{\"scope\":\"" + scope + "\",\"period\":\"monthly\",\"limit_usd\":\"" + limit + "\",\"mode\":\"" + mode
                        + "\",\"alert_at\":[50]}",
                Map.of(LocalRestApi.IAM_CALLER_HEADER, IAM_CALLER));
        assertThat(r.statusCode()).as(r.body()).isBetween(200, 201);
    }

    private static java.math.BigDecimal spentOn(JsonNode status, String scope) {
        List<JsonNode> found = new ArrayList<>();
        status.findParents("scope").forEach(n -> {
            if (scope.equals(n.path("scope").asText())) {
                found.add(n);
            }
        });
        assertThat(found).as("status of " + scope + " in " + status).isNotEmpty();
        JsonNode n = found.get(0);
        JsonNode spent = n.has("spent_usd") ? n.get("spent_usd") : n.path("spent");
        return new java.math.BigDecimal(spent.asText("0"));
    }

    private DeployedTemplate.Schedule schedule(String handler) {
        String function = template.functionWithHandler(handler).logicalId();
        return template.schedules().stream()
                .filter(s -> s.function().equals(function))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no schedule invokes " + handler));
    }

    private JsonNode invoke(String function, String event) throws Exception {
        LocalLambda.Invocation inv = lambdas.get(function).invoke(event.getBytes(StandardCharsets.UTF_8));
        byte[] answer = inv.body.readAllBytes();
        assertThat(inv.errorType.get())
                .as(
                        "%s failed: %s%nlog:%n%s",
                        function,
                        new String(answer, StandardCharsets.UTF_8),
                        lambdas.get(function).log())
                .isNull();
        return JSON.readTree(answer);
    }

    private HttpResponse<String> send(String method, String path, String body, Map<String, String> headers)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(api.url() + path))
                .timeout(Duration.ofSeconds(60))
                .method(
                        method,
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        headers.forEach(b::header);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Creates a table as the template defines it: key schema, attribute types, global secondary indexes. */
    static void createTable(DynamoDbClient client, DeployedTemplate.Table t) {
        List<KeySchemaElement> keys = new ArrayList<>();
        t.keySchema()
                .forEach(k -> keys.add(KeySchemaElement.builder()
                        .attributeName(k.path("AttributeName").asText())
                        .keyType(k.path("KeyType").asText())
                        .build()));
        List<AttributeDefinition> attributes = new ArrayList<>();
        t.attributes()
                .forEach(a -> attributes.add(AttributeDefinition.builder()
                        .attributeName(a.path("AttributeName").asText())
                        .attributeType(a.path("AttributeType").asText())
                        .build()));
        List<GlobalSecondaryIndex> indexes = new ArrayList<>();
        t.indexes().forEach(i -> {
            List<KeySchemaElement> ik = new ArrayList<>();
            i.path("KeySchema")
                    .forEach(k -> ik.add(KeySchemaElement.builder()
                            .attributeName(k.path("AttributeName").asText())
                            .keyType(k.path("KeyType").asText())
                            .build()));
            indexes.add(GlobalSecondaryIndex.builder()
                    .indexName(i.path("IndexName").asText())
                    .keySchema(ik)
                    .projection(Projection.builder()
                            .projectionType(
                                    i.path("Projection").path("ProjectionType").asText("ALL"))
                            .build())
                    .build());
        });
        client.createTable(b -> {
            b.tableName(t.name())
                    .keySchema(keys)
                    .attributeDefinitions(attributes)
                    .billingMode(BillingMode.PAY_PER_REQUEST);
            if (!indexes.isEmpty()) {
                b.globalSecondaryIndexes(indexes);
            }
        });
        client.waiter().waitUntilTableExists(b -> b.tableName(t.name()));
    }
}
