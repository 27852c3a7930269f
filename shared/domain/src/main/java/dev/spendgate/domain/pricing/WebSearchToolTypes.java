package dev.spendgate.domain.pricing;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Which fee an OpenAI Responses call's web searches are billed at, from its {@code tools}: the older
 * {@code web_search_preview} tool costs more per search on some models ({@link ModelPrice#webSearchPreviewPer1k}), and
 * an answer does not say which tool ran, so the searches of a call whose web-search tools are all
 * {@code web_search_preview*} are priced at that fee. The one rule for a live call (the request's {@code tools}) and a
 * batch result line (the response body echoes its request's {@code tools}).
 */
public final class WebSearchToolTypes {
    private WebSearchToolTypes() {}

    /** Whether every web-search tool in {@code tools} is {@code web_search_preview*}, and there is one. */
    public static boolean allPreview(JsonNode tools) {
        boolean any = false;
        if (tools == null) {
            return false;
        }
        for (JsonNode tool : tools) {
            if (isWebSearch(tool)) {
                if (!isPreview(tool)) {
                    return false;
                }
                any = true;
            }
        }
        return any;
    }

    /** A {@code web_search_preview*} tool. */
    public static boolean isPreview(JsonNode tool) {
        JsonNode type = tool.get("type");
        return type != null && type.isTextual() && type.asText().startsWith("web_search_preview");
    }

    /** Any {@code web_search*} tool: {@code web_search}, {@code web_search_preview} and their dated versions. */
    public static boolean isWebSearch(JsonNode tool) {
        JsonNode type = tool.get("type");
        return type != null && type.isTextual() && type.asText().startsWith("web_search");
    }
}
