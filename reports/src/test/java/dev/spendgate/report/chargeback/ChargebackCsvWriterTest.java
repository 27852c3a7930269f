package dev.spendgate.report.chargeback;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.report.Chargeback;
import java.io.IOException;
import java.io.StringReader;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.YearMonth;
import java.util.List;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.Test;

class ChargebackCsvWriterTest {

    /**
     * Team and feature come from the clients' attribution headers, which allow {@code - @ :}: a feature named
     * {@code -A1} or {@code @SUM(A1:A9)} must open in a spreadsheet as text, not run; amounts stay numbers.
     */
    @Test
    void write_attributionLikeAFormula_writtenAsText() throws IOException {
        Chargeback c = new Chargeback(
                YearMonth.of(2026, 11),
                List.of(new Chargeback.Line(
                        "support",
                        "@SUM(A1:A9)",
                        "-A1",
                        "6100",
                        "CC-42",
                        Chargeback.Kind.SUSPENSE,
                        "=unmapped",
                        3,
                        new BigDecimal("-0.0012"),
                        new BigDecimal("0.00"))),
                new BigDecimal("-0.0012"),
                new BigDecimal("0.00"));

        List<CSVRecord> rows = CSVFormat.RFC4180
                .builder()
                .setHeader()
                .get()
                .parse(new StringReader(new String(ChargebackCsvWriter.write(c), StandardCharsets.UTF_8)))
                .getRecords();

        CSVRecord r = rows.get(0);
        assertThat(r.get("department")).isEqualTo("support");
        assertThat(r.get("team")).isEqualTo("'@SUM(A1:A9)");
        assertThat(r.get("feature")).isEqualTo("'-A1");
        assertThat(r.get("cost_centre")).isEqualTo("CC-42");
        assertThat(r.get("note")).isEqualTo("'=unmapped");
        assertThat(r.get("exact_amount_usd")).isEqualTo("-0.0012");
    }
}
