package dev.spendgate.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.domain.budget.BudgetPeriod;
import dev.spendgate.domain.budget.BudgetPolicy;
import dev.spendgate.domain.budget.BudgetScope;
import dev.spendgate.domain.outcome.Outcome;
import dev.spendgate.domain.outcome.OutcomeLog;
import dev.spendgate.domain.report.ChargebackRules;
import dev.spendgate.domain.report.MonthlyUsageSource;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.waste.Governance;
import dev.spendgate.domain.waste.WasteAnalyzer;
import dev.spendgate.domain.waste.WasteReport;
import dev.spendgate.domain.waste.WasteReportJson;
import dev.spendgate.domain.waste.WasteWindow;
import dev.spendgate.report.focus.FocusCsvWriter;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.Currency;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.rendering.PDFRenderer;
import org.apache.pdfbox.text.PDFTextStripper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Runs a whole month's report over generated usage and checks the files the way their readers would. */
class MonthlyReportTest {
    static final YearMonth MONTH = YearMonth.of(2026, 11);
    static final ObjectMapper JSON = new ObjectMapper();
    static final Pattern NUMERIC = Pattern.compile("-?(0|[1-9][0-9]*)(\\.[0-9]+)?");
    static final Pattern DATETIME = Pattern.compile("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z");
    static final List<String> MANDATORY = List.of(
            "BilledCost",
            "BillingAccountId",
            "BillingAccountName",
            "BillingCurrency",
            "BillingPeriodEnd",
            "BillingPeriodStart",
            "ChargeCategory",
            "ChargeClass",
            "ChargeDescription",
            "ChargePeriodEnd",
            "ChargePeriodStart",
            "ContractedCost",
            "EffectiveCost",
            "InvoiceIssuerName",
            "ListCost",
            "PricingQuantity",
            "PricingUnit",
            "ProviderName",
            "PublisherName",
            "ServiceCategory",
            "ServiceName");
    static final List<String> NOT_NULL = List.of(
            "BilledCost",
            "BillingAccountId",
            "BillingCurrency",
            "BillingPeriodEnd",
            "BillingPeriodStart",
            "ChargeCategory",
            "ChargePeriodEnd",
            "ChargePeriodStart",
            "ContractedCost",
            "EffectiveCost",
            "InvoiceIssuerName",
            "ListCost",
            "ProviderName",
            "PublisherName",
            "ServiceCategory",
            "ServiceName",
            "ChargeFrequency",
            "ServiceSubcategory");

    static final String RULES = """
            {"suspense": {"gl_account": "6999", "cost_centre": "CC-SUSP"},
             "rules": [{"department": "support", "gl_account": "6100", "cost_centre": "CC-100"},
                       {"department": "eng", "team": "eng-1", "gl_account": "6200", "cost_centre": "CC-210"}],
             "shared": [{"department": "platform", "allocation": "proportional", "gl_account": "6300"}]}
            """;

    static MapObjectStore data;
    static TestMonth month;
    static TestMonth before;
    static MonthlyReport.Result result;
    static MapObjectStore out;
    static WasteReport waste;

    @BeforeAll
    static void runReport() {
        data = new MapObjectStore();
        month = TestMonth.generate(MONTH, 3000, 10, 7).writeTo(data);
        before = TestMonth.generate(MONTH.minusMonths(1), 1000, 5, 8).writeTo(data);
        OutcomeLog.create(data)
                .record(new Outcome(Instant.parse("2026-11-03T10:00:00Z"), "s-1", null, "ticket_resolved", 2, "key-1"));
        OutcomeLog.create(data)
                .record(new Outcome(Instant.parse("2026-11-04T10:00:00Z"), "s-2", null, "ticket_resolved", 1, "key-1"));
        // the waste detector runs on this data (its run of December 1st is stored), so the report takes November's
        // waste from its day aggregates of the calendar month, judged with the report's governance (keys unknown):
        // the same findings as one pass over November
        WasteReport detectorRun = WasteAnalyzer.create(TestMonth.CATALOG, Governance.NONE, Clock.systemUTC())
                .analyze(data, WasteWindow.trailing30Days(Instant.parse("2026-12-01T00:00:00Z")));
        data.put("findings/2026-12-01.json", WasteReportJson.toBytes(detectorRun));
        waste = WasteAnalyzer.create(TestMonth.CATALOG, Governance.UNKNOWN, Clock.systemUTC())
                .analyze(
                        data,
                        new WasteWindow(Instant.parse("2026-11-01T00:00:00Z"), Instant.parse("2026-12-01T00:00:00Z")));
        out = new MapObjectStore();
        result = report().run(MONTH, MonthlyUsageSource.fromLog(data), data, out, "reports/2026-11/", null, false);
    }

    static MonthlyReport report() {
        return MonthlyReport.create(
                new MonthlyReport.Settings(
                        TestMonth.CATALOG,
                        TestMonth.CATALOG,
                        ChargebackRules.parse(RULES.getBytes(StandardCharsets.UTF_8)),
                        List.of(
                                new BudgetPolicy(
                                        BudgetScope.parse("department:support"),
                                        BudgetPeriod.MONTHLY,
                                        new BigDecimal("1.00"),
                                        BudgetPolicy.Mode.ALERT,
                                        null,
                                        null,
                                        null),
                                new BudgetPolicy(
                                        BudgetScope.parse("global"),
                                        BudgetPeriod.MONTHLY,
                                        new BigDecimal("100000"),
                                        BudgetPolicy.Mode.ALERT,
                                        null,
                                        null,
                                        null)),
                        FocusCsvWriter.Settings.DEFAULT),
                Clock.fixed(Instant.parse("2026-12-01T06:00:00Z"), ZoneOffset.UTC));
    }

    static List<CSVRecord> csv(String name) throws IOException {
        return csv(out, "reports/2026-11/" + name);
    }

    static List<CSVRecord> csv(MapObjectStore store, String key) throws IOException {
        byte[] bytes = store.get(key).orElseThrow();
        try (CSVParser p = CSVFormat.RFC4180
                .builder()
                .setHeader()
                .setSkipHeaderRecord(true)
                .get()
                .parse(new InputStreamReader(new ByteArrayInputStream(bytes), StandardCharsets.UTF_8))) {
            return p.getRecords();
        }
    }

    static List<String> header(String name) throws IOException {
        byte[] bytes = out.get("reports/2026-11/" + name).orElseThrow();
        try (CSVParser p = CSVFormat.RFC4180
                .builder()
                .setHeader()
                .get()
                .parse(new InputStreamReader(new ByteArrayInputStream(bytes), StandardCharsets.UTF_8))) {
            return p.getHeaderNames();
        }
    }

    @Test
    void focus_header_hasEveryMandatoryColumnAndOnlyPrefixedCustomColumnsAfterThem() throws IOException {
        List<String> header = header(MonthlyReport.FOCUS);
        assertThat(header).containsAll(MANDATORY);
        assertThat(header)
                .contains(
                        "ConsumedQuantity",
                        "ConsumedUnit",
                        "ListUnitPrice",
                        "ContractedUnitPrice",
                        "SkuId",
                        "SkuPriceId",
                        "Tags",
                        "ServiceSubcategory",
                        "ChargeFrequency",
                        "PricingCategory");
        int firstCustom = -1;
        for (int i = 0; i < header.size(); i++) {
            String c = header.get(i);
            assertThat(c).matches("x_[A-Za-z0-9]+|[A-Z][A-Za-z0-9]+");
            if (c.startsWith("x_") && firstCustom < 0) {
                firstCustom = i;
            }
            if (firstCustom >= 0) {
                assertThat(c).as("custom columns come after FOCUS columns").startsWith("x_");
            }
        }
        assertThat(firstCustom).isPositive();
    }

    @Test
    void focus_billedCost_sumsExactlyToTheUsageLog() throws IOException {
        BigDecimal billed = BigDecimal.ZERO;
        for (CSVRecord r : csv(MonthlyReport.FOCUS)) {
            billed = billed.add(new BigDecimal(r.get("BilledCost")));
        }
        assertThat(billed).isEqualByComparingTo(month.totalCost());
        assertThat(result.figures().totalUsd()).isEqualByComparingTo(month.totalCost());
        assertThat(result.figures().unpricedCalls()).isEqualTo(1);
    }

    @Test
    void focus_rows_followTheFormatsNullRulesAndAllowedValues() throws IOException {
        Set<String> currencies = new HashSet<>();
        Currency.getAvailableCurrencies().forEach(c -> currencies.add(c.getCurrencyCode()));
        for (CSVRecord r : csv(MonthlyReport.FOCUS)) {
            for (String c : NOT_NULL) {
                assertThat(r.get(c)).as(c).isNotBlank();
            }
            for (String c : List.of(
                    "BilledCost",
                    "ContractedCost",
                    "EffectiveCost",
                    "ListCost",
                    "ListUnitPrice",
                    "ContractedUnitPrice",
                    "PricingQuantity",
                    "ConsumedQuantity")) {
                if (!r.get(c).isEmpty()) {
                    assertThat(r.get(c)).as(c).matches(NUMERIC);
                }
            }
            for (String c : List.of("BillingPeriodStart", "BillingPeriodEnd", "ChargePeriodStart", "ChargePeriodEnd")) {
                assertThat(r.get(c)).as(c).matches(DATETIME);
            }
            assertThat(r.get("BillingPeriodStart")).isEqualTo("2026-11-01T00:00:00Z");
            assertThat(r.get("BillingPeriodEnd")).isEqualTo("2026-12-01T00:00:00Z");
            Instant start = Instant.parse(r.get("ChargePeriodStart"));
            assertThat(Instant.parse(r.get("ChargePeriodEnd"))).isEqualTo(start.plusSeconds(86_400));
            assertThat(start).isBetween(Instant.parse("2026-11-01T00:00:00Z"), Instant.parse("2026-11-30T00:00:00Z"));
            assertThat(r.get("BillingCurrency")).matches("[A-Z]{3}").isIn(currencies);
            assertThat(r.get("ChargeCategory")).isIn("Usage", "Purchase", "Tax", "Credit", "Adjustment");
            assertThat(r.get("ChargeClass")).isIn("", "Correction");
            assertThat(r.get("ChargeFrequency")).isIn("One-Time", "Recurring", "Usage-Based");
            assertThat(r.get("ServiceCategory")).isEqualTo("AI and Machine Learning");
            assertThat(r.get("ServiceSubcategory")).isEqualTo("Generative AI");
            assertThat(r.get("PricingCategory")).isIn("", "Standard", "Dynamic", "Committed", "Other");
            assertThat(r.get("EffectiveCost")).isEqualTo(r.get("BilledCost"));
            if (r.get("ChargeCategory").equals("Usage")) {
                BigDecimal quantity = new BigDecimal(r.get("PricingQuantity"));
                assertThat(new BigDecimal(r.get("ListUnitPrice")).multiply(quantity))
                        .isEqualByComparingTo(r.get("ListCost"));
                assertThat(new BigDecimal(r.get("ContractedUnitPrice")).multiply(quantity))
                        .isEqualByComparingTo(r.get("ContractedCost"));
                assertThat(new BigDecimal(r.get("ConsumedQuantity"))).isPositive();
                assertThat(new BigDecimal(r.get("ConsumedQuantity")).movePointLeft(6))
                        .isEqualByComparingTo(quantity);
                assertThat(r.get("PricingUnit")).isEqualTo("1000000 Tokens");
                assertThat(r.get("ConsumedUnit")).isEqualTo("Tokens");
                assertThat(r.get("SkuId")).isNotEmpty();
                assertThat(r.get("SkuPriceId")).startsWith(r.get("SkuId") + "/");
                assertThat(r.get("SkuMeter")).isNotEmpty();
                JsonNode details = JSON.readTree(r.get("SkuPriceDetails"));
                assertThat(details.isObject()).isTrue();
            } else {
                assertThat(r.get("ConsumedQuantity")).isEmpty();
                assertThat(r.get("ConsumedUnit")).isEmpty();
                assertThat(r.get("ListCost")).isEqualTo(r.get("BilledCost"));
                assertThat(r.get("ContractedCost")).isEqualTo(r.get("BilledCost"));
                assertThat(r.get("SkuMeter")).isEmpty();
                assertThat(r.get("SkuPriceDetails")).isEmpty();
            }
            if (!r.get("Tags").isEmpty()) {
                JsonNode tags = JSON.readTree(r.get("Tags"));
                assertThat(tags.isObject()).isTrue();
                tags.fields().forEachRemaining(f -> assertThat(f.getValue().isValueNode())
                        .isTrue());
            }
        }
    }

    @Test
    void focus_rows_areOnePerDayProviderSkuTokenTypeAndTagSet() throws IOException {
        Set<List<String>> keys = new HashSet<>();
        Set<String> days = new HashSet<>();
        for (CSVRecord r : csv(MonthlyReport.FOCUS)) {
            assertThat(keys.add(List.of(
                            r.get("ChargePeriodStart"),
                            r.get("ProviderName"),
                            r.get("SkuPriceId"),
                            r.get("ChargeCategory"),
                            r.get("Tags"))))
                    .as("duplicate row %s", r)
                    .isTrue();
            days.add(r.get("ChargePeriodStart"));
        }
        assertThat(days).hasSize(10);
        assertThat(csv(MonthlyReport.FOCUS))
                .extracting(r -> r.get("PublisherName"))
                .contains("OpenAI", "Anthropic");
        assertThat(csv(MonthlyReport.FOCUS))
                .filteredOn(r -> r.get("ServiceName").equals("Amazon Bedrock"))
                .extracting(r -> r.get("InvoiceIssuerName") + "|" + r.get("PublisherName"))
                .containsOnly("Amazon Web Services|Anthropic");
    }

    @Test
    void run_again_writesTheSameCsvBytes() {
        MapObjectStore again = new MapObjectStore();
        report().run(MONTH, MonthlyUsageSource.fromLog(data), data, again, "reports/2026-11/", null, false);
        for (String f : List.of(MonthlyReport.FOCUS, MonthlyReport.CHARGEBACK)) {
            assertThat(again.get("reports/2026-11/" + f).orElseThrow())
                    .as(f)
                    .isEqualTo(out.get("reports/2026-11/" + f).orElseThrow());
        }
    }

    @Test
    void chargeback_balancesToTheCentAndSendsUnattributedToSuspense() throws IOException {
        List<CSVRecord> lines = csv(MonthlyReport.CHARGEBACK);
        BigDecimal cents = BigDecimal.ZERO;
        BigDecimal exact = BigDecimal.ZERO;
        for (CSVRecord r : lines) {
            assertThat(r.get("amount_usd")).matches("-?\\d+\\.\\d{2}");
            cents = cents.add(new BigDecimal(r.get("amount_usd")));
            exact = exact.add(new BigDecimal(r.get("exact_amount_usd")));
        }
        assertThat(cents).isEqualByComparingTo(month.totalCost().setScale(2, RoundingMode.HALF_UP));
        assertThat(exact).isEqualByComparingTo(month.totalCost());
        assertThat(lines)
                .filteredOn(r -> r.get("department").isEmpty())
                .isNotEmpty()
                .allSatisfy(r -> {
                    assertThat(r.get("allocation")).isEqualTo("suspense");
                    assertThat(r.get("cost_centre")).isEqualTo("CC-SUSP");
                    assertThat(r.get("note")).startsWith("unattributed");
                });
        assertThat(lines)
                .filteredOn(r -> r.get("team").equals("eng-2"))
                .isNotEmpty()
                .allSatisfy(r -> assertThat(r.get("note")).startsWith("unmapped"));
        // Platform spend is shared over the two cost centres that have direct spend, in proportion to it.
        List<CSVRecord> shared =
                lines.stream().filter(r -> r.get("allocation").equals("shared")).toList();
        assertThat(shared).extracting(r -> r.get("cost_centre")).containsOnly("CC-100", "CC-210");
        assertThat(shared).extracting(r -> r.get("gl_account")).containsOnly("6300");
        BigDecimal platform = month.records.stream()
                .filter(r -> "platform".equals(r.attribution().department()) && r.costUsd() != null)
                .map(UsageRecord::costUsd)
                .reduce(BigDecimal.ZERO, BigDecimal::add);
        assertThat(shared.stream()
                        .map(r -> new BigDecimal(r.get("exact_amount_usd")))
                        .reduce(BigDecimal.ZERO, BigDecimal::add))
                .isEqualByComparingTo(platform);
    }

    @Test
    void pdf_text_showsTheFiguresOfTheMonth() throws IOException {
        byte[] pdf = out.get("reports/2026-11/" + MonthlyReport.PDF).orElseThrow();
        try (PDDocument doc = Loader.loadPDF(pdf)) {
            String text = new PDFTextStripper().getText(doc);
            String total = "$"
                    + String.format(
                            java.util.Locale.ROOT, "%,.2f", month.totalCost().setScale(2, RoundingMode.HALF_UP));
            assertThat(text).contains("AI spend report: November 2026");
            assertThat(text).contains(total);
            assertThat(text).contains("vs October 2026");
            assertThat(text).contains("Top features", "chatbot", "Top departments", "support", "Top models");
            assertThat(text).contains("department:support", "OVER");
            assertThat(text)
                    .contains("AI Efficiency Score: " + waste.overall().score() + " / 100")
                    .contains("waste detector's day aggregates of the calendar month")
                    .contains("model mismatch", "context bloat", "retry waste", "cache miss", "ungoverned key")
                    .contains("$"
                            + String.format(
                                    java.util.Locale.ROOT,
                                    "%,.2f",
                                    waste.monthlySavingsUsd().setScale(2, RoundingMode.HALF_UP)));
            assertThat(text).contains("Cost per outcome", "ticket_resolved");
            assertThat(text).contains("Model efficiency", "gpt-4o");
            assertThat(text).contains("1 calls have no known cost (a model missing from the pricing catalog");
            BigDecimal change = result.figures().changePercent();
            assertThat(text).contains((change.signum() > 0 ? "+" : "") + change.toPlainString() + "% vs October");

            BufferedImage page = new PDFRenderer(doc).renderImageWithDPI(0, 50);
            assertThat(page.getWidth()).isGreaterThan(300);
            Set<Integer> colours = new HashSet<>();
            for (int x = 0; x < page.getWidth(); x += 3) {
                for (int y = 0; y < page.getHeight(); y += 3) {
                    colours.add(page.getRGB(x, y));
                }
            }
            assertThat(colours)
                    .as("a rendered page with text and a chart, not a blank")
                    .hasSizeGreaterThan(10);
        }
    }

    @Test
    void figures_costPerOutcome_isTheSessionsCostOverTheCount() {
        // the outcomes' sessions of key-1, in November and in the month before (README: an outcome just after a
        // month's end is charged with the calls before it)
        BigDecimal sessions = java.util.stream.Stream.concat(month.records.stream(), before.records.stream())
                .filter(r -> r.costUsd() != null
                        && (("s-1").equals(r.attribution().session())
                                || "s-2".equals(r.attribution().session())))
                .map(UsageRecord::costUsd)
                .reduce(BigDecimal.ZERO, BigDecimal::add);
        assertThat(result.figures().outcomes()).singleElement().satisfies(o -> {
            assertThat(o.name()).isEqualTo("ticket_resolved");
            assertThat(o.count()).isEqualTo(3);
            assertThat(o.costUsd()).isEqualByComparingTo(sessions);
            assertThat(o.costPerOutcomeUsd())
                    .isEqualByComparingTo(sessions.divide(BigDecimal.valueOf(3), 6, RoundingMode.HALF_UP));
        });
    }

    @Test
    void focus_recordedCostsTheCatalogNoLongerGives_becomeAnAdjustmentThatKeepsTheTotal() throws IOException {
        MapObjectStore store = new MapObjectStore();
        TestMonth m = new TestMonth();
        UsageRecord r = TestMonth.record(
                "r1",
                Instant.parse("2026-11-02T10:00:00Z"),
                "openai",
                "gpt-4o",
                dev.spendgate.domain.pricing.TokenUsage.openAi(1000, 0, 100, 0),
                "eng",
                "eng-1",
                "chatbot",
                null);
        m.records.add(UsageRecord.builder()
                .requestId("r1")
                .tsStart(r.tsStart())
                .tsEnd(r.tsEnd())
                .provider("openai")
                .modelRequested("gpt-4o")
                .modelServed("gpt-4o")
                .tokens(r.tokens())
                .attribution(r.attribution())
                .costUsd(new BigDecimal("0.0031")) // priced at an older, higher rate
                .pricingStatus(UsageRecord.PricingStatus.PRICED)
                .usageSource(UsageRecord.UsageSource.PROVIDER)
                .build());
        m.writeTo(store);
        MapObjectStore files = new MapObjectStore();
        report().run(MONTH, MonthlyUsageSource.fromLog(store), store, files, "", null, false);
        List<CSVRecord> rows = csv(files, MonthlyReport.FOCUS);
        // 1000 input at $2.50/1M + 100 output at $10/1M = $0.0035; recorded $0.0031: a -$0.0004 adjustment.
        assertThat(rows)
                .extracting(x -> x.get("ChargeCategory") + " " + x.get("BilledCost"))
                .containsExactly("Usage 0.0025", "Usage 0.001", "Adjustment -0.0004");
        assertThat(rows.get(2).get("x_AdjustmentReason")).contains("differs from the current catalog price");
    }

    @Test
    void run_withoutStoredFindings_analysesWasteInTheSamePassAsTheDetectorWould() {
        MapObjectStore store = new MapObjectStore();
        TestMonth.generate(MONTH, 500, 3, 11).writeTo(store);
        WasteReport expected = WasteAnalyzer.create(TestMonth.CATALOG, Governance.UNKNOWN, Clock.systemUTC())
                .analyze(
                        store,
                        new WasteWindow(Instant.parse("2026-11-01T00:00:00Z"), Instant.parse("2026-12-01T00:00:00Z")));

        MonthlyReport.Result r =
                report().run(MONTH, MonthlyUsageSource.fromLog(store), store, new MapObjectStore(), "", null, false);

        assertThat(r.figures().waste()).isNotNull();
        assertThat(r.figures().waste().efficiencyScore())
                .isEqualTo(expected.overall().score());
        assertThat(r.figures().waste().totalRecoverableUsd()).isEqualByComparingTo(expected.monthlySavingsUsd());
        assertThat(r.figures().waste().source()).isEqualTo("waste analysis of the month's usage log");
    }

    @Test
    void run_outcomesUnreadable_stillReportsTheMonthAndSaysSo() {
        MapObjectStore store = new MapObjectStore() {
            @Override
            public List<String> list(String prefix) {
                if (prefix.startsWith("outcomes/")) {
                    throw new dev.spendgate.domain.store.ObjectStoreException("access denied", null);
                }
                return super.list(prefix);
            }
        };
        TestMonth m = TestMonth.generate(MONTH, 50, 2, 12).writeTo(store);

        MonthlyReport.Result r =
                report().run(MONTH, MonthlyUsageSource.fromLog(store), store, new MapObjectStore(), "", null, false);

        assertThat(r.focusBilledTotalUsd()).isEqualByComparingTo(m.totalCost());
        assertThat(r.warnings()).singleElement().asString().startsWith("outcomes could not be read");
    }
}
