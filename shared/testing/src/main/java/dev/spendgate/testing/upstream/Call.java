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

    /** The OpenAI {@code service_tier} answered: the behavior's, else flex/priority/scale as asked, else default. */
    String openAiServiceTier() {
        if (behavior.servedServiceTier() != null) {
            return behavior.servedServiceTier();
        }
        String asked = request.path("service_tier").asText("");
        return switch (asked) {
            case "flex", "priority", "scale" -> asked;
            default -> "default";
        };
    }

    /** The Anthropic {@code usage.service_tier} answered: the behavior's, else standard. */
    String anthropicServiceTier() {
        return behavior.servedServiceTier() != null ? behavior.servedServiceTier() : "standard";
    }

    String text() {
        return behavior.text();
    }
}
