package dev.spendgate.function.proxy.budget;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spendgate.domain.pricing.ContextWindows;
import dev.spendgate.function.proxy.upstream.Endpoint;

/**
 * The input tokens Anthropic's web fetch tool ({@code web_fetch_*}) may add to a request: each fetched page or PDF is
 * put into the conversation and billed as input ("no additional charges beyond standard token costs"), at most
 * {@code max_uses} fetches of at most {@code max_content_tokens} each. A tool without either cap (neither has a
 * documented default) may fill the model's context window ({@link ContextWindows}); on a model whose window is unknown
 * the worst case is unknown.
 *
 * <p>Not counted: results of the code execution tool and of MCP connector servers ({@code mcp_servers}), which also
 * enter the conversation but have no cap a request can set and no documented bound.
 */
final class FetchedContent {
    private FetchedContent() {}

    /** The input tokens the request's web fetches may bill; 0 without the tool, -1 when that is unknown. */
    static long tokens(String model, Endpoint endpoint, JsonNode body) {
        if (endpoint != Endpoint.MESSAGES || body == null) {
            return 0;
        }
        long tokens = 0;
        for (JsonNode tool : body.path("tools")) {
            JsonNode type = tool.get("type");
            if (type == null || !type.isTextual() || !type.asText().startsWith("web_fetch")) {
                continue;
            }
            long uses = cap(tool.get("max_uses"));
            long each = cap(tool.get("max_content_tokens"));
            long most = uses < 0 || each < 0 ? ContextWindows.tokens(model).orElse(-1) : saturatedMultiply(uses, each);
            if (most < 0) {
                return -1;
            }
            tokens = saturatedAdd(tokens, most);
        }
        return tokens;
    }

    /** A positive whole-number cap, else -1 (none: the provider refuses a bad one, so nothing is billed then). */
    private static long cap(JsonNode value) {
        return value != null && value.canConvertToExactIntegral() && value.canConvertToLong() && value.asLong() > 0
                ? value.asLong()
                : -1;
    }

    private static long saturatedMultiply(long a, long b) {
        long high = Math.multiplyHigh(a, b);
        long product = a * b;
        return high != 0 || product < 0 ? Long.MAX_VALUE : product;
    }

    private static long saturatedAdd(long a, long b) {
        long sum = a + b;
        return sum < 0 ? Long.MAX_VALUE : sum;
    }
}
