package dev.spendgate.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.pricing.ModelPrice;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.report.ChargebackRules;
import dev.spendgate.domain.report.MonthlyUsageSource;
import dev.spendgate.domain.store.ObjectStore;
import dev.spendgate.domain.usage.UsageLayout;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageRecordCodec;
import dev.spendgate.report.focus.FocusCsvWriter;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.GZIPOutputStream;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.text.PDFTextStripper;
import org.apache.pdfbox.text.TextPosition;
import org.junit.jupiter.api.Test;

/**
 * Round two of the board PDF as a CFO reads it: hand-built months whose figures are computed by hand here.
 */
class BoardFiguresRoundTwoReviewTest {
    static final PricingCatalog CATALOG = PricingCatalog.bundled();
    static final String PROVIDER = "openai";
    static final String MODEL = "gpt-4o-mini";

    /**
     * A preview of the running month (README: "a preview of the running month is emailed once") compares the spend of
     * 9 days with the whole of the previous month. Spend here is flat: one identical call every day of November and
     * every day of December so far, so the honest change is 0 % at the same run rate (the forecast says $X equal to
     * November). The PDF's headline, KPI tile and narrative instead say "-70.0% vs November" / "down 70.0% from ...",
     * with no word that December is 9 days old: the board reads a 70 % fall in AI spend that did not happen. Brief:
     * figures shown to finance say where they come from; a month-over-month figure of a partial month must say so
     * (or compare like with like).
     */
    @Test
    void runningMonthPreview_changeVsPreviousMonth_saysItIsMonthToDate() throws Exception {
        Store data = new Store();
        List<UsageRecord> records = new ArrayList<>();
        YearMonth nov = YearMonth.of(2026, 11);
        YearMonth dec = YearMonth.of(2026, 12);
        for (int d = 1; d <= 30; d++) {
            records.add(call("nov-" + d, nov.atDay(d).atTime(12, 0).toInstant(ZoneOffset.UTC), "support"));
        }
        for (int d = 1; d <= 9; d++) {
            records.add(call("dec-" + d, dec.atDay(d).atTime(12, 0).toInstant(ZoneOffset.UTC), "support"));
        }
        write(data, records);
        BigDecimal perCall = records.get(0).costUsd();
        Store out = new Store();
        report(Instant.parse("2026-12-10T06:00:00Z"))
                .run(dec, MonthlyUsageSource.fromLog(data), data, out, "", null, false);
        String text = pdfText(out);

        // by hand: December so far 9 calls, November 30 calls: (9 - 30) / 30 = -70.0 %
        assertThat(text).contains("-70.0% vs November 2026");
        String changeLine = text.lines()
                .filter(l -> l.contains("vs November 2026"))
                .findFirst()
                .orElseThrow();
        assertThat(changeLine)
                .as(
                        "the change line of a running month (per-call cost %s, flat spend) must say it compares a"
                                + " partial month",
                        perCall)
                .containsAnyOf("to date", "so far", "partial", "first 9 days", "9 days");
        String narrative =
                text.lines().filter(l -> l.contains("down 70.0%")).findFirst().orElse("");
        assertThat(narrative.isEmpty() || narrative.matches(".*(to date|so far|partial|9 days).*"))
                .as("narrative line: %s", narrative)
                .isTrue();
    }

    /**
     * Half the month's headline rests on estimates: two identical calls ($0.21 each by the catalog: 1M input tokens at
     * $0.15/M + 100k output at $0.60/M), one with the provider's usage, one whose stream was cut before its usage event
     * ({@code usage_source: estimated}, tokens counted by Spendgate). The headline is $0.42; $0.21 of it is an estimate.
     * The PDF's data-quality line and table give only the count ("1 estimated"), never the dollars, while calls
     * charged at their worst case get their amount ("$x is the worst case reserved"). Brief: figures shown to finance
     * say what data quality they rest on; a CFO cannot tell whether "1 estimated" is $0.21 or half the bill.
     */
    @Test
    void pdf_estimatedCalls_sayHowMuchOfTheHeadlineIsEstimated() throws Exception {
        Store data = new Store();
        Instant t = Instant.parse("2026-11-10T12:00:00Z");
        write(
                data,
                List.of(
                        call("provider-1", t, "support"),
                        call("estimated-1", t.plusSeconds(60), "support", UsageRecord.UsageSource.ESTIMATED)));
        Store out = new Store();
        report(Instant.parse("2026-12-02T06:00:00Z"))
                .run(YearMonth.of(2026, 11), MonthlyUsageSource.fromLog(data), data, out, "", null, false);
        String text = pdfText(out);

        assertThat(text).contains("$0.42");
        String summary = text.lines()
                .filter(l -> l.contains("estimated") && l.startsWith("Data quality:"))
                .findFirst()
                .orElseThrow();
        String row = text.lines()
                .filter(l -> l.startsWith("Estimated calls"))
                .findFirst()
                .orElseThrow();
        assertThat(summary + " || " + row)
                .as("where the PDF says calls were estimated, it says how many dollars of the $0.42 that is")
                .contains("$0.21");
    }

    /**
     * The page-1 lines are drawn as one line each, never wrapped: a line longer than the page runs off its right edge,
     * where no reader, screen or printer shows it (PDF text extraction still finds it, which is why text-only checks
     * pass). In a running month the forecast line ("Month-end forecast: $x (spend of the 9 complete days ($1.89) + the
     * average of the last 7 complete days ...)") and, with a quarantined record, the data-quality line ("... 1
     * quarantined (claiming $500.00, left out of every total); 0 estimated ...") are such lines: the board sees
     * neither how the forecast was made nor that $500 claimed by a quarantined record was left out. Every glyph must
     * lie on the page.
     */
    @Test
    void pdf_everyLineOfPageOne_staysOnThePage() throws Exception {
        Store data = new Store();
        List<UsageRecord> records = new ArrayList<>();
        YearMonth dec = YearMonth.of(2026, 12);
        for (int d = 1; d <= 9; d++) {
            records.add(call("dec-" + d, dec.atDay(d).atTime(12, 0).toInstant(ZoneOffset.UTC), "support"));
        }
        // a record claiming $500 for the same tokens: implausible, quarantined (README "Data quality")
        UsageRecord ok = records.get(0);
        records.add(UsageRecord.builder()
                .requestId("dec-implausible")
                .tsStart(ok.tsStart().plusSeconds(60))
                .tsEnd(ok.tsEnd().plusSeconds(60))
                .keyId("key-1")
                .attribution(ok.attribution())
                .provider(PROVIDER)
                .endpoint("/v1/chat/completions")
                .modelRequested(MODEL)
                .modelServed(MODEL)
                .statusCode(200)
                .tokens(ok.tokens())
                .costUsd(new BigDecimal("500"))
                .pricingStatus(UsageRecord.PricingStatus.PRICED)
                .pricingVersion(CATALOG.version())
                .usageSource(UsageRecord.UsageSource.PROVIDER)
                .build());
        write(data, records);
        Store out = new Store();
        report(Instant.parse("2026-12-10T06:00:00Z"))
                .run(dec, MonthlyUsageSource.fromLog(data), data, out, "", null, false);

        List<String> offPage = new ArrayList<>();
        try (PDDocument doc = Loader.loadPDF(out.get(MonthlyReport.PDF).orElseThrow())) {
            float pageWidth = doc.getPage(0).getMediaBox().getWidth();
            PDFTextStripper stripper = new PDFTextStripper() {
                @Override
                protected void writeString(String text, List<TextPosition> positions) throws java.io.IOException {
                    for (TextPosition p : positions) {
                        if (p.getXDirAdj() + p.getWidthDirAdj() > pageWidth) {
                            offPage.add("page " + getCurrentPageNo() + ": \"" + text + "\" from \"" + p.getUnicode()
                                    + "\" at x=" + p.getXDirAdj() + " of " + pageWidth);
                            break;
                        }
                    }
                    super.writeString(text, positions);
                }
            };
            stripper.setEndPage(1);
            stripper.getText(doc);
        }
        assertThat(offPage).as("text drawn beyond the page's right edge").isEmpty();
    }

    /**
     * A controller posts chargeback.csv to the GL. Department eng's only spend this month is one call the gateway
     * charged at its reserved worst case ($5.00: it stopped between forwarding and recording it; README "Finance
     * reports": "an estimate, not a provider-reported cost", which the FOCUS file tags x_Estimated=true and the PDF
     * states). In chargeback.csv that $5.00 is an ordinary line: its note says only why it is in suspense, nothing says
     * the amount is an estimate, so the controller charges eng $5.00 as fact. Brief: figures shown to finance say what
     * data quality they rest on.
     */
    @Test
    void chargeback_worstCaseEstimate_isMarkedAsAnEstimate() throws Exception {
        Store data = new Store();
        Instant t = Instant.parse("2026-11-10T12:00:00Z");
        UsageRecord unsettled = UsageRecord.builder()
                .requestId("eng-unsettled")
                .tsStart(t)
                .tsEnd(t.plusSeconds(1))
                .keyId("key-1")
                .attribution(new Attribution("chatbot", "eng", "eng-1", "prod", "s-eng", null, null))
                .provider(PROVIDER)
                .endpoint("/v1/chat/completions")
                .modelRequested(MODEL)
                .statusCode(0)
                .tokens(TokenUsage.ZERO)
                .costUsd(new BigDecimal("5.00"))
                .pricingStatus(UsageRecord.PricingStatus.PRICED)
                .pricingVersion(CATALOG.version())
                .usageSource(UsageRecord.UsageSource.ESTIMATED)
                .errorType("unsettled")
                .costBasis(UsageRecord.CostBasis.RESERVED_WORST_CASE)
                .build();
        write(data, List.of(call("support-1", t, "support"), unsettled));
        Store out = new Store();
        report(Instant.parse("2026-12-02T06:00:00Z"))
                .run(YearMonth.of(2026, 11), MonthlyUsageSource.fromLog(data), data, out, "", null, false);

        List<org.apache.commons.csv.CSVRecord> rows = MonthlyReportTest.csv(out, MonthlyReport.CHARGEBACK);
        org.apache.commons.csv.CSVRecord eng = rows.stream()
                .filter(r -> r.get("department").equals("eng"))
                .findFirst()
                .orElseThrow();
        assertThat(eng.get("amount_usd")).isEqualTo("5.00");
        assertThat(eng.get("note"))
                .as("chargeback line of eng, all of it a worst-case estimate: %s", eng.toMap())
                .containsAnyOf("estimate", "worst case");
    }

    /**
     * Department legal made 3 calls this month, all to a model the catalog does not price (cost unknown, not zero: the
     * PDF counts them, README "Calls of unpriced models have no known cost and are not rows (the PDF counts them)"). In
     * chargeback.csv legal does not appear at all, and the calls column sums to 1 where the PDF says 4 calls
     * (Chargeback's own promise: "Nothing is dropped"; a group with no priced cost is skipped, Chargeback.java:128). The
     * controller has no line telling them legal ran up spend of unknown cost to chase.
     */
    @Test
    void chargeback_unpricedOnlyDepartment_isListedNotDropped() throws Exception {
        Store data = new Store();
        Instant t = Instant.parse("2026-11-10T12:00:00Z");
        List<UsageRecord> records = new ArrayList<>();
        records.add(call("support-1", t, "support"));
        for (int i = 0; i < 3; i++) {
            records.add(UsageRecord.builder()
                    .requestId("legal-" + i)
                    .tsStart(t.plusSeconds(60 + i))
                    .tsEnd(t.plusSeconds(61 + i))
                    .keyId("key-1")
                    .attribution(new Attribution("contracts", "legal", "legal-1", "prod", "s-legal", null, null))
                    .provider(PROVIDER)
                    .endpoint("/v1/chat/completions")
                    .modelRequested("private-model-x")
                    .modelServed("private-model-x")
                    .statusCode(200)
                    .tokens(TokenUsage.openAi(1000, 0, 100, 0))
                    .pricingStatus(UsageRecord.PricingStatus.UNPRICED)
                    .usageSource(UsageRecord.UsageSource.PROVIDER)
                    .build());
        }
        write(data, records);
        Store out = new Store();
        report(Instant.parse("2026-12-02T06:00:00Z"))
                .run(YearMonth.of(2026, 11), MonthlyUsageSource.fromLog(data), data, out, "", null, false);

        assertThat(pdfText(out)).contains("4 calls");
        List<org.apache.commons.csv.CSVRecord> rows = MonthlyReportTest.csv(out, MonthlyReport.CHARGEBACK);
        assertThat(rows)
                .as(
                        "chargeback.csv lines: %s",
                        rows.stream().map(r -> r.toMap()).toList())
                .anySatisfy(r -> assertThat(r.get("department")).isEqualTo("legal"));
    }

    /**
     * The first month of use: the gateway was switched on on 29 October, and the usage log has nothing before it. Spend
     * is flat (one identical call a day), so October holds 3 days and November 30. The PDF prints "+900.0% vs October
     * 2026 ($0.63)" and the narrative "up 900.0% from $0.63 in October": a tenfold growth in AI spend that is only the
     * gateway's start date. The previous month is as partial as a running month, and the figure must say so (brief:
     * "a previous month missing (first month of use) shown as 0 % / infinite growth").
     */
    @Test
    void firstMonthOfUse_changeVsAPartialPreviousMonth_saysThePreviousMonthIsPartial() throws Exception {
        Store data = new Store();
        List<UsageRecord> records = new ArrayList<>();
        YearMonth oct = YearMonth.of(2026, 10);
        YearMonth nov = YearMonth.of(2026, 11);
        for (int d = 29; d <= 31; d++) {
            records.add(call("oct-" + d, oct.atDay(d).atTime(12, 0).toInstant(ZoneOffset.UTC), "support"));
        }
        for (int d = 1; d <= 30; d++) {
            records.add(call("nov-" + d, nov.atDay(d).atTime(12, 0).toInstant(ZoneOffset.UTC), "support"));
        }
        write(data, records);
        Store out = new Store();
        report(Instant.parse("2026-12-02T06:00:00Z"))
                .run(nov, MonthlyUsageSource.fromLog(data), data, out, "", null, false);
        String text = pdfText(out);

        // by hand: (30 - 3) / 3 = +900.0 %
        String changeLine = text.lines()
                .filter(l -> l.contains("vs October 2026"))
                .findFirst()
                .orElseThrow();
        assertThat(changeLine).contains("+900.0%");
        assertThat(changeLine)
                .as("October's usage starts on the 29th: the change must say it compares with a partial month")
                .containsAnyOf("partial", "first month", "October 29", "29 October", "3 days", "since");
    }

    static MonthlyReport report(Instant now) {
        return MonthlyReport.create(
                new MonthlyReport.Settings(
                        CATALOG, CATALOG, ChargebackRules.NONE, List.of(), FocusCsvWriter.Settings.DEFAULT),
                Clock.fixed(now, ZoneOffset.UTC));
    }

    static UsageRecord call(String id, Instant ts, String department) {
        return call(id, ts, department, UsageRecord.UsageSource.PROVIDER);
    }

    static UsageRecord call(String id, Instant ts, String department, UsageRecord.UsageSource source) {
        ModelPrice price = CATALOG.find(PROVIDER, MODEL).orElseThrow();
        TokenUsage tokens = TokenUsage.openAi(1_000_000, 0, 100_000, 0);
        return UsageRecord.builder()
                .requestId(id)
                .tsStart(ts)
                .tsEnd(ts.plusMillis(900))
                .keyId("key-1")
                .attribution(new Attribution("chatbot", department, department + "-1", "prod", "s-" + id, null, null))
                .provider(PROVIDER)
                .endpoint("/v1/chat/completions")
                .modelRequested(MODEL)
                .modelServed(MODEL)
                .statusCode(200)
                .tokens(tokens)
                .costUsd(price.cost(tokens))
                .pricingStatus(UsageRecord.PricingStatus.PRICED)
                .pricingVersion(CATALOG.version())
                .usageSource(source)
                .build();
    }

    static void write(ObjectStore store, List<UsageRecord> records) throws Exception {
        Map<String, List<UsageRecord>> byHour = new TreeMap<>();
        for (UsageRecord r : records) {
            byHour.computeIfAbsent(UsageLayout.hourPrefix(r.tsStart()), k -> new ArrayList<>())
                    .add(r);
        }
        int n = 0;
        for (var e : byHour.entrySet()) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
                for (UsageRecord r : e.getValue()) {
                    UsageRecordCodec.write(r, gz);
                }
            }
            store.put(e.getKey() + "part-" + (n++) + ".ndjson.gz", bytes.toByteArray());
        }
    }

    static String pdfText(Store out) throws Exception {
        try (PDDocument doc = Loader.loadPDF(out.get(MonthlyReport.PDF).orElseThrow())) {
            return new PDFTextStripper().getText(doc);
        }
    }

    static final class Store extends MapObjectStore {}
}
