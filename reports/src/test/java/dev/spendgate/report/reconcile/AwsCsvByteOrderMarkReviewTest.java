package dev.spendgate.report.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spendgate.domain.reconcile.ProviderBill;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An AWS export a FinOps analyst has opened and saved again (Excel's "CSV UTF-8", PowerShell's Export-Csv -Encoding
 * UTF8 on Windows PowerShell) starts with the UTF-8 byte order mark EF BB BF. The Unicode standard (ch. 23.8) says a
 * BOM at the start of UTF-8 text is a signature, not content: the first column is still {@code BilledCost} /
 * {@code identity_line_item_id}. Today the BOM becomes part of the first header name, so a FOCUS export is refused as
 * "neither a CUR 2.0 nor a FOCUS export" while listing {@code BilledCost} among the columns found, and a CUR 2.0 export
 * loses its {@code identity_line_item_id} column: the guard against a chunk given twice (README: "the same line item
 * twice from overlapping files or exports" is refused) is silently off, and the Bedrock bill counts every line twice.
 */
class AwsCsvByteOrderMarkReviewTest {
    private static final byte[] BOM = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};

    @TempDir
    Path dir;

    private Path withBom(String name, String text) throws Exception {
        byte[] body = text.getBytes(StandardCharsets.UTF_8);
        byte[] all = new byte[BOM.length + body.length];
        System.arraycopy(BOM, 0, all, 0, BOM.length);
        System.arraycopy(body, 0, all, BOM.length, body.length);
        return Files.write(dir.resolve(name), all);
    }

    @Test
    void aws_focusExportSavedWithBom_readLikeTheSameFileWithout() throws Exception {
        Path plain = BillImportTest.sample("aws-focus-bedrock.csv");
        Path saved = withBom("bedrock-focus.csv", Files.readString(plain));

        ProviderBill expected = AwsBill.read(List.of(plain));
        ProviderBill actual = AwsBill.read(List.of(saved));

        assertThat(actual.charges()).isEqualTo(expected.charges());
    }

    @Test
    void aws_curChunkWithBomGivenTwice_refusedNotCountedTwice() throws Exception {
        String cur = Files.readString(BillImportTest.sample("aws-cur2-bedrock.csv"));
        Path part1 = withBom("bedrock-cur-00001.csv", cur);
        Path again = withBom("bedrock-cur-00002.csv", cur);

        assertThatThrownBy(() -> AwsBill.read(List.of(part1, again)))
                .hasMessageContaining("identity_line_item_id a1")
                .hasMessageContaining("overlapping");
    }
}
