package dev.spendgate.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.domain.report.MonthlyUsageSource;
import dev.spendgate.domain.store.ObjectStoreException;
import java.io.IOException;
import java.math.BigDecimal;
import java.time.YearMonth;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A month's files are written one by one; {@code manifest.json}, written last, says which bytes make up the last
 * complete run, what it totals and what it replaced.
 */
class MonthManifestTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PREFIX = "reports/2026-11/";

    private static MapObjectStore usage(long seed) {
        MapObjectStore data = new MapObjectStore();
        TestMonth.generate(MonthlyReportTest.MONTH, 600, 6, seed).writeTo(data);
        return data;
    }

    private static MonthlyReport.Result run(MapObjectStore data, MapObjectStore out) {
        return MonthlyReportTest.report()
                .run(MonthlyReportTest.MONTH, MonthlyUsageSource.fromLog(data), data, out, PREFIX, null, false);
    }

    private static JsonNode manifest(MapObjectStore out) throws IOException {
        return JSON.readTree(out.get(PREFIX + MonthManifest.FILE).orElseThrow());
    }

    /** The stored files whose bytes are not the ones the manifest lists. */
    private static Map<String, Boolean> matches(MapObjectStore out) throws IOException {
        Map<String, Boolean> matches = new HashMap<>();
        for (JsonNode file : manifest(out).path("files")) {
            byte[] stored = out.get(PREFIX + file.path("name").asText()).orElseThrow();
            matches.put(
                    file.path("name").asText(),
                    MonthManifest.sha256(stored).equals(file.path("sha256").asText())
                            && stored.length == file.path("bytes").asInt());
        }
        return matches;
    }

    @Test
    void run_writesAManifestOfEveryFileWithItsHashAndTheFocusTotal() throws IOException {
        MapObjectStore out = new MapObjectStore();
        MonthlyReport.Result result = run(usage(7), out);

        JsonNode manifest = manifest(out);
        assertThat(manifest.path("schema_version").asInt()).isEqualTo(1);
        assertThat(manifest.path("month").asText()).isEqualTo("2026-11");
        assertThat(manifest.path("month_state").asText()).isEqualTo("complete");
        assertThat(new BigDecimal(manifest.path("billed_cost_usd").asText()))
                .isEqualByComparingTo(result.focusBilledTotalUsd());
        assertThat(matches(out))
                .containsOnlyKeys(
                        MonthlyReport.FOCUS,
                        "focus-metadata.json",
                        MonthlyReport.CHARGEBACK,
                        MonthlyReport.PDF,
                        MonthlyReport.DATA_QUALITY)
                .doesNotContainValue(false);
        assertThat(manifest.has("replaces")).isFalse();
    }

    @Test
    void run_failingHalfWay_leavesTheLastCompleteRunsManifestWhichTheNewFilesDoNotMatch() throws IOException {
        MapObjectStore out = new MapObjectStore();
        MonthlyReport.Result first = run(usage(7), out);
        MapObjectStore failing = new MapObjectStore() {
            @Override
            public void put(String key, byte[] content) {
                if (key.endsWith(MonthlyReport.PDF)) {
                    throw new ObjectStoreException("disk full", null);
                }
                super.put(key, content);
            }
        };
        failing.objects.putAll(out.objects);

        assertThatThrownBy(() -> run(usage(9), failing)).isInstanceOf(ObjectStoreException.class);

        // the FOCUS file is the failed run's, the PDF the first run's: the manifest tells them apart
        assertThat(new BigDecimal(manifest(failing).path("billed_cost_usd").asText()))
                .isEqualByComparingTo(first.focusBilledTotalUsd());
        assertThat(matches(failing)).containsEntry(MonthlyReport.FOCUS, false).containsEntry(MonthlyReport.PDF, true);
    }

    @Test
    void rerun_withOtherRecords_saysWhatTotalItReplaces() throws IOException {
        MapObjectStore out = new MapObjectStore();
        MonthlyReport.Result first = run(usage(7), out);

        MonthlyReport.Result second = run(usage(9), out);

        assertThat(second.focusBilledTotalUsd()).isNotEqualByComparingTo(first.focusBilledTotalUsd());
        JsonNode replaces = manifest(out).path("replaces");
        assertThat(new BigDecimal(replaces.path("billed_cost_usd").asText()))
                .isEqualByComparingTo(first.focusBilledTotalUsd());
        assertThat(second.warnings()).anySatisfy(w -> assertThat(w)
                .contains("replaces the 2026-11 files")
                .contains(first.focusBilledTotalUsd().toPlainString()));
        assertThat(matches(out)).doesNotContainValue(false);
    }

    @Test
    void rerun_sameRecords_replacesWithoutAWarning() {
        MapObjectStore out = new MapObjectStore();
        run(usage(7), out);

        MonthlyReport.Result again = run(usage(7), out);

        assertThat(again.warnings()).noneSatisfy(w -> assertThat(w).contains("replaces"));
    }

    @Test
    void cliRunsOfTwoMonthsIntoOneOutDirectory_novemberDoesNotClaimToReplaceOctobersFigures() throws IOException {
        // the CLI writes into --out DIR with no month folder (README: "./spendgate report --month 2026-11 --out out/")
        YearMonth october = YearMonth.of(2026, 10);
        MapObjectStore data = new MapObjectStore();
        TestMonth.generate(october, 600, 6, 7).writeTo(data);
        TestMonth.generate(MonthlyReportTest.MONTH, 600, 6, 9).writeTo(data);
        MapObjectStore out = new MapObjectStore();
        MonthlyReportTest.report().run(october, MonthlyUsageSource.fromLog(data), data, out, "", null, false);

        MonthlyReport.Result november = MonthlyReportTest.report()
                .run(MonthlyReportTest.MONTH, MonthlyUsageSource.fromLog(data), data, out, "", null, false);

        // October's manifest is no earlier run of November: finance is told November's figures changed when no
        // November file was ever written before
        assertThat(november.warnings()).noneSatisfy(w -> assertThat(w).contains("replaces"));
        JsonNode manifest = JSON.readTree(out.get(MonthManifest.FILE).orElseThrow());
        assertThat(manifest.path("month").asText()).isEqualTo("2026-11");
        assertThat(manifest.has("replaces")).as(manifest.toString()).isFalse();
    }
}
