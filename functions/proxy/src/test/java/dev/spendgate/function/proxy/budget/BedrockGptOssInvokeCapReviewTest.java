package dev.spendgate.function.proxy.budget;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.function.proxy.bedrock.BedrockOperation;
import dev.spendgate.function.proxy.bedrock.BedrockRequests;
import dev.spendgate.function.proxy.upstream.Endpoint;
import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

/**
 * OpenAI's gpt-oss on Bedrock takes an OpenAI Chat Completions body on InvokeModel, whose output cap is
 * {@code max_completion_tokens} (docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-openai.html: "In an
 * InvokeModel or OpenAI Chat Completions request, include the fields in the request body", and on Converse
 * {@code max_completion_tokens} maps to {@code maxTokens}). README "Worst-case estimate": output is the request's cap.
 */
class BedrockGptOssInvokeCapReviewTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String GPT_OSS_120B = "openai.gpt-oss-120b-1:0";
    private final CostEstimator estimator = new CostEstimator(PricingCatalog.bundled(), 4096);

    @Test
    void gptOssInvokeModel_maxCompletionTokens_boundsTheOutputReserved() throws Exception {
        JsonNode body = JSON.readTree("{\"messages\":[{\"role\":\"developer\",\"content\":\"Answer in one line.\"},"
                + "{\"role\":\"user\",\"content\":\"Classify: refund request\"}],\"max_completion_tokens\":1000}");

        long output =
                estimator.maxOutputTokens(GPT_OSS_120B, BedrockRequests.prompt(BedrockOperation.INVOKE, body), body);
        BigDecimal reserved = estimator
                .estimate(
                        "bedrock",
                        GPT_OSS_120B,
                        Endpoint.MESSAGES,
                        BedrockRequests.prompt(BedrockOperation.INVOKE, body),
                        body)
                .orElseThrow();

        assertThat(output).isEqualTo(1_000);
        // 1,000 output tokens at $0.60 a million and a few dozen input tokens: well under a tenth of a cent
        assertThat(reserved).isLessThan(new BigDecimal("0.001"));
    }

    @Test
    void gptOssInvokeModel_bothCaps_reservesTheLarger() throws Exception {
        // a body naming both caps: the gateway cannot tell which one the model obeys, so it reserves the larger
        JsonNode body = JSON.readTree("{\"messages\":[{\"role\":\"user\",\"content\":\"Summarise the thread\"}],"
                + "\"max_tokens\":100,\"max_completion_tokens\":20000}");

        assertThat(estimator.maxOutputTokens(
                        GPT_OSS_120B, BedrockRequests.prompt(BedrockOperation.INVOKE_STREAM, body), body))
                .isEqualTo(20_000);
    }
}
