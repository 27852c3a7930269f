package dev.spendgate.report.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.reconcile.ProviderBill;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An admin API response saved by Windows PowerShell ({@code Out-File -Encoding UTF8}) starts with a UTF-8 byte order
 * mark; the bill is the same as the file without it.
 */
class JsonBillByteOrderMarkTest {
    private static final byte[] BOM = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};

    @TempDir
    Path dir;

    private Path withBom(String sample) throws Exception {
        byte[] body = Files.readAllBytes(BillImportTest.sample(sample));
        byte[] all = new byte[BOM.length + body.length];
        System.arraycopy(BOM, 0, all, 0, BOM.length);
        System.arraycopy(body, 0, all, BOM.length, body.length);
        return Files.write(dir.resolve(sample), all);
    }

    @Test
    void read_openAiAndAnthropicFilesWithBom_sameBillAsWithout() throws Exception {
        ProviderBill openAi = OpenAiBill.read(
                List.of(BillImportTest.sample("openai-costs.json"), BillImportTest.sample("openai-usage.json")));
        ProviderBill anthropic = AnthropicBill.read(List.of(
                BillImportTest.sample("anthropic-cost-report.json"),
                BillImportTest.sample("anthropic-usage-report.json")));

        assertThat(OpenAiBill.read(List.of(withBom("openai-costs.json"), withBom("openai-usage.json")))
                        .charges())
                .isEqualTo(openAi.charges());
        assertThat(AnthropicBill.read(
                                List.of(withBom("anthropic-cost-report.json"), withBom("anthropic-usage-report.json")))
                        .usage())
                .isEqualTo(anthropic.usage());
    }
}
