package dev.spendgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.pricing.ModelPrice;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.usage.UsageLayout;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageRecordCodec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.text.PDFTextStripper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input in the usage log: every case is counted in {@code data-quality.json} and on the PDF's first page, fails
 * {@code report --strict}, and is in no total.
 */
class ReportDataQualityTest {
    static final PricingCatalog CATALOG = PricingCatalog.bundled();
    static final ModelPrice MINI = CATALOG.find("openai", "gpt-4o-mini").orElseThrow();
    static final ObjectMapper JSON = new ObjectMapper();
    static final Instant T0 = Instant.parse("2026-11-02T10:00:00Z");
    static final int GOOD = 20;

    @TempDir
    Path dir;

    /** 20 sound calls in one object on 2 November; returns their exact total. */
    BigDecimal writeGoodCalls() throws IOException {
        List<String> lines = new ArrayList<>();
        BigDecimal total = BigDecimal.ZERO;
        for (int i = 0; i < GOOD; i++) {
            UsageRecord r = record("good-" + i, T0.plusSeconds(i), TokenUsage.openAi(900 + i, 0, 77, 0));
            total = total.add(r.costUsd());
            lines.add(line(r));
        }
        put(T0, "good.ndjson.gz", gzip(lines));
        return total;
    }

    static UsageRecord record(String id, Instant ts, TokenUsage tokens) {
        return UsageRecord.builder()
                .requestId(id)
                .tsStart(ts)
                .tsEnd(ts.plusMillis(800))
                .keyId("k1")
                .attribution(new Attribution("chatbot", "support", null, "prod", null, null, null))
                .provider("openai")
                .endpoint("chat.completions")
                .modelRequested("gpt-4o-mini")
                .modelServed("gpt-4o-mini")
                .statusCode(200)
                .tokens(tokens)
                .costUsd(MINI.cost(tokens))
                .pricingStatus(UsageRecord.PricingStatus.PRICED)
                .pricingVersion(CATALOG.version())
                .usageSource(UsageRecord.UsageSource.PROVIDER)
                .build();
    }

    static String line(UsageRecord r) {
        return new String(UsageRecordCodec.line(r), StandardCharsets.UTF_8).strip();
    }

    /** A sound record whose cost_usd is replaced by {@code cost} as written (a JSON string). */
    static String withCost(String id, TokenUsage tokens, String cost) {
        UsageRecord r = record(id, T0.plusSeconds(600), tokens);
        String l = line(r);
        String recorded = "\"cost_usd\":\"" + r.costUsd().toPlainString() + "\"";
        assertThat(l).contains(recorded);
        return l.replace(recorded, "\"cost_usd\":\"" + cost + "\"");
    }

    void put(Instant hour, String name, byte[] bytes) throws IOException {
        Path p = dir.resolve(UsageLayout.hourPrefix(hour) + name);
        Files.createDirectories(p.getParent());
        Files.write(p, bytes);
    }

    static byte[] gzip(List<String> lines) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
            for (String l : lines) {
                gz.write((l + "\n").getBytes(StandardCharsets.UTF_8));
            }
        }
        return bytes.toByteArray();
    }

    /** Five whole lines, then the object is cut: the five are read, the five after them are lost. */
    static byte[] truncatedAfterFiveOfTen() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int cut;
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes, true)) {
            for (int i = 0; i < 10; i++) {
                if (i == 5) {
                    gz.flush(); // a sync-flushed block boundary: everything so far decompresses on its own
                    cut = bytes.size();
                    gz.write(("{\"schema_version\":1,\"cut\":" + i + "}\n").getBytes(StandardCharsets.UTF_8));
                    continue;
                }
                gz.write((line(record("trunc-" + i, T0.plusSeconds(1200 + i), TokenUsage.openAi(500, 0, 50, 0))) + "\n")
                        .getBytes(StandardCharsets.UTF_8));
            }
        }
        byte[] whole = bytes.toByteArray();
        return Arrays.copyOf(whole, cutAt(whole));
    }

    private static int cutAt(byte[] whole) throws IOException {
        // recompute the flush point deterministically: same input, same deflate output
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        GZIPOutputStream gz = new GZIPOutputStream(bytes, true);
        for (int i = 0; i < 5; i++) {
            gz.write((line(record("trunc-" + i, T0.plusSeconds(1200 + i), TokenUsage.openAi(500, 0, 50, 0))) + "\n")
                    .getBytes(StandardCharsets.UTF_8));
        }
        gz.flush();
        int cut = bytes.size();
        assertThat(Arrays.copyOf(whole, cut)).isEqualTo(bytes.toByteArray());
        return cut;
    }

    CliRun report(String month, boolean strict) {
        List<String> args = new ArrayList<>(List.of(
                "report",
                "--month",
                month,
                "--out",
                dir.resolve("out").toString(),
                "--no-email",
                "--data-dir",
                dir.toString()));
        if (strict) {
            args.add("--strict");
        }
        return CliRun.of(args.toArray(String[]::new));
    }

    JsonNode quality() throws IOException {
        return JSON.readTree(dir.resolve("out/data-quality.json").toFile());
    }

    String pdfText() throws IOException {
        try (PDDocument doc = Loader.loadPDF(dir.resolve("out/board-report.pdf").toFile())) {
            return new PDFTextStripper().getText(doc);
        }
    }

    String firstPageText() throws IOException {
        try (PDDocument doc = Loader.loadPDF(dir.resolve("out/board-report.pdf").toFile())) {
            PDFTextStripper s = new PDFTextStripper();
            s.setStartPage(1);
            s.setEndPage(1);
            return s.getText(doc);
        }
    }

    /** Page 1's lines joined by spaces: a line too long for the page is wrapped, so a sentence may span two lines. */
    String firstPageProse() throws IOException {
        return String.join(" ", firstPageText().lines().toList());
    }

    BigDecimal focusTotal() throws IOException {
        List<String> lines = Files.readAllLines(dir.resolve("out/focus-1.1.csv"));
        BigDecimal total = BigDecimal.ZERO;
        for (String l : lines.subList(1, lines.size())) {
            total = total.add(new BigDecimal(l.substring(0, l.indexOf(','))));
        }
        return total;
    }

    BigDecimal chargebackTotal() throws IOException {
        List<String> lines = Files.readAllLines(dir.resolve("out/chargeback.csv"));
        List<String> header = Arrays.asList(lines.get(0).split(","));
        int exact = header.indexOf("exact_amount_usd");
        BigDecimal total = BigDecimal.ZERO;
        for (String l : lines.subList(1, lines.size())) {
            total = total.add(new BigDecimal(l.split(",")[exact]));
        }
        return total;
    }

    /** Runs strict and lenient, and checks the total left is the sound calls' exactly, in every output. */
    JsonNode runExpectingStrictFailure(BigDecimal soundTotal) throws IOException {
        CliRun strict = report("2026-11", true);
        assertThat(strict.code()).as(strict.err()).isEqualTo(ReportCommand.STRICT_FAILURE);
        assertThat(strict.err()).contains("--strict").contains("Data quality:");
        CliRun lenient = report("2026-11", false);
        assertThat(lenient.code()).as(lenient.err()).isZero();
        assertThat(lenient.err()).contains("Data quality:");
        assertThat(focusTotal()).isEqualByComparingTo(soundTotal);
        assertThat(chargebackTotal()).isEqualByComparingTo(soundTotal);
        JsonNode q = quality();
        assertThat(q.path("strict_ok").asBoolean()).isFalse();
        assertThat(firstPageProse()).contains(q.path("summary").asText());
        return q;
    }

    @Test
    void report_cleanMonth_strictExitsZeroAndSaysNothingWasSkipped() throws IOException {
        BigDecimal total = writeGoodCalls();

        CliRun r = report("2026-11", true);

        assertThat(r.code()).as(r.err()).isZero();
        JsonNode q = quality();
        assertThat(q.path("strict_ok").asBoolean()).isTrue();
        assertThat(q.path("records").path("included").asLong()).isEqualTo(GOOD);
        assertThat(q.path("summary").asText())
                .isEqualTo("Data quality: 1 objects read, 0 damaged; 20 records, 0 unreadable, 0 quarantined;"
                        + " 0 estimated, 0 unpriced, 0 rejected calls.");
        assertThat(firstPageProse()).contains(q.path("summary").asText());
        assertThat(firstPageText())
                .contains(
                        "Spend this month", "Month-end forecast", "Budget used (highest)", "Waste recoverable / month")
                .contains("Data quality\nOK")
                .contains("Spend by department", "support");
        assertThat(focusTotal()).isEqualByComparingTo(total);
    }

    @Test
    void report_truncatedGzipObject_countsOneDamagedObjectAndKeepsTheLinesBeforeTheCut() throws IOException {
        BigDecimal total = writeGoodCalls();
        put(T0, "cut.ndjson.gz", truncatedAfterFiveOfTen());
        BigDecimal firstFive = BigDecimal.ZERO;
        for (int i = 0; i < 5; i++) {
            firstFive = firstFive.add(MINI.cost(TokenUsage.openAi(500, 0, 50, 0)));
        }

        JsonNode q = runExpectingStrictFailure(total.add(firstFive));

        assertThat(q.path("objects").path("read").asLong()).isEqualTo(2);
        assertThat(q.path("objects").path("damaged").asLong()).isEqualTo(1);
        assertThat(q.path("records").path("read").asLong()).isEqualTo(25);
        assertThat(q.path("records").path("unreadable").asLong()).isZero();
        assertThat(q.path("records").path("included").asLong()).isEqualTo(25);
        assertThat(q.path("summary").asText()).startsWith("Data quality: 2 objects read, 1 damaged; 25 records,");
    }

    @Test
    void report_everyUsageObjectDamaged_boardPdfSaysTheSpendIsUnknownNotThatNothingWasUsed() throws IOException {
        put(T0, "text.ndjson.gz", "this object was overwritten with text\n".getBytes(StandardCharsets.UTF_8));

        CliRun r = report("2026-11", false);

        assertThat(r.code()).as(r.err()).isZero();
        assertThat(firstPageProse())
                .contains("The usage log of November 2026 could not be read: its spend is unknown.")
                .doesNotContain("No usage was recorded");
    }

    @Test
    void report_textObjectInsteadOfGzip_countsOneDamagedObjectWithNoRecords() throws IOException {
        BigDecimal total = writeGoodCalls();
        put(T0, "text.ndjson.gz", "this object was overwritten with text\n".getBytes(StandardCharsets.UTF_8));

        JsonNode q = runExpectingStrictFailure(total);

        assertThat(q.path("objects").path("read").asLong()).isEqualTo(2);
        assertThat(q.path("objects").path("damaged").asLong()).isEqualTo(1);
        assertThat(q.path("records").path("read").asLong()).isEqualTo(GOOD);
        assertThat(pdfText()).contains("Damaged objects 1");
    }

    @Test
    void report_negativeCost_isQuarantinedNotAnAdjustment() throws IOException {
        BigDecimal total = writeGoodCalls();
        put(T0, "bad.ndjson.gz", gzip(List.of(withCost("neg", TokenUsage.openAi(900, 0, 77, 0), "-5.00"))));

        JsonNode q = runExpectingStrictFailure(total);

        assertThat(q.path("quarantined").path("negative_cost").asLong()).isEqualTo(1);
        assertThat(q.path("records").path("quarantined").asLong()).isEqualTo(1);
        assertThat(q.path("records").path("included").asLong()).isEqualTo(GOOD);
        assertThat(q.path("quarantined_claimed_usd").asText()).isEqualTo("-5");
        assertThat(Files.readAllLines(dir.resolve("out/focus-1.1.csv"))).noneMatch(l -> l.contains(",Adjustment,"));
        assertThat(q.path("summary").asText())
                .isEqualTo("Data quality: 2 objects read, 0 damaged; 21 records, 0 unreadable, 1 quarantined"
                        + " (claiming -$5.00, left out of every total); 0 estimated, 0 unpriced, 0 rejected calls.");
    }

    @Test
    void report_nonNumericCost_isQuarantined() throws IOException {
        BigDecimal total = writeGoodCalls();
        put(T0, "bad.ndjson.gz", gzip(List.of(withCost("nan", TokenUsage.openAi(900, 0, 77, 0), "five dollars"))));

        JsonNode q = runExpectingStrictFailure(total);

        assertThat(q.path("quarantined").path("non_numeric_cost").asLong()).isEqualTo(1);
        assertThat(q.path("records").path("quarantined").asLong()).isEqualTo(1);
        assertThat(q.path("records").path("unreadable").asLong()).isZero();
        assertThat(q.path("records").path("read").asLong()).isEqualTo(21);
    }

    @Test
    void report_implausibleCost_isQuarantinedAndTheHeadlineStaysTheSoundTotal() throws IOException {
        BigDecimal total = writeGoodCalls();
        // 977 tokens cannot cost a million dollars at any gpt-4o-mini price
        put(T0, "bad.ndjson.gz", gzip(List.of(withCost("big", TokenUsage.openAi(900, 0, 77, 0), "1000000"))));

        JsonNode q = runExpectingStrictFailure(total);

        assertThat(q.path("quarantined").path("implausible_cost").asLong()).isEqualTo(1);
        assertThat(q.path("quarantined_claimed_usd").asText()).isEqualTo("1000000");
        assertThat(firstPageProse()).contains("claiming $1,000,000.00, left out of every total");
        assertThat(firstPageText())
                .doesNotContain("$1,000,0" + total.setScale(2, java.math.RoundingMode.HALF_UP) + "\n");
        assertThat(firstPageText().lines().filter(l -> l.startsWith("$")).findFirst())
                .contains(
                        "$" + total.setScale(2, java.math.RoundingMode.HALF_UP).toPlainString());
    }

    @Test
    void report_costNotTheNamedCatalogsPrice_isQuarantinedAsMismatched() throws IOException {
        BigDecimal total = writeGoodCalls();
        TokenUsage tokens = TokenUsage.openAi(900, 0, 77, 0);
        String off = MINI.cost(tokens).add(new BigDecimal("0.0001")).toPlainString();
        put(T0, "bad.ndjson.gz", gzip(List.of(withCost("off", tokens, off))));

        JsonNode q = runExpectingStrictFailure(total);

        assertThat(q.path("quarantined").path("mismatched_cost").asLong()).isEqualTo(1);
        assertThat(q.path("records").path("quarantined").asLong()).isEqualTo(1);
    }

    @Test
    void report_emptyMonth_saysSoInsteadOfAZeroReport() throws IOException {
        writeGoodCalls(); // November has data; September has none

        CliRun r = report("2026-09", true);

        assertThat(r.code()).as(r.err()).isZero();
        JsonNode q = quality();
        assertThat(q.path("has_data").asBoolean()).isFalse();
        assertThat(q.path("month_state").asText()).isEqualTo("complete");
        assertThat(q.path("objects").path("read").asLong()).isZero();
        assertThat(q.path("records").path("included").asLong()).isZero();
        String text = pdfText();
        assertThat(text).contains("No usage was recorded in September 2026.");
        assertThat(text).doesNotContain("$0.00", "within their limits", "0E0");
        assertThat(r.err()).contains("No usage in 2026-09");
    }

    @Test
    void report_futureMonth_saysItHasNotStarted() throws IOException {
        writeGoodCalls();

        CliRun r = report("2099-01", false);

        assertThat(r.code()).as(r.err()).isZero();
        JsonNode q = quality();
        assertThat(q.path("month_state").asText()).isEqualTo("future");
        assertThat(q.path("has_data").asBoolean()).isFalse();
        assertThat(pdfText()).contains("January 2099 has not started: there is no usage to report.");
        assertThat(r.err()).contains("the month has not started");
    }
}
