package dev.spendgate.function.proxy.usage;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spendgate.domain.pricing.ServiceTiers;

/**
 * The service tier a request asked for, as the client spelled it: {@code service_tier} (OpenAI, Anthropic),
 * Bedrock Converse's {@code serviceTier.type}, or {@code optimized} for Bedrock latency-optimized inference
 * ({@code performanceConfig.latency}), or {@code fast_mode} for Anthropic's {@code speed: "fast"}. Null when the request
 * asked for none.
 */
public final class RequestedServiceTier {
    private RequestedServiceTier() {}

    public static String of(JsonNode body) {
        if (body == null || !body.isObject()) {
            return null;
        }
        if ("fast".equals(body.path("speed").asText())) {
            return ServiceTiers.FAST_MODE; // Anthropic fast mode: reserved at its rates, whatever service_tier says
        }
        JsonNode tier = body.get("service_tier");
        if (tier != null && tier.isTextual() && !tier.asText().isBlank()) {
            return tier.asText();
        }
        JsonNode bedrock = body.path("serviceTier").get("type");
        if (bedrock != null && bedrock.isTextual() && !bedrock.asText().isBlank()) {
            return bedrock.asText();
        }
        if ("optimized".equals(body.path("performanceConfig").path("latency").asText())) {
            return "optimized";
        }
        return null;
    }
}
