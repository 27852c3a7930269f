package dev.spendgate.domain.pricing;

import java.util.Locale;

/**
 * Canonical names of the processing tiers providers bill at. Providers spell them differently: OpenAI answers
 * {@code default}, {@code flex}, {@code priority} (renamed {@code fast} on 2026-07-30) or {@code scale}; Anthropic
 * {@code standard}, {@code priority} or {@code batch}; Bedrock {@code standard}, {@code flex}, {@code priority} or
 * (for latency-optimized inference) {@code optimized}. Anthropic's fast mode ({@code speed: "fast"} on a request,
 * {@code usage.speed: "fast"} on what it served) is {@link #FAST_MODE}: a per-model multiple of the standard rates,
 * not OpenAI's {@code fast} (its priority tier).
 */
public final class ServiceTiers {
    public static final String STANDARD = "standard";
    public static final String FLEX = "flex";
    public static final String PRIORITY = "priority";
    public static final String BATCH = "batch";
    public static final String SCALE = "scale";
    public static final String LATENCY_OPTIMIZED = "latency_optimized";
    public static final String FAST_MODE = "fast_mode";

    private ServiceTiers() {}

    /**
     * The canonical tier of a provider's tier name: {@code null}, {@code default}, {@code auto}, {@code standard},
     * {@code standard_only} and {@code on_demand} are {@link #STANDARD}; {@code fast} is {@link #PRIORITY};
     * {@code optimized} is {@link #LATENCY_OPTIMIZED}; anything else lower-cased as is.
     */
    public static String canonical(String tier) {
        if (tier == null || tier.isBlank()) {
            return STANDARD;
        }
        String t = tier.trim().toLowerCase(Locale.ROOT);
        return switch (t) {
            case "default", "auto", "standard", "standard_only", "on_demand", "on-demand" -> STANDARD;
            case "fast" -> PRIORITY;
            case "optimized" -> LATENCY_OPTIMIZED;
            default -> t;
        };
    }

    public static boolean isStandard(String tier) {
        return STANDARD.equals(canonical(tier));
    }
}
