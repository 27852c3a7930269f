package dev.spendgate.domain.waste;

import dev.spendgate.domain.pricing.ModelPrice;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.store.ObjectStore;
import dev.spendgate.domain.usage.UsageLogReader;
import dev.spendgate.domain.usage.UsageLogReader.ReadStats;
import dev.spendgate.domain.usage.UsageRecord;
import java.math.BigDecimal;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Runs the waste detectors over the usage log of a window in one streaming pass and ranks what they find. Each
 * record is seen once and dropped; what is kept grows with the number of features, models, keys and scopes with
 * waste, never with the number of records (see each detector for its bound).
 */
public final class WasteAnalyzer {
    private final PricingCatalog catalog;
    private final Governance governance;
    private final Clock clock;

    private WasteAnalyzer(PricingCatalog catalog, Governance governance, Clock clock) {
        this.catalog = Objects.requireNonNull(catalog, "catalog");
        this.governance = Objects.requireNonNull(governance, "governance");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    public static WasteAnalyzer create(PricingCatalog catalog, Governance governance, Clock clock) {
        return new WasteAnalyzer(catalog, governance, clock);
    }

    /** Reads {@code [window.from, window.to)} from the store's usage log and analyses it. */
    public WasteReport analyze(ObjectStore store, WasteWindow window) {
        return analyze(store, window, 1);
    }

    /** As {@link #analyze(ObjectStore, WasteWindow)}, fetching up to {@code fetchAhead} log objects in parallel. */
    public WasteReport analyze(ObjectStore store, WasteWindow window, int fetchAhead) {
        Pass pass = newPass();
        ReadStats stats = UsageLogReader.create(store).read(window.from(), window.to(), pass::accept, fetchAhead);
        return pass.finish(window, stats);
    }

    /** A pass fed record by record, for callers that read the log themselves. */
    public Pass newPass() {
        return new Pass();
    }

    /** One streaming pass over the records of a window. */
    public final class Pass {
        private final RetryDetector retry = new RetryDetector();
        private final ModelMismatchDetector mismatch = new ModelMismatchDetector(catalog);
        private final ContextBloatDetector bloat = new ContextBloatDetector();
        private final CacheMissDetector cache = new CacheMissDetector();
        private final UngovernedKeyDetector ungoverned = new UngovernedKeyDetector(governance);
        private final PromptCacheDetector promptCache = new PromptCacheDetector();
        private final BatchTierDetector batch = new BatchTierDetector();
        private final Map<String, Optional<ModelPrice>> prices = new HashMap<>();
        private final Map<String, BigDecimal> spendByFeature = new LinkedHashMap<>();
        private final Call call = new Call();
        private BigDecimal spend = BigDecimal.ZERO;
        private long calls;

        private Pass() {}

        public void accept(UsageRecord r) {
            Call c = call;
            c.record = r;
            c.price = price(r);
            c.model = c.price != null ? c.price.model() : r.pricedModel();
            c.cost = Call.costOf(r);
            c.ok = Call.success(r) && c.cost.signum() > 0;
            c.feature = r.attribution().feature() == null
                    ? Call.UNATTRIBUTED
                    : r.attribution().feature();
            c.redundantRetry = false;
            calls++;
            spend = spend.add(c.cost);
            spendByFeature.merge(c.feature, c.cost, BigDecimal::add);
            retry.accept(c);
            mismatch.accept(c);
            bloat.accept(c);
            cache.accept(c);
            ungoverned.accept(c);
            promptCache.accept(c);
            batch.accept(c);
        }

        private ModelPrice price(UsageRecord r) {
            String model = r.pricedModel();
            String provider = r.pricedProvider();
            if (provider == null || model == null) {
                return null;
            }
            return prices.computeIfAbsent(provider + "\u0000" + model, k -> catalog.find(provider, model))
                    .orElse(null);
        }

        public WasteReport finish(WasteWindow window, ReadStats stats) {
            List<Finding> findings = new ArrayList<>();
            findings.addAll(mismatch.findings(window));
            findings.addAll(bloat.findings(window));
            findings.addAll(retry.findings(window));
            findings.addAll(cache.findings(window));
            findings.addAll(ungoverned.findings(window));
            findings.addAll(promptCache.findings(window));
            findings.addAll(batch.findings(window));
            findings.sort(Comparator.comparing(Finding::monthlySavingsUsd)
                    .thenComparing(Finding::monthlySpendAtRiskUsd)
                    .reversed()
                    .thenComparing(Finding::id));

            Map<String, BigDecimal> wasteByFeature = new HashMap<>();
            BigDecimal totalWaste = BigDecimal.ZERO;
            for (Finding f : findings) {
                if (f.windowSavingsUsd().signum() > 0) {
                    String feature = f.feature() == null ? Call.UNATTRIBUTED : f.feature();
                    wasteByFeature.merge(feature, f.windowSavingsUsd(), BigDecimal::add);
                    totalWaste = totalWaste.add(f.windowSavingsUsd());
                }
            }
            Map<String, BigDecimal> atRisk = ungoverned.atRiskByFeature();
            BigDecimal totalAtRisk = atRisk.values().stream().reduce(BigDecimal.ZERO, BigDecimal::add);
            List<EfficiencyScore> scores = new ArrayList<>();
            for (Map.Entry<String, BigDecimal> e : spendByFeature.entrySet()) {
                if (e.getValue().signum() == 0) {
                    continue;
                }
                scores.add(EfficiencyScore.of(
                        e.getKey(),
                        e.getValue(),
                        wasteByFeature.getOrDefault(e.getKey(), BigDecimal.ZERO),
                        atRisk.getOrDefault(e.getKey(), BigDecimal.ZERO)));
            }
            scores.sort(Comparator.comparingInt(EfficiencyScore::score).thenComparing(EfficiencyScore::feature));
            return new WasteReport(
                    clock.instant(),
                    window,
                    stats,
                    calls,
                    spend,
                    findings,
                    EfficiencyScore.of(null, spend, totalWaste, totalAtRisk),
                    scores);
        }
    }
}
