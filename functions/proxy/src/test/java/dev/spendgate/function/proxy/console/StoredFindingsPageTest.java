package dev.spendgate.function.proxy.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.embedded.FileSystemObjectStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoredFindingsPageTest {
    @TempDir
    Path dir;

    @Test
    void render_noFindingsDocument_saysTheDailyRunHasNotStoredOne() {
        String html = new StoredFindingsPage(new FileSystemObjectStore(dir)).render();

        assertThat(html).contains("No findings yet").contains("findings/YYYY-MM-DD.json");
    }

    @Test
    void render_severalDays_showsTheNewestDocumentWithItsSourceAndDollars() {
        FileSystemObjectStore store = new FileSystemObjectStore(dir);
        store.put(
                "findings/2026-11-01.json",
                doc("Move feature a to gpt-4o-mini", "1.50").getBytes(StandardCharsets.UTF_8));
        store.put(
                "findings/2026-11-02.json",
                doc("Move feature b to gpt-4o-mini", "13.897146").getBytes(StandardCharsets.UTF_8));
        store.put("findings/lifecycle.json", "{\"findings\":{}}".getBytes(StandardCharsets.UTF_8));

        String html = new StoredFindingsPage(store).render();

        assertThat(html)
                .contains("Move feature b to gpt-4o-mini")
                .doesNotContain("Move feature a")
                .contains("findings/2026-11-02.json")
                .contains("$13.90")
                .contains("4973 of 4973 calls")
                .contains("support");
    }

    @Test
    void render_damagedDocument_namesItInsteadOfFailingThePage() {
        FileSystemObjectStore store = new FileSystemObjectStore(dir);
        store.put("findings/2026-11-02.json", "{not json".getBytes(StandardCharsets.UTF_8));

        String html = new StoredFindingsPage(store).render();

        assertThat(html).contains("Findings unreadable").contains("findings/2026-11-02.json");
    }

    private static String doc(String recommendation, String monthly) {
        return """
                {"format_version":1,"generated_at":"2026-11-02T02:00:00Z",
                 "window":{"from":"2026-10-03T00:00:00Z","to":"2026-11-02T00:00:00Z"},
                 "calls_analysed":51389,"monthly_savings_usd":"%s","efficiency_score":{"overall":90},
                 "findings":[{"category":"model_mismatch","scope":{"type":"feature","value":"b"},
                   "owner":{"department":"support"},"evidence":{"calls":4973,"wasteful_calls":4973},
                   "monthly_savings_usd":"%s","recommendation":"%s"}]}
                """.formatted(monthly, monthly, recommendation);
    }
}
