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
    void render_finding_showsTheEvidenceDatesExampleIdsAndQualityRiskTheReadmePromises() {
        FileSystemObjectStore store = new FileSystemObjectStore(dir);
        store.put(
                "findings/2026-11-02.json",
                ("{\"generated_at\":\"2026-11-02T06:00:00Z\",\"window\":{\"from\":\"2026-10-03T00:00:00Z\","
                                + "\"to\":\"2026-11-02T00:00:00Z\"},\"calls_analysed\":4973,"
                                + "\"monthly_savings_usd\":\"13.90\",\"efficiency_score\":{\"overall\":71},"
                                + "\"findings\":[{\"id\":\"model_mismatch/feature:b\",\"category\":\"model_mismatch\","
                                + "\"scope\":{\"type\":\"feature\",\"value\":\"b\"},"
                                + "\"evidence\":{\"calls\":4973,\"wasteful_calls\":4973,"
                                + "\"first_seen\":\"2026-10-04T09:12:00Z\",\"last_seen\":\"2026-11-01T17:40:00Z\","
                                + "\"example_request_ids\":[\"req_7f3a91\"]},"
                                + "\"monthly_savings_usd\":\"13.90\",\"recommendation\":\"Move feature b to gpt-4o-mini\","
                                + "\"quality_risk\":\"medium: answers longer than 400 tokens\","
                                + "\"owner\":{\"department\":\"support\"}}]}")
                        .getBytes(StandardCharsets.UTF_8));

        String html = new StoredFindingsPage(store).render();

        assertThat(html)
                .contains("Move feature b to gpt-4o-mini")
                .contains("req_7f3a91")
                .contains("2026-10-04")
                .contains("medium: answers longer than 400 tokens");
    }

    @Test
    void render_findingWithALifecycleEntry_showsItsStateAndEscapesStoredText() {
        FileSystemObjectStore store = new FileSystemObjectStore(dir);
        store.put(
                "findings/2026-11-02.json",
                ("{\"findings\":[{\"id\":\"cache_miss/feature:b\",\"category\":\"cache_miss\","
                                + "\"scope\":{\"type\":\"feature\",\"value\":\"b\"},"
                                + "\"evidence\":{\"calls\":3,\"wasteful_calls\":2,"
                                + "\"example_request_ids\":[\"<img src=x>\"]},"
                                + "\"monthly_savings_usd\":\"1.00\",\"recommendation\":\"Cache the prompt\"}]}")
                        .getBytes(StandardCharsets.UTF_8));
        store.put(
                "findings/lifecycle.json",
                "{\"findings\":[{\"id\":\"cache_miss/feature:b\",\"status\":\"resolved\"}]}"
                        .getBytes(StandardCharsets.UTF_8));

        String html = new StoredFindingsPage(store).render();

        assertThat(html)
                .contains("<td>resolved</td>")
                .contains("&lt;img src=x&gt;")
                .doesNotContain("<img src=x>");
    }

    @Test
    void render_featureNotScored_showsADashNotAScore() {
        FileSystemObjectStore store = new FileSystemObjectStore(dir);
        store.put(
                "findings/2026-11-02.json",
                ("{\"efficiency_score\":{\"overall\":90,\"features\":[{\"feature\":\"<b>triage</b>\","
                                + "\"score\":null,\"not_scored_because\":\"no finding\",\"spend_usd\":\"15.277005\","
                                + "\"waste_usd\":\"0\",\"at_risk_usd\":\"0\"}]},\"findings\":[]}")
                        .getBytes(StandardCharsets.UTF_8));

        String html = new StoredFindingsPage(store).render();

        assertThat(html)
                .contains("<th scope=\"row\">&lt;b&gt;triage&lt;/b&gt;</th><td class=\"num\">-</td>")
                .contains("$15.28");
    }

    @Test
    void render_quarantinedForAReasonThisVersionDoesNotKnow_stillCountsThem() {
        FileSystemObjectStore store = new FileSystemObjectStore(dir);
        store.put(
                "findings/2026-11-02.json",
                ("{\"input\":{\"quarantined_records\":3,\"quarantined_by_reason\":{\"negative_cost\":1,"
                                + "\"future_reason\":2}},\"findings\":[]}")
                        .getBytes(StandardCharsets.UTF_8));

        String html = new StoredFindingsPage(store).render();

        assertThat(html)
                .contains("Left out: 1 records with a negative cost, 2 records with a cost that failed the cost check")
                .doesNotContain("Skipped:");
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
