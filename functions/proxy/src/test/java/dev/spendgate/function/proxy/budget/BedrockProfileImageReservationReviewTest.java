package dev.spendgate.function.proxy.budget;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.function.proxy.bedrock.BedrockOperation;
import dev.spendgate.function.proxy.bedrock.BedrockRequests;
import dev.spendgate.function.proxy.upstream.Endpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * README "Pricing" and "Reconciling with the AWS bill": callers send an application inference profile ARN as
 * {@code modelId} (one per feature, for cost allocation tags) and the pricing overrides alias it to the foundation model
 * it wraps. The worst case reserved for such a call must be the wrapped model's: Claude Opus 4.7 bills an image up to
 * 4,784 tokens (image-tokens.csv, Anthropic's vision guide), and the ARN itself names no model.
 */
class BedrockProfileImageReservationReviewTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String OPUS_4_7 = "anthropic.claude-opus-4-7-v1:0";
    private static final String PROFILE =
            "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3d4e5f6";

    @Test
    void applicationProfileAliasedToOpus47_reservesItsImagesAsOpus47Does(@TempDir Path dir) throws Exception {
        Path prices = dir.resolve("prices.json");
        Files.writeString(
                prices,
                "{\"aliases\":[{\"provider\":\"bedrock\",\"alias\":\"" + PROFILE + "\",\"model\":\"" + OPUS_4_7
                        + "\"}]}");
        CostEstimator estimator = new CostEstimator(PricingCatalog.bundled().withOverrides(prices), 4096);
        StringBuilder content = new StringBuilder();
        for (int i = 0; i < 10; i++) {
            content.append("{\"image\":{\"format\":\"png\",\"source\":{\"bytes\":\"")
                    .append("iVBORw0KGgoAAAANSUhEUgAA".repeat(20 + i))
                    .append("\"}}},");
        }
        JsonNode body = JSON.readTree("{\"inferenceConfig\":{\"maxTokens\":1000},\"messages\":[{\"role\":\"user\","
                + "\"content\":[" + content + "{\"text\":\"Which of these receipts are duplicates?\"}]}]}");

        long viaProfile = estimator
                .worstCase(
                        "bedrock",
                        PROFILE,
                        Endpoint.MESSAGES,
                        BedrockRequests.prompt(BedrockOperation.CONVERSE, body),
                        body)
                .inputTokens();
        long direct = estimator
                .worstCase(
                        "bedrock",
                        OPUS_4_7,
                        Endpoint.MESSAGES,
                        BedrockRequests.prompt(BedrockOperation.CONVERSE, body),
                        body)
                .inputTokens();

        // the same ten images on the same model: the profile is only a name for Opus 4.7
        assertThat(viaProfile).isGreaterThanOrEqualTo(direct);
    }
}
