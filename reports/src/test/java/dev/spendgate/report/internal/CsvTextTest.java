package dev.spendgate.report.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CsvTextTest {

    @Test
    void cell_formulaStarts_prefixedOthersAsIs() {
        assertThat(CsvText.cell("=1+1")).isEqualTo("'=1+1");
        assertThat(CsvText.cell("+1")).isEqualTo("'+1");
        assertThat(CsvText.cell("-A1")).isEqualTo("'-A1");
        assertThat(CsvText.cell("@SUM(A1)")).isEqualTo("'@SUM(A1)");
        assertThat(CsvText.cell("\t=1")).isEqualTo("'\t=1");
        assertThat(CsvText.cell("\r=1")).isEqualTo("'\r=1");
        assertThat(CsvText.cell("gpt-4o")).isEqualTo("gpt-4o");
        assertThat(CsvText.cell("")).isEmpty();
        assertThat(CsvText.cell(null)).isNull();
    }
}
