package dev.spendgate.function.proxy.bedrock;

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
        return BedrockTier.of(headers.first(SERVICE_TIER), headers.first(LATENCY));
    }

    /** The tier Bedrock's response headers say it served ({@link BedrockTier#served}); null when they name none. */
    public static String served(Headers responseHeaders) {
        return BedrockTier.served(responseHeaders.first(SERVICE_TIER), responseHeaders.first(LATENCY));
    }
}
