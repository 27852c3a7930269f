package dev.spendgate.report.focus;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.domain.report.FocusCharge;
import dev.spendgate.domain.report.FocusCharges;
import dev.spendgate.report.internal.CsvText;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;

/**
 * Writes FOCUS 1.1 cost and usage rows as CSV ({@code focus-1.1.csv}). Columns: every Mandatory column, the Conditional
 * and Recommended ones that apply to token-priced APIs (consumed and pricing quantity/unit, list and contracted unit
 * prices, SKU columns, pricing category, Tags, ServiceSubcategory, ChargeFrequency), then the custom
 * {@code x_CallCount} (on the first row of each day, provider, model and tag set, so it sums to the calls) and
 * {@code x_AdjustmentReason}. {@code SkuId} is one per provider, model and token type (one {@code SkuMeter} each);
 * {@code SkuPriceDetails} carries the AI properties as {@code x_} keys. {@link FocusMetadata} describes the file. Nulls are empty fields; decimals are plain (no exponent, no
 * grouping); date/times are UTC {@code YYYY-MM-DDTHH:mm:ssZ}; pricing unit is {@code 1000000 Tokens}. The free-text
 * {@code ChargeDescription} and {@code x_AdjustmentReason} start with {@code '} where a spreadsheet would read them as
 * a formula ({@link CsvText}); identifiers (SkuId, SkuPriceId) start with the provider and JSON cells with '{'.
 */
public final class FocusCsvWriter {
    public static final List<String> COLUMNS = List.of(
            "BilledCost",
            "BillingAccountId",
            "BillingAccountName",
            "BillingCurrency",
            "BillingPeriodEnd",
            "BillingPeriodStart",
            "ChargeCategory",
            "ChargeClass",
            "ChargeDescription",
            "ChargeFrequency",
            "ChargePeriodEnd",
            "ChargePeriodStart",
            "ConsumedQuantity",
            "ConsumedUnit",
            "ContractedCost",
            "ContractedUnitPrice",
            "EffectiveCost",
            "InvoiceIssuerName",
            "ListCost",
            "ListUnitPrice",
            "PricingCategory",
            "PricingQuantity",
            "PricingUnit",
            "ProviderName",
            "PublisherName",
            "ServiceCategory",
            "ServiceName",
            "ServiceSubcategory",
            "SkuId",
            "SkuMeter",
            "SkuPriceDetails",
            "SkuPriceId",
            "Tags",
            "x_CallCount",
            "x_AdjustmentReason");

    public static final String PRICING_UNIT = "1000000 Tokens";
    public static final String CONSUMED_UNIT = "Tokens";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Settings settings;
    private final FocusVersion version;

    private FocusCsvWriter(Settings settings, FocusVersion version) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.version = Objects.requireNonNull(version, "version");
    }

    public static FocusCsvWriter create(Settings settings) {
        return new FocusCsvWriter(settings, FocusVersion.DEFAULT);
    }

    /** A writer of FOCUS {@code version}'s columns ({@link FocusVersion#columns()}). */
    public static FocusCsvWriter create(Settings settings, FocusVersion version) {
        return new FocusCsvWriter(settings, version);
    }

    /**
     * Who the charges are billed to. {@code billingAccountId} names the account with the providers that Spendgate
     * keys use (one per deployment by default).
     */
    public record Settings(String billingAccountId, String billingAccountName, String currency) {
        public static final Settings DEFAULT = new Settings("spendgate", "Spendgate", "USD");

        public Settings {
            if (billingAccountId == null || billingAccountId.isBlank()) {
                throw new IllegalArgumentException("billingAccountId must not be blank");
            }
            if (currency == null || !currency.matches("[A-Z]{3}")) {
                throw new IllegalArgumentException("currency must be an ISO 4217 code such as USD");
            }
        }
    }

    /** Writes the header and one line per charge, in the charges' order. */
    public byte[] write(YearMonth month, List<FocusCharge> charges) {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream(Math.max(1024, charges.size() * 600));
        write(month, charges, bytes);
        return bytes.toByteArray();
    }

    public void write(YearMonth month, List<FocusCharge> charges, java.io.OutputStream out) {
        String periodStart =
                month.atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant().toString();
        String periodEnd = month.plusMonths(1)
                .atDay(1)
                .atStartOfDay(ZoneOffset.UTC)
                .toInstant()
                .toString();
        Writer writer = new java.io.BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), 1 << 16);
        try (CSVPrinter csv = new CSVPrinter(
                writer,
                CSVFormat.RFC4180
                        .builder()
                        .setRecordSeparator('\n')
                        .setHeader(version.columns().toArray(String[]::new))
                        .get())) {
            List<Object> row = new ArrayList<>(version.columns().size());
            boolean v13 = version == FocusVersion.V1_3;
            for (FocusCharge c : charges) {
                row.clear();
                boolean usage = c.category() == FocusCharge.Category.USAGE;
                String chargeStart =
                        c.day().atStartOfDay(ZoneOffset.UTC).toInstant().toString();
                String chargeEnd = c.day()
                        .plusDays(1)
                        .atStartOfDay(ZoneOffset.UTC)
                        .toInstant()
                        .toString();
                String skuId = usage ? skuId(c) : null;
                String billed = c.billedCost().toPlainString();
                row.add(billed);
                row.add(settings.billingAccountId());
                row.add(settings.billingAccountName());
                row.add(settings.currency());
                row.add(periodEnd);
                row.add(periodStart);
                row.add(c.category().focusValue());
                row.add(null);
                // free text a spreadsheet must not run: the model is what clients sent
                row.add(CsvText.cell(usage ? usageDescription(c) : c.note()));
                row.add("Usage-Based");
                row.add(chargeEnd);
                row.add(chargeStart);
                row.add(usage ? Long.toString(c.tokens()) : null);
                row.add(usage ? CONSUMED_UNIT : null);
                row.add(billed);
                row.add(usage ? c.contractedUnitPrice().toPlainString() : null);
                row.add(billed);
                if (v13) {
                    row.add(FocusCharges.providerName(c.seller())); // HostProviderName: who runs the model
                }
                row.add(FocusCharges.providerName(c.seller()));
                row.add(c.listCost().toPlainString());
                row.add(usage ? c.listUnitPrice().toPlainString() : null);
                row.add(usage ? "Standard" : null);
                row.add(usage ? FocusCharges.pricingQuantity(c.tokens()).toPlainString() : null);
                row.add(usage ? PRICING_UNIT : null);
                row.add(FocusCharges.providerName(c.seller()));
                row.add(c.publisher());
                FocusCharges.ServiceClass service = FocusCharges.serviceClass(c.seller());
                row.add(service.category());
                row.add(FocusCharges.serviceName(c.seller()));
                if (v13) {
                    row.add(FocusCharges.providerName(c.seller())); // ServiceProviderName: who sells the service
                }
                row.add(service.subcategory());
                row.add(skuId);
                row.add(usage ? c.tokenType().meter() : null);
                row.add(usage ? json(skuPriceDetails(c)) : null);
                row.add(usage ? skuId + "/" + tier(c) : null);
                row.add(c.tags().isEmpty() ? null : json(new LinkedHashMap<>(c.tags())));
                row.add(c.calls() == 0 ? null : Long.toString(c.calls()));
                row.add(usage ? null : CsvText.cell(c.note()));
                csv.printRecord(row);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A usage row's ChargeDescription: the model and token type, and for tokens the gateway counted itself (Tags
     * {@code x_UsageSource} = {@code estimated}) that they are an estimate.
     */
    static String usageDescription(FocusCharge c) {
        String d = c.model() + " " + c.tokenType().meter().toLowerCase(java.util.Locale.ROOT);
        return FocusCharges.ESTIMATED.equals(c.tags().get(FocusCharges.USAGE_SOURCE_TAG))
                ? d + " (estimated: counted by the gateway, the stream was cut before its usage event)"
                : d;
    }

    /** One SKU per provider, model and token type, so each SkuId has one SkuMeter. */
    static String skuId(FocusCharge c) {
        return c.provider() + "/" + c.model() + "/" + c.tokenType().id();
    }

    /** The price's tier in {@code SkuPriceId}: {@code Standard} unless the charge names a service tier. */
    static String tier(FocusCharge c) {
        return c.serviceTier() == null ? "Standard" : c.serviceTier();
    }

    /**
     * The AI properties of a token price, as {@code x_}-prefixed keys (FOCUS reserves unprefixed keys for its own
     * properties): model id, family and developer, the token direction, what the price does with a prompt cache, and
     * the service tier.
     */
    static Map<String, String> skuPriceDetails(FocusCharge c) {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("x_ModelId", c.model());
        if (c.modelFamily() != null) {
            d.put("x_ModelFamily", c.modelFamily());
        }
        d.put("x_ModelDeveloper", c.publisher());
        d.put("x_TokenType", c.tokenType().id());
        d.put("x_TokenDirection", c.tokenType() == dev.spendgate.domain.report.TokenType.OUTPUT ? "Output" : "Input");
        d.put(
                "x_CacheAction",
                switch (c.tokenType()) {
                    case CACHED_INPUT -> "Read";
                    case CACHE_WRITE_5M -> "Write (5m)";
                    case CACHE_WRITE_1H -> "Write (1h)";
                    case INPUT, OUTPUT -> "None";
                });
        d.put("x_ServiceTier", tier(c));
        return d;
    }

    private static String json(Map<String, String> map) {
        try {
            return JSON.writeValueAsString(map);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
