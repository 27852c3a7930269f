package dev.spendgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class TableTest {
    @Test
    void print_cellWithLineBreakAndEscape_staysOneLineWithTheCharactersEscaped() {
        Table table = new Table("MODEL", "CALLS").alignRight(1);
        table.row("gpt-4o\nTOTAL  0", "1");
        table.row("\u001b[2Jgpt-4o", "2");
        StringWriter text = new StringWriter();
        try (PrintWriter out = new PrintWriter(text)) {
            table.print(out);
        }

        assertThat(text.toString()).doesNotContain("\u001b");
        assertThat(text.toString().lines())
                .hasSize(3)
                .element(1)
                .asString()
                .startsWith("gpt-4o\\nTOTAL  0  ")
                .endsWith("1");
        assertThat(text.toString().lines()).element(2).asString().startsWith("\\u001B[2Jgpt-4o  ");
    }

    @Test
    void print_cellWithBidirectionalFormattingCharacters_printsEachEscapedAndKeepsOtherText() {
        Table table = new Table("MODEL", "CALLS").alignRight(1);
        // every character keys create refuses in a name, and Arabic and accented text, which stay as they are
        table.row("a\u061Cb\u200Ec\u200Fd\u202Ae\u202Bf\u202Cg\u202Dh\u202Ei\u2066j\u2067k\u2068l\u2069m", "1");
        table.row("فريق é", "2");
        StringWriter text = new StringWriter();
        try (PrintWriter out = new PrintWriter(text)) {
            table.print(out);
        }

        assertThat(text.toString().lines())
                .element(1)
                .asString()
                .startsWith("a\\u061Cb\\u200Ec\\u200Fd\\u202Ae\\u202Bf\\u202Cg\\u202Dh\\u202Ei\\u2066j\\u2067k"
                        + "\\u2068l\\u2069m  ")
                .endsWith("1");
        assertThat(text.toString().lines()).element(2).asString().startsWith("فريق é  ");
    }
}
