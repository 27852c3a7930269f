package dev.spendgate.report.focus;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code focus-metadata.json} beside the FOCUS CSV: the FOCUS version (which FOCUS requires in the metadata), the
 * data generator and its version, the schema with every column's definition, when it was created, and where the
 * figures come from (metered by the gateway, not an invoice). Its JSON Schema ships as {@value #SCHEMA_RESOURCE}.
 */
public final class FocusMetadata {
    public static final String FILE = "focus-metadata.json";
    public static final String SCHEMA_RESOURCE = "/dev/spendgate/report/focus/focus-metadata.schema.json";
    public static final String FOCUS_VERSION = "1.1";
    public static final String DATA_GENERATOR = "Spendgate";
    /**
     * The prefix of Spendgate's own tag keys in {@code Tags} ({@code x_CostSource}, {@code x_ReconciliationClass},
     * {@code x_ProviderAccount}, {@code x_CostBasis}, {@code x_UsageSource}, {@code x_Estimated}), declared as the Tags column's
     * {@code ProviderTagPrefixes} as FOCUS 1.1 requires, so a consumer tells them from the attribution tags
     * ({@code department}, {@code team}, {@code feature}, {@code environment}).
     */
    public static final String PROVIDER_TAG_PREFIX = "x_";

    public static final String PROVENANCE =
            "Metered by the Spendgate gateway: provider-reported token counts (estimated"
                    + " where a stream was cut) priced at catalog prices. Not an invoice; reconcile with the providers' bills.";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    /** The provenance of a file that also carries rows from the providers' bills. */
    public static final String PROVENANCE_WITH_BILLS =
            "Metered by the Spendgate gateway (provider-reported token counts, estimated where a stream was cut,"
                    + " priced at catalog prices), plus rows"
                    + " tagged x_CostSource=provider_bill taken from the providers' own cost data for what they billed"
                    + " beyond the metering (traffic not seen by the gateway, never-metered items, estimates the"
                    + " bills settle, price drift,"
                    + " rounding, unexplained differences). Not an invoice.";

    /**
     * Said after the provenance of a file that carries the gateway's own AWS cost: an estimate in BilledCost, so that
     * the file's total is the total cost of AI, to be left out when the file is combined with AWS's own cost data.
     */
    public static String withGatewayEstimate(String provenance, String costSource) {
        return provenance + " Rows tagged x_CostSource=" + costSource + " and x_Estimated=true are Spendgate's own AWS"
                + " cost (ChargeCategory Adjustment), estimated from the operations its calls are counted to cause at"
                + " AWS list prices, not read from a bill: AWS bills it in the account's own bill, so leave these rows"
                + " out when combining this file with AWS's cost data.";
    }

    private static final Set<String> DECIMALS = Set.of(
            "BilledCost",
            "ConsumedQuantity",
            "ContractedCost",
            "ContractedUnitPrice",
            "EffectiveCost",
            "ListCost",
            "ListUnitPrice",
            "PricingQuantity",
            "x_CallCount");
    private static final Set<String> DATETIMES =
            Set.of("BillingPeriodEnd", "BillingPeriodStart", "ChargePeriodEnd", "ChargePeriodStart");
    private static final Set<String> JSONS = Set.of("SkuPriceDetails", "Tags");

    private FocusMetadata() {}

    /** The version of Spendgate that wrote the file: the jar's, else the build's default. */
    public static String generatorVersion() {
        String v = FocusMetadata.class.getPackage().getImplementationVersion();
        return v != null ? v : "0.1.0-SNAPSHOT";
    }

    public static byte[] write(YearMonth month, List<String> columns, String csvFile, int rows, Instant createdAt) {
        return write(FocusVersion.V1_1, month, columns, csvFile, rows, createdAt, null);
    }

    /**
     * The metadata of a FOCUS {@code version} file; {@code provenance} replaces the default statement (metered, not an
     * invoice) when the file also carries rows from the providers' bills, or null for the default.
     */
    public static byte[] write(
            FocusVersion version,
            YearMonth month,
            List<String> columns,
            String csvFile,
            int rows,
            Instant createdAt,
            String provenance) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("FocusVersion", version.id());
        Map<String, Object> generator = new LinkedHashMap<>();
        generator.put("DataGenerator", DATA_GENERATOR);
        generator.put("DataGeneratorVersion", generatorVersion());
        root.put("DataGenerator", generator);
        Map<String, Object> schema = new LinkedHashMap<>();
        schema.put("SchemaId", schemaId(version, columns));
        schema.put("FocusVersion", version.id());
        schema.put("DataGeneratorVersion", generatorVersion());
        schema.put("CreationDate", createdAt.truncatedTo(ChronoUnit.SECONDS).toString());
        List<Map<String, Object>> definitions = new ArrayList<>();
        for (String c : columns) {
            definitions.add(column(c));
        }
        schema.put("ColumnDefinition", definitions);
        root.put("Schema", schema);
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("x_File", csvFile);
        data.put("x_Rows", rows);
        data.put(
                "x_BillingPeriodStart",
                month.atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant().toString());
        data.put(
                "x_BillingPeriodEnd",
                month.plusMonths(1)
                        .atDay(1)
                        .atStartOfDay(ZoneOffset.UTC)
                        .toInstant()
                        .toString());
        data.put("x_Provenance", provenance == null ? PROVENANCE : provenance);
        root.put("x_Dataset", data);
        try {
            return (JSON.writeValueAsString(root) + "\n").getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, Object> column(String name) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("ColumnName", name);
        if (DECIMALS.contains(name)) {
            c.put("DataType", "DECIMAL");
            c.put("NumericPrecision", 38);
            c.put("NumberScale", 18);
        } else if (DATETIMES.contains(name)) {
            c.put("DataType", "DATETIME");
        } else if (JSONS.contains(name)) {
            c.put("DataType", "JSON");
        } else {
            c.put("DataType", "STRING");
            c.put("StringEncoding", "UTF-8");
        }
        if (name.equals("Tags")) {
            c.put("ProviderTagPrefixes", List.of(PROVIDER_TAG_PREFIX));
        }
        return c;
    }

    /** Same columns, same id: a consumer sees a schema change as a new id. */
    static String schemaId(List<String> columns) {
        return schemaId(FocusVersion.V1_1, columns);
    }

    static String schemaId(FocusVersion version, List<String> columns) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(String.join(",", columns).getBytes(StandardCharsets.UTF_8));
            return "spendgate-focus-" + version.id() + "-" + HexFormat.of().formatHex(digest, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
