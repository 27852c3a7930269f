package dev.spendgate.report.reconcile;

import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.report.MonthlyUsage;
import dev.spendgate.domain.simulate.TrafficSimulator;
import java.time.YearMonth;

/** One simulated month of gateway traffic (the seed fixes it), summed as the reports sum it; built once per JVM. */
final class SimulatedMonth {
    static final YearMonth MONTH = YearMonth.of(2026, 11);
    static final PricingCatalog CATALOG = PricingCatalog.bundled();
    private static MonthlyUsage usage;

    private SimulatedMonth() {}

    /** A fresh copy each call, so a test may add to it. */
    static synchronized MonthlyUsage usage() {
        MonthlyUsage u = MonthlyUsage.of(MONTH);
        TrafficSimulator.create(CATALOG, new TrafficSimulator.Settings(MONTH, 16, TrafficSimulator.MIN_CALLS, false))
                .run(u::add, (day, records) -> {});
        usage = u;
        return usage;
    }
}
