package dev.spendgate.domain.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spendgate.domain.pricing.TokenUsage;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.YearMonth;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChargebackTest {
    static final YearMonth MONTH = YearMonth.of(2026, 11);

    static void spend(MonthlyUsage usage, String department, String team, String feature, String cost) {
        usage.add(
                new CellKey(LocalDate.of(2026, 11, 2), "openai", "gpt-4o", "k", feature, department, team, "prod"),
                CellTotals.of(1, 1, 0, TokenUsage.openAi(10, 0, 1, 0), new BigDecimal(cost)));
    }

    static ChargebackRules rules(String json) {
        return ChargebackRules.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void of_fixedSharedRule_splitsBySharesAndRoundsToTheCentWithoutLosingOne() {
        MonthlyUsage usage = MonthlyUsage.of(MONTH);
        spend(usage, "support", null, "chat", "0.005");
        spend(usage, "eng", null, "search", "0.005");
        spend(usage, "platform", null, "gateway", "1.00");
        Chargeback c = Chargeback.of(usage, rules("""
                {"suspense": {"gl_account": "6999", "cost_centre": "SUSP"},
                 "rules": [{"department": "support", "gl_account": "6100", "cost_centre": "CC-1"},
                           {"department": "eng", "gl_account": "6200", "cost_centre": "CC-2"}],
                 "shared": [{"department": "platform", "allocation": "fixed", "gl_account": "6300",
                             "shares": {"CC-1": "33.3", "CC-2": "66.7"}}]}"""));

        assertThat(c.lines())
                .extracting(l -> l.kind().label() + " " + l.costCentre() + " "
                        + l.exactAmountUsd().toPlainString())
                .containsExactly("direct CC-2 0.005", "direct CC-1 0.005", "shared CC-1 0.333", "shared CC-2 0.667");
        assertThat(c.totalUsd()).isEqualByComparingTo("1.01");
        assertThat(c.lines().stream().map(Chargeback.Line::amountUsd).reduce(BigDecimal.ZERO, BigDecimal::add))
                .isEqualByComparingTo("1.01");
    }

    @Test
    void of_sharedSpreadOverThreeCostCentres_callsSumToTheCallsMade() {
        MonthlyUsage usage = MonthlyUsage.of(MONTH);
        spend(usage, "support", null, "chat", "1.00");
        spend(usage, "eng", null, "search", "1.00");
        spend(usage, "sales", null, "email", "1.00");
        for (int i = 0; i < 7; i++) {
            spend(usage, "platform", null, "gateway", "0.10");
        }
        Chargeback c = Chargeback.of(usage, rules("""
                {"suspense": {"gl_account": "6999", "cost_centre": "SUSP"},
                 "rules": [{"department": "support", "gl_account": "6100", "cost_centre": "CC-1"},
                           {"department": "eng", "gl_account": "6200", "cost_centre": "CC-2"},
                           {"department": "sales", "gl_account": "6300", "cost_centre": "CC-3"}],
                 "shared": [{"department": "platform", "allocation": "proportional", "gl_account": "6400"}]}"""));

        List<Chargeback.Line> shared = c.lines().stream()
                .filter(l -> l.kind().label().equals("shared"))
                .toList();
        assertThat(shared).hasSize(3);
        assertThat(shared.stream().mapToLong(Chargeback.Line::calls).sum()).isEqualTo(7);
        assertThat(shared).extracting(Chargeback.Line::calls).allSatisfy(n -> assertThat(n)
                .isBetween(2L, 3L));
    }

    /**
     * Calls that cost nothing known are still calls finance must see: legal's 3 calls to an unpriced model (no rule:
     * suspense), eng's 2 cache hits at $0 and 1 rejected call (direct), platform's 2 unpriced calls (a fixed shared
     * rule). Each group is a $0 line, the unpriced calls named in the note, and the calls column sums to the 9 calls
     * made, as the board PDF counts them.
     */
    @Test
    void of_groupsWithNoKnownCost_areListedAtZeroAndEveryCallIsCounted() {
        MonthlyUsage usage = MonthlyUsage.of(MONTH);
        LocalDate day = LocalDate.of(2026, 11, 2);
        spend(usage, "support", null, "chat", "1.00");
        usage.add(
                new CellKey(day, "openai", "private-x", "k", "contracts", "legal", null, "prod"),
                CellTotals.of(3, 0, 3, TokenUsage.ZERO, BigDecimal.ZERO));
        usage.add(
                new CellKey(day, "openai", "gpt-4o", "k", "search", "eng", null, "prod"),
                CellTotals.of(3, 2, 0, TokenUsage.ZERO, BigDecimal.ZERO));
        usage.add(
                new CellKey(day, "openai", "private-x", "k", "gateway", "platform", null, "prod"),
                CellTotals.of(2, 0, 2, TokenUsage.ZERO, BigDecimal.ZERO));
        Chargeback c = Chargeback.of(usage, rules("""
                {"suspense": {"gl_account": "6999", "cost_centre": "SUSP"},
                 "rules": [{"department": "support", "gl_account": "6100", "cost_centre": "CC-1"},
                           {"department": "eng", "gl_account": "6200", "cost_centre": "CC-2"}],
                 "shared": [{"department": "platform", "allocation": "fixed", "gl_account": "6300",
                             "shares": {"CC-1": "40", "CC-2": "60"}}]}"""));

        assertThat(c.lines())
                .extracting(l -> l.kind().label() + " " + l.department() + " " + l.costCentre() + " " + l.calls() + " "
                        + l.amountUsd().toPlainString() + " " + l.note())
                .containsExactly(
                        "direct eng CC-2 3 0.00 null",
                        "direct support CC-1 1 1.00 null",
                        "shared platform CC-2 2 0.00 shared: fixed shares; cost unknown: 2 unpriced calls in the"
                                + " shared group (no catalog price for their model, tier or a tool they ran)",
                        "suspense legal SUSP 3 0.00 unmapped: no chargeback rule matches; cost unknown: 3 unpriced"
                                + " calls (no catalog price for their model, tier or a tool they ran)");
        assertThat(c.lines().stream().mapToLong(Chargeback.Line::calls).sum()).isEqualTo(9);
        assertThat(c.totalUsd()).isEqualByComparingTo("1.00");
    }

    /**
     * Support's line holds three unpriced calls with three causes: a model the catalog has no price for, a call whose
     * provider timed out ({@code upstream_timeout}), and a gpt-4o-mini call a killed gateway cut off with no budget on
     * it ({@code error_type: unsettled}). The note counts each under its cause, so finance does not look in the catalog
     * for the price of a model it already has.
     */
    @Test
    void of_unpricedCallsOfSeveralCauses_noteCountsEachUnderItsCause() {
        MonthlyUsage usage = MonthlyUsage.of(MONTH);
        java.time.Instant t = java.time.Instant.parse("2026-11-02T10:00:00Z");
        usage.add(unpriced("no-price", t, "private-x", null));
        usage.add(unpriced("timed-out", t.plusSeconds(1), "gpt-4o-mini", "upstream_timeout"));
        usage.add(unpriced("killed", t.plusSeconds(2), "gpt-4o-mini", "unsettled"));
        Chargeback c = Chargeback.of(usage, rules("""
                {"suspense": {"gl_account": "6999", "cost_centre": "SUSP"},
                 "rules": [{"department": "support", "gl_account": "6100", "cost_centre": "CC-1"}]}"""));

        assertThat(c.lines())
                .extracting(Chargeback.Line::note)
                .containsExactly("cost unknown: 3 unpriced calls (1"
                        + " without a catalog price for its model, tier or a tool it ran and 1 whose provider's answer never"
                        + " arrived whole and 1 cut off mid-call by a gateway stop)");
    }

    /** A killed gateway's call alone: named as that, not as a price missing from the catalog. */
    @Test
    void of_unpricedCallCutOffByAGatewayStop_noteSaysSo() {
        MonthlyUsage usage = MonthlyUsage.of(MONTH);
        usage.add(unpriced("killed", java.time.Instant.parse("2026-11-02T10:00:00Z"), "gpt-4o-mini", "unsettled"));
        Chargeback c = Chargeback.of(usage, rules("""
                {"suspense": {"gl_account": "6999", "cost_centre": "SUSP"},
                 "rules": [{"department": "support", "gl_account": "6100", "cost_centre": "CC-1"}]}"""));

        assertThat(c.lines())
                .extracting(Chargeback.Line::note)
                .containsExactly("cost unknown: 1 unpriced call (cut off mid-call by a gateway stop)");
    }

    private static dev.spendgate.domain.usage.UsageRecord unpriced(
            String id, java.time.Instant t, String model, String errorType) {
        return dev.spendgate.domain.usage.UsageRecord.builder()
                .requestId(id)
                .tsStart(t)
                .tsEnd(t.plusSeconds(1))
                .keyId("k")
                .attribution(new dev.spendgate.domain.attribution.Attribution(
                        "chat", "support", null, "prod", null, null, null))
                .provider("openai")
                .endpoint("/v1/chat/completions")
                .modelRequested(model)
                .modelServed(model)
                .statusCode(errorType == null ? 200 : 0)
                .tokens(TokenUsage.ZERO)
                .pricingStatus(dev.spendgate.domain.usage.UsageRecord.PricingStatus.UNPRICED)
                .errorType(errorType)
                .build();
    }

    /**
     * Amounts charged at the reserved worst case are estimates (the FOCUS file tags them {@code x_Estimated}): eng's
     * $5.00 of one unsettled call and $1.00 billed, and platform's shared $2.00, $1.00 of it a worst case, split 60/40.
     * Each line's note says how much of its amount is an estimate.
     */
    @Test
    void of_worstCaseEstimates_areNamedInTheNoteWithTheirAmount() {
        MonthlyUsage usage = MonthlyUsage.of(MONTH);
        LocalDate day = LocalDate.of(2026, 11, 2);
        spend(usage, "support", null, "chat", "1.00");
        spend(usage, "eng", null, "search", "1.00");
        usage.add(
                new CellKey(day, "openai", "gpt-4o", "k2", "search", "eng", null, "prod"),
                CellTotals.of(1, 1, 0, TokenUsage.ZERO, new BigDecimal("5.00"), 1, new BigDecimal("5.00")));
        usage.add(
                new CellKey(day, "openai", "gpt-4o", "k", "gateway", "platform", null, "prod"),
                CellTotals.of(
                        2, 2, 0, TokenUsage.openAi(10, 0, 1, 0), new BigDecimal("2.00"), 1, new BigDecimal("1.00")));
        Chargeback c = Chargeback.of(usage, rules("""
                {"suspense": {"gl_account": "6999", "cost_centre": "SUSP"},
                 "rules": [{"department": "support", "gl_account": "6100", "cost_centre": "CC-1"}],
                 "shared": [{"department": "platform", "allocation": "fixed", "gl_account": "6300",
                             "shares": {"CC-1": "40", "CC-2": "60"}}]}"""));

        assertThat(c.lines())
                .extracting(l -> l.kind().label() + " " + l.department() + " " + l.costCentre() + " "
                        + l.amountUsd().toPlainString() + " " + l.note())
                .containsExactly(
                        "direct support CC-1 1.00 null",
                        "shared platform CC-1 0.80 shared: fixed shares; includes $0.40 charged at the reserved worst"
                                + " case (estimate, not a provider-reported cost)",
                        "shared platform CC-2 1.20 shared: fixed shares; includes $0.60 charged at the reserved worst"
                                + " case (estimate, not a provider-reported cost)",
                        "suspense eng SUSP 6.00 unmapped: no chargeback rule matches; includes $5.00 charged at the"
                                + " reserved worst case (estimate, not a provider-reported cost)");
    }

    @Test
    void of_billedBeyondTheMetering_oneSuspenseLinePerProviderAccountAndClassSummingToTheBill() {
        MonthlyUsage usage = MonthlyUsage.of(MONTH);
        spend(usage, "support", null, "chat", "10.00");
        Chargeback c = Chargeback.of(
                usage,
                rules("""
                {"suspense": {"gl_account": "6999", "cost_centre": "SUSP"},
                 "rules": [{"department": "support", "gl_account": "6100", "cost_centre": "CC-1"}]}"""),
                List.of(
                        new Chargeback.BilledBeyond(
                                "openai", "proj_raw", "not_seen_by_gateway", new BigDecimal("0.60")),
                        new Chargeback.BilledBeyond(
                                "openai", "proj_raw", "not_seen_by_gateway", new BigDecimal("1.20")),
                        new Chargeback.BilledBeyond("openai", null, "never_metered", new BigDecimal("4.225")),
                        new Chargeback.BilledBeyond("anthropic", "wrkspc_1", "price_drift", new BigDecimal("-0.30"))));

        assertThat(c.suspense())
                .extracting(l -> l.glAccount() + " " + l.costCentre() + " " + l.calls() + " "
                        + l.exactAmountUsd().toPlainString() + " " + l.note())
                .containsExactly(
                        "6999 SUSP 0 -0.3 provider bill (anthropic, account wrkspc_1): price_drift, billed beyond the"
                                + " gateway's metering",
                        "6999 SUSP 0 4.225 provider bill (openai, account not known): never_metered, billed beyond"
                                + " the gateway's metering",
                        "6999 SUSP 0 1.8 provider bill (openai, account proj_raw): not_seen_by_gateway, billed beyond"
                                + " the gateway's metering");
        assertThat(c.totalExactUsd()).isEqualByComparingTo("15.725");
        assertThat(c.lines().stream().map(Chargeback.Line::amountUsd).reduce(BigDecimal.ZERO, BigDecimal::add))
                .isEqualByComparingTo(c.totalUsd())
                .isEqualByComparingTo("15.73");
    }

    @Test
    void of_noRuleAndNoDepartment_goesToSuspenseWithTheReason() {
        MonthlyUsage usage = MonthlyUsage.of(MONTH);
        spend(usage, null, null, "chat", "2");
        spend(usage, "legal", null, "contracts", "3");
        Chargeback c = Chargeback.of(usage, ChargebackRules.NONE);

        assertThat(c.suspense())
                .extracting(Chargeback.Line::note)
                .containsExactly(
                        "unmapped: no chargeback rule matches", "unattributed: the calls carried no department");
        assertThat(c.totalUsd()).isEqualByComparingTo("5.00");
    }

    @Test
    void largestRemainder_thirds_giveTheSpareCentToTheLargestRemainder() {
        List<BigDecimal> cents = Chargeback.largestRemainder(
                List.of(new BigDecimal("0.3333"), new BigDecimal("0.3334"), new BigDecimal("0.3333")),
                new BigDecimal("1.00"));
        assertThat(cents).extracting(BigDecimal::toPlainString).containsExactly("0.33", "0.34", "0.33");
    }

    @Test
    void parse_fixedSharesNotSummingTo100_isRejectedNamingTheRule() {
        assertThatThrownBy(() -> rules("""
                {"shared": [{"department": "platform", "allocation": "fixed", "gl_account": "1",
                             "shares": {"A": "50", "B": "40"}}]}"""))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("shared[0]")
                .hasMessageContaining("sum to 100");
    }

    @Test
    void parse_misspeltKey_isRejectedNamingTheEntryAndKey() {
        assertThatThrownBy(() -> rules("""
                {"rules": [{"department": "sales", "gl_account": "1", "cost_centre": "CC-1"},
                           {"departmnt": "support", "gl_account": "2", "cost_centre": "CC-2"}]}"""))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("rules[1]: unknown key 'departmnt'");
        assertThatThrownBy(() -> rules("""
                {"shared": [{"feature": "x", "alocation": "fixed", "gl_account": "1"}]}""")).hasMessageContaining("shared[0]: unknown key 'alocation'");
        assertThatThrownBy(() -> rules("""
                {"suspense": {"gl_acount": "6999"}}""")).hasMessageContaining("suspense: unknown key 'gl_acount'");
        assertThatThrownBy(() -> rules("""
                {"rule": [{"department": "sales", "gl_account": "1", "cost_centre": "CC-1"}]}""")).hasMessageContaining("unknown key 'rule'");
    }
}
