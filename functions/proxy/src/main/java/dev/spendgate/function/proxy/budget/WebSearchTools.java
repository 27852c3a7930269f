package dev.spendgate.function.proxy.budget;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spendgate.domain.pricing.ContextWindows;
import dev.spendgate.domain.pricing.WebSearchToolTypes;
import dev.spendgate.function.proxy.upstream.Endpoint;

/**
 * The most server-side web searches a request lets the provider run and bill per search, for its worst case: each
 * Anthropic {@code web_search_*} tool's {@code max_uses}; for an OpenAI Responses request with a {@code web_search*}
 * tool, its {@code max_tool_calls} (which caps every built-in tool call). A tool without a cap is reserved at
 * {@value #UNCAPPED} searches: an assumption, not a bound (neither provider documents a default limit), so a client
 * that needs the reservation to hold sets the cap.
 *
 * <p>OpenAI's older {@code web_search_preview} tool costs more per search on some models
 * ({@link dev.spendgate.domain.pricing.ModelPrice#webSearchPreviewPer1k}), and a Responses answer does not say which
 * tool ran: a request whose web-search tools are all {@code web_search_preview*} is priced at that fee, and the worst
 * case of one that has any such tool is reserved at it.
 *
 * <p>The search results are billed as input too (Anthropic: "search results retrieved throughout a conversation are
 * counted as input tokens", web search tool guide; OpenAI: "search content tokens" at the model's input rate, pricing
 * page, built-in tools), and neither provider bounds them: each search the worst case allows is reserved
 * {@value #RESULT_TOKENS_PER_SEARCH} input tokens, the searches together at most the model's context window. An
 * assumption, not a bound: the one figure a provider states is OpenAI's fixed block of 8,000 tokens a search on
 * gpt-4o-mini and gpt-4.1-mini; measured searches bill more (a gpt-5-mini search about 12,700), so twice that block.
 * Searches whose content is free (OpenAI's {@code web_search_preview} on its non-reasoning models) are reserved alike:
 * the answer does not say which tool ran.
 */
public final class WebSearchTools {
    /** Searches reserved for a web-search tool the request does not cap. */
    static final long UNCAPPED = 10;
    /** Input tokens reserved for the results of one search (see the class comment). */
    static final long RESULT_TOKENS_PER_SEARCH = 16_000;

    private WebSearchTools() {}

    /** The searches the worst case of {@code body} on {@code endpoint} bills; 0 without a web-search tool. */
    static long worstCase(Endpoint endpoint, JsonNode body) {
        if (endpoint == Endpoint.RESPONSES) {
            for (JsonNode tool : body.path("tools")) {
                if (isWebSearch(tool)) {
                    return cap(body.get("max_tool_calls"));
                }
            }
            return 0;
        }
        if (endpoint != Endpoint.MESSAGES) {
            return 0;
        }
        long searches = 0;
        for (JsonNode tool : body.path("tools")) {
            if (isWebSearch(tool)) {
                searches = saturatedAdd(searches, cap(tool.get("max_uses")));
            }
        }
        return searches;
    }

    /**
     * The input tokens the results of the request's searches may bill on {@code model}: {@link
     * #RESULT_TOKENS_PER_SEARCH} per search {@link #worstCase} allows, together at most the model's context window.
     */
    static long resultTokens(String model, Endpoint endpoint, JsonNode body) {
        long searches = worstCase(endpoint, body);
        if (searches == 0) {
            return 0;
        }
        long tokens = searches > Long.MAX_VALUE / RESULT_TOKENS_PER_SEARCH
                ? Long.MAX_VALUE
                : searches * RESULT_TOKENS_PER_SEARCH;
        return Math.min(tokens, ContextWindows.tokens(model).orElse(Long.MAX_VALUE));
    }

    /**
     * Whether every web-search tool of an OpenAI Responses request is {@code web_search_preview*} (and it has one): its
     * searches are priced at that fee ({@link WebSearchToolTypes#allPreview}, the rule batch results use too).
     */
    public static boolean preview(Endpoint endpoint, JsonNode body) {
        return endpoint == Endpoint.RESPONSES && WebSearchToolTypes.allPreview(body.path("tools"));
    }

    /** Whether an OpenAI Responses request has a {@code web_search_preview*} tool (its worst case pays that fee). */
    static boolean mayBePreview(Endpoint endpoint, JsonNode body) {
        if (endpoint != Endpoint.RESPONSES) {
            return false;
        }
        for (JsonNode tool : body.path("tools")) {
            if (isPreview(tool)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isPreview(JsonNode tool) {
        return WebSearchToolTypes.isPreview(tool);
    }

    private static boolean isWebSearch(JsonNode tool) {
        return WebSearchToolTypes.isWebSearch(tool);
    }

    /**
     * A positive whole-number cap, else {@link #UNCAPPED} (the provider refuses a bad one: nothing is billed); also the
     * calls {@link BuiltInToolFees} reserves for an uncapped Responses request.
     */
    static long cap(JsonNode value) {
        return value != null && value.canConvertToExactIntegral() && value.canConvertToLong() && value.asLong() > 0
                ? value.asLong()
                : UNCAPPED;
    }

    private static long saturatedAdd(long a, long b) {
        long sum = a + b;
        return sum < 0 ? Long.MAX_VALUE : sum;
    }
}
