package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.testing.upstream.BedrockReply;
import dev.spendgate.testing.upstream.FakeBedrockRuntime;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.token.credentials.StaticTokenProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.SdkResponse;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;
import software.amazon.awssdk.services.bedrockruntime.auth.scheme.BedrockRuntimeAuthSchemeProvider;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ConversationRole;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseRequest;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseResponse;
import software.amazon.awssdk.services.bedrockruntime.model.InvokeModelRequest;
import software.amazon.awssdk.services.bedrockruntime.model.InvokeModelResponse;
import software.amazon.awssdk.services.bedrockruntime.model.Message;

/**
 * The response cache on the OpenAI Responses API and the Bedrock runtime (Converse, InvokeModel), through the real
 * local server, the fake providers and the official SDKs: a repeat is answered from the cache (the provider sees one
 * call) and the SDK reads the kept answer; streamed calls of these endpoints bypass the cache and say why.
 */
class CachedEndpointsIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SONNET_4 = "anthropic.claude-sonnet-4-20250514-v1:0";
    private static final String POLICY =
            "{\"cache\": [{\"feature\": \"faq\", \"mode\": \"exact\", \"ttl_seconds\": 600}]}";

    @TempDir
    Path dir;

    FakeBedrockRuntime bedrock;
    GatewayFixture gw;

    @BeforeEach
    void start() throws Exception {
        Files.createDirectories(dir.resolve("policy"));
        Files.writeString(dir.resolve("policy/gateway-policy.json"), POLICY);
        bedrock = FakeBedrockRuntime.start();
        gw = GatewayFixture.optimized(
                dir,
                Clock.systemUTC(),
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

    @Test
    void responsesApi_repeat_servedFromTheCacheAndReadByTheOpenAiSdk() {
        OpenAIClient sdk = OpenAIOkHttpClient.builder()
                .baseUrl(gw.openAiBase())
                .apiKey(gw.secret)
                .putHeader("X-Cost-Feature", "faq")
                .maxRetries(0)
                .build();
        ResponseCreateParams params = ResponseCreateParams.builder()
                .model("gpt-4.1-mini")
                .input("How do I reset my password?")
                .temperature(0.0)
                .build();

        Response first = sdk.responses().create(params);
        awaitAnswers(1);
        var second = sdk.responses().withRawResponse().create(params);

        assertThat(gw.upstream.requestCount()).isEqualTo(1);
        assertThat(second.headers().values("X-Spendgate-Cache")).containsExactly("hit");
        Response kept = second.parse();
        assertThat(kept.id()).isEqualTo(first.id());
        assertThat(kept.output()).isEqualTo(first.output()).isNotEmpty();
        UsageRecord hit =
                gw.record(second.headers().values(Gateway.REQUEST_ID_HEADER).get(0));
        assertThat(hit.endpoint()).isEqualTo("responses");
        assertThat(hit.optimization().cache()).isEqualTo("hit");
        assertThat(hit.costUsd()).isEqualByComparingTo(BigDecimal.ZERO);
        assertThat(hit.optimization().savedUsd()).isPositive();
    }

    @Test
    void responsesApi_streamed_bypassesTheCacheSayingWhy() {
        String body = "{\"model\":\"gpt-4.1-mini\",\"input\":\"How do I reset my password?\",\"stream\":true}";

        HttpResponse<String> one = gw.send(gw.post("/v1/responses", body).header("X-Cost-Feature", "faq"));
        HttpResponse<String> two = gw.send(gw.post("/v1/responses", body).header("X-Cost-Feature", "faq"));

        assertThat(two.body()).contains("event: response.completed");
        assertThat(gw.upstream.requestCount()).isEqualTo(2);
        for (HttpResponse<String> r : List.of(one, two)) {
            assertThat(r.headers().firstValue("X-Spendgate-Cache")).hasValue("bypass");
            assertThat(r.headers().firstValue("X-Spendgate-Cache-Reason")).hasValue("stream");
        }
        assertThat(gw.record(two.headers().firstValue(Gateway.REQUEST_ID_HEADER).orElseThrow())
                        .optimization()
                        .cache())
                .isEqualTo("bypass");
    }

    @Test
    void bedrockConverse_repeat_servedFromTheCacheAndReadByTheAwsSdk() {
        bedrock.setDefaultReply(BedrockReply.defaults().withUsage(1000, 300, 0, 0, 0));
        BedrockRuntimeClient sdk = viaGateway("faq");

        ConverseResponse first = sdk.converse(converse("Why did the bill double?"));
        awaitAnswers(1);
        ConverseResponse second = sdk.converse(converse("Why did the bill double?"));
        ConverseResponse other = sdk.converse(converse("Why did the bill halve?"));

        assertThat(bedrock.requestCount()).isEqualTo(2);
        assertThat(second.output()).isEqualTo(first.output());
        assertThat(second.usage()).isEqualTo(first.usage());
        assertThat(header(second, "X-Spendgate-Cache")).isEqualTo("hit");
        assertThat(header(other, "X-Spendgate-Cache")).isEqualTo("miss");
        UsageRecord miss = gw.record(header(first, Gateway.REQUEST_ID_HEADER));
        UsageRecord hit = gw.record(header(second, Gateway.REQUEST_ID_HEADER));
        assertThat(hit.endpoint()).isEqualTo("bedrock.converse");
        assertThat(hit.costUsd()).isEqualByComparingTo(BigDecimal.ZERO);
        // Sonnet 4 on Bedrock: 1000 input at $3 + 300 output at $15 per 1M
        assertThat(miss.costUsd()).isEqualByComparingTo(new BigDecimal("0.0075"));
        assertThat(hit.optimization().savedUsd()).isEqualByComparingTo(miss.costUsd());
    }

    @Test
    void bedrockInvokeModel_repeat_servedFromTheCacheWithIdenticalBytes() {
        bedrock.setDefaultReply(BedrockReply.defaults().withUsage(50, 80, 0, 0, 0));
        BedrockRuntimeClient sdk = viaGateway("faq");
        InvokeModelRequest request = InvokeModelRequest.builder()
                .modelId(SONNET_4)
                .contentType("application/json")
                .accept("application/json")
                .body(SdkBytes.fromUtf8String(
                        "{\"anthropic_version\":\"bedrock-2023-05-31\",\"max_tokens\":300,\"temperature\":0,"
                                + "\"messages\":[{\"role\":\"user\",\"content\":\"Why did the bill double?\"}]}"))
                .build();

        InvokeModelResponse first = sdk.invokeModel(request);
        awaitAnswers(1);
        InvokeModelResponse second = sdk.invokeModel(request);
        InvokeModelResponse otherModel = sdk.invokeModel(request.toBuilder()
                .modelId("anthropic.claude-3-5-haiku-20241022-v1:0")
                .build());

        assertThat(bedrock.requestCount()).isEqualTo(2);
        assertThat(second.body().asUtf8String()).isEqualTo(first.body().asUtf8String());
        assertThat(second.contentType()).isEqualTo("application/json");
        assertThat(header(second, "X-Spendgate-Cache")).isEqualTo("hit");
        assertThat(header(otherModel, "X-Spendgate-Cache")).isEqualTo("miss");
        assertThat(gw.record(header(second, Gateway.REQUEST_ID_HEADER))
                        .optimization()
                        .cache())
                .isEqualTo("hit");
    }

    @Test
    void bedrockInvokeModel_withAGuardrail_isNotServedTheAnswerMadeWithoutIt() {
        bedrock.setDefaultReply(BedrockReply.defaults().withUsage(50, 80, 0, 0, 0));
        BedrockRuntimeClient sdk = viaGateway("faq");
        InvokeModelRequest unguarded = InvokeModelRequest.builder()
                .modelId(SONNET_4)
                .contentType("application/json")
                .accept("application/json")
                .body(SdkBytes.fromUtf8String(
                        "{\"anthropic_version\":\"bedrock-2023-05-31\",\"max_tokens\":300,\"temperature\":0,"
                                + "\"messages\":[{\"role\":\"user\",\"content\":\"Why did the bill double?\"}]}"))
                .build();

        sdk.invokeModel(unguarded);
        awaitAnswers(1);
        // the guardrail (X-Amzn-Bedrock-GuardrailIdentifier, forwarded to Bedrock) may block or mask the answer
        InvokeModelResponse guarded = sdk.invokeModel(unguarded.toBuilder()
                .guardrailIdentifier("gr-pii-mask")
                .guardrailVersion("1")
                .build());

        assertThat(header(guarded, "X-Spendgate-Cache")).isNotEqualTo("hit");
        assertThat(bedrock.requestCount()).isEqualTo(2);
    }

    @Test
    void responsesApi_inAConversation_isNotServedAnEarlierTurnsAnswer() {
        // with "conversation" the provider answers in the conversation's current state and appends the turn to it:
        // the same body later in the conversation is another question, and a hit would leave the turn out of it
        String body = "{\"model\":\"gpt-4.1-mini\",\"conversation\":\"conv_68a1\",\"input\":\"And then?\","
                + "\"temperature\":0}";

        HttpResponse<String> first = gw.send(gw.post("/v1/responses", body).header("X-Cost-Feature", "faq"));
        // bypassed, so never kept: no fill to wait for
        assertThat(first.headers().firstValue("X-Spendgate-Cache")).contains("bypass");
        assertThat(first.headers().firstValue("X-Spendgate-Cache-Reason")).contains("conversation");
        HttpResponse<String> next = gw.send(gw.post("/v1/responses", body).header("X-Cost-Feature", "faq"));

        assertThat(next.headers().firstValue("X-Spendgate-Cache")).isNotEqualTo(java.util.Optional.of("hit"));
        assertThat(gw.upstream.requestCount()).isEqualTo(2);
    }

    @Test
    void bedrockConverseStream_bypassesTheCacheSayingWhy() {
        String body = "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"Why did the bill double?\"}]}]}";
        var request = java.net.http.HttpRequest.newBuilder(
                        URI.create(gw.server.baseUrl() + "/model/" + SONNET_4.replace(":", "%3A") + "/converse-stream"))
                .header("Content-Type", "application/json")
                .header("x-api-key", gw.secret)
                .header("X-Cost-Feature", "faq")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body));

        HttpResponse<String> one = gw.send(request);
        HttpResponse<String> two = gw.send(request);

        assertThat(two.statusCode()).isEqualTo(200);
        assertThat(bedrock.requestCount()).isEqualTo(2);
        assertThat(two.headers().firstValue("X-Spendgate-Cache")).hasValue("bypass");
        assertThat(two.headers().firstValue("X-Spendgate-Cache-Reason")).hasValue("stream");
        assertThat(one.headers().firstValue("X-Spendgate-Cache-Reason")).hasValue("stream");
    }

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

    private static ConverseRequest converse(String question) {
        return ConverseRequest.builder()
                .modelId(SONNET_4)
                .messages(Message.builder()
                        .role(ConversationRole.USER)
                        .content(ContentBlock.fromText(question))
                        .build())
                .inferenceConfig(c -> c.maxTokens(300).temperature(0f))
                .build();
    }

    private static String header(SdkResponse response, String name) {
        return response.sdkHttpResponse().firstMatchingHeader(name).orElse(null);
    }

    /** The cache is filled after the answer has left: waits for {@code count} kept answers, as a later caller would. */
    private void awaitAnswers(long count) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            try (var files = Files.walk(dir.resolve("cache/answers"))) {
                if (files.filter(f -> f.toString().endsWith(".json")).count() >= count) {
                    return;
                }
            } catch (java.io.IOException | java.io.UncheckedIOException e) {
                // listed while a file moved: look again
            }
            LockSupport.parkNanos(2_000_000);
        }
        throw new AssertionError("the cache was not filled within 10 s");
    }
}
