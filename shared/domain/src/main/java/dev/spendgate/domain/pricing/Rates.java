package dev.spendgate.domain.pricing;

import java.math.BigDecimal;
import java.util.Objects;

/**
 * One rate card in USD per million tokens. A null cached or cache-write rate means the provider has no separate rate
 * for it: those tokens are charged at the input rate.
 */
public record Rates(
        BigDecimal input, BigDecimal cachedInput, BigDecimal cacheWrite5m, BigDecimal cacheWrite1h, BigDecimal output) {

    public Rates {
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(output, "output");
        for (BigDecimal rate : new BigDecimal[] {input, cachedInput, cacheWrite5m, cacheWrite1h, output}) {
            if (rate != null && rate.signum() < 0) {
                throw new IllegalArgumentException("rates must not be negative");
            }
        }
    }

    /** The exact cost of the usage at these rates; never rounded. Reasoning tokens are part of the output. */
    public BigDecimal cost(TokenUsage usage) {
        BigDecimal perMillion = input.multiply(BigDecimal.valueOf(usage.uncachedInputTokens()))
                .add(orInput(cachedInput).multiply(BigDecimal.valueOf(usage.cachedInputTokens())))
                .add(orInput(cacheWrite5m).multiply(BigDecimal.valueOf(usage.cacheWrite5mTokens())))
                .add(orInput(cacheWrite1h).multiply(BigDecimal.valueOf(usage.cacheWrite1hTokens())))
                .add(output.multiply(BigDecimal.valueOf(usage.outputTokens())));
        return ModelPrice.stripped(perMillion.movePointLeft(6)); // exact, without the long division
    }

    /** The rate a token of the kind is charged at (cached and cache-write fall back to input). */
    public BigDecimal cachedInputOrInput() {
        return orInput(cachedInput);
    }

    public BigDecimal cacheWrite5mOrInput() {
        return orInput(cacheWrite5m);
    }

    public BigDecimal cacheWrite1hOrInput() {
        return orInput(cacheWrite1h);
    }

    /** Every rate multiplied by {@code factor}. */
    public Rates scaled(BigDecimal factor) {
        return new Rates(
                input.multiply(factor),
                scale(cachedInput, factor),
                scale(cacheWrite5m, factor),
                scale(cacheWrite1h, factor),
                output.multiply(factor));
    }

    private BigDecimal orInput(BigDecimal rate) {
        return rate != null ? rate : input;
    }

    private static BigDecimal scale(BigDecimal rate, BigDecimal factor) {
        return rate == null ? null : rate.multiply(factor);
    }
}
