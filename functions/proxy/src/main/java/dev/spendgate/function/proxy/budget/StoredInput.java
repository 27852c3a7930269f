package dev.spendgate.function.proxy.budget;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spendgate.domain.pricing.ContextWindows;
import dev.spendgate.function.proxy.upstream.Endpoint;
import dev.spendgate.function.proxy.usage.GoogleOptions;

/**
 * The input a call may bill that its body does not hold, stored at the provider: an OpenAI Responses call continuing a
 * stored response ({@code previous_response_id}: "all previous input tokens for responses in the chain are billed as
 * input tokens", OpenAI's conversation-state guide), a conversation ({@code conversation}: its items are prepended to
 * the input) or a stored prompt ({@code prompt.id}: its template is); a chat call on a Gemini context cache ({@code
 * google.cached_content}, {@link GoogleOptions}: the cached tokens are billed as part of the prompt, at the cache rate,
 * and count toward the long-context threshold, ai.google.dev/gemini-api/docs/caching). Gateway-side the stored part has no known size, so the worst
 * case is the model's context window ({@link ContextWindows}); on a model whose window is unknown, the worst case is.
 */
final class StoredInput {
    private StoredInput() {}

    /**
     * The input tokens the call may bill at most when it continues stored input: the model's context window; 0 when
     * it does not, -1 when it does on a model whose window is unknown.
     */
    static long tokens(String model, Endpoint endpoint, JsonNode body) {
        if (!continuesStoredInput(endpoint, body)) {
            return 0;
        }
        return ContextWindows.tokens(model).orElse(-1);
    }

    /** Whether a body names input stored at the provider. */
    static boolean continuesStoredInput(Endpoint endpoint, JsonNode body) {
        if (body == null) {
            return false;
        }
        if (endpoint == Endpoint.CHAT_COMPLETIONS) {
            return present(GoogleOptions.get(body, "cached_content"));
        }
        if (endpoint != Endpoint.RESPONSES) {
            return false;
        }
        return present(body.get("previous_response_id"))
                || present(body.get("conversation"))
                || present(body.path("prompt").get("id"));
    }

    private static boolean present(JsonNode value) {
        return value != null
                && !value.isMissingNode()
                && !value.isNull()
                && !(value.isTextual() && value.asText().isBlank());
    }
}
