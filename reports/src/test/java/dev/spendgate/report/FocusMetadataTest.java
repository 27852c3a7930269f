package dev.spendgate.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.spendgate.domain.report.ChargebackRules;
import dev.spendgate.domain.report.MonthlyUsageSource;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.report.focus.FocusCsvWriter;
import dev.spendgate.report.focus.FocusMetadata;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The FOCUS file's metadata, SKUs, call counts and AI price properties, read the way a FOCUS consumer reads them. */
class FocusMetadataTest {
    static final YearMonth MONTH = YearMonth.of(2026, 11);
    static final ObjectMapper JSON = new ObjectMapper();
    static MapObjectStore out;
    static TestMonth month;
    static List<CSVRecord> rows;
    static List<String> header;

    @BeforeAll
    static void run() throws IOException {
        MapObjectStore data = new MapObjectStore();
        month = TestMonth.generate(MONTH, 2000, 6, 21).writeTo(data);
        out = new MapObjectStore();
        MonthlyReport.create(
                        new MonthlyReport.Settings(
                                TestMonth.CATALOG,
                                TestMonth.CATALOG,
                                ChargebackRules.NONE,
                                List.of(),
                                FocusCsvWriter.Settings.DEFAULT),
                        Clock.fixed(Instant.parse("2026-12-01T06:00:00Z"), ZoneOffset.UTC))
                .run(MONTH, MonthlyUsageSource.fromLog(data), data, out, "", null, false);
        try (CSVParser p = CSVFormat.RFC4180
                .builder()
                .setHeader()
                .setSkipHeaderRecord(true)
                .get()
                .parse(new InputStreamReader(
                        new ByteArrayInputStream(out.get(MonthlyReport.FOCUS).orElseThrow()),
                        StandardCharsets.UTF_8))) {
            rows = p.getRecords();
            header = p.getHeaderNames();
        }
    }

    static Schema schema() throws IOException {
        try (InputStream in = FocusMetadata.class.getResourceAsStream(FocusMetadata.SCHEMA_RESOURCE)) {
            return SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12)
                    .getSchema(JSON.readTree(in));
        }
    }

    @Test
    void metadata_validatesAgainstItsSchemaAndDescribesEveryColumnOfTheCsv() throws IOException {
        JsonNode metadata = JSON.readTree(out.get(FocusMetadata.FILE).orElseThrow());

        List<Error> errors = schema().validate(metadata);

        assertThat(errors).isEmpty();
        assertThat(metadata.path("FocusVersion").asText()).isEqualTo("1.1");
        assertThat(metadata.path("DataGenerator").path("DataGenerator").asText())
                .isEqualTo("Spendgate");
        assertThat(metadata.path("Schema").path("CreationDate").asText()).isEqualTo("2026-12-01T06:00:00Z");
        assertThat(metadata.path("Schema").path("ColumnDefinition").findValuesAsText("ColumnName"))
                .containsExactlyElementsOf(header);
        assertThat(metadata.path("x_Dataset").path("x_Rows").asInt()).isEqualTo(rows.size());
        assertThat(metadata.path("x_Dataset").path("x_Provenance").asText()).contains("Not an invoice");
    }

    @Test
    void metadata_withoutFocusVersion_failsTheSchema() throws IOException {
        ObjectNode metadata =
                (ObjectNode) JSON.readTree(out.get(FocusMetadata.FILE).orElseThrow());
        metadata.remove("FocusVersion");

        assertThat(schema().validate(metadata)).isNotEmpty();
    }

    @Test
    void focus_eachSkuId_hasOneSkuMeter() {
        Map<String, Set<String>> meters = new HashMap<>();
        for (CSVRecord r : rows) {
            if (!r.get("SkuId").isEmpty()) {
                meters.computeIfAbsent(r.get("SkuId"), k -> new HashSet<>()).add(r.get("SkuMeter"));
            }
        }
        assertThat(meters).containsKey("openai/gpt-4o/Input").containsKey("openai/gpt-4o/Output");
        assertThat(meters).allSatisfy((sku, m) -> assertThat(m).as(sku).hasSize(1));
    }

    @Test
    void focus_callCount_sumsToThePricedCallsMade() {
        long priced = month.records.stream().filter(r -> r.costUsd() != null).count();
        long counted = rows.stream()
                .filter(r -> !r.get("x_CallCount").isEmpty())
                .mapToLong(r -> Long.parseLong(r.get("x_CallCount")))
                .sum();

        assertThat(counted).isEqualTo(priced).isEqualTo(2000);
        assertThat(rows.stream().filter(r -> !r.get("x_CallCount").isEmpty()).count())
                .as("one row per call set carries the count, not every token-type row")
                .isLessThan(rows.size());
        assertThat(month.records)
                .filteredOn(r -> r.pricingStatus() == UsageRecord.PricingStatus.UNPRICED)
                .hasSize(1);
    }

    @Test
    void focus_skuPriceDetails_carryTheAiPropertiesAsPrefixedKeys() throws IOException {
        int usage = 0;
        for (CSVRecord r : rows) {
            if (!r.get("ChargeCategory").equals("Usage")) {
                continue;
            }
            usage++;
            JsonNode d = JSON.readTree(r.get("SkuPriceDetails"));
            d.fieldNames().forEachRemaining(k -> assertThat(k).startsWith("x_"));
            assertThat(d.path("x_ModelId").asText()).isNotEmpty();
            assertThat(d.path("x_ModelFamily").asText()).isNotEmpty();
            assertThat(d.path("x_ModelDeveloper").asText()).isEqualTo(r.get("PublisherName"));
            assertThat(d.path("x_TokenDirection").asText())
                    .isEqualTo(r.get("SkuMeter").equals("Output Tokens") ? "Output" : "Input");
            assertThat(d.path("x_CacheAction").asText())
                    .isEqualTo(
                            switch (r.get("SkuMeter")) {
                                case "Cached Input Tokens" -> "Read";
                                case "Cache Write Tokens (5m)" -> "Write (5m)";
                                case "Cache Write Tokens (1h)" -> "Write (1h)";
                                default -> "None";
                            });
            assertThat(d.path("x_ServiceTier").asText()).isEqualTo("Standard");
            assertThat(r.get("SkuPriceId")).isEqualTo(r.get("SkuId") + "/Standard");
        }
        assertThat(usage).isPositive();
    }
}
