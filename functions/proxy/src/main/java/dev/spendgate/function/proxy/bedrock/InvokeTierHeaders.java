package dev.spendgate.function.proxy.bedrock;

import dev.spendgate.domain.pricing.ServiceTiers;
import dev.spendgate.function.proxy.http.Headers;

/**
 * The tier an InvokeModel or InvokeModelWithResponseStream call names in its headers (Converse names it in the body):
 * {@code X-Amzn-Bedrock-Service-Tier} ({@code priority}, {@code flex}, {@code default}, ...), else {@code optimized}
 * for {@code X-Amzn-Bedrock-PerformanceConfig-Latency: optimized}. The request's headers say what was asked for,
 * Bedrock's response headers what was served. Null when neither header is there.
 */
public final class InvokeTierHeaders {
    public static final String SERVICE_TIER = "X-Amzn-Bedrock-Service-Tier";
    public static final String LATENCY = "X-Amzn-Bedrock-PerformanceConfig-Latency";

    private InvokeTierHeaders() {}

    public static String of(Headers headers) {
        String tier = value(headers.first(SERVICE_TIER));
        if (tier != null && !ServiceTiers.isStandard(tier)) {
            return tier;
        }
        String latency = value(headers.first(LATENCY));
        if (latency != null && ServiceTiers.canonical(latency).equals(ServiceTiers.LATENCY_OPTIMIZED)) {
            return latency;
        }
        return tier;
    }

    private static String value(String header) {
        return header == null || header.isBlank() ? null : header.trim();
    }
}
