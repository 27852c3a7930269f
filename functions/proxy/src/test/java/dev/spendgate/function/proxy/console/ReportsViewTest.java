package dev.spendgate.function.proxy.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.embedded.FileSystemObjectStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportsViewTest {
    @TempDir
    Path dir;

    @Test
    void render_fileTheManifestDoesNotList_isMarkedAndEmailBookkeepingIsNotOffered() throws Exception {
        FileSystemObjectStore store = new FileSystemObjectStore(dir);
        byte[] csv = bytes("month,department,amount_usd\n2026-11,support,1000.00\n");
        store.put("reports/2026-11/chargeback.csv", csv);
        store.put("reports/2026-11/reconciliation.csv", bytes("left by an earlier run with provider bills\n"));
        store.put("reports/2026-11/email-sent.json", bytes("{\"month_state\":\"complete\"}"));
        store.put("reports/2026-11/email-claim-complete.json", bytes("{\"run_id\":\"r1\"}"));
        store.put(
                "reports/2026-11/manifest.json",
                bytes("{\"schema_version\":1,\"month\":\"2026-11\",\"month_state\":\"complete\",\"files\":["
                        + "{\"name\":\"chargeback.csv\",\"bytes\":" + csv.length + ",\"sha256\":\"" + sha256(csv)
                        + "\"},{\"name\":\"board-report.pdf\",\"bytes\":3,\"sha256\":\"00\"}]}"));

        String html = new ReportsView(store).render();

        assertThat(item(html, "reconciliation.csv"))
                .contains("not part of the last complete run: manifest.json does not list it");
        assertThat(item(html, "chargeback.csv")).doesNotContain("not part of");
        assertThat(html)
                .contains("<h2>2026-11</h2><p data-testid=\"month-state\">Complete month.</p>")
                .contains("manifest.json lists board-report.pdf, which is missing.")
                .doesNotContain("email-sent.json")
                .doesNotContain("email-claim-complete.json");
    }

    @Test
    void render_monthWithoutManifest_saysNoneOfItsFilesIsVouchedFor() {
        FileSystemObjectStore store = new FileSystemObjectStore(dir);
        store.put("reports/2026-10/chargeback.csv", bytes("month,department,amount_usd\n"));

        String html = new ReportsView(store).render();

        assertThat(html).contains("No manifest.json: no run of this month is known to have completed");
    }

    private static String item(String html, String file) {
        int at = html.indexOf(">" + file + "</a>");
        assertThat(at).as(html).isGreaterThanOrEqualTo(0);
        return html.substring(html.lastIndexOf("<li>", at), html.indexOf("</li>", at));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
