package dev.spendgate.testing.upstream;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One accepted model call: the parsed request, the behavior chosen for it and the derived numbers every wire format
 * reports.
 */
record Call(JsonNode request, int requestBytes, String model, long createdEpochSeconds, Behavior behavior) {

    /** Input tokens before provider semantics: the behavior's fixed count or request bytes / 4 (at least 1). */
    int inputTokens() {
        Integer fixed = behavior.inputTokens();
        return fixed != null ? fixed : Math.max(1, requestBytes / 4);
    }

    /** OpenAI {@code prompt_tokens}: cached tokens are part of it, so it is never smaller than them. */
    int openAiPromptTokens() {
        return Math.max(inputTokens(), behavior.cachedTokens());
    }

    int outputTokens() {
        return behavior.outputTokens();
    }

    String text() {
        return behavior.text();
    }
}
