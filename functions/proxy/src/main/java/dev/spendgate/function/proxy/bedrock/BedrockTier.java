package dev.spendgate.function.proxy.bedrock;

import dev.spendgate.domain.pricing.ServiceTiers;

/**
 * The tier of a Bedrock call from the two things it may name: a service tier ({@code serviceTier.type} on Converse,
 * {@code X-Amzn-Bedrock-Service-Tier} on InvokeModel) and a latency ({@code performanceConfig.latency}, {@code
 * X-Amzn-Bedrock-PerformanceConfig-Latency}). A tier other than standard wins; else latency {@code optimized} is the
 * latency-optimized tier, whether or not the standard tier ({@code default}) is named beside it, as Bedrock bills it
 * at the latency-optimized rates. An answer saying latency {@code standard} alone was served standard: a
 * latency-optimized request past its quota is "charged at Standard latency rates" and the response says so
 * (https://docs.aws.amazon.com/bedrock/latest/userguide/latency-optimized-inference.html).
 */
public final class BedrockTier {
    private BedrockTier() {}

    /** The tier named, as spelled; null when neither names one. */
    public static String of(String serviceTier, String latency) {
        String tier = value(serviceTier);
        if (tier != null && !ServiceTiers.isStandard(tier)) {
            return tier;
        }
        String l = value(latency);
        if (l != null && ServiceTiers.canonical(l).equals(ServiceTiers.LATENCY_OPTIMIZED)) {
            return l;
        }
        return tier;
    }

    /**
     * The tier an answer says it served: {@link #of}, or {@code standard} for a latency of {@code standard} alone
     * (a request asking latency {@code standard} asked no tier). Null when the answer names neither.
     */
    public static String served(String serviceTier, String latency) {
        String tier = of(serviceTier, latency);
        if (tier != null) {
            return tier;
        }
        String l = value(latency);
        return l != null && ServiceTiers.isStandard(l) ? l : null;
    }

    private static String value(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }
}
