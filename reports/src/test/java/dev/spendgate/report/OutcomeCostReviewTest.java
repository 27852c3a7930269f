package dev.spendgate.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.outcome.Outcome;
import dev.spendgate.domain.outcome.OutcomeLog;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.report.ChargebackRules;
import dev.spendgate.domain.report.MonthlyFigures;
import dev.spendgate.domain.report.MonthlyUsageSource;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.report.focus.FocusCsvWriter;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.List;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.text.PDFTextStripper;
import org.junit.jupiter.api.Test;

/**
 * Cost per outcome in the November board report, driven through {@link MonthlyReport#run} over a data store holding
 * usage objects and outcomes as the gateway writes them.
 *
 * <p>README "Outcomes and cost per outcome": an outcome is posted "with the Spendgate key" and the attributed figure is
 * "the cost of only the sessions and requests named by the outcome / count"; fully loaded is the spend of "the features
 * the outcome's sessions and requests used". Session ids are whatever each client puts in {@code X-Cost-Session}, so two
 * teams with their own keys both numbering their sessions {@code s-1, s-2, ...} is ordinary. The stored outcome keeps
 * the key that posted it ({@code key_id}); the report must not bill one team's outcome with another team's calls.
 */
class OutcomeCostReviewTest {
    static final YearMonth NOVEMBER = YearMonth.of(2026, 11);
    static final Clock RUN = Clock.fixed(Instant.parse("2026-12-01T06:00:00Z"), ZoneOffset.UTC);

    @Test
    void report_outcomeOfOneKey_isNotChargedWithAnotherKeysSessionOfTheSameName() {
        MapObjectStore data = new MapObjectStore();
        TestMonth month = new TestMonth();
        Instant t = Instant.parse("2026-11-10T10:00:00Z");
        // support's bot (key-support): session s-1, one gpt-4o-mini call
        month.records.add(call("req-support-1", t, "key-support", "support-chat", "support", "s-1", 2_000, 200));
        // sales' lead generator (key-sales), numbering its own sessions too: its s-1 is 100 big gpt-4o calls
        for (int i = 0; i < 100; i++) {
            month.records.add(call(
                    "req-sales-" + i, t.plusSeconds(60L * i), "key-sales", "lead-gen", "sales", "s-1", 50_000, 4_000));
        }
        month.writeTo(data);
        OutcomeLog.create(data)
                .record(new Outcome(t.plusSeconds(30), "s-1", null, "ticket_resolved", 1, "key-support"));
        BigDecimal supportSession = month.records.get(0).costUsd();

        MonthlyReport.Result result =
                report().run(NOVEMBER, MonthlyUsageSource.fromLog(data), data, new MapObjectStore(), "", null, false);

        MonthlyFigures.OutcomeCost o = result.figures().outcomes().get(0);
        // what the board page prints for ticket_resolved: attributed, and the features behind fully loaded
        assertThat(o.costPerOutcomeUsd())
                .as("attributed cost of the support bot's one resolved ticket (its session: %s USD)", supportSession)
                .isEqualByComparingTo(supportSession);
        assertThat(o.features()).as("features behind the fully loaded figure").containsExactly("support-chat");
    }

    /**
     * The board's own words for unpriced calls: "model not in the catalog; cost unknown, not zero" (the data-quality
     * table), and README "Calls of unpriced models have no known cost". A support bot moved to a model the catalog does
     * not price yet: every call of the session its outcome names is unpriced. The "Cost per outcome" table prints the
     * ticket's attributed cost and fully loaded cost as $0.0000, and nothing in that section says the calls behind it
     * had no known cost.
     */
    @Test
    void report_outcomeOfUnpricedCalls_isNotShownAsAZeroCostOutcome() throws Exception {
        MapObjectStore data = new MapObjectStore();
        TestMonth month = new TestMonth();
        Instant t = Instant.parse("2026-11-10T10:00:00Z");
        month.records.add(call("req-priced", t, "key-support", "support-chat", "support", "s-8", 2_000, 200));
        for (int i = 0; i < 20; i++) {
            month.records.add(UsageRecord.builder()
                    .requestId("req-unpriced-" + i)
                    .tsStart(t.plusSeconds(60L * i))
                    .tsEnd(t.plusSeconds(60L * i + 2))
                    .keyId("key-support")
                    .attribution(new Attribution("support-chat", "support", "support-1", "prod", "s-9", null, null))
                    .provider("openai")
                    .endpoint("/v1/chat/completions")
                    .modelRequested("gpt-9-preview")
                    .modelServed("gpt-9-preview")
                    .statusCode(200)
                    .tokens(TokenUsage.openAi(40_000, 0, 3_000, 0))
                    .pricingStatus(UsageRecord.PricingStatus.UNPRICED)
                    .usageSource(UsageRecord.UsageSource.PROVIDER)
                    .build());
        }
        month.writeTo(data);
        OutcomeLog.create(data)
                .record(new Outcome(t.plusSeconds(3_000), "s-9", null, "ticket_resolved", 1, "key-support"));
        MapObjectStore out = new MapObjectStore();

        MonthlyReport.Result result =
                report().run(NOVEMBER, MonthlyUsageSource.fromLog(data), data, out, "", null, false);

        String text;
        try (PDDocument pdf = Loader.loadPDF(out.get(MonthlyReport.PDF).orElseThrow())) {
            text = new PDFTextStripper().getText(pdf);
        }
        int from = text.lastIndexOf("Cost per outcome");
        int to = text.indexOf("Attributed = the spend", from);
        String section = text.substring(from, to < 0 ? text.length() : to);
        assertThat(result.quality().unpricedCalls()).isEqualTo(20);
        // either the outcome's cost is not printed as a known $0, or the section says its calls were unpriced
        assertThat(section)
                .as("the board's cost-per-outcome section")
                .satisfiesAnyOf(s -> assertThat(s).doesNotContain("$0.0000"), s -> assertThat(s)
                        .containsIgnoringCase("unpriced"));
    }

    /**
     * README: the attributed figure is "the cost of only the sessions and requests named by the outcome / count". A
     * support chat that ran from 23:40 to 23:58 on November 30th is marked resolved at 00:03 on December 1st: the
     * outcome is in December's report, its session's calls in November's. December's board prints the ticket's
     * attributed cost as $0 (and no features, so no fully loaded figure), November's does not list the outcome at all:
     * no report ever shows what that ticket cost.
     */
    @Test
    void report_outcomeJustAfterTheMonthEnd_isChargedWithItsSessionsCalls() {
        MapObjectStore data = new MapObjectStore();
        TestMonth month = new TestMonth();
        Instant t = Instant.parse("2026-11-30T23:40:00Z");
        for (int i = 0; i < 10; i++) {
            month.records.add(call(
                    "req-late-" + i,
                    t.plusSeconds(100L * i),
                    "key-support",
                    "support-chat",
                    "support",
                    "s-77",
                    6_000,
                    500));
        }
        // December has other support traffic, so its report runs with data
        month.records.add(call(
                "req-dec",
                Instant.parse("2026-12-02T09:00:00Z"),
                "key-support",
                "support-chat",
                "support",
                "s-78",
                1_000,
                100));
        month.writeTo(data);
        OutcomeLog.create(data)
                .record(new Outcome(
                        Instant.parse("2026-12-01T00:03:00Z"), "s-77", null, "ticket_resolved", 1, "key-support"));
        BigDecimal session = month.records.subList(0, 10).stream()
                .map(UsageRecord::costUsd)
                .reduce(BigDecimal.ZERO, BigDecimal::add);

        MonthlyReport.Result december = MonthlyReport.create(
                        new MonthlyReport.Settings(
                                TestMonth.CATALOG,
                                TestMonth.CATALOG,
                                ChargebackRules.NONE,
                                List.of(),
                                FocusCsvWriter.Settings.DEFAULT),
                        Clock.fixed(Instant.parse("2027-01-01T06:00:00Z"), ZoneOffset.UTC))
                .run(
                        YearMonth.of(2026, 12),
                        MonthlyUsageSource.fromLog(data),
                        data,
                        new MapObjectStore(),
                        "",
                        null,
                        false);

        assertThat(december.figures().outcomes()).singleElement().satisfies(o -> assertThat(o.costPerOutcomeUsd())
                .as("attributed cost of the ticket whose session s-77 cost %s USD", session)
                .isEqualByComparingTo(session));
    }

    static MonthlyReport report() {
        return MonthlyReport.create(
                new MonthlyReport.Settings(
                        TestMonth.CATALOG,
                        TestMonth.CATALOG,
                        ChargebackRules.NONE,
                        List.of(),
                        FocusCsvWriter.Settings.DEFAULT),
                RUN);
    }

    static UsageRecord call(
            String id, Instant ts, String key, String feature, String department, String session, long in, long out) {
        String model = department.equals("sales") ? "gpt-4o-2024-08-06" : "gpt-4o-mini";
        TokenUsage tokens = TokenUsage.openAi(in, 0, out, 0);
        return TestMonth.record(id, ts, "openai", model, tokens, department, department + "-1", feature, session)
                .toBuilder()
                .keyId(key)
                .build();
    }
}
