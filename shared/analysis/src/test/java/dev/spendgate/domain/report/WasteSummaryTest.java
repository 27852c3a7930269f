package dev.spendgate.domain.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.YearMonth;
import org.junit.jupiter.api.Test;

class WasteSummaryTest {
    static byte[] findings(int score, String... categoryAndSavings) {
        StringBuilder b = new StringBuilder("{\"efficiency_score\": {\"overall\": " + score + "}, \"findings\": [");
        for (int i = 0; i < categoryAndSavings.length; i += 2) {
            b.append(i == 0 ? "" : ",")
                    .append("{\"category\": \"")
                    .append(categoryAndSavings[i])
                    .append("\", \"monthly_savings_usd\": \"")
                    .append(categoryAndSavings[i + 1])
                    .append("\"}");
        }
        return b.append("]}").toString().getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void stored_picksTheRunOnTheNextMonthsFirstOverEarlierRunsAndNeverTheMonthsOwnFirst() {
        TestStore store = new TestStore();
        store.put("findings/2026-11-01.json", findings(10, "retry_waste", "99"));
        store.put("findings/2026-11-20.json", findings(50, "retry_waste", "5"));
        store.put("findings/2026-12-01.json", findings(80, "retry_waste", "2", "cache_miss", "1.5"));
        store.put("findings/2026-12-02.json", findings(99));

        WasteSummary.Analysis nov =
                WasteSummary.stored(store, YearMonth.of(2026, 11)).orElseThrow();
        WasteSummary.Analysis oct =
                WasteSummary.stored(store, YearMonth.of(2026, 10)).orElseThrow();

        assertThat(nov.score()).isEqualTo(80);
        assertThat(nov.source()).isEqualTo("waste detector run of 2026-12-01");
        assertThat(oct.score()).isEqualTo(10);
        assertThat(WasteSummary.stored(store, YearMonth.of(2026, 9))).isEmpty();
    }

    @Test
    void of_twoAnalysesWithLowerCategoryTotals_callNothingRecovered() {
        TestStore store = new TestStore();
        store.put("findings/2026-11-01.json", findings(60, "retry_waste", "10", "cache_miss", "1"));
        store.put("findings/2026-12-01.json", findings(80, "retry_waste", "2.5", "cache_miss", "3"));
        WasteSummary summary = WasteSummary.of(
                WasteSummary.stored(store, YearMonth.of(2026, 11)).orElseThrow(),
                WasteSummary.stored(store, YearMonth.of(2026, 10)).orElseThrow());

        // retry waste fell from 10 to 2.5 per month: a difference of totals, not a measured recovery
        assertThat(summary.recoveryKnown()).isFalse();
        assertThat(summary.categories())
                .extracting(c -> c.name() + " " + c.recoveredUsd().toPlainString() + " "
                        + c.recoverableUsd().toPlainString())
                .containsExactly(
                        "model mismatch 0 0",
                        "context bloat 0 0",
                        "retry waste 0 2.5",
                        "cache miss 0 3",
                        "ungoverned key 0 0",
                        "prompt cache 0 0",
                        "batch tier 0 0");
        assertThat(summary.totalRecoverableUsd()).isEqualByComparingTo("5.5");
        assertThat(summary.efficiencyScore()).isEqualTo(80);
    }

    @Test
    void of_ungovernedKeys_countAsSpendAtRiskNotAsRecoverable() {
        TestStore store = new TestStore();
        store.put(
                "findings/2026-12-01.json",
                ("{\"efficiency_score\": {\"overall\": 70}, \"findings\": [{\"category\": \"ungoverned_key\","
                                + " \"monthly_savings_usd\": \"0\", \"monthly_spend_at_risk_usd\": \"18.36\"}]}")
                        .getBytes(StandardCharsets.UTF_8));

        WasteSummary summary = WasteSummary.of(
                WasteSummary.stored(store, YearMonth.of(2026, 11)).orElseThrow(), null);

        assertThat(summary.recoveryKnown()).isFalse();
        assertThat(summary.totalRecoverableUsd()).isEqualByComparingTo("0");
        assertThat(summary.totalAtRiskUsd()).isEqualByComparingTo("18.36");
        assertThat(summary.categories().get(4).atRiskUsd()).isEqualByComparingTo("18.36");
    }

    @Test
    void stored_twoRulesOnTheSameKeysCalls_spendAtRiskCountsEachCallOnce() {
        TestStore store = new TestStore();
        // key_1: every call has no budget ($6), a quarter no department ($1.50), $6 at risk in all; key_2 states no
        // cap (a document written before the detail): its findings are added as they are
        String key1 = "\"scope\": {\"type\": \"key\", \"value\": \"key_1\"}, \"evidence\":"
                + " {\"key_spend_at_risk_usd\": \"6.00\"}";
        store.put(
                "findings/2026-12-01.json",
                ("{\"efficiency_score\": {\"overall\": 70}, \"findings\": ["
                                + "{\"category\": \"ungoverned_key\", \"kind\": \"no_budget\", " + key1
                                + ", \"monthly_savings_usd\": \"0\", \"monthly_spend_at_risk_usd\": \"6.00\"},"
                                + "{\"category\": \"ungoverned_key\", \"kind\": \"unattributed\", " + key1
                                + ", \"monthly_savings_usd\": \"0\", \"monthly_spend_at_risk_usd\": \"1.50\"},"
                                + "{\"category\": \"ungoverned_key\", \"kind\": \"no_budget\", \"scope\":"
                                + " {\"type\": \"key\", \"value\": \"key_2\"}, \"monthly_savings_usd\": \"0\","
                                + " \"monthly_spend_at_risk_usd\": \"2.00\"}]}")
                        .getBytes(StandardCharsets.UTF_8));

        WasteSummary summary = WasteSummary.of(
                WasteSummary.stored(store, YearMonth.of(2026, 11)).orElseThrow(), null);

        assertThat(summary.totalAtRiskUsd()).isEqualByComparingTo("8.00");
    }
}
