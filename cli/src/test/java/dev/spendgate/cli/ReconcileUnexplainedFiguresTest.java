package dev.spendgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.usage.UsageLayout;
import dev.spendgate.domain.usage.UsageRecord;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.text.PDFTextStripper;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A provider billed $1.00 over metered on one model and $1.00 under on another: the lines' unexplained differences
 * sum to $0.00 with their signs and to $2.00 as absolute values, and the threshold rests on the latter. The console,
 * {@code reconciliation.csv} and the board PDF show each figure under one name: "unexplained" (signed,
 * {@code unexplained_usd}) and "sum of |lines|" ({@code unexplained_abs_usd}).
 */
class ReconcileUnexplainedFiguresTest {
    @TempDir
    Path dir;

    Path costs;

    @BeforeEach
    void offsettingMonth() throws Exception {
        // two calls on 2 November: gpt-4o-mini, 1,000,000 input tokens = $0.15; gpt-4o, 1,000,000 input = $2.50
        Instant t = Instant.parse("2026-11-02T10:00:00Z");
        Path log = dir.resolve(UsageLayout.hourPrefix(t) + "part-0.ndjson.gz");
        Files.createDirectories(log.getParent());
        Files.write(
                log,
                ReportDataQualityTest.gzip(List.of(
                        ReportDataQualityTest.line(call("mini", t, "gpt-4o-mini", "gpt-4o-mini-2024-07-18", "0.15")),
                        ReportDataQualityTest.line(
                                call("4o", t.plusSeconds(5), "gpt-4o", "gpt-4o-2024-08-06", "2.50")))));
        // billed $1.15 and $1.50: $1.00 over on one, $1.00 under on the other, $2.65 in all
        long start = LocalDate.of(2026, 11, 2).atStartOfDay(ZoneOffset.UTC).toEpochSecond();
        costs = Files.writeString(
                dir.resolve("openai-costs.json"),
                "{\"object\":\"page\",\"has_more\":false,\"next_page\":null,\"data\":[{\"object\":\"bucket\","
                        + "\"start_time\":" + start + ",\"end_time\":" + (start + 86_400) + ",\"results\":["
                        + ReconcileCommandTest.cost("gpt-4o-mini-2024-07-18, input", "1.15", "usd") + ","
                        + ReconcileCommandTest.cost("gpt-4o-2024-08-06, input", "1.50", "usd") + "]}]}");
    }

    @Test
    void reconcile_offsettingLines_csvAndConsoleCarryBothFiguresUnderTheirOwnNames() throws Exception {
        Path out = dir.resolve("out");

        CliRun r = CliRun.of(
                "reconcile",
                "--month",
                "2026-11",
                "--openai",
                costs.toString(),
                "--out",
                out.toString(),
                "--data-dir",
                dir.toString());

        assertThat(r.code()).as(r.err()).isZero();
        List<String> csv = Files.readAllLines(out.resolve("reconciliation.csv"));
        List<String> header = List.of(csv.get(0).split(",", -1));
        int signed = header.indexOf("unexplained_usd");
        int abs = header.indexOf("unexplained_abs_usd");
        // added after the others: every column before it keeps its place (schema 1), as it keeps its own when a
        // later column (estimate_settled_usd) is added after it
        assertThat(signed).isEqualTo(16);
        assertThat(abs).isEqualTo(24);
        assertThat(header.indexOf("estimate_settled_usd")).isEqualTo(25);
        for (String prefix : List.of("2,provider_total,,openai,", "2,total,")) {
            String[] row = csv.stream()
                    .filter(l -> l.startsWith(prefix))
                    .findFirst()
                    .orElseThrow()
                    .split(",", -1);
            assertThat(new BigDecimal(row[signed])).as(prefix).isEqualByComparingTo("0");
            assertThat(new BigDecimal(row[abs])).as(prefix).isEqualByComparingTo("2");
        }
        // each line's absolute unexplained difference, summing to the provider's
        assertThat(csv.stream()
                        .filter(l -> l.startsWith("2,line,"))
                        .map(l -> new BigDecimal(l.split(",", -1)[abs]))
                        .reduce(BigDecimal.ZERO, BigDecimal::add))
                .isEqualByComparingTo("2");
        assertThat(r.out()).containsPattern("unexplained\\s+sum of \\|lines\\|\\s+\\|lines\\| %");
        assertThat(r.out()).containsPattern("(?m)^  openai .*\\$0\\.00\\s+\\$2\\.00\\s+75\\.47%$");
        assertThat(r.out()).contains("ALARM openai: unexplained 2.00 USD (sum of |lines|) is 75.47 % of 2.65 USD");
    }

    @Test
    void report_offsettingLines_pdfShowsTheAbsoluteSumBesideTheVerdict() throws Exception {
        CliRun r = CliRun.of(
                "report",
                "--month",
                "2026-11",
                "--no-email",
                "--openai",
                costs.toString(),
                "--out",
                dir.resolve("out").toString(),
                "--data-dir",
                dir.toString());

        assertThat(r.code()).as(r.err()).isZero();
        String text;
        try (PDDocument doc = Loader.loadPDF(dir.resolve("out/board-report.pdf").toFile())) {
            text = new PDFTextStripper().getText(doc);
        }
        assertThat(text)
                .contains("Unexpl. Sum |lines| Status")
                // the signed sum, then the absolute one the CHECK rests on
                .containsPattern("openai \\$2\\.65 \\$2\\.65 .*\\$0\\.00 \\$2\\.00 CHECK")
                .contains("$2.00 unexplained, sum of |lines| (75.5 %)");
    }

    private static UsageRecord call(String id, Instant t, String asked, String served, String cost) {
        return UsageRecord.builder()
                .requestId(id)
                .tsStart(t)
                .tsEnd(t.plusSeconds(2))
                .keyId("key_1")
                .provider("openai")
                .endpoint("chat.completions")
                .modelRequested(asked)
                .modelServed(served)
                .statusCode(200)
                .tokens(TokenUsage.openAi(1_000_000, 0, 0, 0))
                .costUsd(new BigDecimal(cost))
                .pricingStatus(UsageRecord.PricingStatus.PRICED)
                .usageSource(UsageRecord.UsageSource.PROVIDER)
                .build();
    }
}
