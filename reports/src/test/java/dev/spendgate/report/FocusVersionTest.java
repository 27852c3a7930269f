package dev.spendgate.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.domain.report.ChargebackRules;
import dev.spendgate.domain.report.MonthlyUsageSource;
import dev.spendgate.report.focus.FocusCsvWriter;
import dev.spendgate.report.focus.FocusMetadata;
import dev.spendgate.report.focus.FocusVersion;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.List;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.Test;

/** {@code --focus-version 1.3}: the 1.3 provider columns, the same money, and metadata that says 1.3. */
class FocusVersionTest {
    static final YearMonth MONTH = YearMonth.of(2026, 11);
    static final ObjectMapper JSON = new ObjectMapper();

    MapObjectStore run(FocusVersion version, TestMonth month) {
        MapObjectStore data = new MapObjectStore();
        month.writeTo(data);
        MapObjectStore out = new MapObjectStore();
        MonthlyReport.create(
                        new MonthlyReport.Settings(
                                TestMonth.CATALOG,
                                TestMonth.CATALOG,
                                ChargebackRules.NONE,
                                List.of(),
                                FocusCsvWriter.Settings.DEFAULT),
                        Clock.fixed(Instant.parse("2026-12-01T06:00:00Z"), ZoneOffset.UTC))
                .withFocusVersion(version)
                .run(MONTH, MonthlyUsageSource.fromLog(data), data, out, "", null, false);
        return out;
    }

    static CSVParser parse(byte[] csv) throws IOException {
        return CSVFormat.RFC4180
                .builder()
                .setHeader()
                .setSkipHeaderRecord(true)
                .get()
                .parse(new InputStreamReader(new ByteArrayInputStream(csv), StandardCharsets.UTF_8));
    }

    @Test
    void run_focus13_writesServiceAndHostProviderNamesAndTheSameBilledTotal() throws IOException {
        TestMonth month = TestMonth.generate(MONTH, 1500, 10, 33);
        MapObjectStore out = run(FocusVersion.V1_3, month);

        assertThat(out.get("focus-1.1.csv")).isEmpty();
        List<CSVRecord> rows;
        List<String> header;
        try (CSVParser p = parse(out.get("focus-1.3.csv").orElseThrow())) {
            rows = p.getRecords();
            header = p.getHeaderNames();
        }
        assertThat(header).containsAll(FocusCsvWriter.COLUMNS).contains("ServiceProviderName", "HostProviderName");
        assertThat(header).hasSize(FocusCsvWriter.COLUMNS.size() + 2);
        assertThat(rows).allSatisfy(r -> {
            assertThat(r.get("ServiceProviderName")).isNotBlank().isEqualTo(r.get("ProviderName"));
            assertThat(r.get("HostProviderName")).isEqualTo(r.get("ProviderName"));
        });
        assertThat(rows)
                .filteredOn(r -> r.get("SkuId").startsWith("bedrock/"))
                .isNotEmpty()
                .allSatisfy(r -> {
                    assertThat(r.get("ServiceProviderName")).isEqualTo("Amazon Web Services");
                    assertThat(r.get("PublisherName")).isEqualTo("Anthropic");
                });
        BigDecimal billed =
                rows.stream().map(r -> new BigDecimal(r.get("BilledCost"))).reduce(BigDecimal.ZERO, BigDecimal::add);
        assertThat(billed).isEqualByComparingTo(month.totalCost());

        JsonNode metadata = JSON.readTree(out.get(FocusMetadata.FILE).orElseThrow());
        assertThat(FocusMetadataTest.schema().validate(metadata)).isEmpty();
        assertThat(metadata.path("FocusVersion").asText()).isEqualTo("1.3");
        assertThat(metadata.path("Schema").path("FocusVersion").asText()).isEqualTo("1.3");
        assertThat(metadata.path("Schema").path("SchemaId").asText()).startsWith("spendgate-focus-1.3-");
        assertThat(metadata.path("x_Dataset").path("x_File").asText()).isEqualTo("focus-1.3.csv");
        assertThat(metadata.path("Schema").path("ColumnDefinition").findValuesAsText("ColumnName"))
                .containsExactlyElementsOf(header);
    }

    @Test
    void run_default_staysFocus11WithoutThe13Columns() throws IOException {
        MapObjectStore out = run(FocusVersion.DEFAULT, TestMonth.generate(MONTH, 300, 5, 34));

        try (CSVParser p = parse(out.get("focus-1.1.csv").orElseThrow())) {
            assertThat(p.getHeaderNames()).containsExactlyElementsOf(FocusCsvWriter.COLUMNS);
        }
        assertThat(JSON.readTree(out.get(FocusMetadata.FILE).orElseThrow())
                        .path("FocusVersion")
                        .asText())
                .isEqualTo("1.1");
    }

    @Test
    void parse_unknownVersion_namesTheFieldAndTheVersionsOffered() {
        assertThat(FocusVersion.parse("1.3", "--focus-version")).isEqualTo(FocusVersion.V1_3);
        assertThat(FocusVersion.parse("v1.1", "--focus-version")).isEqualTo(FocusVersion.V1_1);
        assertThatThrownBy(() -> FocusVersion.parse("1.2", "--focus-version"))
                .hasMessage("--focus-version must be 1.1 or 1.3 (the FOCUS versions Spendgate writes), got '1.2'");
    }
}
