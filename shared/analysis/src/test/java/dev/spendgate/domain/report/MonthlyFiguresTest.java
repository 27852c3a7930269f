package dev.spendgate.domain.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.budget.BudgetPeriod;
import dev.spendgate.domain.budget.BudgetPolicy;
import dev.spendgate.domain.budget.BudgetScope;
import dev.spendgate.domain.outcome.Outcome;
import dev.spendgate.domain.pricing.ModelPrice;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.usage.UsageRecord;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A small fixed month whose figures are worked out by hand: m-big costs $10 / $30 per million input / output tokens,
 * m-small $1 / $2. Per day 1-10: one support-chat call on m-big (1,000 in, 100 out: $0.013, its own session) and one
 * policy-qa call on m-small (2,000 in, 500 out: $0.003); day 11 (today) one more support-chat call; six other
 * features one $0.001 call each on day 3. Total $0.179.
 */
class MonthlyFiguresTest {
    static final YearMonth NOV = YearMonth.of(2026, 11);
    static final PricingCatalog CATALOG = PricingCatalog.of(
            "test-1",
            List.of(
                    new ModelPrice(
                            "openai",
                            "m-big",
                            null,
                            "premium",
                            "big",
                            new BigDecimal("10"),
                            null,
                            null,
                            null,
                            new BigDecimal("30"),
                            null,
                            null),
                    new ModelPrice(
                            "openai",
                            "m-small",
                            null,
                            "economy",
                            "small",
                            new BigDecimal("1"),
                            null,
                            null,
                            null,
                            new BigDecimal("2"),
                            null,
                            null)));
    static final Instant AS_OF = Instant.parse("2026-11-11T12:00:00Z");

    MonthlyUsage usage;
    int n;

    @BeforeEach
    void month() {
        month(outcomes());
    }

    void month(List<Outcome> outcomes) {
        n = 0;
        usage = MonthlyUsage.tracking(NOV, MonthlyFigures.sessionsOf(outcomes), MonthlyFigures.requestsOf(outcomes));
        for (int day = 1; day <= 11; day++) {
            call(day, "m-big", 1000, 100, "support-chat", "support", "s-" + day);
            if (day <= 10) {
                call(day, "m-small", 2000, 500, "policy-qa", "legal", "q-" + day);
            }
        }
        for (int i = 1; i <= 6; i++) {
            call(3, "m-small", 1000, 0, "f" + i, "ops", null);
        }
    }

    static List<Outcome> outcomes() {
        List<Outcome> o = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            o.add(new Outcome(Instant.parse("2026-11-05T10:00:00Z"), "s-" + i, null, "ticket_resolved", 1, "k"));
        }
        return o;
    }

    void call(int day, String model, long in, long out, String feature, String department, String session) {
        TokenUsage tokens = TokenUsage.openAi(in, 0, out, 0);
        Instant ts = NOV.atDay(day).atTime(9, 0).toInstant(java.time.ZoneOffset.UTC);
        usage.add(UsageRecord.builder()
                .requestId("r" + (n++))
                .tsStart(ts)
                .tsEnd(ts.plusSeconds(1))
                .keyId("k")
                .attribution(new Attribution(feature, department, null, "prod", session, null, null))
                .provider("openai")
                .modelServed(model)
                .statusCode(200)
                .tokens(tokens)
                .costUsd(CATALOG.find("openai", model).orElseThrow().cost(tokens))
                .pricingStatus(UsageRecord.PricingStatus.PRICED)
                .usageSource(UsageRecord.UsageSource.PROVIDER)
                .build());
    }

    MonthlyFigures figures() {
        return MonthlyFigures.of(
                usage,
                null,
                List.of(budget("department:support", "0.10"), budget("feature:policy-qa", "1.00")),
                null,
                outcomes(),
                CATALOG,
                AS_OF);
    }

    static BudgetPolicy budget(String scope, String limit) {
        return new BudgetPolicy(
                BudgetScope.parse(scope),
                BudgetPeriod.MONTHLY,
                new BigDecimal(limit),
                BudgetPolicy.Mode.ALERT,
                null,
                null,
                null);
    }

    @Test
    void of_total_isTheHandComputedSum() {
        assertThat(figures().totalUsd()).isEqualByComparingTo("0.179");
    }

    @Test
    void of_costPerOutcome_isFullyLoadedWithTheSuccessRateBesideIt() {
        assertThat(figures().outcomes()).singleElement().satisfies(o -> {
            assertThat(o.count()).isEqualTo(3);
            // attributed: sessions s-1..s-3 only, 3 x $0.013 / 3
            assertThat(o.costPerOutcomeUsd()).isEqualByComparingTo("0.013");
            // fully loaded: all support-chat spend, 11 x $0.013 = $0.143, / 3
            assertThat(o.features()).containsExactly("support-chat");
            assertThat(o.fullyLoadedCostUsd()).isEqualByComparingTo("0.143");
            assertThat(o.fullyLoadedPerOutcomeUsd()).isEqualByComparingTo("0.047667");
            // 3 outcomes over the 11 sessions of support-chat
            assertThat(o.sessions()).isEqualTo(11);
            assertThat(o.successRatePercent()).isEqualByComparingTo("27.3");
        });
    }

    @Test
    void of_successRate_countsSessionsThatSucceededNotTheOutcomesCount() {
        // 40 tickets closed in session s-1, one in s-2, and one on a request inside s-3: three of the eleven
        // support-chat sessions produced the outcome (27.3 %), not 42 outcomes over 11 sessions (381.8 %)
        List<Outcome> outcomes = List.of(
                new Outcome(Instant.parse("2026-11-05T10:00:00Z"), "s-1", null, "tickets_closed", 40, "k"),
                new Outcome(Instant.parse("2026-11-05T10:00:00Z"), "s-2", null, "tickets_closed", 1, "k"),
                new Outcome(Instant.parse("2026-11-05T10:00:00Z"), null, "r4", "tickets_closed", 1, "k"));
        month(outcomes);
        MonthlyFigures figures = MonthlyFigures.of(usage, null, List.of(), null, outcomes, CATALOG, AS_OF);

        assertThat(figures.outcomes()).singleElement().satisfies(o -> {
            assertThat(o.count()).isEqualTo(42);
            assertThat(o.sessions()).isEqualTo(11);
            assertThat(o.successRatePercent()).isEqualByComparingTo("27.3");
        });
    }

    /**
     * An outcome posted for a session and another for a request inside that session: the attributed cost is the spend
     * of the sessions and requests that produced the outcome, so the one call ($0.013) counts once, not once per
     * outcome that names it.
     */
    @Test
    void of_outcomesForASessionAndARequestInIt_attributedSpendCountedOnce() {
        List<Outcome> outcomes = List.of(
                new Outcome(Instant.parse("2026-11-05T10:00:00Z"), "s-1", null, "ticket_resolved", 1, "k"),
                new Outcome(Instant.parse("2026-11-05T10:00:00Z"), null, "r0", "ticket_resolved", 1, "k"));
        usage = MonthlyUsage.tracking(NOV, MonthlyFigures.sessionsOf(outcomes), MonthlyFigures.requestsOf(outcomes));
        n = 0;
        call(1, "m-big", 1000, 100, "support-chat", "support", "s-1"); // request r0, in session s-1: $0.013

        MonthlyFigures f = MonthlyFigures.of(usage, null, List.of(), null, outcomes, CATALOG, AS_OF);

        assertThat(f.totalUsd()).isEqualByComparingTo("0.013");
        assertThat(f.outcomes()).singleElement().satisfies(o -> {
            assertThat(o.count()).isEqualTo(2);
            assertThat(o.costUsd()).isEqualByComparingTo("0.013");
        });
    }

    /**
     * An outcome counts only the calls of the key that posted it: another key naming request r0 (its id is in the
     * X-Spendgate-Request-Id of a call it did not make) gets no cost for it, and the key that made it does.
     */
    @Test
    void of_outcomeNamingAnotherKeysRequest_isNotChargedWithIt() {
        List<Outcome> outcomes = List.of(
                new Outcome(Instant.parse("2026-11-05T10:00:00Z"), null, "r0", "ticket_resolved", 1, "other-key"),
                new Outcome(Instant.parse("2026-11-05T10:00:00Z"), null, "r0", "doc_summarised", 1, "k"));
        usage = MonthlyUsage.tracking(NOV, MonthlyFigures.sessionsOf(outcomes), MonthlyFigures.requestsOf(outcomes));
        n = 0;
        call(1, "m-big", 1000, 100, "support-chat", "support", "s-1"); // request r0 of key k: $0.013

        MonthlyFigures f = MonthlyFigures.of(usage, null, List.of(), null, outcomes, CATALOG, AS_OF);

        assertThat(f.outcomes())
                .extracting(MonthlyFigures.OutcomeCost::name, o -> o.costUsd().stripTrailingZeros())
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("doc_summarised", new java.math.BigDecimal("0.013")),
                        org.assertj.core.groups.Tuple.tuple("ticket_resolved", java.math.BigDecimal.ZERO));
    }

    @Test
    void of_runningMonth_forecastsFromTheLastSevenCompleteDays() {
        MonthlyFigures.Forecast f = figures().forecast();

        // days 1-10 complete: $0.13 + $0.03 + $0.006 = $0.166; days 4-10 averaged $0.016 a day; 20 days left
        assertThat(f.complete()).isFalse();
        assertThat(f.completeDays()).isEqualTo(10);
        assertThat(f.remainingDays()).isEqualTo(20);
        assertThat(f.dailyRateUsd()).isEqualByComparingTo("0.016");
        assertThat(f.forecastUsd()).isEqualByComparingTo("0.486");
        assertThat(f.toDateUsd()).isEqualByComparingTo("0.179");
        assertThat(f.method()).contains("last 7 complete days").contains("20 days left");
    }

    @Test
    void of_finishedMonth_forecastIsTheActual() {
        MonthlyFigures f = MonthlyFigures.of(
                usage, null, List.of(), null, List.of(), CATALOG, Instant.parse("2026-12-01T06:00:00Z"));

        assertThat(f.forecast().complete()).isTrue();
        assertThat(f.forecast().forecastUsd()).isEqualByComparingTo("0.179");
    }

    @Test
    void of_budgets_showActualVarianceAndForecast() {
        assertThat(figures().budgets())
                .satisfiesExactly(
                        support -> {
                            assertThat(support.spentUsd()).isEqualByComparingTo("0.143");
                            assertThat(support.varianceUsd()).isEqualByComparingTo("0.043");
                            assertThat(support.variancePercent()).isEqualByComparingTo("43.0");
                            // $0.13 over 10 days + $0.013 a day x 20
                            assertThat(support.forecastUsd()).isEqualByComparingTo("0.39");
                            assertThat(support.over()).isTrue();
                        },
                        policy -> {
                            assertThat(policy.spentUsd()).isEqualByComparingTo("0.03");
                            assertThat(policy.varianceUsd()).isEqualByComparingTo("-0.97");
                            assertThat(policy.variancePercent()).isEqualByComparingTo("-97.0");
                            assertThat(policy.forecastUsd()).isEqualByComparingTo("0.09");
                        });
    }

    @Test
    void of_topFeatures_endWithAnOtherRowSoTheySumToTheHeadline() {
        MonthlyFigures f = figures();

        assertThat(f.topFeatures())
                .extracting(MonthlyFigures.Share::name)
                .containsExactly("support-chat", "policy-qa", "f1", "f2", "f3", "Other (3 more)");
        MonthlyFigures.Share other = f.topFeatures().get(5);
        assertThat(other.costUsd()).isEqualByComparingTo("0.003");
        assertThat(other.calls()).isEqualTo(3);
        assertThat(f.topFeatures().stream().map(MonthlyFigures.Share::costUsd).reduce(BigDecimal.ZERO, BigDecimal::add))
                .isEqualByComparingTo(f.totalUsd());
        assertThat(f.topDepartments()).extracting(MonthlyFigures.Share::name).doesNotContain("Other (0 more)");
    }

    /**
     * Three features of $1.005, $2.005 and $3.005 under a $6.02 headline: rounded each on its own they would show
     * $6.03. As shown, they add up to the headline, and their shares to 100.0 %.
     */
    @Test
    void of_topRowsEachHalfACentOver_shownAmountsAddUpToTheHeadlineAndSharesTo100() {
        usage = MonthlyUsage.tracking(NOV, java.util.Set.of(), java.util.Set.of());
        call(2, "m-small", 1_005_000, 0, "search", "ops", null);
        call(2, "m-small", 2_005_000, 0, "chat", "ops", null);
        call(2, "m-small", 3_005_000, 0, "summarize", "ops", null);

        MonthlyFigures f = MonthlyFigures.of(usage, null, List.of(), null, List.of(), CATALOG, AS_OF);

        assertThat(Money.usd(f.totalUsd())).isEqualTo("$6.02");
        assertThat(f.topFeatures().stream()
                        .map(MonthlyFigures.Share::shownUsd)
                        .reduce(BigDecimal.ZERO, BigDecimal::add))
                .isEqualByComparingTo("6.02");
        assertThat(f.topFeatures())
                .allSatisfy(s ->
                        assertThat(s.shownUsd().subtract(s.costUsd()).abs()).isLessThan(new BigDecimal("0.01")));
        assertThat(f.topFeatures().stream().map(MonthlyFigures.Share::percent).reduce(BigDecimal.ZERO, BigDecimal::add))
                .isEqualByComparingTo("100.0");
    }

    @Test
    void of_modelEfficiency_splitsInputAndOutputRates() {
        MonthlyFigures.ModelEfficiency big = figures().models().stream()
                .filter(m -> m.model().equals("m-big"))
                .findFirst()
                .orElseThrow();

        assertThat(big.inputCostUsd()).isEqualByComparingTo("0.11");
        assertThat(big.outputCostUsd()).isEqualByComparingTo("0.033");
        assertThat(big.inputPerMillionUsd()).isEqualByComparingTo("10");
        assertThat(big.outputPerMillionUsd()).isEqualByComparingTo("30");
        // the old blended figure: $0.143 over 12,100 tokens
        assertThat(big.costPerMillionTokensUsd()).isEqualByComparingTo("11.8182");
    }
}
