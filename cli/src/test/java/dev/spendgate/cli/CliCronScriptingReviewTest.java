package dev.spendgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.usage.UsageRecord;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI as a finance or ops team runs it from cron and CI and reads its exit code, stdout and stderr (review round
 * 26, area c): a run that could not do what it was asked must not exit 0 with figures that look sound, and an error
 * names the flag and what is wrong with it.
 */
class CliCronScriptingReviewTest {
    @TempDir
    Path dir;

    /** Ten sound gpt-4o-mini calls on 2 November 2026 in one hourly object; returns the data directory. */
    private Path writeNovemberCalls() throws IOException {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            UsageRecord r = ReportDataQualityTest.record(
                    "call-" + i, ReportDataQualityTest.T0.plusSeconds(i), TokenUsage.openAi(1000, 0, 100, 0));
            lines.add(ReportDataQualityTest.line(r));
        }
        put(ReportDataQualityTest.T0, "part-0.ndjson.gz", ReportDataQualityTest.gzip(lines));
        return dir;
    }

    private void put(Instant hour, String name, byte[] bytes) throws IOException {
        Path p = dir.resolve(dev.spendgate.domain.usage.UsageLayout.hourPrefix(hour) + name);
        Files.createDirectories(p.getParent());
        Files.write(p, bytes);
    }

    @Test
    void report_dataDirThatDoesNotExist_usageErrorNotAnEmptyReport() throws IOException {
        writeNovemberCalls();
        // cron runs `spendgate report` from $HOME, where the default .spendgate/ is not the gateway's; or a typo
        Path typo = dir.resolve("spendgat");

        CliRun r = CliRun.of("report", "--month", "2026-11", "--strict", "--no-email", "--data-dir", typo.toString());

        // as `usage` (README, Commands: "A --data-dir that is not a directory is an error (exit 2), not $0"): no
        // report of a month without usage, emailed to finance, under a directory the run made up
        assertThat(r.code()).as(r.out() + r.err()).isEqualTo(2);
        assertThat(r.err()).contains("--data-dir").contains("spendgat");
        assertThat(typo).doesNotExist();
    }

    @Test
    void waste_dataDirThatDoesNotExist_usageErrorNotNoWaste() throws IOException {
        writeNovemberCalls();

        CliRun r = CliRun.of(
                "waste",
                "--from",
                "2026-11-01",
                "--to",
                "2026-12-01",
                "--overrides",
                "",
                "--data-dir",
                dir.resolve("spendgat").toString());

        assertThat(r.code()).as(r.out()).isEqualTo(2);
        assertThat(r.err()).contains("--data-dir").contains("spendgat");
        assertThat(r.out()).doesNotContain("No waste found");
    }

    @Test
    void advisor_dataDirThatDoesNotExist_usageErrorNotNothingRecovered() throws IOException {
        writeNovemberCalls();
        String missing = dir.resolve("spendgat").toString();
        CliRun status =
                CliRun.of("advisor", "status", "--from", "2026-11-01", "--to", "2026-12-01", "--data-dir", missing);
        CliRun apply = CliRun.of("advisor", "apply", "f-0123456789ab", "--dry-run", "--data-dir", missing);

        for (CliRun r : List.of(status, apply)) {
            assertThat(r.code()).as(r.out()).isEqualTo(2);
            assertThat(r.err()).contains("--data-dir").contains("spendgat");
        }
        assertThat(dir.resolve("spendgat")).doesNotExist();
    }

    @Test
    void report_outNamingAnExistingFile_errorNamesTheFlagAndTheProblem() throws IOException {
        writeNovemberCalls();
        // waste --out and simulate-policy --out take a FILE; report --out takes a DIR
        Path file = Files.writeString(dir.resolve("board.pdf"), "last month's PDF");

        CliRun r = CliRun.of(
                "report", "--month", "2026-11", "--no-email", "--out", file.toString(), "--data-dir", dir.toString());

        assertThat(r.code()).isNotZero();
        String first = r.err().lines().findFirst().orElse("");
        // today: "spendgate: <path>" and nothing else, exit 1
        assertThat(first).as(r.err()).contains("--out").contains("not a directory");
        assertThat(Files.readString(file)).isEqualTo("last month's PDF");
    }

    @Test
    void report_recipientsWithoutAnSmtpHost_failsRatherThanSucceedingUnsent() throws Exception {
        writeNovemberCalls();
        ProcessBuilder pb = new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                SpendgateCli.class.getName(),
                "report",
                "--month",
                "2026-11",
                "--out",
                dir.resolve("out").toString(),
                "--data-dir",
                dir.toString());
        pb.environment().keySet().removeIf(k -> k.startsWith("SPENDGATE_"));
        // the cron job of the README's example with the SMTP host forgotten (or set only in another shell)
        pb.environment().put("SPENDGATE_REPORT_EMAIL_TO", "cfo@example.com");
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        int code = p.waitFor();

        assertThat(out).contains("SPENDGATE_SMTP_HOST is not; sending nothing");
        // the email finance is waiting for was not sent: as an SMTP server that cannot be reached (exit 1), the run
        // fails, and says so where cron looks (stderr)
        assertThat(code).as(out + err).isNotZero();
        assertThat(err).contains("SPENDGATE_SMTP_HOST");
        // refused before a file was written: no report on disk that reads as delivered
        assertThat(dir.resolve("out")).doesNotExist();
    }

    @Test
    void usage_damagedUsageObject_warnsOnStderr() throws IOException {
        writeNovemberCalls();
        put(ReportDataQualityTest.T0, "part-1.ndjson.gz", ReportDataQualityTest.truncatedAfterFiveOfTen());

        CliRun r = CliRun.of(
                "usage", "--from", "2026-11-01", "--to", "2026-12-01", "--overrides", "", "--data-dir", dir.toString());

        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("1 damaged objects");
        // `spendgate usage ... > spend.txt` in cron: the total is short and only stderr reaches the operator, as the
        // report puts its data-quality line there
        assertThat(r.err()).as(r.out()).contains("damaged").contains("part-1.ndjson.gz");
    }

    @Test
    void waste_damagedUsageObject_warnsOnStderrToo() throws IOException {
        writeNovemberCalls();
        put(ReportDataQualityTest.T0, "part-1.ndjson.gz", ReportDataQualityTest.truncatedAfterFiveOfTen());

        CliRun r = CliRun.of(
                "waste", "--from", "2026-11-01", "--to", "2026-12-01", "--overrides", "", "--data-dir", dir.toString());

        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("skipped 1 damaged log objects");
        // `spendgate waste > advice.txt` in cron: the score and savings rest on a short month, said where cron looks
        assertThat(r.err()).as(r.out()).contains("1 damaged objects").contains("part-1.ndjson.gz");
    }

    @Test
    void reconcile_billOfAnotherMonth_notReportedWithinThreshold() throws Exception {
        writeNovemberCalls();
        // October's OpenAI Costs API page, given for November by mistake (the cron job's fetch used the wrong range)
        long start = LocalDate.of(2026, 10, 5).atStartOfDay(ZoneOffset.UTC).toEpochSecond();
        Path october = Files.writeString(
                dir.resolve("openai-costs-2026-10.json"),
                "{\"object\":\"page\",\"has_more\":false,\"next_page\":null,\"data\":[{\"object\":\"bucket\","
                        + "\"start_time\":" + start + ",\"end_time\":" + (start + 86_400) + ",\"results\":["
                        + ReconcileCommandTest.cost("gpt-4o-mini-2024-07-18, input", "3.50", "usd") + "]}]}");

        CliRun r = CliRun.of(
                "reconcile",
                "--month",
                "2026-11",
                "--openai",
                october.toString(),
                "--out",
                dir.resolve("out").toString(),
                "--data-dir",
                dir.toString());

        // nothing of November was compared: the metered side is shown as $0.00 and the run says every provider is
        // within the threshold, exit 0; a bill that covers no day of the month is bad input
        assertThat(r.out()).as(r.err()).doesNotContain("Within threshold");
        assertThat(r.code()).as(r.out()).isNotZero();
        // a usage error naming the flag, the file and the day it does cover; no reconciliation.csv written
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err())
                .contains("--openai")
                .contains("openai-costs-2026-10.json")
                .contains("2026-10-05");
        assertThat(dir.resolve("out")).doesNotExist();
    }

    @Test
    void waste_negativeTop_refusedNamingTheFlag() throws IOException {
        writeNovemberCalls();

        CliRun r = CliRun.of(
                "waste",
                "--from",
                "2026-11-01",
                "--to",
                "2026-12-01",
                "--top",
                "-3",
                "--overrides",
                "",
                "--data-dir",
                dir.toString());

        assertThat(r.code()).as(r.out()).isEqualTo(2);
        assertThat(r.err()).contains("--top");
    }

    @Test
    void advisorStatus_routedCallWithAQuarantinedCost_leftOutAsByEveryOtherCommand() throws Exception {
        Files.createDirectories(dir.resolve("policy"));
        Files.writeString(dir.resolve("policy/gateway-policy.json"), """
                {"format_version": 1,
                 "allowed_moves": {"openai": ["gpt-4o>gpt-4o-mini"]},
                 "routes": [{"id": "advisor-chat-gpt-4o", "from": "gpt-4o", "to": "gpt-4o-mini", "feature": "chat",
                             "max_prompt_tokens": 2000000, "share_percent": "100",
                             "finding_id": "model_mismatch/premium_model_for_simple_work/feature:chat/gpt-4o"}],
                 "cache": [], "prompt_caching": [],
                 "applied": [{"finding_id": "model_mismatch/premium_model_for_simple_work/feature:chat/gpt-4o",
                              "change": "route", "rule": "advisor-chat-gpt-4o", "applied_by": "ops",
                              "applied_at": "2026-10-31T09:00:00Z", "would_have_saved_usd": "3.29",
                              "simulated_window": "2026-10-01T00:00:00Z/2026-11-01T00:00:00Z"}]}
                """);
        // 1,000,000 input + 100,000 output tokens: $3.50 on gpt-4o, $0.21 on gpt-4o-mini; the rule saved $3.29
        TokenUsage tokens = TokenUsage.openAi(1_000_000, 0, 100_000, 0);
        Instant t = Instant.parse("2026-11-03T10:00:00Z");
        List<String> lines = List.of(
                ReportDataQualityTest.line(routed("sound", t, tokens, "0.21")),
                // $500 for the same tokens on gpt-4o-mini: above any of its rates, quarantined by usage, waste,
                // simulate-policy, reconcile and the monthly report
                ReportDataQualityTest.line(routed("implausible", t.plusSeconds(60), tokens, "500")));
        put(t, "part-0.ndjson.gz", ReportDataQualityTest.gzip(lines));

        CliRun usage = CliRun.of(
                "usage", "--from", "2026-11-01", "--to", "2026-12-01", "--overrides", "", "--data-dir", dir.toString());
        CliRun r = CliRun.of(
                "advisor",
                "status",
                "--from",
                "2026-11-01",
                "--to",
                "2026-12-01",
                "--overrides",
                "",
                "--data-dir",
                dir.toString());

        assertThat(usage.out()).containsPattern("TOTAL\\s+1\\s+").contains("Left out: 1 records");
        assertThat(r.code()).as(r.err()).isZero();
        // today: CALLS 2, RECOVERED_USD -493.21 (3.50 - 500 + 3.29)
        assertThat(r.out()).as(r.out()).containsPattern("(?m)\\s1\\s+3\\.29$");
    }

    private static UsageRecord routed(String id, Instant t, TokenUsage tokens, String cost) {
        return UsageRecord.builder()
                .requestId(id)
                .tsStart(t)
                .tsEnd(t.plusSeconds(3))
                .keyId("key_1")
                .attribution(new dev.spendgate.domain.attribution.Attribution(
                        "chat", "support", null, "prod", null, null, null))
                .provider("openai")
                .endpoint("chat.completions")
                .modelRequested("gpt-4o")
                .modelServed("gpt-4o-mini")
                .statusCode(200)
                .tokens(tokens)
                .costUsd(new java.math.BigDecimal(cost))
                .pricingStatus(UsageRecord.PricingStatus.PRICED)
                .usageSource(UsageRecord.UsageSource.PROVIDER)
                .optimization(new UsageRecord.Optimization("advisor-chat-gpt-4o", null, null, null))
                .build();
    }

    @Test
    void reconcile_offsettingLineDifferences_consoleUnexplainedIsTheFilesUnexplained() throws Exception {
        // two calls on 2 November: gpt-4o-mini, 1,000,000 input tokens = $0.15; gpt-4o, 1,000,000 input = $2.50
        Instant t = Instant.parse("2026-11-02T10:00:00Z");
        put(
                t,
                "part-0.ndjson.gz",
                ReportDataQualityTest.gzip(List.of(
                        ReportDataQualityTest.line(call("mini", t, "gpt-4o-mini", "gpt-4o-mini-2024-07-18", "0.15")),
                        ReportDataQualityTest.line(
                                call("4o", t.plusSeconds(5), "gpt-4o", "gpt-4o-2024-08-06", "2.50")))));
        // OpenAI's costs for the day: $1.00 more than metered on one model, $1.00 less on the other ($2.65 in all)
        long start = LocalDate.of(2026, 11, 2).atStartOfDay(ZoneOffset.UTC).toEpochSecond();
        Path costs = Files.writeString(
                dir.resolve("openai-costs.json"),
                "{\"object\":\"page\",\"has_more\":false,\"next_page\":null,\"data\":[{\"object\":\"bucket\","
                        + "\"start_time\":" + start + ",\"end_time\":" + (start + 86_400) + ",\"results\":["
                        + ReconcileCommandTest.cost("gpt-4o-mini-2024-07-18, input", "1.15", "usd") + ","
                        + ReconcileCommandTest.cost("gpt-4o-2024-08-06, input", "1.50", "usd") + "]}]}");
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
        String total = Files.readAllLines(out.resolve("reconciliation.csv")).stream()
                .filter(l -> l.startsWith("2,provider_total,,openai,"))
                .findFirst()
                .orElseThrow();
        // schema 1: ..., never_metered_usd (14), rounding_usd (15), unexplained_usd (16), ...
        java.math.BigDecimal fileUnexplained = new java.math.BigDecimal(total.split(",", -1)[16]);
        String row = r.out()
                .lines()
                .filter(l -> l.startsWith("  openai "))
                .findFirst()
                .orElseThrow();
        String[] cells = row.trim().split("\\s+");
        // provider, billed, metered, not seen, price drift, never metered, unexplained, unexpl. %
        java.math.BigDecimal printed =
                new java.math.BigDecimal(cells[6].replace("$", "").replace(",", ""));
        // today: the file's provider total (and the board PDF's row) 0, the console $2.00 and an ALARM
        assertThat(printed).as(r.out() + "\n" + total).isEqualByComparingTo(fileUnexplained);
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
                .costUsd(new java.math.BigDecimal(cost))
                .pricingStatus(UsageRecord.PricingStatus.PRICED)
                .usageSource(UsageRecord.UsageSource.PROVIDER)
                .build();
    }

    @Test
    void usage_modelNameWithABidiOverride_printsItEscaped() throws IOException {
        Instant t = Instant.parse("2026-11-03T10:00:00Z");
        // what a key holder can send: the gateway refuses control characters in 'model', not U+202E; the provider
        // answers 404 and the call is recorded under the name it was sent with
        UsageRecord spoof = UsageRecord.builder()
                .requestId("spoof")
                .tsStart(t)
                .tsEnd(t.plusMillis(300))
                .keyId("key_1")
                .provider("openai")
                .endpoint("chat.completions")
                .modelRequested("gpt-4o\u202E  00.0  1  ")
                .statusCode(404)
                .pricingStatus(UsageRecord.PricingStatus.NOT_BILLABLE)
                .build();
        put(t, "part-0.ndjson.gz", ReportDataQualityTest.gzip(List.of(ReportDataQualityTest.line(spoof))));

        CliRun r = CliRun.of(
                "usage",
                "--from",
                "2026-11-01",
                "--to",
                "2026-12-01",
                "--group-by",
                "model",
                "--overrides",
                "",
                "--data-dir",
                dir.toString());

        assertThat(r.code()).as(r.err()).isZero();
        // as a line break or ESC (README, usage: "prints escaped ... one group, one line"), and as keys create
        // refuses it in a key's name ("a right-to-left override would show the row's columns in another order")
        assertThat(r.out()).doesNotContain("\u202E").contains("gpt-4o\\u202E");
    }

    @Test
    void reconcile_afterTheMonthlyReport_leavesTheReportsReconciliationAsItsManifestListsIt() throws Exception {
        writeNovemberCalls();
        long start = LocalDate.of(2026, 11, 2).atStartOfDay(ZoneOffset.UTC).toEpochSecond();
        Path costs = Files.writeString(
                dir.resolve("openai-costs.json"),
                "{\"object\":\"page\",\"has_more\":false,\"next_page\":null,\"data\":[{\"object\":\"bucket\","
                        + "\"start_time\":" + start + ",\"end_time\":" + (start + 86_400) + ",\"results\":["
                        + ReconcileCommandTest.cost("gpt-4o-mini-2024-07-18, input", "0.50", "usd") + "]}]}");
        CliRun report = CliRun.of(
                "report",
                "--month",
                "2026-11",
                "--no-email",
                "--openai",
                costs.toString(),
                "--data-dir",
                dir.toString());
        assertThat(report.code()).as(report.err()).isZero();
        Path month = dir.resolve("reports/2026-11");
        String listed = null;
        for (com.fasterxml.jackson.databind.JsonNode f : ReportDataQualityTest.JSON
                .readTree(month.resolve("manifest.json").toFile())
                .path("files")) {
            if (f.path("name").asText().equals("reconciliation.csv")) {
                listed = f.path("sha256").asText();
            }
        }
        assertThat(listed)
                .as("the report's manifest lists its reconciliation.csv")
                .isNotNull();

        // later, someone checks the month again with a looser threshold, as the README's example runs it
        CliRun r = CliRun.of(
                "reconcile",
                "--month",
                "2026-11",
                "--openai",
                costs.toString(),
                "--threshold",
                "50",
                "--data-dir",
                dir.toString());

        assertThat(r.code()).as(r.err()).isZero();
        // the month's folder no longer holds the file the report wrote and emailed: the console marks it "not part
        // of the last complete run", as a failed run's file, and nothing said it was replaced
        String now = java.util.HexFormat.of()
                .formatHex(java.security.MessageDigest.getInstance("SHA-256")
                        .digest(Files.readAllBytes(month.resolve("reconciliation.csv"))));
        assertThat(now).as(r.out()).isEqualTo(listed);
        // reconcile's own file is in a folder of its own, and the output says where
        assertThat(month.resolve("reconcile/reconciliation.csv")).exists();
        assertThat(r.out())
                .contains(month.resolve("reconcile/reconciliation.csv").toString());

        // named with --out, the report's folder is refused: the file its manifest lists is left as it is
        CliRun into = CliRun.of(
                "reconcile",
                "--month",
                "2026-11",
                "--openai",
                costs.toString(),
                "--threshold",
                "50",
                "--out",
                month.toString(),
                "--data-dir",
                dir.toString());
        assertThat(into.code()).as(into.out()).isEqualTo(2);
        assertThat(into.err()).contains("--out").contains("manifest.json").contains("reconciliation.csv");
        assertThat(java.util.HexFormat.of()
                        .formatHex(java.security.MessageDigest.getInstance("SHA-256")
                                .digest(Files.readAllBytes(month.resolve("reconciliation.csv")))))
                .isEqualTo(listed);
    }
}
