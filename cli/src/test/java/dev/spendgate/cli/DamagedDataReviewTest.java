package dev.spendgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.usage.UsageLayout;
import dev.spendgate.domain.usage.UsageRecord;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Review (session 20, damaged data): every reader of the usage log says what it could not read. The brief: "Figures
 * shown to finance say where they come from and what data quality they rest on"; "a record lost ... the worst
 * defect". README, Waste detection, "Memory and bad input": a damaged object or line is "skipped and counted"; README,
 * Finance reports: "{@code report --strict} exits 3 when objects were damaged or records unreadable".
 */
class DamagedDataReviewTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant T0 = ReportDataQualityTest.T0;
    private static final TokenUsage TOKENS = TokenUsage.openAi(900, 0, 77, 0);

    @TempDir
    Path dir;

    private void put(String name, byte[] bytes) throws IOException {
        Path p = dir.resolve(UsageLayout.hourPrefix(T0) + name);
        Files.createDirectories(p.getParent());
        Files.write(p, bytes);
    }

    private BigDecimal focusTotal() throws IOException {
        List<String> lines = Files.readAllLines(dir.resolve("out/focus-1.1.csv"));
        BigDecimal total = BigDecimal.ZERO;
        for (String l : lines.subList(1, lines.size())) {
            total = total.add(new BigDecimal(l.substring(0, l.indexOf(','))));
        }
        return total;
    }

    /** {@code n} sound calls as lines; adds their cost to {@code total[0]}. */
    private static List<String> sound(String prefix, int n, BigDecimal[] total) {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            UsageRecord r = ReportDataQualityTest.record(prefix + i, T0.plusSeconds(i), TOKENS);
            total[0] = total[0].add(r.costUsd());
            lines.add(ReportDataQualityTest.line(r));
        }
        return lines;
    }

    /**
     * Two whole records that lost the line break between them (a writer that appended without one, an editor's join,
     * a torn write whose next record followed on the same line). The JSON parser reads the first value of the line
     * and ignores what follows it, so the second record is neither counted nor reported as unreadable: the report
     * says 20 records, {@code strict_ok: true}, and a total short by the lost call.
     */
    @Test
    void report_twoRecordsOnOneLine_neitherIsSilentlyLost() throws IOException {
        BigDecimal[] total = {BigDecimal.ZERO};
        List<String> lines = sound("good-", 18, total);
        UsageRecord a = ReportDataQualityTest.record("joined-a", T0.plusSeconds(100), TOKENS);
        UsageRecord b = ReportDataQualityTest.record("joined-b", T0.plusSeconds(101), TOKENS);
        lines.add(ReportDataQualityTest.line(a) + ReportDataQualityTest.line(b));
        put("part-1.ndjson.gz", ReportDataQualityTest.gzip(lines));
        BigDecimal all = total[0].add(a.costUsd()).add(b.costUsd());

        CliRun strict = CliRun.of(
                "report",
                "--month",
                "2026-11",
                "--out",
                dir.resolve("out").toString(),
                "--no-email",
                "--strict",
                "--data-dir",
                dir.toString());

        JsonNode q = JSON.readTree(dir.resolve("out/data-quality.json").toFile());
        long read = q.path("records").path("read").asLong();
        long unreadable = q.path("records").path("unreadable").asLong();
        // Either both records are counted (20 in the figures, the total whole) or the line is reported as unreadable
        // and --strict fails; never 19 records, none unreadable, strict OK.
        if (read == 20) {
            assertThat(focusTotal()).isEqualByComparingTo(all);
        } else {
            assertThat(unreadable)
                    .as("records read %d of 20 in the object, none said unreadable: %s", read, q)
                    .isPositive();
            assertThat(strict.code()).as(strict.err()).isEqualTo(ReportCommand.STRICT_FAILURE);
        }
    }

    /** An hour object whose gzip data is cut, beside a sound one: what every reader of the month must name. */
    private BigDecimal soundObjectAndDamagedOne() throws IOException {
        BigDecimal[] total = {BigDecimal.ZERO};
        put("part-1.ndjson.gz", ReportDataQualityTest.gzip(sound("good-", 20, total)));
        put("part-2.ndjson.gz", "this object was overwritten with text\n".getBytes(StandardCharsets.UTF_8));
        return total[0];
    }

    /**
     * README, Pricing: {@code pricing check FILE --month} re-prices "the month's recorded calls" with both catalogs.
     * When an object of that month cannot be read, the effect printed rests on part of the month; the output says
     * "20 billable calls ..., 2 log objects" and nothing of the damaged one, where {@code usage}, {@code waste} and
     * {@code report} over the same data all name it.
     */
    @Test
    void pricingCheck_monthWithADamagedObject_namesIt() throws IOException {
        soundObjectAndDamagedOne();
        Path overrides = dir.resolve("overrides.json");
        Files.writeString(overrides, "{\"models\": {}}");

        CliRun usage = CliRun.of("usage", "--from", "2026-11-01", "--to", "2026-12-01", "--data-dir", dir.toString());
        assertThat(usage.out() + usage.err()).contains("part-2.ndjson.gz"); // usage names it

        CliRun check =
                CliRun.of("pricing", "check", overrides.toString(), "--month", "2026-11", "--data-dir", dir.toString());

        assertThat(check.code()).as(check.err()).isZero();
        assertThat(check.out() + check.err())
                .as("the re-priced month rests on a damaged object")
                .contains("part-2.ndjson.gz");
    }

    /**
     * README, Routing and caching: {@code advisor status --from --to} "measures what each applied finding recovered
     * from the records". When records of the window cannot be read, the recovery printed is short by theirs; the
     * output says nothing of it.
     */
    @Test
    void advisorStatus_windowWithADamagedObject_namesIt() throws IOException {
        soundObjectAndDamagedOne();
        Path policy = dir.resolve("policy/gateway-policy.json");
        Files.createDirectories(policy.getParent());
        Files.writeString(policy, """
                {"format_version": 1,
                 "allowed_moves": {"openai": ["gpt-4o>gpt-4o-mini"]},
                 "routes": [{"id": "faq-mini", "from": "gpt-4o", "to": "gpt-4o-mini", "feature": "faq",
                             "finding_id": "model_mismatch/faq"}],
                 "applied": [{"finding_id": "model_mismatch/faq", "change": "route", "rule": "faq-mini",
                              "applied_by": "alice", "applied_at": "2026-10-01T00:00:00Z"}]}
                """);

        CliRun status = CliRun.of(
                "advisor", "status", "--from", "2026-11-01", "--to", "2026-12-01", "--data-dir", dir.toString());

        assertThat(status.code()).as(status.err()).isZero();
        assertThat(status.out()).contains("model_mismatch/faq");
        assertThat(status.out() + status.err())
                .as("the recovery rests on a damaged object")
                .contains("part-2.ndjson.gz");
    }

    /**
     * README, Reconciliation: {@code reconcile} compares the bills with "the gateway's metered cost" and explains each
     * difference ({@code not_seen_by_gateway}: "calls around the gateway"). When a usage object of the month cannot
     * be read, its calls are missing from the metered side and the shortfall is explained as calls the gateway never
     * saw; neither the printed summary nor {@code reconciliation.csv} (its {@code data_quality} column included) says
     * the metering rests on a damaged object.
     */
    @Test
    void reconcile_monthWithADamagedUsageObject_namesIt() throws IOException {
        soundObjectAndDamagedOne();
        Path samples = Path.of("..", "reports", "src", "test", "resources", "reconcile");

        CliRun run = CliRun.of(
                "reconcile",
                "--month",
                "2026-11",
                "--openai",
                samples.resolve("openai-costs.json").toString(),
                "--openai",
                samples.resolve("openai-usage.json").toString(),
                "--out",
                dir.resolve("rec").toString(),
                "--data-dir",
                dir.toString());

        assertThat(run.code()).as(run.err()).isZero();
        String csv = Files.readString(dir.resolve("rec/reconciliation.csv"));
        assertThat(run.out() + run.err() + csv)
                .as("the metered side rests on a damaged usage object")
                .contains("part-2.ndjson.gz");
    }

    /**
     * README, Finance reports: cost per outcome divides the month's spend by "the outcomes' count". An outcome object
     * that cannot be read is skipped by {@code OutcomeLog.read} without a count or a name, so the cost per outcome on
     * the board PDF rises by the lost outcomes and nothing (output, {@code data-quality.json}) says an outcome was
     * left out.
     */
    @Test
    void report_unreadableOutcomeObject_isCountedAndNamed() throws IOException {
        BigDecimal[] total = {BigDecimal.ZERO};
        put("part-1.ndjson.gz", ReportDataQualityTest.gzip(sound("good-", 20, total)));
        Path outcomes = dir.resolve("outcomes/v1/year=2026/month=11/day=02");
        Files.createDirectories(outcomes);
        Files.writeString(
                outcomes.resolve("outcome-1793613600000-aaaaaaaa.json"),
                "{\"ts\":\"2026-11-02T10:00:30Z\",\"session\":null,\"request_id\":\"good-1\","
                        + "\"outcome\":\"ticket_resolved\",\"count\":1,\"key_id\":\"k1\"}");
        Files.writeString(
                outcomes.resolve("outcome-1793613660000-bbbbbbbb.json"),
                "{\"ts\":\"2026-11-02T10:01:30Z\",\"session\":null,\"request_id\":\"good-2\",\"outc");

        CliRun run = CliRun.of(
                "report",
                "--month",
                "2026-11",
                "--out",
                dir.resolve("out").toString(),
                "--no-email",
                "--data-dir",
                dir.toString());

        assertThat(run.code()).as(run.err()).isZero();
        String quality = Files.readString(dir.resolve("out/data-quality.json"));
        assertThat(run.out() + run.err() + quality)
                .as("an outcome object could not be read")
                .contains("outcome-1793613660000-bbbbbbbb.json");
    }

    /**
     * An object under the wrong partition: a call that started at 23:59:59.9 on 31 October, stored under 1 November's
     * hour 00 (where a writer partitioning by arrival time, Firehose's {@code !{timestamp:...}} prefix, or an object
     * copied by hand puts it). The October report lists only October's partitions and never sees it; the November
     * report reads it and drops it as outside the month without a count. The call is in neither month and both
     * reports say {@code strict_ok: true}: a record lost, unsaid.
     */
    @Test
    void report_recordUnderTheNextMonthsPartition_isCountedSomewhere() throws IOException {
        BigDecimal[] total = {BigDecimal.ZERO};
        List<String> lines = new ArrayList<>();
        Instant nov1 = Instant.parse("2026-11-01T00:00:00Z");
        for (int i = 0; i < 5; i++) {
            UsageRecord r = ReportDataQualityTest.record("nov-" + i, nov1.plusSeconds(60 + i), TOKENS);
            lines.add(ReportDataQualityTest.line(r));
        }
        UsageRecord late = ReportDataQualityTest.record("oct-late", Instant.parse("2026-10-31T23:59:59.900Z"), TOKENS);
        lines.add(ReportDataQualityTest.line(late));
        Path object = dir.resolve(UsageLayout.hourPrefix(nov1) + "part-1.ndjson.gz");
        Files.createDirectories(object.getParent());
        Files.write(object, ReportDataQualityTest.gzip(lines));

        long counted = 0;
        StringBuilder said = new StringBuilder();
        for (String month : List.of("2026-10", "2026-11")) {
            CliRun run = CliRun.of(
                    "report",
                    "--month",
                    month,
                    "--out",
                    dir.resolve("out-" + month).toString(),
                    "--no-email",
                    "--data-dir",
                    dir.toString());
            assertThat(run.code()).as(run.err()).isZero();
            JsonNode q = JSON.readTree(
                    dir.resolve("out-" + month + "/data-quality.json").toFile());
            counted += q.path("records").path("read").asLong()
                    + q.path("records").path("unreadable").asLong();
            said.append(month).append(": ").append(q).append('\n');
        }
        // 6 calls were stored: each is in a month's figures or counted as left out, never in neither
        assertThat(counted).as(said.toString()).isEqualTo(6);
    }

    /**
     * A hand-edited chargeback rules file with one misspelled key ({@code "departmnt"}). README, Finance reports: "an
     * omitted field or {@code *} matches anything", so the parser, which ignores keys it does not know, reads the
     * line as a catch-all: support's rule, first in the file, takes every department's spend. The report books the
     * sales department's calls to support's GL account and cost centre and says nothing; the project refuses unknown
     * fields elsewhere (a misspelled outcome field, an unknown override section) for this reason.
     */
    @Test
    void report_chargebackRuleWithAMisspelledKey_isRefusedOrIgnoredNotACatchAll() throws IOException {
        BigDecimal[] total = {BigDecimal.ZERO};
        put("part-1.ndjson.gz", ReportDataQualityTest.gzip(sound("good-", 5, total))); // department "support"
        List<String> sales = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            UsageRecord r = ReportDataQualityTest.record("sales-" + i, T0.plusSeconds(300 + i), TOKENS);
            sales.add(ReportDataQualityTest.line(r).replace("\"department\":\"support\"", "\"department\":\"sales\""));
        }
        assertThat(sales.get(0)).contains("\"department\":\"sales\"");
        put("part-2.ndjson.gz", ReportDataQualityTest.gzip(sales));
        Path rules = dir.resolve("rules.json");
        Files.writeString(rules, """
                {"suspense": {"gl_account": "6999", "cost_centre": "CC-SUSPENSE"},
                 "rules": [
                   {"departmnt": "support", "gl_account": "6100", "cost_centre": "CC-100"},
                   {"department": "sales", "gl_account": "6300", "cost_centre": "CC-300"}
                 ]}
                """);

        CliRun run = CliRun.of(
                "report",
                "--month",
                "2026-11",
                "--out",
                dir.resolve("out").toString(),
                "--rules",
                rules.toString(),
                "--no-email",
                "--data-dir",
                dir.toString());

        if (run.code() != 0) {
            assertThat(run.err()).as("refused, naming the bad key").contains("departmnt");
            return;
        }
        List<String> chargeback = Files.readAllLines(dir.resolve("out/chargeback.csv"));
        assertThat(chargeback)
                .as("sales' spend is booked to sales' cost centre, not to the misspelled support rule")
                .filteredOn(l -> l.startsWith("2026-11,sales,"))
                .isNotEmpty()
                .allSatisfy(l -> assertThat(l).doesNotContain("CC-100"));
    }

    /**
     * A hand-edited override file with one misspelled key in a discount ({@code "modle"} for {@code "model"}).
     * README, Configuration: a discount has "{@code provider}, optional {@code model}, {@code percent}" and "a
     * malformed entry stops the gateway at start-up with an error naming the variable and the key or field, never
     * list prices silently". The misspelled key is ignored, so the discount meant for gpt-4o-mini applies to every
     * OpenAI model: gpt-4o is priced $2.25 input instead of its $2.50 list price (README, Pricing), and the gateway
     * would charge, budget and report 10 % less than OpenAI bills on every model but one.
     */
    @Test
    void pricingShow_discountWithAMisspelledModelKey_isRefusedNotAppliedToEveryModel() throws IOException {
        Path overrides = dir.resolve("contract.json");
        Files.writeString(overrides, """
                {"discounts": [{"provider": "openai", "modle": "gpt-4o-mini", "percent": 10}]}
                """);

        CliRun run =
                CliRun.of("pricing", "show", "gpt-4o", "--provider", "openai", "--overrides", overrides.toString());

        if (run.code() != 0) {
            assertThat(run.err()).as("refused, naming the bad key").contains("modle");
            return;
        }
        String standard = run.out()
                .lines()
                .filter(l -> l.startsWith("standard"))
                .findFirst()
                .orElseThrow(() -> new AssertionError(run.out()));
        assertThat(standard.trim().split("\\s+")[1])
                .as("gpt-4o's input rate, with a discount meant for another model: %s", run.out())
                .isEqualTo("2.50");
    }

    /**
     * A Firehose object is gzip members back to back (RFC 1952, 2.2: "a gzip file consists of a series of
     * members"), each compressed on its own. When one member in the middle is damaged, the members after it are
     * whole and decode on their own (their header, {@code 1f 8b 08}, starts where the damaged member's bytes end);
     * the reader stops the object at the damage, so every sound record behind it is lost, and the output says only
     * "1 damaged object", not how many records went with it. Here 5 sound records of the third member vanish.
     */
    @Test
    void reader_damagedMiddleMember_soundMembersAfterItAreStillRead() throws IOException {
        BigDecimal[] total = {BigDecimal.ZERO};
        byte[] first = ReportDataQualityTest.gzip(sound("first-", 5, total));
        byte[] middle = ReportDataQualityTest.gzip(sound("middle-", 5, total));
        byte[] last = ReportDataQualityTest.gzip(sound("last-", 5, total));
        middle[middle.length / 2] ^= 0x55; // one damaged byte inside the middle member's compressed data
        byte[] object = new byte[first.length + middle.length + last.length];
        System.arraycopy(first, 0, object, 0, first.length);
        System.arraycopy(middle, 0, object, first.length, middle.length);
        System.arraycopy(last, 0, object, first.length + middle.length, last.length);
        put("part-1.ndjson.gz", object);

        List<String> ids = new ArrayList<>();
        dev.spendgate.domain.usage.UsageLogReader.ReadStats stats = dev.spendgate.domain.usage.UsageLogReader.create(
                        new dev.spendgate.embedded.FileSystemObjectStore(dir))
                .read(T0, T0.plusSeconds(3600), r -> ids.add(r.requestId()));

        assertThat(stats.unreadableObjects()).isEqualTo(1); // the damage is said
        assertThat(ids)
                .as("the third member is whole: its records are read (stats %s)", stats)
                .contains("first-0", "first-4", "last-0", "last-1", "last-2", "last-3", "last-4");
    }

    /**
     * A record missing its {@code provider} (README, Usage record: every call's record names it), claiming $400 for
     * 977 gpt-4o-mini tokens. README, Finance reports: "Every record's {@code cost_usd} is checked before it is
     * summed"; the same line with its provider is quarantined as implausible. Without the provider the cost check
     * finds no rate card and passes it, so $400 enters the FOCUS file as "Recorded cost of gpt-4o-mini calls; the
     * model is not in the current pricing catalog" (it is), under ProviderName "Unknown", and {@code --strict}
     * passes.
     */
    @Test
    void report_recordMissingProviderWithAnImplausibleCost_isLeftOutAndCounted() throws IOException {
        BigDecimal[] total = {BigDecimal.ZERO};
        List<String> lines = sound("good-", 5, total);
        String bad =
                ReportDataQualityTest.line(ReportDataQualityTest.record("no-provider", T0.plusSeconds(30), TOKENS));
        String cost = "\"cost_usd\":\""
                + ReportDataQualityTest.record("no-provider", T0.plusSeconds(30), TOKENS)
                        .costUsd()
                        .toPlainString()
                + "\"";
        assertThat(bad).contains("\"provider\":\"openai\",").contains(cost);
        lines.add(bad.replace("\"provider\":\"openai\",", "").replace(cost, "\"cost_usd\":\"400\""));
        put("part-1.ndjson.gz", ReportDataQualityTest.gzip(lines));

        CliRun strict = CliRun.of(
                "report",
                "--month",
                "2026-11",
                "--out",
                dir.resolve("out").toString(),
                "--no-email",
                "--strict",
                "--data-dir",
                dir.toString());

        JsonNode q = JSON.readTree(dir.resolve("out/data-quality.json").toFile());
        assertThat(focusTotal())
                .as("the FOCUS total holds the sound calls only: %s", q)
                .isEqualByComparingTo(total[0]);
        assertThat(strict.code()).as(strict.err()).isEqualTo(ReportCommand.STRICT_FAILURE);
    }

    /**
     * The same request id twice, the copy under the wrong hour partition (a batch re-delivered by hand or by a writer
     * partitioning by arrival time after an outage: the call started at 10:00, the copy sits under hour 11). README,
     * Usage record: "readers also drop repeated request ids"; the reader tracks them per hour partition only, so the
     * copy is counted again: the month shows 21 calls and one call's cost twice, with {@code duplicates_dropped: 0}
     * and {@code strict_ok: true}.
     */
    @Test
    void report_sameRequestIdUnderTwoHourPartitions_isCountedOnce() throws IOException {
        BigDecimal[] total = {BigDecimal.ZERO};
        List<String> lines = sound("good-", 20, total);
        put("part-1.ndjson.gz", ReportDataQualityTest.gzip(lines));
        Path copy = dir.resolve(UsageLayout.hourPrefix(T0.plusSeconds(3600)) + "part-copy.ndjson.gz");
        Files.createDirectories(copy.getParent());
        Files.write(copy, ReportDataQualityTest.gzip(List.of(lines.get(7))));

        CliRun run = CliRun.of(
                "report",
                "--month",
                "2026-11",
                "--out",
                dir.resolve("out").toString(),
                "--no-email",
                "--data-dir",
                dir.toString());

        assertThat(run.code()).as(run.err()).isZero();
        JsonNode q = JSON.readTree(dir.resolve("out/data-quality.json").toFile());
        assertThat(q.path("records").path("included").asLong()).as(q.toString()).isEqualTo(20);
        assertThat(focusTotal()).as(q.toString()).isEqualByComparingTo(total[0]);
    }
}
