package dev.spendgate.domain.reconcile;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.Objects;

/**
 * One line of a provider's bill for one UTC day, in USD.
 *
 * @param model the provider's model name, or null for charges without one (storage, tool calls)
 * @param account the provider's key, project, workspace or inference profile the charge is reported under, or null
 * @param tokenKind the token kind of a token charge; null for items the gateway never meters
 * @param unmeteredItem what a never-metered charge is ({@code batch}, {@code storage}, {@code fine-tuning},
 *     {@code tool calls: web_search}, ...); null for metered token charges; {@code batch} with a token kind for a
 *     batch-tier token charge
 * @param tokens the token quantity the bill states for this line, or -1 when the bill does not state it
 * @param description the provider's own words for the line (line item, description, usage type)
 * @param binaryFloatCost the provider sent the cost as a binary floating-point number (OpenAI's Costs API): exact to
 *     float noise, not a figure rounded to its printed decimals ({@code 3.0} is three dollars, not 2.95..3.05)
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
        String description,
        boolean binaryFloatCost) {

    public ProviderCharge {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(day, "day");
        Objects.requireNonNull(costUsd, "costUsd");
        if ((tokenKind == null) == (unmeteredItem == null) && !(tokenKind != null && BATCH.equals(unmeteredItem))) {
            throw new IllegalArgumentException("a charge is either a metered token charge or a never-metered item");
        }
    }

    /** A charge whose cost is a decimal figure, rounded to its last printed decimal. */
    public ProviderCharge(
            BillSource source,
            LocalDate day,
            String model,
            String account,
            TokenKind tokenKind,
            String unmeteredItem,
            long tokens,
            BigDecimal costUsd,
            String description) {
        this(source, day, model, account, tokenKind, unmeteredItem, tokens, costUsd, description, false);
    }

    /** This charge, its cost sent as a binary floating-point number. */
    public ProviderCharge withBinaryFloatCost() {
        return new ProviderCharge(
                source, day, model, account, tokenKind, unmeteredItem, tokens, costUsd, description, true);
    }

    /** The item of batch-tier charges: compared when the gateway recorded batch results, else never metered. */
    public static final String BATCH = "batch";

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

    /**
     * A model's batch-tier tokens ({@code "gpt-4o-2024-08-06, batch input"}): item {@code batch} with its model and
     * token kind, so the reconciler can compare it with the batch results the gateway recorded.
     */
    public static ProviderCharge batchTokens(
            BillSource source,
            LocalDate day,
            String model,
            String account,
            TokenKind kind,
            long tokens,
            BigDecimal costUsd,
            String description) {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(kind, "kind");
        return new ProviderCharge(source, day, model, account, kind, BATCH, tokens, costUsd, description);
    }

    /** A token charge of the standard (or flex, priority) tiers, which every call through the gateway is metered at. */
    public boolean metered() {
        return tokenKind != null && unmeteredItem == null;
    }

    /** A batch-tier token charge ({@link #batchTokens}). */
    public boolean batchTokens() {
        return tokenKind != null && BATCH.equals(unmeteredItem);
    }
}
