package dev.spendgate.domain.reconcile;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.LocalDate;
import java.time.YearMonth;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A month (or month to date) of provider bills compared with the gateway's metered cost: the lines, each provider's
 * totals, and the warnings about the data they rest on.
 *
 * @param through the last day compared (inclusive): the month's last day, or yesterday for a month-to-date run
 * @param thresholdPercent the unexplained share of a provider's bill above which {@link #alarms()} names it
 * @param daysWithoutCostData per provider, the compared days its bill has no cost data for (in order; a provider with
 *     every day is absent): metered cost on them is {@link Explanation#NO_PROVIDER_DATA} and not compared
 */
public record Reconciliation(
        YearMonth month,
        LocalDate through,
        List<ReconciliationLine> lines,
        Map<BillSource, Totals> totals,
        List<String> warnings,
        BigDecimal thresholdPercent,
        Map<BillSource, List<LocalDate>> daysWithoutCostData) {

    public Reconciliation {
        Objects.requireNonNull(month, "month");
        lines = List.copyOf(lines);
        totals = Map.copyOf(totals);
        warnings = List.copyOf(warnings);
        Map<BillSource, List<LocalDate>> days = new java.util.EnumMap<>(BillSource.class);
        daysWithoutCostData.forEach((s, d) -> {
            if (!d.isEmpty()) {
                days.put(s, List.copyOf(d));
            }
        });
        daysWithoutCostData = java.util.Collections.unmodifiableMap(days);
    }

    /** A reconciliation whose bills cover every compared day. */
    public Reconciliation(
            YearMonth month,
            LocalDate through,
            List<ReconciliationLine> lines,
            Map<BillSource, Totals> totals,
            List<String> warnings,
            BigDecimal thresholdPercent) {
        this(month, through, lines, totals, warnings, thresholdPercent, Map.of());
    }

    /**
     * The compared days {@code source}'s bill has no cost data for, as compact ranges ({@code 2026-11-02..2026-11-30,
     * 2026-11-05}); empty when it covers every day or has no bill.
     */
    public String daysWithoutCostDataText(BillSource source) {
        return Reconciler.ranges(daysWithoutCostData.getOrDefault(source, List.of()));
    }

    /**
     * The providers whose unexplained difference is above the threshold, in a sentence each: the lines' unexplained
     * differences summed as absolute values ({@link Totals#unexplainedAbsUsd()}, "sum of |lines|"), which the share
     * rests on, not the signed {@link Totals#unexplainedUsd()} the CSV's {@code unexplained_usd} holds.
     */
    public List<String> alarms() {
        return totals.values().stream()
                .filter(t -> t.unexplainedPercent().compareTo(thresholdPercent) > 0)
                .sorted(java.util.Comparator.comparing(t -> t.source().ordinal()))
                .map(t -> t.source().id() + ": unexplained "
                        + t.unexplainedAbsUsd().setScale(2, RoundingMode.HALF_UP)
                        + " USD (sum of |lines|) is " + t.unexplainedPercent() + " % of "
                        + (t.hasCredits()
                                ? t.chargedUsd().setScale(2, RoundingMode.HALF_UP) + " USD charged before credits ("
                                        + t.billedUsd().setScale(2, RoundingMode.HALF_UP) + " USD billed; threshold "
                                : t.billedUsd().setScale(2, RoundingMode.HALF_UP) + " USD billed (threshold ")
                        + thresholdPercent.stripTrailingZeros().toPlainString() + " %)")
                .toList();
    }

    /**
     * Sums over one provider's lines.
     *
     * @param billedUsd the net bill: charges less credits and refunds
     * @param chargedUsd the sum of the lines billed above zero: the charges before credits and refunds
     * @param estimateSettledUsd the lines' {@link ReconciliationLine#estimateSettledUsd()}
     */
    public record Totals(
            BillSource source,
            BigDecimal billedUsd,
            BigDecimal meteredUsd,
            BigDecimal notSeenUsd,
            BigDecimal priceDriftUsd,
            BigDecimal neverMeteredUsd,
            BigDecimal roundingUsd,
            BigDecimal unexplainedUsd,
            BigDecimal unexplainedAbsUsd,
            BigDecimal meteredWithoutProviderDataUsd,
            BigDecimal chargedUsd,
            BigDecimal estimateSettledUsd) {

        static Totals zero(BillSource source) {
            BigDecimal z = BigDecimal.ZERO;
            return new Totals(source, z, z, z, z, z, z, z, z, z, z, z);
        }

        Totals plus(ReconciliationLine l) {
            boolean noData = l.explanation() == Explanation.NO_PROVIDER_DATA;
            return new Totals(
                    source,
                    billedUsd.add(l.billedUsd()),
                    meteredUsd.add(l.meteredUsd()),
                    notSeenUsd.add(l.notSeenUsd()),
                    priceDriftUsd.add(l.priceDriftUsd()),
                    neverMeteredUsd.add(l.neverMeteredUsd()),
                    roundingUsd.add(l.roundingUsd()),
                    unexplainedUsd.add(l.unexplainedUsd()),
                    unexplainedAbsUsd.add(l.unexplainedUsd().abs()),
                    noData ? meteredWithoutProviderDataUsd.add(l.meteredUsd()) : meteredWithoutProviderDataUsd,
                    l.billedUsd().signum() > 0 ? chargedUsd.add(l.billedUsd()) : chargedUsd,
                    estimateSettledUsd.add(l.estimateSettledUsd()));
        }

        /** Whether credits or refunds lower the bill below the charges. */
        public boolean hasCredits() {
            return chargedUsd.compareTo(billedUsd) != 0;
        }

        /** Billed minus metered, leaving out metered cost on days without provider data. */
        public BigDecimal differenceUsd() {
            return billedUsd.subtract(meteredUsd.subtract(meteredWithoutProviderDataUsd));
        }

        /**
         * Unexplained differences (absolute, so opposite lines do not cancel) as a share of the charges before credits
         * and refunds ({@link #chargedUsd()}), 2 decimals: an account on credits is not alarmed by a small difference
         * measured against a net bill near zero.
         */
        public BigDecimal unexplainedPercent() {
            if (chargedUsd.signum() == 0) {
                return unexplainedAbsUsd.signum() == 0
                        ? BigDecimal.ZERO.setScale(2)
                        : BigDecimal.valueOf(100).setScale(2);
            }
            return unexplainedAbsUsd.multiply(BigDecimal.valueOf(100)).divide(chargedUsd, 2, RoundingMode.HALF_UP);
        }
    }
}
