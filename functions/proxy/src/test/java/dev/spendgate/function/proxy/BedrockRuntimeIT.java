package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.domain.budget.BudgetPeriod;
import dev.spendgate.domain.budget.BudgetPolicy;
import dev.spendgate.domain.budget.BudgetScope;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageRecord.PricingStatus;
import dev.spendgate.domain.usage.UsageRecord.UsageSource;
import dev.spendgate.testing.upstream.BedrockReply;
import dev.spendgate.testing.upstream.FakeBedrockRuntime;
import dev.spendgate.testing.upstream.RecordedRequest;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.auth.token.credentials.StaticTokenProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.http.async.SdkAsyncHttpClient;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeAsyncClient;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;
import software.amazon.awssdk.services.bedrockruntime.auth.scheme.BedrockRuntimeAuthSchemeProvider;
import software.amazon.awssdk.services.bedrockruntime.model.AccessDeniedException;
import software.amazon.awssdk.services.bedrockruntime.model.BedrockRuntimeException;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ConversationRole;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseRequest;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseResponse;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamMetadataEvent;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamRequest;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamResponseHandler;
import software.amazon.awssdk.services.bedrockruntime.model.InvokeModelRequest;
import software.amazon.awssdk.services.bedrockruntime.model.InvokeModelResponse;
import software.amazon.awssdk.services.bedrockruntime.model.InvokeModelWithResponseStreamRequest;
import software.amazon.awssdk.services.bedrockruntime.model.InvokeModelWithResponseStreamResponseHandler;
import software.amazon.awssdk.services.bedrockruntime.model.Message;
import software.amazon.awssdk.services.bedrockruntime.model.PayloadPart;
import software.amazon.awssdk.services.bedrockruntime.model.ServiceQuotaExceededException;
import software.amazon.awssdk.services.bedrockruntime.model.ThrottlingException;

/**
 * The AWS SDK's own {@code BedrockRuntimeClient}, unchanged but for its endpoint and the Spendgate key, in front of
 * a local Bedrock that checks the gateway's SigV4 signature. Each call is compared with the same call made to the
 * fake directly.
 */
class BedrockRuntimeIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SONNET_4 = "anthropic.claude-sonnet-4-20250514-v1:0";
    private static final String SONNET_4_US = "us.anthropic.claude-sonnet-4-20250514-v1:0";

    @TempDir
    Path dir;

    /** One for the class: closing a Netty client takes about two seconds (its quiet period). */
    static SdkAsyncHttpClient netty;

    FakeBedrockRuntime bedrock;
    GatewayFixture gw;

    @BeforeEach
    void start() {
        bedrock = FakeBedrockRuntime.start();
        gw = GatewayFixture.embedded(
                dir,
                Map.of(
                        "SPENDGATE_BEDROCK_BASE_URL", bedrock.baseUri().toString(),
                        "SPENDGATE_BEDROCK_REGION", FakeBedrockRuntime.REGION,
                        "AWS_ACCESS_KEY_ID", FakeBedrockRuntime.ACCESS_KEY_ID,
                        "AWS_SECRET_ACCESS_KEY", FakeBedrockRuntime.SECRET_ACCESS_KEY));
    }

    @AfterEach
    void stop() {
        gw.close();
        bedrock.close();
    }

    @AfterAll
    static void closeNetty() {
        if (netty != null) {
            netty.close();
            netty = null;
        }
    }

    /** Through Spendgate: the key as a Bedrock API key (bearer token), attribution as extra headers. */
    private BedrockRuntimeClient viaGateway(String feature) {
        return BedrockRuntimeClient.builder()
                .endpointOverride(URI.create(gw.server.baseUrl()))
                .region(Region.US_EAST_1)
                .httpClient(UrlConnectionHttpClient.create())
                .tokenProvider(StaticTokenProvider.create(() -> gw.secret))
                .authSchemeProvider(BedrockRuntimeAuthSchemeProvider.defaultProvider(List.of("httpBearerAuth")))
                .overrideConfiguration(
                        o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()).putHeader("X-Cost-Feature", feature))
                .build();
    }

    /** Through Spendgate, async: SigV4-signed with any credentials, the key in {@code x-api-key}. */
    private BedrockRuntimeAsyncClient asyncViaGateway(String feature) {
        return BedrockRuntimeAsyncClient.builder()
                .endpointOverride(URI.create(gw.server.baseUrl()))
                .region(Region.US_EAST_1)
                .httpClient(netty())
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("unused", "unused")))
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry())
                        .putHeader("x-api-key", gw.secret)
                        .putHeader("X-Cost-Feature", feature))
                .build();
    }

    private BedrockRuntimeClient direct() {
        return BedrockRuntimeClient.builder()
                .endpointOverride(bedrock.baseUri())
                .region(Region.US_EAST_1)
                .httpClient(UrlConnectionHttpClient.create())
                .credentialsProvider(fakeCredentials())
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()))
                .build();
    }

    private BedrockRuntimeAsyncClient asyncDirect() {
        return BedrockRuntimeAsyncClient.builder()
                .endpointOverride(bedrock.baseUri())
                .region(Region.US_EAST_1)
                .httpClient(netty())
                .credentialsProvider(fakeCredentials())
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()))
                .build();
    }

    private static synchronized SdkAsyncHttpClient netty() {
        if (netty == null) {
            netty = NettyNioAsyncHttpClient.builder().build();
        }
        return netty;
    }

    private static StaticCredentialsProvider fakeCredentials() {
        return StaticCredentialsProvider.create(
                AwsBasicCredentials.create(FakeBedrockRuntime.ACCESS_KEY_ID, FakeBedrockRuntime.SECRET_ACCESS_KEY));
    }

    private static ConverseRequest converse(String model) {
        return ConverseRequest.builder()
                .modelId(model)
                .messages(Message.builder()
                        .role(ConversationRole.USER)
                        .content(ContentBlock.fromText("Why did the bill double?"))
                        .build())
                .inferenceConfig(c -> c.maxTokens(300))
                .build();
    }

    private static ConverseStreamRequest converseStream(String model) {
        return ConverseStreamRequest.builder()
                .modelId(model)
                .messages(Message.builder()
                        .role(ConversationRole.USER)
                        .content(ContentBlock.fromText("Why did the bill double?"))
                        .build())
                .inferenceConfig(c -> c.maxTokens(300))
                .build();
    }

    private static SdkBytes anthropicBody() {
        return SdkBytes.fromUtf8String(
                "{\"anthropic_version\":\"bedrock-2023-05-31\",\"max_tokens\":300,"
                        + "\"system\":\"You are terse.\",\"messages\":[{\"role\":\"user\",\"content\":\"Why did the bill double?\"}]}");
    }

    private UsageRecord recordOf(String requestId) {
        return gw.record(requestId);
    }

    private static String gatewayRequestId(software.amazon.awssdk.core.SdkResponse response) {
        return response.sdkHttpResponse()
                .firstMatchingHeader(Gateway.REQUEST_ID_HEADER)
                .orElseThrow();
    }

    @Test
    void converse_sdkThroughGateway_sameAnswerAsBedrockAttributedAndPricedFromCatalog() throws Exception {
        BedrockReply reply = BedrockReply.defaults().withUsage(1000, 300, 2000, 500, 0);
        bedrock.setDefaultReply(reply);

        ConverseResponse expected = direct().converse(converse(SONNET_4_US));
        ConverseResponse actual = viaGateway("support-bot").converse(converse(SONNET_4_US));

        assertThat(actual.output()).isEqualTo(expected.output());
        assertThat(actual.usage()).isEqualTo(expected.usage());
        assertThat(actual.stopReason()).isEqualTo(expected.stopReason());
        assertThat(actual.metrics()).isEqualTo(expected.metrics());

        UsageRecord record = recordOf(gatewayRequestId(actual));
        assertThat(record.provider()).isEqualTo("bedrock");
        assertThat(record.endpoint()).isEqualTo("bedrock.converse");
        assertThat(record.modelRequested()).isEqualTo(SONNET_4_US);
        assertThat(record.stream()).isFalse();
        assertThat(record.attribution().feature()).isEqualTo("support-bot");
        assertThat(record.usageSource()).isEqualTo(UsageSource.PROVIDER);
        assertThat(record.tokens()).isEqualTo(TokenUsage.anthropic(1000, 2000, 500, 0, 300));
        // Sonnet 4 on Bedrock per 1M: input $3, cache read $0.30, cache write $3.75, output $15.
        assertThat(record.costUsd())
                .isEqualByComparingTo(new BigDecimal("3000")
                        .add(new BigDecimal("600"))
                        .add(new BigDecimal("1875"))
                        .add(new BigDecimal("4500"))
                        .movePointLeft(6));
        assertThat(record.pricingStatus()).isEqualTo(PricingStatus.PRICED);
        assertThat(actual.sdkHttpResponse().firstMatchingHeader(Gateway.COST_HEADER))
                .hasValue(record.costUsd().toPlainString());

        RecordedRequest upstream = bedrock.lastRequest();
        assertThat(upstream.path()).isEqualTo("/model/us.anthropic.claude-sonnet-4-20250514-v1%3A0/converse");
        assertThat(upstream.headers().get("Authorization").get(0))
                .startsWith("AWS4-HMAC-SHA256 Credential=" + FakeBedrockRuntime.ACCESS_KEY_ID + "/");
        assertThat(upstream.headers()).doesNotContainKeys("x-api-key", "X-Cost-Feature");
        assertThat(new String(upstream.body(), StandardCharsets.UTF_8)).doesNotContain(gw.secret);
        JsonNode metadata = JSON.readTree(upstream.body()).get("requestMetadata");
        assertThat(metadata.get("spendgate_request_id").asText()).isEqualTo(record.requestId());
        assertThat(metadata.get("spendgate_feature").asText()).isEqualTo("support-bot");
        assertThat(metadata.get("spendgate_environment").asText()).isEqualTo("prod");
    }

    @Test
    void converse_applicationInferenceProfileArn_pathKeptAndPricedByOverrideAlias() throws Exception {
        String arn = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3d4e5f6";
        Path prices = dir.resolve("prices.json");
        Files.writeString(
                prices,
                "{\"aliases\":[{\"provider\":\"bedrock\",\"alias\":\"" + arn + "\",\"model\":\"" + SONNET_4 + "\"}]}");
        gw.close();
        gw = GatewayFixture.embedded(
                dir.resolve("with-aliases"),
                Map.of(
                        "SPENDGATE_BEDROCK_BASE_URL",
                        bedrock.baseUri().toString(),
                        "AWS_ACCESS_KEY_ID",
                        FakeBedrockRuntime.ACCESS_KEY_ID,
                        "AWS_SECRET_ACCESS_KEY",
                        FakeBedrockRuntime.SECRET_ACCESS_KEY,
                        "SPENDGATE_PRICING_OVERRIDES",
                        prices.toString()));
        bedrock.setDefaultReply(BedrockReply.defaults().withUsage(1000, 100, 0, 0, 0));

        ConverseResponse response = viaGateway("support-bot").converse(converse(arn));

        assertThat(bedrock.lastRequest().path())
                .isEqualTo("/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Aapplication-inference-profile"
                        + "%2Fa1b2c3d4e5f6/converse");
        UsageRecord record = recordOf(gatewayRequestId(response));
        assertThat(record.modelRequested()).isEqualTo(arn);
        assertThat(record.billing().inferenceProfileArn()).isEqualTo(arn);
        assertThat(record.pricingStatus()).isEqualTo(PricingStatus.PRICED);
        // priced as Sonnet 4: 1000 x $3 + 100 x $15 per 1M
        assertThat(record.costUsd()).isEqualByComparingTo("0.0045");
    }

    @Test
    void converse_callerRequestMetadata_ownEntriesKeptSpendgateNamesTheGateways() throws Exception {
        ConverseResponse response = viaGateway("search")
                .converse(converse(SONNET_4).toBuilder()
                        .requestMetadata(Map.of(
                                "tenant", "acme",
                                "spendgate_feature", "caller-set",
                                "spendgate_request_id", "req_someone_elses",
                                "spendgate_run", "forged-run"))
                        .build());

        JsonNode metadata = JSON.readTree(bedrock.lastRequest().body()).get("requestMetadata");
        assertThat(metadata.get("tenant").asText()).isEqualTo("acme");
        // the invocation log joins on spendgate_request_id and carries the attribution: a caller cannot forge them
        assertThat(metadata.get("spendgate_feature").asText()).isEqualTo("search");
        assertThat(metadata.get("spendgate_request_id").asText()).isEqualTo(gatewayRequestId(response));
        assertThat(metadata.has("spendgate_run")).isFalse();
        JsonNode sent = JSON.readTree(bedrock.lastRequest().body());
        assertThat(sent.get("messages"))
                .isEqualTo(JSON.valueToTree(List.of(
                        Map.of("role", "user", "content", List.of(Map.of("text", "Why did the bill double?"))))));
    }

    @Test
    void converseStream_asyncSdk_eventsRelayedAsTheyArriveAndPricedFromMetadata() throws Exception {
        BedrockReply reply = BedrockReply.defaults()
                .withText("Twice the traffic, same prices.", 3)
                .withGap(Duration.ofMillis(150))
                .withUsage(400, 120, 0, 1000, 1000);
        bedrock.setDefaultReply(reply);

        StreamResult expected = converseStream(asyncDirect(), converseStream(SONNET_4));
        StreamResult actual = converseStream(asyncViaGateway("chatbot"), converseStream(SONNET_4));

        assertThat(actual.text).isEqualTo(expected.text).isEqualTo("Twice the traffic, same prices.");
        assertThat(actual.metadata.usage()).isEqualTo(expected.metadata.usage());
        assertThat(actual.metadata.usage().cacheWriteInputTokens()).isEqualTo(1000);
        // The first delta reached the client well before the last event was even sent upstream.
        assertThat(actual.doneNanos - actual.firstDeltaNanos).isGreaterThan(TimeUnit.MILLISECONDS.toNanos(400));

        UsageRecord record = recordOf(actual.requestId);
        assertThat(record.stream()).isTrue();
        assertThat(record.endpoint()).isEqualTo("bedrock.converse");
        assertThat(record.attribution().feature()).isEqualTo("chatbot");
        assertThat(record.usageSource()).isEqualTo(UsageSource.PROVIDER);
        assertThat(record.tokens()).isEqualTo(TokenUsage.anthropic(400, 0, 0, 1000, 120));
        // Sonnet 4 on Bedrock has no separate 1-hour cache-write price: $3 input + $3 (1000 writes at input) + $15.
        assertThat(record.costUsd())
                .isEqualByComparingTo(new BigDecimal(400 * 3 + 1000 * 3 + 120 * 15).movePointLeft(6));
        assertThat(record.errorType()).isNull();
    }

    @Test
    void invokeModel_anthropicBody_identicalBytesAndPricedWithCacheTokens() {
        bedrock.setDefaultReply(BedrockReply.defaults().withUsage(50, 80, 3000, 0, 0));
        InvokeModelRequest request = InvokeModelRequest.builder()
                .modelId(SONNET_4)
                .contentType("application/json")
                .accept("application/json")
                .body(anthropicBody())
                .build();

        InvokeModelResponse expected = direct().invokeModel(request);
        InvokeModelResponse actual = viaGateway("summariser").invokeModel(request);

        assertThat(actual.body().asUtf8String()).isEqualTo(expected.body().asUtf8String());
        assertThat(actual.contentType()).isEqualTo("application/json");
        UsageRecord record = recordOf(gatewayRequestId(actual));
        assertThat(record.endpoint()).isEqualTo("bedrock.invoke");
        assertThat(record.modelRequested()).isEqualTo(SONNET_4);
        assertThat(record.tokens()).isEqualTo(TokenUsage.anthropic(50, 3000, 0, 0, 80));
        assertThat(record.costUsd())
                .isEqualByComparingTo(new BigDecimal("150")
                        .add(new BigDecimal("900"))
                        .add(new BigDecimal("1200"))
                        .movePointLeft(6));
        assertThat(bedrock.lastRequest().body()).isEqualTo(anthropicBody().asByteArray());
    }

    @Test
    void invokeModelWithResponseStream_asyncSdk_sameChunksAndPriced() throws Exception {
        bedrock.setDefaultReply(
                BedrockReply.defaults().withText("Cost went up.", 2).withUsage(70, 9, 0, 0, 0));
        InvokeModelWithResponseStreamRequest request = InvokeModelWithResponseStreamRequest.builder()
                .modelId("global.anthropic.claude-haiku-4-5-20251001-v1:0")
                .contentType("application/json")
                .body(anthropicBody())
                .build();

        List<String> expected = invokeStream(asyncDirect(), request).chunks;
        StreamResult actual = invokeStream(asyncViaGateway("triage"), request);

        assertThat(actual.chunks).isEqualTo(expected).hasSize(7);
        UsageRecord record = recordOf(actual.requestId);
        assertThat(record.stream()).isTrue();
        assertThat(record.endpoint()).isEqualTo("bedrock.invoke");
        // the path's id, which Bedrock bills and the catalog prices (global. apart from us.), not the body's
        // Anthropic name claude-haiku-4-5-20251001
        assertThat(record.modelServed()).isEqualTo("global.anthropic.claude-haiku-4-5-20251001-v1:0");
        assertThat(record.tokens()).isEqualTo(TokenUsage.anthropic(70, 0, 0, 0, 9));
        // Haiku 4.5 (global profile) per 1M: input $1, output $5.
        assertThat(record.costUsd()).isEqualByComparingTo(new BigDecimal(70 + 9 * 5).movePointLeft(6));
    }

    @Test
    void invokeModel_llamaBodyWithoutUsageFields_pricedFromBedrocksTokenCounts() throws Exception {
        Path prices = dir.resolve("prices.json");
        Files.writeString(
                prices,
                "{\"models\":[{\"provider\":\"bedrock\",\"model\":\"meta.llama3-3-70b-instruct-v1:0\","
                        + "\"input\":\"0.72\",\"output\":\"0.72\"}]}");
        gw.close();
        gw = GatewayFixture.embedded(
                dir.resolve("llama"),
                Map.of(
                        "SPENDGATE_BEDROCK_BASE_URL",
                        bedrock.baseUri().toString(),
                        "AWS_ACCESS_KEY_ID",
                        FakeBedrockRuntime.ACCESS_KEY_ID,
                        "AWS_SECRET_ACCESS_KEY",
                        FakeBedrockRuntime.SECRET_ACCESS_KEY,
                        "SPENDGATE_PRICING_OVERRIDES",
                        prices.toString()));
        bedrock.setDefaultReply(BedrockReply.defaults().withUsage(600, 400, 0, 0, 0));
        SdkBytes llamaBody = SdkBytes.fromUtf8String("{\"prompt\":\"Why did the bill double?\",\"max_gen_len\":512}");

        InvokeModelResponse whole = viaGateway("lab").invokeModel(r -> r.modelId("us.meta.llama3-3-70b-instruct-v1:0")
                .body(llamaBody));
        StreamResult streamed = invokeStream(
                asyncViaGateway("lab"),
                InvokeModelWithResponseStreamRequest.builder()
                        .modelId("us.meta.llama3-3-70b-instruct-v1:0")
                        .body(llamaBody)
                        .build());

        assertThat(JSON.readTree(whole.body().asUtf8String()).get("generation").asText())
                .isEqualTo("Hello from Bedrock.");
        assertThat(streamed.chunks).hasSize(3);
        for (String requestId : List.of(gatewayRequestId(whole), streamed.requestId)) {
            UsageRecord record = recordOf(requestId);
            assertThat(record.usageSource()).isEqualTo(UsageSource.PROVIDER);
            assertThat(record.errorType()).isNull();
            assertThat(record.tokens()).isEqualTo(TokenUsage.anthropic(600, 0, 0, 0, 400));
            // 1000 tokens x $0.72 per 1M (the overrides file's price)
            assertThat(record.costUsd()).isEqualByComparingTo("0.00072");
        }
    }

    @Test
    void converse_budgetExhausted_refusedWithServiceQuotaExceededAndNothingForwarded() {
        gw.runtime
                .budgetStores()
                .policies()
                .put(new BudgetPolicy(
                        BudgetScope.parse("feature:bill-bot"),
                        BudgetPeriod.MONTHLY,
                        new BigDecimal("0.01"),
                        BudgetPolicy.Mode.BLOCK,
                        null,
                        null,
                        null));
        // 2000 input x $3 + 300 output x $15 per 1M = $0.0105: the first call spends the whole budget.
        bedrock.setDefaultReply(BedrockReply.defaults().withUsage(2000, 300, 0, 0, 0));
        BedrockRuntimeClient client = viaGateway("bill-bot");

        ConverseResponse first = client.converse(converse(SONNET_4));
        int forwarded = bedrock.requestCount();

        assertThatThrownBy(() -> client.converse(converse(SONNET_4)))
                .isInstanceOfSatisfying(ServiceQuotaExceededException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(429);
                    assertThat(e.awsErrorDetails().errorMessage())
                            .contains("Budget")
                            .contains("feature:bill-bot");
                });
        assertThat(bedrock.requestCount()).isEqualTo(forwarded);
        assertThat(first.sdkHttpResponse().firstMatchingHeader(Gateway.REMAINING_HEADER))
                .hasValueSatisfying(v -> assertThat(new BigDecimal(v)).isLessThanOrEqualTo(BigDecimal.ZERO));
        List<UsageRecord> records = gw.awaitRecords(2);
        assertThat(records).extracting(UsageRecord::statusCode).containsExactlyInAnyOrder(200, 429);
        assertThat(records)
                .filteredOn(r -> r.statusCode() == 429)
                .singleElement()
                .satisfies(r -> assertThat(r.errorType()).isEqualTo("budget_exceeded"));
    }

    @Test
    void fakeBedrock_signedWithAnotherSecret_refusesTheCall() {
        BedrockRuntimeClient forged = BedrockRuntimeClient.builder()
                .endpointOverride(bedrock.baseUri())
                .region(Region.US_EAST_1)
                .httpClient(UrlConnectionHttpClient.create())
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(FakeBedrockRuntime.ACCESS_KEY_ID, "not-the-secret")))
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()))
                .build();

        assertThatThrownBy(() -> forged.converse(converse(SONNET_4)))
                .isInstanceOfSatisfying(BedrockRuntimeException.class, e -> assertThat(e.statusCode())
                        .isEqualTo(403));
    }

    @Test
    void converse_wrongOrMissingKey_accessDeniedAndNothingForwarded() {
        BedrockRuntimeClient wrong = BedrockRuntimeClient.builder()
                .endpointOverride(URI.create(gw.server.baseUrl()))
                .region(Region.US_EAST_1)
                .httpClient(UrlConnectionHttpClient.create())
                .credentialsProvider(fakeCredentials())
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()))
                .build();

        assertThatThrownBy(() -> wrong.converse(converse(SONNET_4)))
                .isInstanceOfSatisfying(
                        AccessDeniedException.class, e -> assertThat(e.statusCode() + " " + e.getMessage())
                                .startsWith("403")
                                .contains("Missing Spendgate key"));
        assertThat(bedrock.requestCount()).isZero();
    }

    @Test
    void converse_bedrockThrottles_errorRelayedUnchangedAndNotPriced() {
        bedrock.enqueue(BedrockReply.defaults().withError(429, "ThrottlingException", "Too many tokens, slow down."));

        assertThatThrownBy(() -> viaGateway("chatbot").converse(converse(SONNET_4)))
                .isInstanceOfSatisfying(
                        ThrottlingException.class,
                        e -> assertThat(e.awsErrorDetails().errorMessage()).isEqualTo("Too many tokens, slow down."));

        UsageRecord record = gw.awaitRecords(1).get(0);
        assertThat(record.statusCode()).isEqualTo(429);
        assertThat(record.costUsd()).isNull();
    }

    @Test
    void converseStream_cutMidFrame_recordEstimatedAndMarkedTruncated() throws Exception {
        bedrock.setDefaultReply(BedrockReply.defaults()
                .withText("A long answer that never ends", 4)
                .withCutAfter(3));

        GatewayFixture.CutResponse response = gw.sendExpectingCut(gw.post(
                "/model/" + SONNET_4 + "/converse-stream",
                "{\"messages\":[{\"role\":\"user\"," + "\"content\":[{\"text\":\"Why did the bill double?\"}]}]}"));

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.error()).as("the client sees the cut as an error").isNotNull();
        UsageRecord record = recordOf(response.requestId());
        assertThat(record.errorType()).isEqualTo("upstream_truncated");
        assertThat(record.usageSource()).isEqualTo(UsageSource.ESTIMATED);
        assertThat(record.tokens().inputTokens()).isPositive();
        assertThat(record.tokens().outputTokens()).isPositive();
        assertThat(record.costUsd()).isPositive();
    }

    @Test
    void converse_badRequestMetadata_validationErrorNamingTheField() throws Exception {
        HttpResponse<String> response = gw.send(gw.post(
                "/model/" + SONNET_4 + "/converse", "{\"messages\":[],\"requestMetadata\":[\"not\",\"a\",\"map\"]}"));

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.headers().firstValue("x-amzn-ErrorType")).hasValue("ValidationException");
        JsonNode body = JSON.readTree(response.body());
        assertThat(body.get("message").asText()).contains("requestMetadata");
        assertThat(body.get("param").asText()).isEqualTo("requestMetadata");
        assertThat(bedrock.requestCount()).isZero();
    }

    @Test
    void converse_unpricedModel_recordedUnpricedWithProviderTokens() {
        viaGateway("lab").converse(converse("meta.llama9-900b-instruct-v1:0"));

        UsageRecord record = gw.awaitRecords(1).get(0);
        assertThat(record.pricingStatus()).isEqualTo(PricingStatus.UNPRICED);
        assertThat(record.tokens()).isEqualTo(TokenUsage.anthropic(25, 0, 0, 0, 6));
        assertThat(record.costUsd()).isNull();
    }

    // ---- stream helpers -------------------------------------------------------------------------------------

    private static final class StreamResult {
        final StringBuilder textBuilder = new StringBuilder();
        final List<String> chunks = new CopyOnWriteArrayList<>();
        String text;
        ConverseStreamMetadataEvent metadata;
        String requestId;
        long firstDeltaNanos;
        long doneNanos;
    }

    private static StreamResult converseStream(BedrockRuntimeAsyncClient client, ConverseStreamRequest request)
            throws Exception {
        StreamResult result = new StreamResult();
        ConverseStreamResponseHandler handler = ConverseStreamResponseHandler.builder()
                .onResponse(r -> result.requestId = r.sdkHttpResponse()
                        .firstMatchingHeader(Gateway.REQUEST_ID_HEADER)
                        .orElse(null))
                .subscriber(ConverseStreamResponseHandler.Visitor.builder()
                        .onContentBlockDelta(d -> {
                            if (result.firstDeltaNanos == 0) {
                                result.firstDeltaNanos = System.nanoTime();
                            }
                            result.textBuilder.append(d.delta().text());
                        })
                        .onMetadata(m -> result.metadata = m)
                        .build())
                .build();
        client.converseStream(request, handler).get(30, TimeUnit.SECONDS);
        result.doneNanos = System.nanoTime();
        result.text = result.textBuilder.toString();
        return result;
    }

    private static StreamResult invokeStream(
            BedrockRuntimeAsyncClient client, InvokeModelWithResponseStreamRequest request) throws Exception {
        StreamResult result = new StreamResult();
        InvokeModelWithResponseStreamResponseHandler handler = InvokeModelWithResponseStreamResponseHandler.builder()
                .onResponse(r -> result.requestId = r.sdkHttpResponse()
                        .firstMatchingHeader(Gateway.REQUEST_ID_HEADER)
                        .orElse(null))
                .subscriber(InvokeModelWithResponseStreamResponseHandler.Visitor.builder()
                        .onChunk((PayloadPart part) ->
                                result.chunks.add(part.bytes().asUtf8String()))
                        .build())
                .build();
        client.invokeModelWithResponseStream(request, handler).get(30, TimeUnit.SECONDS);
        result.doneNanos = System.nanoTime();
        return result;
    }
}
