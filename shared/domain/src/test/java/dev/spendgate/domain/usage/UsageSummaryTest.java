package dev.spendgate.domain.usage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.pricing.TokenUsage;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class UsageSummaryTest {
    private int ids;

    @Test
    void groupedBy_hourAndDepartment_sumsEachUtcHourExactly() {
        UsageSummary summary = UsageSummary.groupedBy(List.of("hour", "department"));

        summary.add(call("2026-11-03T09:00:00Z", "sales", "0.10"));
        summary.add(call("2026-11-03T09:59:59.999Z", "sales", "0.0000001"));
        summary.add(call("2026-11-03T10:00:00Z", "sales", "0.20"));
        summary.add(call("2026-11-03T09:30:00Z", "legal", "0.05"));

        assertThat(summary.rows())
                .extracting(UsageSummary.Row::key, UsageSummary.Row::costUsd)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(
                                List.of("2026-11-03T10:00:00Z", "sales"), new BigDecimal("0.20")),
                        org.assertj.core.groups.Tuple.tuple(
                                List.of("2026-11-03T09:00:00Z", "sales"), new BigDecimal("0.1000001")),
                        org.assertj.core.groups.Tuple.tuple(
                                List.of("2026-11-03T09:00:00Z", "legal"), new BigDecimal("0.05")));
        assertThat(summary.total().costUsd()).isEqualByComparingTo("0.3500001");
    }

    @Test
    void add_negativeCost_isLeftOutOfEveryFigureAndCounted() {
        UsageSummary summary = UsageSummary.groupedBy(List.of("department"));

        summary.add(call("2026-11-03T09:00:00Z", "sales", "1.50"));
        summary.add(call("2026-11-03T09:10:00Z", "sales", "-500"));

        assertThat(summary.total().costUsd()).isEqualByComparingTo("1.50");
        assertThat(summary.total().calls()).isEqualTo(1);
        assertThat(summary.rows()).singleElement().satisfies(row -> assertThat(row.calls())
                .isEqualTo(1));
        assertThat(summary.negativeCostRecords()).isEqualTo(1);
    }

    @Test
    void add_costAboveTheModelsMaximum_isLeftOutAsTheMonthlyReportQuarantinesIt() {
        UsageSummary summary = UsageSummary.groupedBy(
                List.of("department"), CostCheck.against(dev.spendgate.domain.pricing.PricingCatalog.bundled()));

        summary.add(call("2026-11-03T09:00:00Z", "sales", "0.0000045"));
        // 15 gpt-4o-mini tokens cannot cost $2
        summary.add(call("2026-11-03T09:10:00Z", "sales", "2"));

        assertThat(summary.total().costUsd()).isEqualByComparingTo("0.0000045");
        assertThat(summary.total().calls()).isEqualTo(1);
        assertThat(summary.quarantined()).containsExactly(java.util.Map.entry(CostCheck.Reason.IMPLAUSIBLE_COST, 1L));
        assertThat(summary.quarantinedSentence())
                .isEqualTo("1 records with a cost above the model's maximum for its tokens");
    }

    @Test
    void quarantinedSentence_countsByReasonKey_readsAsTheSummarysOwn() {
        assertThat(UsageSummary.quarantinedSentence(
                        java.util.Map.of("implausible_cost", 1L, "negative_cost", 2L, "new_reason", 3L)))
                .isEqualTo("1 records with a cost above the model's maximum for its tokens, 2 records with a negative"
                        + " cost, 3 records with a cost the check rejected (new_reason)");
        assertThat(UsageSummary.quarantinedSentence(java.util.Map.of())).isEmpty();
    }

    /**
     * The calls refused with nothing billed are the monthly report's "rejected calls": a budget's 429 is one; a call
     * whose answer never arrived (unpriced: its cost is unknown, not none) and a refusal the provider billed are not.
     */
    @Test
    void add_refusedCalls_areCountedApartFromUnpricedAndBilledOnes() {
        UsageSummary summary = UsageSummary.groupedBy(List.of("department"));
        Instant t = Instant.parse("2026-11-03T09:00:00Z");

        summary.add(call("2026-11-03T09:00:00Z", "sales", "0.005"));
        summary.add(failed(t, 429, "budget_exceeded", null, UsageRecord.PricingStatus.NOT_BILLABLE));
        summary.add(failed(t, 502, "upstream_timeout", null, UsageRecord.PricingStatus.UNPRICED));
        summary.add(failed(t, 400, "content_filter", new BigDecimal("0.001"), UsageRecord.PricingStatus.PRICED));

        assertThat(summary.total().calls()).isEqualTo(4);
        assertThat(summary.total().rejectedCalls()).isEqualTo(1);
        assertThat(summary.total().unpricedCalls()).isEqualTo(1);
        assertThat(summary.total().costUsd()).isEqualByComparingTo("0.006");
    }

    @Test
    void groupedBy_unknownDimension_namesTheChoices() {
        assertThatThrownBy(() -> UsageSummary.groupedBy(List.of("minute")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'minute'")
                .hasMessageContaining("day, hour");
    }

    private UsageRecord failed(
            Instant t, int status, String errorType, BigDecimal cost, UsageRecord.PricingStatus pricing) {
        return UsageRecord.builder()
                .requestId("req-" + ids++)
                .tsStart(t)
                .tsEnd(t.plusMillis(500))
                .keyId("key_1")
                .attribution(new Attribution("chat", "sales", null, "prod", null, null, null))
                .provider("openai")
                .endpoint("chat.completions")
                .modelRequested("gpt-4o-mini")
                .statusCode(status)
                .errorType(errorType)
                .tokens(TokenUsage.ZERO)
                .costUsd(cost)
                .pricingStatus(pricing)
                .usageSource(UsageRecord.UsageSource.PROVIDER)
                .build();
    }

    private UsageRecord call(String at, String department, String cost) {
        Instant t = Instant.parse(at);
        return UsageRecord.builder()
                .requestId("req-" + ids++)
                .tsStart(t)
                .tsEnd(t.plusMillis(500))
                .keyId("key_1")
                .attribution(new Attribution("chat", department, null, "prod", null, null, null))
                .provider("openai")
                .endpoint("chat.completions")
                .modelRequested("gpt-4o-mini")
                .modelServed("gpt-4o-mini")
                .statusCode(200)
                .tokens(new TokenUsage(10, 5, 0, 0, 0, 0))
                .costUsd(new BigDecimal(cost))
                .pricingStatus(UsageRecord.PricingStatus.PRICED)
                .usageSource(UsageRecord.UsageSource.PROVIDER)
                .build();
    }
}
