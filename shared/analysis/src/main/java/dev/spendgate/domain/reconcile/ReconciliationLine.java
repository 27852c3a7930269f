package dev.spendgate.domain.reconcile;

import dev.spendgate.domain.pricing.TokenUsage;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.Map;

/**
 * One compared line: a day, provider and model (or a never-metered item), what the provider billed and what the
 * gateway metered, and the difference split into its explanations. {@code difference = notSeen + priceDrift +
 * neverMetered + rounding + unexplained + estimateSettled} exactly; {@code explanation} names the largest part.
 *
 * @param item {@code tokens} for model usage, else the never-metered item ({@code batch}, {@code storage}, ...)
 * @param accounts the provider's keys, projects, workspaces or profiles on this line with their billed USD
 * @param providerTokens tokens the provider reports, or null when it reports none
 * @param impliedUsdPerMillion billed USD per million tokens of each kind, from the provider's own figures
 * @param catalogUsdPerMillion the catalog's price of each kind, or empty when the catalog does not know the model
 * @param dataQuality what the figures rest on, in words
 * @param estimateSettledUsd what the bill says the calls the gateway charged at an estimate cost, less what it charged
 *     for them ({@link Explanation#ESTIMATE_SETTLED_BY_BILL})
 */
public record ReconciliationLine(
        LocalDate day,
        BillSource source,
        String model,
        String item,
        Map<String, BigDecimal> accounts,
        BigDecimal billedUsd,
        BigDecimal meteredUsd,
        Explanation explanation,
        BigDecimal notSeenUsd,
        BigDecimal priceDriftUsd,
        BigDecimal neverMeteredUsd,
        BigDecimal roundingUsd,
        BigDecimal unexplainedUsd,
        TokenUsage providerTokens,
        TokenUsage gatewayTokens,
        Map<TokenKind, BigDecimal> impliedUsdPerMillion,
        Map<TokenKind, BigDecimal> catalogUsdPerMillion,
        String dataQuality,
        BigDecimal estimateSettledUsd) {

    public ReconciliationLine {
        accounts = Map.copyOf(accounts);
        impliedUsdPerMillion = Map.copyOf(impliedUsdPerMillion);
        catalogUsdPerMillion = Map.copyOf(catalogUsdPerMillion);
    }

    /** This line with {@code note} added to what its figures rest on. */
    public ReconciliationLine withDataQualityNote(String note) {
        return new ReconciliationLine(
                day,
                source,
                model,
                item,
                accounts,
                billedUsd,
                meteredUsd,
                explanation,
                notSeenUsd,
                priceDriftUsd,
                neverMeteredUsd,
                roundingUsd,
                unexplainedUsd,
                providerTokens,
                gatewayTokens,
                impliedUsdPerMillion,
                catalogUsdPerMillion,
                dataQuality == null || dataQuality.isEmpty() ? note : dataQuality + "; " + note,
                estimateSettledUsd);
    }

    public BigDecimal differenceUsd() {
        return billedUsd.subtract(meteredUsd);
    }
}
