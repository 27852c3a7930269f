package dev.spendgate.domain.pricing;

/**
 * Which OpenAI Responses {@code web_search_call} items are billed searches. OpenAI's web search guide
 * (platform.openai.com/docs/guides/tools-web-search, "Output and citations") lists an item's {@code action} as one of
 * {@code search}, "a web search ... Search actions incur a tool call cost (see pricing)", {@code open_page}, "a page
 * being opened", and {@code find_in_page}, "searching within a page" (both in reasoning models); the tool-call fee
 * ({@link ModelPrice#webSearchPer1k}) is stated for searches only. An item without an action (older answers, the
 * {@code web_search_preview} tool) or with another action type is counted as a search, as every item was before
 * actions were listed.
 */
public final class WebSearchActions {
    private WebSearchActions() {}

    /** Whether a {@code web_search_call} whose {@code action.type} is {@code actionType} (null: none) is billed. */
    public static boolean billed(String actionType) {
        return !"open_page".equals(actionType) && !"find_in_page".equals(actionType);
    }
}
