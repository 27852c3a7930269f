package dev.spendgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.usage.UsageLogWriter;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.embedded.FileSystemObjectStore;
import dev.spendgate.embedded.FileSystemUsageSpool;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReconcileCommandTest {
    @TempDir
    Path dir;

    /** One gpt-4o-mini call a day through the gateway: 1,000 input and 100 output tokens, 0.00021 USD. */
    void writeMonth() throws Exception {
        try (UsageLogWriter writer = UsageLogWriter.create(
                new FileSystemObjectStore(dir),
                new FileSystemUsageSpool(dir.resolve("spool")),
                Clock.systemUTC(),
                50)) {
            for (int d = 1; d <= 30; d++) {
                Instant ts = Instant.parse("2026-11-01T12:00:00Z").plusSeconds((d - 1) * 86_400L);
                writer.append(UsageRecord.builder()
                        .requestId("r" + d)
                        .tsStart(ts)
                        .tsEnd(ts.plusSeconds(1))
                        .keyId("k")
                        .provider("openai")
                        .modelRequested("gpt-4o-mini")
                        .modelServed("gpt-4o-mini-2024-07-18")
                        .statusCode(200)
                        .tokens(TokenUsage.openAi(1000, 0, 100, 0))
                        .costUsd(new BigDecimal("0.00021"))
                        .pricingStatus(UsageRecord.PricingStatus.PRICED)
                        .usageSource(UsageRecord.UsageSource.PROVIDER)
                        .build());
            }
        }
    }

    /** OpenAI costs and usage pages for the month; day 5 also carries a raw-key team's 1M input tokens. */
    Path[] openAiFiles(String currency) throws Exception {
        StringBuilder costs = new StringBuilder("{\"object\":\"page\",\"data\":[");
        StringBuilder usage = new StringBuilder("{\"object\":\"page\",\"data\":[");
        for (int d = 1; d <= 30; d++) {
            LocalDate day = LocalDate.of(2026, 11, d);
            long start = day.atStartOfDay(ZoneOffset.UTC).toEpochSecond();
            String bucket = "{\"object\":\"bucket\",\"start_time\":" + start + ",\"end_time\":" + (start + 86_400)
                    + ",\"results\":[";
            boolean raw = d == 5;
            costs.append(d > 1 ? "," : "")
                    .append(bucket)
                    .append(cost("gpt-4o-mini-2024-07-18, input", raw ? "0.15015" : "0.00015", currency))
                    .append(',')
                    .append(cost("gpt-4o-mini-2024-07-18, output", "0.00006", currency))
                    .append("]}");
            usage.append(d > 1 ? "," : "").append(bucket).append(usageRow("key_gateway", 1000, 100));
            if (raw) {
                usage.append(',').append(usageRow("key_rawteam", 1_000_000, 0));
            }
            usage.append("]}");
        }
        costs.append("],\"has_more\":false,\"next_page\":null}");
        usage.append("],\"has_more\":false,\"next_page\":null}");
        return new Path[] {
            Files.writeString(dir.resolve("openai-costs.json"), costs),
            Files.writeString(dir.resolve("openai-usage.json"), usage)
        };
    }

    static String cost(String item, String value, String currency) {
        return "{\"object\":\"organization.costs.result\",\"amount\":{\"value\":" + value + ",\"currency\":\""
                + currency + "\"},\"line_item\":\"" + item + "\",\"project_id\":\"proj_1\"}";
    }

    static String usageRow(String key, long input, long output) {
        return "{\"object\":\"organization.usage.completions.result\",\"input_tokens\":" + input + ",\"output_tokens\":"
                + output
                + ",\"input_cached_tokens\":0,\"num_model_requests\":1,\"project_id\":\"proj_1\",\"user_id\":null,"
                + "\"api_key_id\":\"" + key + "\",\"model\":\"gpt-4o-mini-2024-07-18\",\"batch\":false}";
    }

    @Test
    void reconcile_rawKeyDay_writesCsvWithTheDayNotSeenAndPrintsTotals() throws Exception {
        writeMonth();
        Path[] files = openAiFiles("usd");
        Path out = dir.resolve("out");

        CliRun r = CliRun.of(
                "reconcile",
                "--month",
                "2026-11",
                "--openai",
                files[0].toString(),
                "--openai",
                files[1].toString(),
                "--out",
                out.toString(),
                "--data-dir",
                dir.toString());

        assertThat(r.code()).as(r.err()).isZero();
        List<String> csv = Files.readAllLines(out.resolve("reconciliation.csv"));
        assertThat(csv.get(0))
                .startsWith("schema_version,row_type,day,provider,model,item,provider_accounts,billed_usd");
        assertThat(csv).filteredOn(l -> l.startsWith("2,line,")).hasSize(30);
        assertThat(csv)
                .filteredOn(l -> l.contains(",not_seen_by_gateway,"))
                .singleElement()
                .satisfies(l -> assertThat(l)
                        .startsWith("2,line,2026-11-05,openai,gpt-4o-mini-2024-07-18,tokens,"
                                + "proj_1=0.15021,0.15021,0.00021,0.15,"));
        assertThat(csv).filteredOn(l -> l.contains(",matched,")).hasSize(29);
        assertThat(csv).anySatisfy(l -> assertThat(l)
                .startsWith("2,provider_total,,openai,,,,0.1563,0.0063,0.15,95.97,within_threshold,0.15,"));
        assertThat(r.out()).contains("openai", "$0.16", "$0.15", "Within threshold");
    }

    @Test
    void reconcile_otherCurrency_failsNamingFileAndField() throws Exception {
        writeMonth();
        Path[] files = openAiFiles("eur");

        CliRun r = CliRun.of(
                "reconcile",
                "--month",
                "2026-11",
                "--openai",
                files[0].toString(),
                "--data-dir",
                dir.toString(),
                "--out",
                dir.resolve("out").toString());

        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("openai-costs.json bucket 2026-11-01: amount.currency is 'eur'");
        assertThat(dir.resolve("out").resolve("reconciliation.csv")).doesNotExist();
    }

    @Test
    void reconcile_noProviderFile_failsNamingTheOptions() {
        CliRun r = CliRun.of("reconcile", "--month", "2026-11", "--data-dir", dir.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("give at least one of --openai, --anthropic, --aws");
    }

    @Test
    void reconcile_missingFile_failsNamingIt() {
        CliRun r = CliRun.of("reconcile", "--month", "2026-11", "--aws", "nope.csv", "--data-dir", dir.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("no such file: nope.csv");
    }

    @Test
    void reconcile_parquetExport_failsSayingToExportCsv() throws Exception {
        Path parquet = java.nio.file.Files.write(
                dir.resolve("cur-2026-11.snappy.parquet"), new byte[] {'P', 'A', 'R', '1', 0, 0, 0, 0});

        CliRun r =
                CliRun.of("reconcile", "--month", "2026-11", "--aws", parquet.toString(), "--data-dir", dir.toString());

        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err())
                .contains("cur-2026-11.snappy.parquet: a Parquet file")
                .contains("\"text/csv\"");
    }

    @Test
    void reportAndReconcile_sharedBillFlags_sameChecksAndMessages() throws Exception {
        Path parquet = java.nio.file.Files.write(dir.resolve("x.parquet"), new byte[] {'P', 'A', 'R', '1'});
        for (String command : new String[] {"reconcile", "report"}) {
            CliRun negative = CliRun.of(
                    command,
                    "--month",
                    "2026-11",
                    "--aws",
                    parquet.toString(),
                    "--threshold",
                    "-1",
                    "--data-dir",
                    dir.toString());
            assertThat(negative.code()).as(command).isEqualTo(2);
            assertThat(negative.err()).as(command).contains("--threshold must not be negative");

            CliRun missing =
                    CliRun.of(command, "--month", "2026-11", "--openai", "nope.json", "--data-dir", dir.toString());
            assertThat(missing.code()).as(command).isEqualTo(2);
            assertThat(missing.err()).as(command).contains("no such file: nope.json");
        }
        // only report splits spend per provider account
        CliRun accounts = CliRun.of(
                "reconcile",
                "--month",
                "2026-11",
                "--aws",
                parquet.toString(),
                "--gateway-accounts",
                "proj_a",
                "--data-dir",
                dir.toString());
        assertThat(accounts.code()).isEqualTo(2);
        assertThat(accounts.err()).contains("--gateway-accounts");
    }

    /**
     * README: "A finished month is reconciled in full; a running month through yesterday." {@code spendgate reconcile
     * --month <this month>} with cost pages fetched today (today's bucket is there, its costs not yet) must stop at
     * yesterday: today's half-metered day is no difference, and the days still to come are no missing provider data.
     */
    @Test
    void reconcile_runningMonth_throughYesterdayNotMonthEnd() throws Exception {
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        org.junit.jupiter.api.Assumptions.assumeTrue(today.getDayOfMonth() > 1, "the 1st has no yesterday this month");
        java.time.YearMonth month = java.time.YearMonth.from(today);
        StringBuilder costs = new StringBuilder("{\"object\":\"page\",\"data\":[");
        StringBuilder usage = new StringBuilder("{\"object\":\"page\",\"data\":[");
        try (UsageLogWriter writer = UsageLogWriter.create(
                new FileSystemObjectStore(dir),
                new FileSystemUsageSpool(dir.resolve("spool")),
                Clock.systemUTC(),
                50)) {
            for (LocalDate d = month.atDay(1); !d.isAfter(today); d = d.plusDays(1)) {
                Instant ts = d.atStartOfDay(ZoneOffset.UTC).toInstant().plusSeconds(1);
                writer.append(UsageRecord.builder()
                        .requestId("r" + d)
                        .tsStart(ts)
                        .tsEnd(ts.plusSeconds(1))
                        .keyId("k")
                        .provider("openai")
                        .modelRequested("gpt-4o-mini")
                        .modelServed("gpt-4o-mini-2024-07-18")
                        .statusCode(200)
                        .tokens(TokenUsage.openAi(1000, 0, 100, 0))
                        .costUsd(new BigDecimal("0.00021"))
                        .pricingStatus(UsageRecord.PricingStatus.PRICED)
                        .usageSource(UsageRecord.UsageSource.PROVIDER)
                        .build());
                long start = d.atStartOfDay(ZoneOffset.UTC).toEpochSecond();
                String bucket = "{\"object\":\"bucket\",\"start_time\":" + start + ",\"end_time\":" + (start + 86_400)
                        + ",\"results\":[";
                boolean first = d.getDayOfMonth() == 1;
                boolean fetchedToday = d.equals(today); // the day's bucket, its costs not in yet
                costs.append(first ? "" : ",")
                        .append(bucket)
                        .append(
                                fetchedToday
                                        ? ""
                                        : cost("gpt-4o-mini-2024-07-18, input", "0.00015", "usd") + ","
                                                + cost("gpt-4o-mini-2024-07-18, output", "0.00006", "usd"))
                        .append("]}");
                usage.append(first ? "" : ",")
                        .append(bucket)
                        .append(fetchedToday ? "" : usageRow("key_gateway", 1000, 100))
                        .append("]}");
            }
        }
        costs.append("],\"has_more\":false,\"next_page\":null}");
        usage.append("],\"has_more\":false,\"next_page\":null}");
        Path c = Files.writeString(dir.resolve("openai-costs.json"), costs);
        Path u = Files.writeString(dir.resolve("openai-usage.json"), usage);
        Path out = dir.resolve("out");

        CliRun r = CliRun.of(
                "reconcile",
                "--month",
                month.toString(),
                "--openai",
                c.toString(),
                "--openai",
                u.toString(),
                "--out",
                out.toString(),
                "--data-dir",
                dir.toString());

        assertThat(r.code()).as(r.err()).isZero();
        List<String> csv = Files.readAllLines(out.resolve("reconciliation.csv"));
        assertThat(csv.get(csv.size() - 1)).contains(month + " through " + today.minusDays(1));
        assertThat(csv).noneMatch(l -> l.startsWith("2,line," + today + ","));
        assertThat(r.out()).doesNotContain("the cost data has no day").contains("Within threshold");
    }
}
