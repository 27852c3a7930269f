package dev.spendgate.domain.pricing;

import java.math.BigDecimal;

/**
 * The price of one call: the exact cost and how it was reached, so a record or a FOCUS row can say which rate card
 * applied.
 *
 * @param serviceTier the canonical tier whose rates applied ({@link ServiceTiers})
 * @param longContext whether the long-context rule repriced the whole request
 * @param regionMultiplier the data-residency multiplier applied (1 when none)
 * @param rates the rates used, before the region multiplier
 */
public record PriceQuote(
        ModelPrice price,
        BigDecimal cost,
        String serviceTier,
        boolean longContext,
        BigDecimal regionMultiplier,
        Rates rates) {}
