package dev.spendgate.domain.waste;

import java.math.BigDecimal;
import java.math.MathContext;

/**
 * The AI Efficiency Score of a feature (or of everything): {@code round(100 x (1 - (W + 0.25 x U) / C))}, clamped to
 * 0-100, where C is the window's spend, W the window savings of the findings that concern it (cache misses at 0.90)
 * and U its spend at risk (calls breaking a governance rule). 100 means nothing recoverable and fully governed.
 *
 * @param feature the feature, or null for the overall score
 */
public record EfficiencyScore(
        String feature, BigDecimal spendUsd, BigDecimal wasteUsd, BigDecimal atRiskUsd, int score) {
    static final BigDecimal AT_RISK_WEIGHT = new BigDecimal("0.25");

    static EfficiencyScore of(String feature, BigDecimal spend, BigDecimal waste, BigDecimal atRisk) {
        int score = 100;
        if (spend.signum() > 0) {
            BigDecimal lost = waste.add(atRisk.multiply(AT_RISK_WEIGHT)).divide(spend, MathContext.DECIMAL64);
            double value = 100.0 * (1.0 - lost.doubleValue());
            score = (int) Math.max(0, Math.min(100, Math.round(value)));
        }
        return new EfficiencyScore(feature, spend, waste, atRisk, score);
    }
}
