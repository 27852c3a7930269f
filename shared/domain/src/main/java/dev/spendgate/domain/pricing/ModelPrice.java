package dev.spendgate.domain.pricing;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.List;
import java.util.Objects;

/**
 * List prices of one model in USD per million tokens. A null cached or cache-write price means the provider has no
 * separate price for it: those tokens are charged at the input price.
 */
public record ModelPrice(
        String provider,
        String model,
        List<String> aliases,
        String tier,
        String family,
        BigDecimal input,
        BigDecimal cachedInput,
        BigDecimal cacheWrite5m,
        BigDecimal cacheWrite1h,
        BigDecimal output,
        String sourceUrl,
        LocalDate effectiveDate) {

    public ModelPrice {
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(input, "input price of " + model);
        Objects.requireNonNull(output, "output price of " + model);
        aliases = aliases == null ? List.of() : List.copyOf(aliases);
        for (BigDecimal price : new BigDecimal[] {input, cachedInput, cacheWrite5m, cacheWrite1h, output}) {
            if (price != null && price.signum() < 0) {
                throw new IllegalArgumentException("prices of " + model + " must not be negative");
            }
        }
    }

    /** The exact cost of the usage at these prices; never rounded. */
    public BigDecimal cost(TokenUsage usage) {
        BigDecimal perMillion = input.multiply(BigDecimal.valueOf(usage.uncachedInputTokens()))
                .add(orInput(cachedInput).multiply(BigDecimal.valueOf(usage.cachedInputTokens())))
                .add(orInput(cacheWrite5m).multiply(BigDecimal.valueOf(usage.cacheWrite5mTokens())))
                .add(orInput(cacheWrite1h).multiply(BigDecimal.valueOf(usage.cacheWrite1hTokens())))
                .add(output.multiply(BigDecimal.valueOf(usage.outputTokens())));
        return stripped(perMillion.movePointLeft(6)); // exact, like divide(1,000,000), without the long division
    }

    /** This price, also found under {@code names}. */
    public ModelPrice withAliases(List<String> names) {
        return new ModelPrice(
                provider,
                model,
                names,
                tier,
                family,
                input,
                cachedInput,
                cacheWrite5m,
                cacheWrite1h,
                output,
                sourceUrl,
                effectiveDate);
    }

    /** This price with every figure multiplied by {@code factor} (e.g. 0.85 for a 15 % negotiated discount). */
    public ModelPrice scaled(BigDecimal factor) {
        return new ModelPrice(
                provider,
                model,
                aliases,
                tier,
                family,
                input.multiply(factor),
                scale(cachedInput, factor),
                scale(cacheWrite5m, factor),
                scale(cacheWrite1h, factor),
                output.multiply(factor),
                sourceUrl,
                effectiveDate);
    }

    private BigDecimal orInput(BigDecimal price) {
        return price != null ? price : input;
    }

    private static BigDecimal scale(BigDecimal price, BigDecimal factor) {
        return price == null ? null : price.multiply(factor);
    }

    static BigDecimal stripped(BigDecimal value) {
        BigDecimal s = value.stripTrailingZeros();
        return s.scale() < 0 ? s.setScale(0) : s;
    }
}
