package dev.spendgate.report.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.pricing.ModelPrice;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.reconcile.BillSource;
import dev.spendgate.domain.reconcile.Explanation;
import dev.spendgate.domain.reconcile.ProviderBill;
import dev.spendgate.domain.reconcile.Reconciler;
import dev.spendgate.domain.reconcile.Reconciliation;
import dev.spendgate.domain.reconcile.ReconciliationLine;
import dev.spendgate.domain.reconcile.TokenKind;
import dev.spendgate.domain.report.MonthlyUsage;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The four "Done when" cases on a simulated month, through the real file importers. */
class ReconcileTest {
    static MonthlyUsage metered;

    @TempDir
    Path dir;

    @BeforeAll
    static void simulate() {
        metered = SimulatedMonth.usage();
    }

    Reconciliation reconcile(ProviderFiles f) throws Exception {
        return reconcile(f, metered);
    }

    Reconciliation reconcile(ProviderFiles f, MonthlyUsage metered) throws Exception {
        Path oc = Files.writeString(dir.resolve("openai-costs.json"), ProviderFiles.json(f.openAiCostPages(7)));
        Path ou = Files.writeString(dir.resolve("openai-usage.json"), ProviderFiles.json(f.openAiUsagePages(31)));
        Path ac = Files.writeString(dir.resolve("anthropic-cost.json"), ProviderFiles.json(f.anthropicCostPages(7)));
        Path au = Files.writeString(dir.resolve("anthropic-usage.json"), ProviderFiles.json(f.anthropicUsagePages(31)));
        List<ProviderBill> bills = List.of(OpenAiBill.read(List.of(oc, ou)), AnthropicBill.read(List.of(ac, au)));
        return Reconciler.create(SimulatedMonth.CATALOG, Reconciler.DEFAULT_THRESHOLD_PERCENT)
                .reconcile(metered, null, bills);
    }

    @Test
    void reconcile_identicalTraffic_zeroUnexplainedAndEveryLineMatched() throws Exception {
        Reconciliation r = reconcile(ProviderFiles.of(metered, SimulatedMonth.CATALOG));

        assertThat(r.lines()).isNotEmpty();
        assertThat(r.lines()).allSatisfy(l -> assertThat(l.explanation()).isEqualTo(Explanation.MATCHED));
        for (BillSource s : List.of(BillSource.OPENAI, BillSource.ANTHROPIC)) {
            Reconciliation.Totals t = r.totals().get(s);
            assertThat(t.unexplainedUsd()).isZero();
            assertThat(t.billedUsd()).isEqualByComparingTo(t.meteredUsd());
        }
        BigDecimal billed = r.totals().values().stream()
                .map(Reconciliation.Totals::billedUsd)
                .reduce(BigDecimal.ZERO, BigDecimal::add);
        assertThat(billed).isEqualByComparingTo(metered.totalCostUsd());
        assertThat(r.alarms()).isEmpty();
        assertThat(r.warnings()).isEmpty();
    }

    @Test
    void reconcile_rawKeyTeam_notSeenByGatewayOnItsDaysAndModel() throws Exception {
        ProviderFiles f = ProviderFiles.of(metered, SimulatedMonth.CATALOG);
        ModelPrice mini = SimulatedMonth.CATALOG.find("openai", "gpt-4o-mini").orElseThrow();
        TokenUsage raw = TokenUsage.openAi(2_000_000, 0, 500_000, 0);
        List<LocalDate> days =
                List.of(LocalDate.of(2026, 11, 10), LocalDate.of(2026, 11, 11), LocalDate.of(2026, 11, 12));
        for (LocalDate d : days) {
            f.usage.add(new ProviderFiles.Usage(d, "openai", "gpt-4o-mini-2024-07-18", "key_rawteam", raw, mini));
        }

        Reconciliation r = reconcile(f);

        BigDecimal perDay = mini.cost(raw); // 2M input at 0.15 + 0.5M output at 0.60 = 0.60 USD
        assertThat(perDay).isEqualByComparingTo("0.60");
        List<ReconciliationLine> notSeen = r.lines().stream()
                .filter(l -> l.explanation() == Explanation.NOT_SEEN_BY_GATEWAY)
                .toList();
        assertThat(notSeen).extracting(ReconciliationLine::day).containsExactlyElementsOf(days);
        assertThat(notSeen).allSatisfy(l -> {
            assertThat(l.model()).startsWith("gpt-4o-mini");
            assertThat(l.notSeenUsd()).isEqualByComparingTo(perDay);
            assertThat(l.differenceUsd()).isEqualByComparingTo(perDay);
            assertThat(l.accounts()).containsKey("proj_key_rawteam");
        });
        assertThat(r.lines()).filteredOn(l -> !notSeen.contains(l)).allSatisfy(l -> assertThat(l.explanation())
                .isEqualTo(Explanation.MATCHED));
        assertThat(r.totals().get(BillSource.OPENAI).notSeenUsd()).isEqualByComparingTo("1.80");
        assertThat(r.totals().get(BillSource.OPENAI).unexplainedUsd()).isZero();
    }

    @Test
    void reconcile_priceChange_priceDriftWithTheImpliedUnitPrice() throws Exception {
        ProviderFiles f = ProviderFiles.of(metered, SimulatedMonth.CATALOG);
        LocalDate from = LocalDate.of(2026, 11, 15);
        ModelPrice catalogPrice =
                SimulatedMonth.CATALOG.find("anthropic", "claude-sonnet-4-5").orElseThrow();
        ModelPrice raised = new ModelPrice(
                "anthropic",
                "claude-sonnet-4-5",
                List.of(),
                null,
                null,
                new BigDecimal("3.30"),
                catalogPrice.cachedInput(),
                catalogPrice.cacheWrite5m(),
                catalogPrice.cacheWrite1h(),
                catalogPrice.output(),
                null,
                from);
        f.usage.replaceAll(u -> u.provider().equals("anthropic")
                        && u.model().startsWith("claude-sonnet-4-5")
                        && !u.day().isBefore(from)
                ? new ProviderFiles.Usage(u.day(), u.provider(), u.model(), u.account(), u.tokens(), raised)
                : u);

        Reconciliation r = reconcile(f);

        List<ReconciliationLine> drift = r.lines().stream()
                .filter(l -> l.explanation() == Explanation.PRICE_DRIFT)
                .toList();
        assertThat(drift).isNotEmpty();
        assertThat(drift).allSatisfy(l -> {
            assertThat(l.day()).isAfterOrEqualTo(from);
            assertThat(l.model()).startsWith("claude-sonnet-4-5");
            assertThat(l.impliedUsdPerMillion().get(TokenKind.INPUT)).isEqualByComparingTo("3.30");
            assertThat(l.catalogUsdPerMillion().get(TokenKind.INPUT)).isEqualByComparingTo("3.00");
            assertThat(l.impliedUsdPerMillion().get(TokenKind.OUTPUT)).isEqualByComparingTo("15");
            BigDecimal expected = new BigDecimal("0.30")
                    .multiply(BigDecimal.valueOf(l.providerTokens().uncachedInputTokens()))
                    .movePointLeft(6);
            assertThat(l.priceDriftUsd()).isEqualByComparingTo(expected);
        });
        assertThat(r.lines())
                .filteredOn(l -> l.model() != null
                        && l.model().startsWith("claude-sonnet-4-5")
                        && !l.day().isBefore(from))
                .allSatisfy(l -> assertThat(l.explanation()).isEqualTo(Explanation.PRICE_DRIFT));
        assertThat(r.totals().get(BillSource.ANTHROPIC).unexplainedUsd()).isZero();
    }

    @Test
    void reconcile_batchAndStorage_neverMetered() throws Exception {
        ProviderFiles f = ProviderFiles.of(metered, SimulatedMonth.CATALOG);
        LocalDate d = LocalDate.of(2026, 11, 20);
        f.extras.add(new ProviderFiles.Extra(
                d, "openai", "gpt-4o-2024-08-06, batch input", new BigDecimal("4.125"), null, null));
        f.extras.add(new ProviderFiles.Extra(d, "openai", "file search storage", new BigDecimal("0.10"), null, null));
        f.extras.add(new ProviderFiles.Extra(
                d, "anthropic", "Claude Sonnet 4.5 Batch Usage", new BigDecimal("7.50"), "batch", "tokens"));
        f.extras.add(new ProviderFiles.Extra(
                d, "anthropic", "Web Search Usage", new BigDecimal("0.20"), null, "web_search"));

        Reconciliation r = reconcile(f);

        assertThat(r.lines())
                .filteredOn(l -> l.explanation() == Explanation.NEVER_METERED)
                .extracting(l -> l.source().id() + " " + l.item() + " "
                        + l.billedUsd().stripTrailingZeros().toPlainString())
                .containsExactlyInAnyOrder(
                        "openai batch 4.125",
                        "openai storage 0.1",
                        "anthropic batch 7.5",
                        "anthropic tool calls: web_search 0.2");
        assertThat(r.totals().get(BillSource.OPENAI).neverMeteredUsd()).isEqualByComparingTo("4.225");
        assertThat(r.totals().get(BillSource.ANTHROPIC).neverMeteredUsd()).isEqualByComparingTo("7.70");
        assertThat(r.totals().get(BillSource.OPENAI).unexplainedUsd()).isZero();
        assertThat(r.alarms()).isEmpty();

        String csv = ReconciliationCsv.write(r, Map.of());
        assertThat(csv.lines().filter(l -> l.contains(",never_metered,"))).hasSize(4);

        List<dev.spendgate.domain.report.FocusCharge> focus = ProviderBillRows.focusCharges(r);
        assertThat(focus)
                .extracting(c -> c.provider() + " " + c.note() + " "
                        + c.billedCost().stripTrailingZeros().toPlainString())
                .containsExactlyInAnyOrder(
                        // the model is named, as on other providers' batch lines: OpenAI's "<model>, batch input"
                        "openai provider_bill: batch (gpt-4o-2024-08-06) 4.125",
                        "openai provider_bill: storage 0.1",
                        "anthropic provider_bill: batch 7.5",
                        "anthropic provider_bill: tool calls: web_search 0.2");
        assertThat(focus).allSatisfy(c -> assertThat(c.tags()).containsEntry("x_CostSource", "provider_bill"));
        assertThat(ProviderBillRows.status(r)).anySatisfy(s -> assertThat(s)
                .startsWith("openai: $")
                .contains("matched within 0.0 %; $4.23 not metered by the gateway"));
    }

    @Test
    void reconcile_webSearchFees_matchTheProvidersToolCallsLine() throws Exception {
        // the gateway records Sonnet 4.5 calls' 20 searches in their cost ($10 per 1,000); Anthropic bills their fee
        // on its own cost line without a model, and the tokens on the model's lines
        MonthlyUsage searched = MonthlyUsage.of(metered.month());
        LocalDate d = metered.month().atDay(12);
        java.time.Instant t = d.atTime(10, 0).toInstant(java.time.ZoneOffset.UTC);
        TokenUsage tokens = TokenUsage.anthropic(100_000, 0, 0, 0, 10_000).withWebSearches(20);
        BigDecimal cost = SimulatedMonth.CATALOG
                .find("anthropic", "claude-sonnet-4-5")
                .orElseThrow()
                .cost(tokens);
        assertThat(cost).isEqualByComparingTo("0.65"); // 100,000 x $3 + 10,000 x $15 per 1M + 20 x $0.01
        searched.add(dev.spendgate.domain.usage.UsageRecord.builder()
                .requestId("req-ws")
                .tsStart(t)
                .tsEnd(t.plusSeconds(9))
                .keyId("key_1")
                .provider("anthropic")
                .endpoint("messages")
                .modelRequested("claude-sonnet-4-5")
                .modelServed("claude-sonnet-4-5-20250929")
                .tokens(tokens)
                .costUsd(cost)
                .pricingStatus(dev.spendgate.domain.usage.UsageRecord.PricingStatus.PRICED)
                .usageSource(dev.spendgate.domain.usage.UsageRecord.UsageSource.PROVIDER)
                .build());
        ProviderFiles f = ProviderFiles.of(searched, SimulatedMonth.CATALOG);
        f.extras.add(new ProviderFiles.Extra(d, "anthropic", "Web Search", new BigDecimal("0.20"), null, "web_search"));

        Reconciliation r = reconcile(f, searched);

        List<ReconciliationLine> anthropic = r.lines().stream()
                .filter(l -> l.source() == BillSource.ANTHROPIC)
                .toList();
        assertThat(anthropic)
                .extracting(l -> l.item() + " " + l.explanation() + " "
                        + l.billedUsd().stripTrailingZeros().toPlainString() + " "
                        + l.meteredUsd().stripTrailingZeros().toPlainString())
                .containsExactlyInAnyOrder("tokens MATCHED 0.45 0.45", "tool calls: web_search MATCHED 0.2 0.2");
        Reconciliation.Totals totals = r.totals().get(BillSource.ANTHROPIC);
        assertThat(totals.unexplainedUsd()).isZero();
        assertThat(totals.neverMeteredUsd()).isZero();
        assertThat(totals.priceDriftUsd()).isZero();
    }
}
