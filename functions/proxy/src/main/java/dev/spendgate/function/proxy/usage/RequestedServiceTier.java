package dev.spendgate.function.proxy.usage;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spendgate.domain.pricing.ServiceTiers;
import dev.spendgate.function.proxy.bedrock.BedrockTier;

/**
 * The service tier a request asked for, as the client spelled it: {@code service_tier} (OpenAI, Anthropic), Bedrock
 * Converse's {@code serviceTier.type} and latency-optimized inference ({@code performanceConfig.latency}) as
 * {@link BedrockTier#of} reads them, or {@code fast_mode} for Anthropic's {@code speed: "fast"}. Null when the request
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
        return BedrockTier.of(
                text(body.path("serviceTier").get("type")),
                text(body.path("performanceConfig").get("latency")));
    }

    private static String text(JsonNode node) {
        return node != null && node.isTextual() ? node.asText() : null;
    }
}
