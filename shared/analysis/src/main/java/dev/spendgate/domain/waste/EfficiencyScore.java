package dev.spendgate.domain.waste;

import java.math.BigDecimal;
import java.math.MathContext;

/**
 * The AI Efficiency Score of a feature (or of everything): {@code round(100 x (1 - (W + 0.25 x U) / C))}, clamped to
 * 0-100, where C is the window's spend, W the window savings of the findings that concern it (cache misses at 0.90)
 * and U its spend at risk (calls breaking a governance rule). 100 means nothing recoverable and fully governed.
 *
 * <p>Repeats (retries, response caching) are checked on every call; the other levers only on some: the model choice
 * on premium-tier models that have a cheaper sibling, prompt caching on calls with a system prompt and at least 1,024
 * input tokens, the batch tier on calls of a job. {@code coveredUsd} is the spend open to at least one of those three.
 * A feature with no finding and less than half its spend covered is not scored ({@link #scored()} false): a 100 there
 * would only say that no detector looks at what it spends on.
 *
 * @param feature the feature, or null for the overall score
 * @param coveredUsd spend of the calls at least one model, prompt-cache or batch rule examined
 * @param scored false when the score would rest on too little: see above
 */
public record EfficiencyScore(
        String feature,
        BigDecimal spendUsd,
        BigDecimal wasteUsd,
        BigDecimal atRiskUsd,
        int score,
        BigDecimal coveredUsd,
        boolean scored) {
    static final BigDecimal AT_RISK_WEIGHT = new BigDecimal("0.25");
    static final BigDecimal MIN_COVERED_SHARE = new BigDecimal("0.5");

    static EfficiencyScore of(String feature, BigDecimal spend, BigDecimal waste, BigDecimal atRisk) {
        return of(feature, spend, waste, atRisk, spend, true);
    }

    static EfficiencyScore of(
            String feature,
            BigDecimal spend,
            BigDecimal waste,
            BigDecimal atRisk,
            BigDecimal covered,
            boolean hasFindings) {
        int score = 100;
        if (spend.signum() > 0) {
            BigDecimal lost = waste.add(atRisk.multiply(AT_RISK_WEIGHT)).divide(spend, MathContext.DECIMAL64);
            double value = 100.0 * (1.0 - lost.doubleValue());
            score = (int) Math.max(0, Math.min(100, Math.round(value)));
        }
        boolean scored = hasFindings || covered.compareTo(spend.multiply(MIN_COVERED_SHARE)) >= 0;
        return new EfficiencyScore(feature, spend, waste, atRisk, score, covered, scored);
    }

    /** The covered share of the spend in percent (one decimal), the base being this scope's spend in the window. */
    public BigDecimal coveredPercent() {
        if (spendUsd.signum() == 0) {
            return BigDecimal.ZERO;
        }
        return coveredUsd.multiply(BigDecimal.valueOf(100)).divide(spendUsd, 1, java.math.RoundingMode.HALF_UP);
    }
}
