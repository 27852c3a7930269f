package dev.spendgate.domain.reconcile;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.Objects;

/**
 * One line of a provider's bill for one UTC day, in USD.
 *
 * @param model the provider's model name, or null for charges without one (storage, tool calls)
 * @param account the provider's key, project, workspace or inference profile the charge is reported under, or null
 * @param tokenKind the token kind of a token charge the gateway meters; null for items it never meters
 * @param unmeteredItem what a never-metered charge is ({@code batch}, {@code storage}, {@code fine-tuning},
 *     {@code tool calls: web_search}, ...); null for metered token charges
 * @param tokens the token quantity the bill states for this line, or -1 when the bill does not state it
 * @param description the provider's own words for the line (line item, description, usage type)
 */
public record ProviderCharge(
        BillSource source,
        LocalDate day,
        String model,
        String account,
        TokenKind tokenKind,
        String unmeteredItem,
        long tokens,
        BigDecimal costUsd,
        String description) {

    public ProviderCharge {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(day, "day");
        Objects.requireNonNull(costUsd, "costUsd");
        if ((tokenKind == null) == (unmeteredItem == null)) {
            throw new IllegalArgumentException("a charge is either a metered token charge or a never-metered item");
        }
    }

    /** A token charge the gateway meters. */
    public static ProviderCharge tokens(
            BillSource source,
            LocalDate day,
            String model,
            String account,
            TokenKind kind,
            long tokens,
            BigDecimal costUsd,
            String description) {
        return new ProviderCharge(source, day, model, account, kind, null, tokens, costUsd, description);
    }

    /** A charge for something the gateway never meters. */
    public static ProviderCharge unmetered(
            BillSource source,
            LocalDate day,
            String model,
            String account,
            String item,
            BigDecimal costUsd,
            String description) {
        return new ProviderCharge(source, day, model, account, null, item, -1, costUsd, description);
    }

    public boolean metered() {
        return tokenKind != null;
    }
}
