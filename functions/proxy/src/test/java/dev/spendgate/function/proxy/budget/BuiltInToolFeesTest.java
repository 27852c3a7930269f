package dev.spendgate.function.proxy.budget;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.function.proxy.upstream.Endpoint;
import dev.spendgate.function.proxy.usage.PromptText;
import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

/**
 * A Responses call whose built-in tool ran is recorded unpriced and its reservation kept as spent, so the worst case
 * must hold the tool's fee: what a block budget admits and then counts.
 */
class BuiltInToolFeesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final CostEstimator estimator = new CostEstimator(PricingCatalog.bundled(), 4096);

    private BigDecimal reserved(String tools) throws Exception {
        JsonNode body = JSON.readTree("{\"model\":\"gpt-5-nano\",\"max_output_tokens\":200,\"input\":\"Draw a cat.\""
                + (tools.isEmpty() ? "" : "," + tools) + "}");
        return estimator
                .estimate("openai", "gpt-5-nano", Endpoint.RESPONSES, PromptText.of(Endpoint.RESPONSES, body), body)
                .orElseThrow();
    }

    /**
     * Whether the call is reserved at {@code fee} plus its tokens: 200 output tokens and a few dozen input ones on
     * gpt-5-nano ($0.40 and $0.05 per 1M) come to about $0.0001, well under $0.001.
     */
    private static void feePlusTokens(BigDecimal reserved, String fee) {
        assertThat(reserved).isBetween(new BigDecimal(fee), new BigDecimal(fee).add(new BigDecimal("0.001")));
    }

    @Test
    void imageGeneration_reservesTheDearestImageOfItsModelPerAllowedToolCall() throws Exception {
        String two = "\"max_tool_calls\":2,\"tools\":[{\"type\":\"image_generation\"}]";
        String uncapped = "\"tools\":[{\"type\":\"image_generation\"}]";
        String mini = "\"max_tool_calls\":1,\"tools\":[{\"type\":\"image_generation\",\"model\":\"gpt-image-1-mini\"}]";
        String partials = "\"max_tool_calls\":1,\"tools\":[{\"type\":\"image_generation\",\"partial_images\":3}]";

        // gpt-image-1, 1536x1024 high: $0.25 an image, beside about $0.0001 of gpt-5-nano tokens
        feePlusTokens(reserved(two), "0.50");
        // no max_tool_calls: 10 images, the assumption web searches use
        feePlusTokens(reserved(uncapped), "2.50");
        // gpt-image-1-mini's dearest image is $0.052
        feePlusTokens(reserved(mini), "0.052");
        // 3 partial images: 300 image output tokens at $40 per 1M
        feePlusTokens(reserved(partials), "0.262");
    }

    @Test
    void codeInterpreter_reservesOneContainerOfItsMemory() throws Exception {
        String auto = "\"tools\":[{\"type\":\"code_interpreter\",\"container\":{\"type\":\"auto\"}}]";
        String large = "\"tools\":[{\"type\":\"code_interpreter\",\"container\":{\"type\":\"auto\","
                + "\"memory_limit\":\"16g\"}}]";
        String byId = "\"tools\":[{\"type\":\"code_interpreter\",\"container\":\"cntr_abc\"}]";

        feePlusTokens(reserved(auto), "0.03");
        feePlusTokens(reserved(large), "0.48");
        feePlusTokens(reserved(byId), "0.03");
    }

    @Test
    void fileSearch_reservesItsFeePerAllowedToolCall() throws Exception {
        String capped = "\"max_tool_calls\":4,\"tools\":[{\"type\":\"file_search\",\"vector_store_ids\":[\"vs_1\"]}]";

        feePlusTokens(reserved(capped), "0.01"); // 4 x $2.50 / 1,000
    }

    @Test
    void noBuiltInTool_orAnotherEndpoint_addsNoFee() throws Exception {
        JsonNode function = JSON.readTree("{\"tools\":[{\"type\":\"function\",\"name\":\"f\"}]}");
        JsonNode chat = JSON.readTree("{\"tools\":[{\"type\":\"image_generation\"}]}");

        assertThat(BuiltInToolFees.worstCase(Endpoint.RESPONSES, function)).isEqualByComparingTo("0");
        assertThat(BuiltInToolFees.worstCase(Endpoint.CHAT_COMPLETIONS, chat)).isEqualByComparingTo("0");
    }
}
