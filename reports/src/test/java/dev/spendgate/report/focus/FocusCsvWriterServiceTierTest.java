package dev.spendgate.report.focus;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.report.FocusCharge;
import java.io.IOException;
import java.io.StringReader;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.YearMonth;
import java.util.List;
import java.util.Map;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.Test;

class FocusCsvWriterServiceTierTest {

    @Test
    void write_flexCharge_carriesTheTierInSkuPriceDetailsAndPriceIdWithTheFlexListPrice() throws IOException {
        // gpt-5-mini flex input: 1,000,000 tokens x $0.125 per 1M (platform.openai.com/docs/pricing, Flex)
        FocusCharge flex = new FocusCharge(
                LocalDate.of(2026, 11, 3),
                FocusCharge.Category.USAGE,
                "openai",
                "OpenAI",
                "gpt-5-mini",
                dev.spendgate.domain.report.TokenType.INPUT,
                Map.of(),
                1_000_000,
                new BigDecimal("0.125"),
                new BigDecimal("0.125"),
                new BigDecimal("0.125"),
                new BigDecimal("0.125"),
                1,
                null,
                "gpt-5",
                "flex");
        FocusCharge standard = new FocusCharge(
                LocalDate.of(2026, 11, 3),
                FocusCharge.Category.USAGE,
                "openai",
                "OpenAI",
                "gpt-5-mini",
                dev.spendgate.domain.report.TokenType.INPUT,
                Map.of(),
                1_000_000,
                new BigDecimal("0.25"),
                new BigDecimal("0.25"),
                new BigDecimal("0.25"),
                new BigDecimal("0.25"),
                1,
                null);

        byte[] csv = FocusCsvWriter.create(FocusCsvWriter.Settings.DEFAULT)
                .write(YearMonth.of(2026, 11), List.of(flex, standard));

        List<CSVRecord> rows = CSVFormat.RFC4180
                .builder()
                .setHeader()
                .get()
                .parse(new StringReader(new String(csv, StandardCharsets.UTF_8)))
                .getRecords();
        assertThat(rows).hasSize(2);
        assertThat(rows.get(0).get("SkuPriceDetails"))
                .contains("\"x_TokenType\":\"Input\"")
                .contains("\"x_ServiceTier\":\"flex\"");
        assertThat(rows.get(0).get("SkuPriceId")).isEqualTo("openai/gpt-5-mini/Input/flex");
        assertThat(rows.get(0).get("ListUnitPrice")).isEqualTo("0.125");
        assertThat(rows.get(1).get("SkuPriceDetails"))
                .contains("\"x_TokenType\":\"Input\"")
                .contains("\"x_ServiceTier\":\"Standard\"");
        assertThat(rows.get(1).get("SkuPriceId")).isEqualTo("openai/gpt-5-mini/Input/Standard");
        assertThat(rows.get(1).get("ListUnitPrice")).isEqualTo("0.25");
    }
}
