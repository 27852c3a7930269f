package dev.spendgate.report.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.reconcile.Reconciler;
import dev.spendgate.domain.reconcile.Reconciliation;
import dev.spendgate.domain.report.FocusCharge;
import dev.spendgate.domain.report.FocusCharges;
import dev.spendgate.domain.report.MonthlyUsage;
import dev.spendgate.report.focus.FocusCsvWriter;
import dev.spendgate.report.focus.FocusMetadata;
import dev.spendgate.report.focus.FocusVersion;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.Test;

/**
 * FOCUS 1.1 Tags (FOCUS_Spec v1.1, specification/columns/tags.md): "Provider-defined tags MUST be prefixed with a
 * provider-specified tag key prefix"; its metadata (specification/metadata/schema/column_definition/
 * providertagprefixes.md): "The Provider Tag Prefixes defines the list of prefixes used in the tag name of
 * provider-defined tags. This metadata is useful for the consumer to identify which tags are provider-defined vs
 * user-defined. The ProviderTagPrefixes MUST be provided when ColumnName is equal to Tags." Spendgate's own tag keys
 * in the file ({@code x_CostSource}, {@code x_ReconciliationClass}, {@code x_ProviderAccount}, and on worst-case rows
 * {@code x_CostBasis}, {@code x_Estimated}) share the prefix {@code x_}, but focus-metadata.json declares
 * {@code "ProviderTagPrefixes": []}: a FOCUS consumer then reads {@code x_CostSource=provider_bill} as a team's own
 * tag, and allocates by it.
 */
class FocusProviderTagPrefixesReviewTest {
    private static final Set<String> USER_TAGS = Set.of("department", "team", "feature", "environment");

    @Test
    void metadata_providerTagPrefixes_coverTheProviderDefinedTagKeysInTheFile() throws Exception {
        String model = "anthropic.claude-sonnet-4-5-20250929-v1:0";
        TokenUsage tokens = new TokenUsage(150_000, 50_000, 0, 0, 10_000, 0);
        MonthlyUsage metered = MonthlyUsage.of(YearMonth.of(2026, 11));
        metered.add(BillImportTest.record(
                "b1",
                "bedrock",
                model,
                tokens,
                BillImportTest.CATALOG.find("bedrock", model).orElseThrow().cost(tokens)));
        Reconciliation r = Reconciler.create(BillImportTest.CATALOG, Reconciler.DEFAULT_THRESHOLD_PERCENT)
                .reconcile(
                        metered,
                        BillImportTest.NOV1.plusDays(1),
                        List.of(AwsBill.read(List.of(BillImportTest.sample("aws-cur2-bedrock.csv")))));
        List<FocusCharge> rows =
                new ArrayList<>(FocusCharges.of(metered, BillImportTest.CATALOG, BillImportTest.CATALOG));
        rows.addAll(ProviderBillRows.focusCharges(r));
        YearMonth month = YearMonth.of(2026, 11);
        byte[] csv = FocusCsvWriter.create(FocusCsvWriter.Settings.DEFAULT).write(month, rows);
        byte[] metadata = FocusMetadata.write(
                FocusVersion.V1_1,
                month,
                FocusCsvWriter.COLUMNS,
                "focus-1.1.csv",
                rows.size(),
                Instant.parse("2026-12-01T06:00:00Z"),
                FocusMetadata.PROVENANCE_WITH_BILLS);

        ObjectMapper json = new ObjectMapper();
        Set<String> providerKeys = new TreeSet<>();
        for (CSVRecord rec : CSVFormat.RFC4180
                .builder()
                .setHeader()
                .setSkipHeaderRecord(true)
                .get()
                .parse(new StringReader(new String(csv, StandardCharsets.UTF_8)))) {
            if (!rec.get("Tags").isEmpty()) {
                json.readTree(rec.get("Tags")).fieldNames().forEachRemaining(k -> {
                    if (!USER_TAGS.contains(k)) {
                        providerKeys.add(k);
                    }
                });
            }
        }
        List<String> prefixes = new ArrayList<>();
        for (JsonNode c : json.readTree(metadata).path("Schema").path("ColumnDefinition")) {
            if (c.path("ColumnName").asText().equals("Tags")) {
                c.path("ProviderTagPrefixes").forEach(p -> prefixes.add(p.asText()));
            }
        }

        assertThat(providerKeys).contains("x_CostSource", "x_ReconciliationClass");
        assertThat(providerKeys).allSatisfy(k -> assertThat(prefixes)
                .anySatisfy(p -> assertThat(k).startsWith(p)));
    }
}
