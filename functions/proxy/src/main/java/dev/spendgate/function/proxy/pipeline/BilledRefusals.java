package dev.spendgate.function.proxy.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spendgate.function.proxy.upstream.Provider;
import java.io.IOException;

/**
 * Error answers their provider bills. Azure OpenAI evaluates a prompt before its content filter refuses it with 400
 * and {@code error.code: content_filter}, and charges for it: "a charge for both the prompt and completion tokens will
 * occur" (learn.microsoft.com/azure/ai-services/openai/concepts/content-filter). Such a call is recorded
 * {@code unpriced} with its prompt estimated ({@link Price}), never {@code not_billable}.
 */
final class BilledRefusals {
    /** The {@code error_type} of an Azure OpenAI content-filter refusal: Azure's own {@code error.code}. */
    static final String CONTENT_FILTER = "content_filter";

    private BilledRefusals() {}

    /** The error type a billed refusal is recorded under, or null when {@code provider} does not bill this answer. */
    static String of(Provider provider, int status, byte[] body) {
        if (provider.azure() == null || status != 400) {
            return null;
        }
        try {
            JsonNode root = Json.MAPPER.readTree(body);
            String code = root == null ? null : root.path("error").path("code").asText(null);
            return CONTENT_FILTER.equals(code) ? CONTENT_FILTER : null;
        } catch (IOException | RuntimeException e) {
            return null; // not Azure's error shape: an error it does not bill
        }
    }
}
