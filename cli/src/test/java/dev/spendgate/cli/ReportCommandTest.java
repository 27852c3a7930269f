package dev.spendgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.usage.UsageLayout;
import dev.spendgate.domain.usage.UsageRecord;
import java.io.IOException;
import java.io.Reader;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code report --focus-version} and {@code report --openai}: the files a finance user gets. */
class ReportCommandTest {
    @TempDir
    Path dir;

    CliRun report(String... extra) {
        List<String> args = new java.util.ArrayList<>(List.of(
                "report",
                "--month",
                "2026-11",
                "--out",
                dir.resolve("out").toString(),
                "--no-email",
                "--data-dir",
                dir.toString()));
        args.addAll(List.of(extra));
        return CliRun.of(args.toArray(String[]::new));
    }

    @Test
    void report_unknownFocusVersion_usageErrorNamingTheFlag() {
        CliRun r = report("--focus-version", "1.2");

        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--focus-version must be 1.1 or 1.3");
    }

    @Test
    void report_focus13WithAnOpenAiBill_writesProviderBillRowsAndTheReconciliation() throws IOException {
        UsageRecord call =
                ReportDataQualityTest.record("r-1", ReportDataQualityTest.T0, TokenUsage.openAi(1000, 0, 100, 0));
        Path object = dir.resolve(UsageLayout.hourPrefix(call.tsStart()) + "part-0.ndjson.gz");
        Files.createDirectories(object.getParent());
        Files.write(object, ReportDataQualityTest.gzip(List.of(ReportDataQualityTest.line(call))));
        // the OpenAI Costs API for 2 November: the call's cost and $0.10 of file-search storage
        String costs = """
                {"object": "page", "has_more": false, "next_page": null, "data": [
                  {"object": "bucket", "start_time": 1793577600, "end_time": 1793664000, "results": [
                    {"object": "organization.costs.result", "amount": {"value": %s, "currency": "usd"},
                     "line_item": "gpt-4o-mini, input", "project_id": "proj_gateway"},
                    {"object": "organization.costs.result", "amount": {"value": 0.10, "currency": "usd"},
                     "line_item": "file search storage", "project_id": "proj_docs"}]}]}
                """.formatted(call.costUsd().toPlainString());
        Path bill = Files.writeString(dir.resolve("openai-costs.json"), costs);

        CliRun r = report("--focus-version", "1.3", "--openai", bill.toString(), "--gateway-accounts", "proj_gateway");

        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("focus-1.3.csv").contains("USD of it from provider bills");
        assertThat(dir.resolve("out/reconciliation.csv")).exists();
        assertThat(dir.resolve("out/focus-1.1.csv")).doesNotExist();
        List<CSVRecord> rows;
        try (Reader in = Files.newBufferedReader(dir.resolve("out/focus-1.3.csv"));
                CSVParser p = CSVFormat.RFC4180
                        .builder()
                        .setHeader()
                        .setSkipHeaderRecord(true)
                        .get()
                        .parse(in)) {
            rows = p.getRecords();
        }
        List<CSVRecord> billRows = rows.stream()
                .filter(x -> x.get("Tags").contains("provider_bill"))
                .toList();
        assertThat(billRows).singleElement().satisfies(x -> {
            assertThat(new BigDecimal(x.get("BilledCost"))).isEqualByComparingTo("0.10");
            assertThat(x.get("Tags")).contains("\"x_ProviderAccount\":\"proj_docs\"");
            assertThat(x.get("ServiceProviderName")).isEqualTo("OpenAI");
        });
        BigDecimal total =
                rows.stream().map(x -> new BigDecimal(x.get("BilledCost"))).reduce(BigDecimal.ZERO, BigDecimal::add);
        assertThat(total).isEqualByComparingTo(call.costUsd().add(new BigDecimal("0.10")));
    }
}
