package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageRecord.PricingStatus;
import dev.spendgate.testing.upstream.FakeBedrockRuntime;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Bedrock {@code modelId} may be the ARN of a system-defined (cross-region) inference profile or of a foundation
 * model: the ARN names the profile or model whose catalog price applies, so the call is priced as the bare id would
 * be (the README: "{@code modelId} is a foundation model, a cross-region inference profile or an ARN").
 */
class BedrockProfileArnPricingIT {
    private static final String BODY =
            "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"Why did the bill double?\"}]}],"
                    + "\"inferenceConfig\":{\"maxTokens\":300}}";

    @TempDir
    Path dir;

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

    @Test
    void converse_systemInferenceProfileArn_pricedAsItsProfile() {
        String arn = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/"
                + "us.anthropic.claude-sonnet-4-20250514-v1:0";

        UsageRecord record = converse(arn);

        assertThat(record.modelRequested()).isEqualTo(arn);
        assertThat(record.pricingStatus()).isEqualTo(PricingStatus.PRICED);
        // the fake's 25 input and 6 output tokens on Sonnet 4 (us. profile): $3 and $15 per 1M
        assertThat(record.costUsd()).isEqualByComparingTo("0.000165");
    }

    @Test
    void converse_foundationModelArn_pricedAsTheModel() {
        String arn = "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-sonnet-4-20250514-v1:0";

        UsageRecord record = converse(arn);

        assertThat(record.pricingStatus()).isEqualTo(PricingStatus.PRICED);
        assertThat(record.costUsd()).isEqualByComparingTo("0.000165");
    }

    @Test
    void converse_profileArnUnderAnEnforcedBudget_admittedAndCharged() {
        gw.runtime
                .budgetStores()
                .policies()
                .put(new dev.spendgate.domain.budget.BudgetPolicy(
                        dev.spendgate.domain.budget.BudgetScope.parse("feature:arn-bot"),
                        dev.spendgate.domain.budget.BudgetPeriod.MONTHLY,
                        new java.math.BigDecimal("5.00"),
                        dev.spendgate.domain.budget.BudgetPolicy.Mode.BLOCK,
                        null,
                        null,
                        null));
        String arn = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/"
                + "us.anthropic.claude-sonnet-4-20250514-v1:0";

        HttpResponse<String> response = gw.send(gw.post(
                        "/model/" + java.net.URLEncoder.encode(arn, java.nio.charset.StandardCharsets.UTF_8)
                                + "/converse",
                        BODY)
                .header("X-Cost-Feature", "arn-bot"));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(gw.record(response.headers()
                                .firstValue(Gateway.REQUEST_ID_HEADER)
                                .orElseThrow())
                        .costUsd())
                .isEqualByComparingTo("0.000165");
    }

    @Test
    void converse_promptRouterArn_pricedAsTheModelTheRouterChose() {
        String router = "arn:aws:bedrock:us-east-1:123456789012:default-prompt-router/anthropic.claude:1";

        UsageRecord record = converse(router);

        // unpriced before: the router's ARN names no model; Bedrock bills the model it routed to
        assertThat(record.modelRequested()).isEqualTo(router);
        assertThat(record.modelServed()).isEqualTo(FakeBedrockRuntime.DEFAULT_ROUTED_MODEL);
        assertThat(record.pricingStatus()).isEqualTo(PricingStatus.PRICED);
        // 25 input and 6 output tokens on Claude 3 Haiku: $0.25 and $1.25 per 1M
        assertThat(record.costUsd()).isEqualByComparingTo("0.00001375");
    }

    @Test
    void converseStream_customPromptRouterArn_pricedAsTheModelTheRouterChose() {
        bedrock.setPromptRouterServes(
                "arn:aws:bedrock:us-east-1::foundation-model/" + "anthropic.claude-sonnet-4-20250514-v1:0");
        String router = "arn:aws:bedrock:us-east-1:123456789012:prompt-router/abcd1234efgh";

        UsageRecord record = converse(router, "/converse-stream");

        assertThat(record.modelServed()).endsWith("anthropic.claude-sonnet-4-20250514-v1:0");
        assertThat(record.pricingStatus()).isEqualTo(PricingStatus.PRICED);
        assertThat(record.costUsd()).isEqualByComparingTo("0.000165");
    }

    private UsageRecord converse(String modelId) {
        return converse(modelId, "/converse");
    }

    private UsageRecord converse(String modelId, String operation) {
        HttpResponse<String> response = gw.send(gw.post(
                "/model/" + java.net.URLEncoder.encode(modelId, java.nio.charset.StandardCharsets.UTF_8) + operation,
                BODY));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return gw.record(
                response.headers().firstValue(Gateway.REQUEST_ID_HEADER).orElseThrow());
    }
}
