package dev.spendgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code reconcile} without {@code --out} wrote {@code reconciliation.csv} to {@code DATA_DIR/reports/YYYY-MM/} (README
 * "Reconciliation with provider bills", the {@code --out} help): a path scripts read after each run. A data directory
 * with no monthly report there (nothing of the report's to protect) must still get the month's reconciliation at
 * that path, not keep the previous run's file while the new one goes elsewhere.
 */
class ReconcileDefaultPathReviewTest {
    @TempDir
    Path dir;

    @Test
    void reconcile_noMonthlyReportInTheFolder_writesThePromisedDefaultPath() throws Exception {
        ReconcileCommandTest month = new ReconcileCommandTest();
        month.dir = dir;
        month.writeMonth();
        Path[] files = month.openAiFiles("usd");
        // last month's cron run, before the upgrade, left its file where the README says it goes
        Path promised = dir.resolve("reports/2026-11/reconciliation.csv");
        Files.createDirectories(promised.getParent());
        Files.writeString(promised, "schema_version,row_type\n1,total,stale figures of the previous run\n");

        CliRun r = CliRun.of(
                "reconcile",
                "--month",
                "2026-11",
                "--openai",
                files[0].toString(),
                "--openai",
                files[1].toString(),
                "--data-dir",
                dir.toString());

        assertThat(r.code()).as(r.err()).isZero();
        assertThat(Files.readString(promised))
                .as("the file a script reads at the documented default path, after this run: " + r.out())
                .doesNotContain("stale figures")
                .contains(",not_seen_by_gateway,");
    }
}
