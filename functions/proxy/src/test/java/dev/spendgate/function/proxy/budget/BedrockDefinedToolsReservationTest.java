package dev.spendgate.function.proxy.budget;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.function.proxy.bedrock.BedrockOperation;
import dev.spendgate.function.proxy.bedrock.BedrockRequests;
import dev.spendgate.function.proxy.upstream.Endpoint;
import org.junit.jupiter.api.Test;

/**
 * Bedrock Converse passes Anthropic-defined tools (computer use, bash, text editor) to Claude in
 * {@code additionalModelRequestFields.tools}, with the beta flag beside them; Anthropic bills each at a fixed count of
 * input tokens (computer use 735, {@link DefinedToolTokens}) besides its JSON. README "Worst-case estimate": tools are
 * input.
 */
class BedrockDefinedToolsReservationTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SONNET_4_5 = "anthropic.claude-sonnet-4-5-20250929-v1:0";
    private final CostEstimator estimator = new CostEstimator(PricingCatalog.bundled(), 4096);

    private long inputTokens(String body) throws Exception {
        JsonNode json = JSON.readTree(body);
        return estimator
                .worstCase(
                        "bedrock",
                        SONNET_4_5,
                        Endpoint.MESSAGES,
                        BedrockRequests.prompt(BedrockOperation.CONVERSE, json),
                        json)
                .inputTokens();
    }

    @Test
    void converseComputerUseTool_inAdditionalModelRequestFields_isReservedAsInput() throws Exception {
        String messages = "\"inferenceConfig\":{\"maxTokens\":1024},\"messages\":[{\"role\":\"user\","
                + "\"content\":[{\"text\":\"Open the invoices folder.\"}]}]";
        String withTool = "{" + messages + ",\"additionalModelRequestFields\":{\"tools\":[{\"type\":"
                + "\"computer_20250124\",\"name\":\"computer\",\"display_height_px\":768,\"display_width_px\":1024,"
                + "\"display_number\":0}],\"anthropic_beta\":[\"computer-use-2025-01-24\"]}}";

        // the computer use tool's 735 fixed tokens, and its definition's text, on top of the same call without it
        assertThat(inputTokens(withTool) - inputTokens("{" + messages + "}")).isGreaterThan(735);
    }
}
