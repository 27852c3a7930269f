package dev.spendgate.domain.report;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.Map;
import java.util.Objects;

/**
 * One FOCUS 1.1 charge row before formatting: a day's tokens of one type, for one provider, model SKU and tag set
 * ({@link Category#USAGE}), or the day's difference between the recorded costs and the catalog price
 * ({@link Category#ADJUSTMENT}), so the file's BilledCost always sums to the usage log exactly.
 *
 * @param tokenType null for adjustments
 * @param tokens consumed tokens (0 for adjustments)
 * @param listUnitPrice USD per million tokens at list price; null for adjustments
 * @param contractedUnitPrice USD per million tokens as charged; null for adjustments
 * @param listCost exact
 * @param billedCost exact; equals the contracted cost
 * @param calls the calls of the charge's day, provider, model and tag set, carried by the first charge of that set only
 *     (0 on the others), so the calls add up to the calls made instead of once per token type
 * @param note why an adjustment exists
 * @param modelFamily the catalog's family of the model (e.g. {@code gpt-4o}), null when unknown
 * @param serviceTier the canonical service tier whose rates the unit prices are (null for standard)
 * @param pricedBy the catalog provider whose prices applied ({@code provider} when it is priced under its own name)
 */
public record FocusCharge(
        LocalDate day,
        Category category,
        String provider,
        String publisher,
        String model,
        TokenType tokenType,
        Map<String, String> tags,
        long tokens,
        BigDecimal listUnitPrice,
        BigDecimal contractedUnitPrice,
        BigDecimal listCost,
        BigDecimal billedCost,
        long calls,
        String note,
        String modelFamily,
        String serviceTier,
        String pricedBy) {

    public FocusCharge {
        Objects.requireNonNull(day, "day");
        pricedBy = pricedBy == null ? provider : pricedBy;
        Objects.requireNonNull(category, "category");
        Objects.requireNonNull(billedCost, "billedCost");
        tags = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(tags));
        if (category == Category.USAGE && (tokenType == null || listUnitPrice == null || tokens <= 0)) {
            throw new IllegalArgumentException("a usage charge needs a token type, positive tokens and a list price");
        }
    }

    /** A charge priced under its own provider's name. */
    public FocusCharge(
            LocalDate day,
            Category category,
            String provider,
            String publisher,
            String model,
            TokenType tokenType,
            Map<String, String> tags,
            long tokens,
            BigDecimal listUnitPrice,
            BigDecimal contractedUnitPrice,
            BigDecimal listCost,
            BigDecimal billedCost,
            long calls,
            String note,
            String modelFamily,
            String serviceTier) {
        this(
                day,
                category,
                provider,
                publisher,
                model,
                tokenType,
                tags,
                tokens,
                listUnitPrice,
                contractedUnitPrice,
                listCost,
                billedCost,
                calls,
                note,
                modelFamily,
                serviceTier,
                provider);
    }

    /** A charge at the standard tier, of a model whose family is not known. */
    public FocusCharge(
            LocalDate day,
            Category category,
            String provider,
            String publisher,
            String model,
            TokenType tokenType,
            Map<String, String> tags,
            long tokens,
            BigDecimal listUnitPrice,
            BigDecimal contractedUnitPrice,
            BigDecimal listCost,
            BigDecimal billedCost,
            long calls,
            String note) {
        this(
                day,
                category,
                provider,
                publisher,
                model,
                tokenType,
                tags,
                tokens,
                listUnitPrice,
                contractedUnitPrice,
                listCost,
                billedCost,
                calls,
                note,
                null,
                null);
    }

    /** This charge carrying {@code calls}. */
    public FocusCharge withCalls(long calls) {
        return new FocusCharge(
                day,
                category,
                provider,
                publisher,
                model,
                tokenType,
                tags,
                tokens,
                listUnitPrice,
                contractedUnitPrice,
                listCost,
                billedCost,
                calls,
                note,
                modelFamily,
                serviceTier,
                pricedBy);
    }

    /**
     * Who bills the charge, as a provider key for {@link FocusCharges#providerName}: a provider priced from the
     * Bedrock catalog (a {@code format: bedrock} provider such as {@code bedrock-eu}, whatever its name) is billed by
     * AWS, so it is {@code bedrock}; any other provider bills under its own name (Azure priced as OpenAI is billed by
     * Microsoft).
     */
    public String seller() {
        return FocusCharges.BEDROCK.equals(pricedBy) ? FocusCharges.BEDROCK : provider;
    }

    /**
     * FOCUS ChargeCategory values used here: metered tokens are {@code Usage}; catalog differences, worst-case
     * estimates and the provider-billed spend beyond the metering are {@code Adjustment}, apart from a provider's tax
     * and credit lines, which FOCUS 1.1 names {@code Tax} and {@code Credit}.
     */
    public enum Category {
        USAGE("Usage"),
        ADJUSTMENT("Adjustment"),
        TAX("Tax"),
        CREDIT("Credit");

        private final String focusValue;

        Category(String focusValue) {
            this.focusValue = focusValue;
        }

        public String focusValue() {
            return focusValue;
        }
    }
}
