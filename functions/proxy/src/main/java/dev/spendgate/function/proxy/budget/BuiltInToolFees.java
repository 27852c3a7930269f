package dev.spendgate.function.proxy.budget;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spendgate.function.proxy.upstream.Endpoint;
import java.math.BigDecimal;

/**
 * The most an OpenAI Responses request's built-in tools whose fees the pricing catalog does not have may bill on top
 * of the tokens, for its worst case (a call that ran one is recorded {@code unpriced} and keeps its reservation as the
 * budgets' spend, so this is what a budget counts for it):
 *
 * <ul>
 *   <li>{@code image_generation}: one image per built-in tool call the request allows ({@code max_tool_calls}, else
 *       {@value WebSearchTools#UNCAPPED}, the assumption web searches use) at the dearest size and quality of the
 *       tool's image model: gpt-image-1 $0.25 (1536x1024 or 1024x1536, high), gpt-image-1-mini $0.052 (OpenAI's
 *       model pages, "Image generation, per image"); another or no {@code model} at gpt-image-1's, the dearest listed.
 *       Each of the tool's {@code partial_images} adds {@value #PARTIAL_IMAGE_TOKENS} image output tokens (image
 *       generation tool guide) at the model's image output rate ($40 per 1M on gpt-image-1, $8 on the mini);
 *   <li>{@code code_interpreter}: one container per tool, at $0.03 per GB of its {@code memory_limit} (1 GB, the
 *       default, $0.03; 4 GB $0.12, 16 GB $0.48, 64 GB $1.92); a container named by id was sized when it was made,
 *       outside the request, and is reserved at the default 1 GB: an assumption, not a bound;
 *   <li>{@code file_search}: $2.50 per 1,000 tool calls, one per allowed tool call.
 * </ul>
 *
 * Not reserved: the image model's own input (the prompt it is given, images it edits) and file search results, billed
 * as tokens. The fees are not multiplied by a data-residency region, nor discounted by the batch tier.
 */
final class BuiltInToolFees {
    static final long PARTIAL_IMAGE_TOKENS = 100;
    static final long MAX_PARTIAL_IMAGES = 3;

    private static final BigDecimal MILLION = new BigDecimal(1_000_000);
    /** gpt-image-1's dearest image (1536x1024 high) and image output rate per 1M tokens. */
    private static final ImageModel GPT_IMAGE_1 = new ImageModel(new BigDecimal("0.25"), new BigDecimal("40"));
    /** gpt-image-1-mini's dearest image (1536x1024 high) and image output rate per 1M tokens. */
    private static final ImageModel GPT_IMAGE_1_MINI = new ImageModel(new BigDecimal("0.052"), new BigDecimal("8"));

    static final BigDecimal CONTAINER_PER_GB = new BigDecimal("0.03");
    static final long DEFAULT_CONTAINER_GB = 1;
    static final BigDecimal FILE_SEARCH_PER_CALL = new BigDecimal("0.0025");

    private BuiltInToolFees() {}

    private record ImageModel(BigDecimal dearestImage, BigDecimal outputPerMillion) {}

    /** The worst-case fees of {@code body}'s built-in tools on {@code endpoint}; zero without such a tool. */
    static BigDecimal worstCase(Endpoint endpoint, JsonNode body) {
        if (endpoint != Endpoint.RESPONSES || body == null) {
            return BigDecimal.ZERO;
        }
        BigDecimal calls = null;
        BigDecimal fees = BigDecimal.ZERO;
        for (JsonNode tool : body.path("tools")) {
            String type = tool.path("type").asText("");
            if (type.equals("image_generation")) {
                calls = calls != null ? calls : BigDecimal.valueOf(WebSearchTools.cap(body.get("max_tool_calls")));
                fees = fees.add(image(tool).multiply(calls));
            } else if (type.equals("code_interpreter")) {
                fees = fees.add(CONTAINER_PER_GB.multiply(BigDecimal.valueOf(containerGb(tool.get("container")))));
            } else if (type.equals("file_search")) {
                calls = calls != null ? calls : BigDecimal.valueOf(WebSearchTools.cap(body.get("max_tool_calls")));
                fees = fees.add(FILE_SEARCH_PER_CALL.multiply(calls));
            }
        }
        return fees;
    }

    /** The most one image of the {@code image_generation} tool may bill. */
    private static BigDecimal image(JsonNode tool) {
        ImageModel model = "gpt-image-1-mini".equals(tool.path("model").asText("")) ? GPT_IMAGE_1_MINI : GPT_IMAGE_1;
        JsonNode partial = tool.get("partial_images");
        // OpenAI takes 0 to 3 (image generation tool guide) and refuses more: nothing is billed then
        long partials = partial != null && partial.canConvertToLong()
                ? Math.max(0, Math.min(MAX_PARTIAL_IMAGES, partial.asLong()))
                : 0;
        if (partials == 0) {
            return model.dearestImage();
        }
        BigDecimal partialTokens = BigDecimal.valueOf(partials * PARTIAL_IMAGE_TOKENS);
        return model.dearestImage()
                .add(partialTokens.multiply(model.outputPerMillion()).divide(MILLION));
    }

    /** The memory of the container a {@code code_interpreter} tool runs in, in GB (see the class comment). */
    private static long containerGb(JsonNode container) {
        if (container == null || !container.isObject()) {
            return DEFAULT_CONTAINER_GB; // none (auto), or a container id
        }
        String limit = container.path("memory_limit").asText("").trim().toLowerCase(java.util.Locale.ROOT);
        return switch (limit) {
            case "4g" -> 4;
            case "16g" -> 16;
            case "64g" -> 64;
            default -> DEFAULT_CONTAINER_GB; // "1g", none, or one OpenAI refuses (nothing billed)
        };
    }
}
