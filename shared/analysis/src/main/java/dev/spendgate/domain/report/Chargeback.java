package dev.spendgate.domain.report;

import dev.spendgate.domain.reconcile.Explanation;
import dev.spendgate.domain.report.ChargebackRules.Account;
import dev.spendgate.domain.report.ChargebackRules.Allocation;
import dev.spendgate.domain.report.ChargebackRules.Rule;
import dev.spendgate.domain.report.ChargebackRules.SharedRule;
import dev.spendgate.domain.usage.UnpricedCause;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A month's spend per department, team and feature, mapped to GL accounts and cost centres by
 * {@link ChargebackRules}. Nothing is dropped: spend with no department (unattributed) or no matching rule (unmapped)
 * goes to the suspense account and is listed with its reason. Every call is counted, and a group whose calls cost
 * nothing known (all of them unpriced calls, cache hits, rejected calls) is a line at $0, so the {@code calls}
 * sum to the calls the board PDF counts; unpriced calls are named in the note (their cost is unknown, not
 * zero), and so is what a line's amount holds of calls charged at their reserved worst case (an estimate, as the
 * FOCUS file tags it {@code x_Estimated}), so finance never posts an estimate as a billed amount unawares. Shared spend is spread over the cost centres by the
 * shared rule. With provider bills, what the providers billed beyond the metering (the FOCUS file's
 * {@code provider_bill} rows) is listed in the suspense account too, one line per provider, provider account and
 * reconciliation class ({@link BilledBeyond}), so the lines sum to what the FOCUS file bills. Amounts are rounded to
 * cents by the largest-remainder method, so the lines sum to the month's total rounded to the cent, exactly.
 */
public record Chargeback(YearMonth month, List<Line> lines, BigDecimal totalExactUsd, BigDecimal totalUsd) {

    public Chargeback {
        Objects.requireNonNull(month, "month");
        lines = List.copyOf(lines);
    }

    /** What kind of line it is. */
    public enum Kind {
        DIRECT("direct"),
        SHARED("shared"),
        SUSPENSE("suspense");

        private final String label;

        Kind(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /** One chargeback line; {@code amountUsd} is in cents, {@code exactAmountUsd} unrounded. */
    public record Line(
            String department,
            String team,
            String feature,
            String glAccount,
            String costCentre,
            Kind kind,
            String note,
            long calls,
            BigDecimal exactAmountUsd,
            BigDecimal amountUsd) {}

    /** The lines of the suspense account: what finance must look at. */
    public List<Line> suspense() {
        return lines.stream().filter(l -> l.kind() == Kind.SUSPENSE).toList();
    }

    /**
     * An amount a provider billed beyond the gateway's metering: the provider (as the gateway names it), the provider
     * account it was billed under (null or empty when not known), and the part of the reconciliation it is
     * ({@code never_metered}, {@code not_seen_by_gateway}, {@code estimate_settled_by_bill}, {@code price_drift},
     * {@code rounding}, {@code unexplained}).
     */
    public record BilledBeyond(String provider, String account, String reconciliationClass, BigDecimal amountUsd) {
        public BilledBeyond {
            Objects.requireNonNull(reconciliationClass, "reconciliationClass");
            Objects.requireNonNull(amountUsd, "amountUsd");
            account = account == null || account.isEmpty() ? null : account;
        }
    }

    /**
     * A cost in the FOCUS file that no call carries, so no rule can place it (the gateway's own AWS cost estimate):
     * {@code source} says what it is and becomes the suspense line's note.
     */
    public record Unallocated(String source, BigDecimal amountUsd) {
        public Unallocated {
            Objects.requireNonNull(source, "source");
            Objects.requireNonNull(amountUsd, "amountUsd");
        }
    }

    /** Maps the month's spend by the rules. */
    public static Chargeback of(MonthlyUsage usage, ChargebackRules rules) {
        return of(usage, rules, List.of());
    }

    /**
     * Maps the month's spend by the rules, plus what the providers billed beyond it: one suspense line per provider,
     * provider account and reconciliation class, with no department (the gateway does not know whose calls they were).
     */
    public static Chargeback of(MonthlyUsage usage, ChargebackRules rules, List<BilledBeyond> billedBeyond) {
        return of(usage, rules, billedBeyond, List.of());
    }

    /**
     * As above, plus costs no call carries ({@code unallocated}, the gateway's own AWS cost): one suspense line per
     * source, with no department and 0 calls, so the file sums to the FOCUS file's total.
     */
    public static Chargeback of(
            MonthlyUsage usage, ChargebackRules rules, List<BilledBeyond> billedBeyond, List<Unallocated> unallocated) {
        Map<List<String>, Spend> groups = new TreeMap<>(Comparator.comparing(Chargeback::sortKey));
        for (Map.Entry<CellKey, CellTotals> e : usage.cells().entrySet()) {
            CellKey c = e.getKey();
            Spend s = groups.computeIfAbsent(
                    java.util.Arrays.asList(c.department(), c.team(), c.feature()), k -> new Spend());
            s.calls += e.getValue().calls();
            s.unpricedCalls += e.getValue().unpricedCalls();
            for (UnpricedCause cause : UnpricedCause.values()) {
                s.unpricedByCause.merge(cause, e.getValue().unpricedCalls(cause), Long::sum);
            }
            s.cost = s.cost.add(e.getValue().costUsd());
            s.worstCaseUsd = s.worstCaseUsd.add(e.getValue().worstCaseUsd());
        }
        List<Draft> drafts = new ArrayList<>();
        Map<Account, BigDecimal> directByAccount = new LinkedHashMap<>();
        List<Pending> sharedPending = new ArrayList<>();
        for (Map.Entry<List<String>, Spend> g : groups.entrySet()) {
            String department = g.getKey().get(0);
            String team = g.getKey().get(1);
            String feature = g.getKey().get(2);
            Spend s = g.getValue();
            if (s.calls == 0 && s.cost.signum() == 0) {
                continue;
            }
            if (department == null) {
                drafts.add(new Draft(
                        department,
                        team,
                        feature,
                        rules.suspense(),
                        Kind.SUSPENSE,
                        note("unattributed: the calls carried no department", s),
                        s.calls,
                        s.cost));
                continue;
            }
            SharedRule shared = rules.shared().stream()
                    .filter(r -> r.match().matches(department, team, feature))
                    .findFirst()
                    .orElse(null);
            if (shared != null) {
                sharedPending.add(new Pending(g.getKey(), s, shared));
                continue;
            }
            Rule rule = rules.rules().stream()
                    .filter(r -> r.match().matches(department, team, feature))
                    .findFirst()
                    .orElse(null);
            if (rule == null) {
                drafts.add(new Draft(
                        department,
                        team,
                        feature,
                        rules.suspense(),
                        Kind.SUSPENSE,
                        note("unmapped: no chargeback rule matches", s),
                        s.calls,
                        s.cost));
                continue;
            }
            drafts.add(
                    new Draft(department, team, feature, rule.account(), Kind.DIRECT, note(null, s), s.calls, s.cost));
            directByAccount.merge(rule.account(), s.cost, BigDecimal::add);
        }
        BigDecimal directTotal = directByAccount.values().stream().reduce(BigDecimal.ZERO, BigDecimal::add);
        for (Pending p : sharedPending) {
            allocate(p.key(), p.spend(), p.rule(), directByAccount, directTotal, rules.suspense(), drafts);
        }
        drafts.addAll(
                billedBeyond(billedBeyond, rules.suspense(), usage.quality().quarantinedCount()));
        Map<String, BigDecimal> bySource = new TreeMap<>();
        unallocated.forEach(u -> bySource.merge(u.source(), u.amountUsd(), BigDecimal::add));
        bySource.forEach((source, amount) -> {
            if (amount.signum() != 0) {
                drafts.add(new Draft(null, null, null, rules.suspense(), Kind.SUSPENSE, source, 0, amount));
            }
        });
        BigDecimal totalExact = drafts.stream().map(Draft::amount).reduce(BigDecimal.ZERO, BigDecimal::add);
        BigDecimal total = totalExact.setScale(2, RoundingMode.HALF_UP);
        List<BigDecimal> cents =
                largestRemainder(drafts.stream().map(Draft::amount).toList(), total);
        List<Line> lines = new ArrayList<>();
        for (int i = 0; i < drafts.size(); i++) {
            Draft d = drafts.get(i);
            lines.add(new Line(
                    d.department,
                    d.team,
                    d.feature,
                    d.account.glAccount(),
                    d.account.costCentre(),
                    d.kind,
                    d.note,
                    d.calls,
                    FocusCharges.stripped(d.amount),
                    cents.get(i)));
        }
        lines.sort(Comparator.comparing(Line::kind)
                .thenComparing(l -> sortKey(java.util.Arrays.asList(l.department(), l.team(), l.feature())))
                .thenComparing(Line::costCentre)
                .thenComparing(l -> l.note() == null ? "" : l.note()));
        return new Chargeback(usage.month(), lines, FocusCharges.stripped(totalExact), total);
    }

    /**
     * The billed-beyond amounts summed per provider, account and class, as suspense drafts (zero sums left out). With
     * records quarantined, the calls they recorded went through the gateway and were billed, in no metered figure: the
     * {@code not_seen_by_gateway} lines say they may hold them.
     */
    private static List<Draft> billedBeyond(List<BilledBeyond> billed, Account suspense, long quarantined) {
        Map<List<String>, BigDecimal> sums = new TreeMap<>(Comparator.comparing(Chargeback::sortKey));
        for (BilledBeyond b : billed) {
            sums.merge(
                    java.util.Arrays.asList(b.provider(), b.account(), b.reconciliationClass()),
                    b.amountUsd(),
                    BigDecimal::add);
        }
        List<Draft> out = new ArrayList<>();
        for (Map.Entry<List<String>, BigDecimal> e : sums.entrySet()) {
            if (e.getValue().signum() == 0) {
                continue;
            }
            String provider = e.getKey().get(0);
            String account = e.getKey().get(1);
            String note = "provider bill (" + (provider == null ? "provider not known" : provider)
                    + (account == null ? ", account not known" : ", account " + account) + "): "
                    + e.getKey().get(2)
                    + ", billed beyond the gateway's metering"
                    + (quarantined > 0
                                    && Explanation.NOT_SEEN_BY_GATEWAY
                                            .label()
                                            .equals(e.getKey().get(2))
                            ? "; may include calls of the " + quarantined + " quarantined "
                                    + (quarantined == 1 ? "record" : "records") + " (left out of every total)"
                            : "");
            out.add(new Draft(null, null, null, suspense, Kind.SUSPENSE, note, 0, e.getValue()));
        }
        return out;
    }

    private static void allocate(
            List<String> key,
            Spend s,
            SharedRule rule,
            Map<Account, BigDecimal> directByAccount,
            BigDecimal directTotal,
            Account suspense,
            List<Draft> drafts) {
        String department = key.get(0);
        String team = key.get(1);
        String feature = key.get(2);
        Map<String, BigDecimal> parts = new LinkedHashMap<>();
        Map<String, BigDecimal> weights = new LinkedHashMap<>();
        if (rule.allocation() == Allocation.FIXED) {
            for (Map.Entry<String, BigDecimal> share : rule.shares().entrySet()) {
                parts.merge(share.getKey(), s.cost.multiply(share.getValue()).movePointLeft(2), BigDecimal::add);
                weights.merge(share.getKey(), share.getValue(), BigDecimal::add);
            }
        } else {
            if (directTotal.signum() == 0) {
                drafts.add(new Draft(
                        department,
                        team,
                        feature,
                        suspense,
                        Kind.SUSPENSE,
                        note("shared spend with no direct spend to allocate it against", s),
                        s.calls,
                        s.cost));
                return;
            }
            for (Map.Entry<Account, BigDecimal> target : directByAccount.entrySet()) {
                BigDecimal part = s.cost.multiply(target.getValue()).divide(directTotal, 12, RoundingMode.DOWN);
                parts.merge(target.getKey().costCentre(), part, BigDecimal::add);
                weights.merge(target.getKey().costCentre(), target.getValue(), BigDecimal::add);
            }
        }
        // Whatever truncation left goes to the largest part, so the parts sum to the shared spend exactly.
        BigDecimal assigned = parts.values().stream().reduce(BigDecimal.ZERO, BigDecimal::add);
        String largest = parts.entrySet().stream()
                .max(Map.Entry.comparingByValue())
                .map(Map.Entry::getKey)
                .orElseThrow();
        parts.merge(largest, s.cost.subtract(assigned), BigDecimal::add);
        String reason = rule.allocation() == Allocation.FIXED
                ? "shared: fixed shares"
                : "shared: in proportion to direct spend";
        List<Map.Entry<String, BigDecimal>> nonZero = parts.entrySet().stream()
                .filter(p -> p.getValue().signum() != 0)
                .toList();
        if (nonZero.isEmpty()) {
            // calls that cost nothing known: one $0 line at the cost centre with the largest share (or direct
            // spend), so they are still counted
            String heaviest = weights.entrySet().stream()
                    .max(Map.Entry.comparingByValue())
                    .map(Map.Entry::getKey)
                    .orElseThrow();
            nonZero = List.of(Map.entry(heaviest, BigDecimal.ZERO));
        }
        long[] calls =
                splitCalls(s.calls, nonZero.stream().map(Map.Entry::getValue).toList(), s.cost);
        for (int i = 0; i < nonZero.size(); i++) {
            drafts.add(new Draft(
                    department,
                    team,
                    feature,
                    new Account(rule.glAccount(), nonZero.get(i).getKey()),
                    Kind.SHARED,
                    note(reason, s, worstCasePart(s, nonZero.get(i).getValue()), " in the shared group"),
                    calls[i],
                    nonZero.get(i).getValue()));
        }
    }

    /**
     * Splits a shared group's call count over its parts in proportion to their amounts (floor, then one call to the
     * largest remainders), so the {@code calls} column sums to the calls that were made.
     */
    static long[] splitCalls(long calls, List<BigDecimal> amounts, BigDecimal total) {
        long[] out = new long[amounts.size()];
        if (amounts.isEmpty()) {
            return out;
        }
        if (total.signum() == 0) {
            out[0] = calls;
            return out;
        }
        BigDecimal[] remainders = new BigDecimal[amounts.size()];
        long assigned = 0;
        for (int i = 0; i < amounts.size(); i++) {
            BigDecimal exact =
                    BigDecimal.valueOf(calls).multiply(amounts.get(i)).divide(total, 12, RoundingMode.DOWN);
            out[i] = exact.setScale(0, RoundingMode.FLOOR).longValueExact();
            remainders[i] = exact.subtract(BigDecimal.valueOf(out[i]));
            assigned += out[i];
        }
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < amounts.size(); i++) {
            order.add(i);
        }
        order.sort(Comparator.comparing((Integer i) -> remainders[i]).reversed().thenComparing(i -> i));
        for (int n = 0; assigned < calls; n = (n + 1) % order.size()) {
            out[order.get(n)]++;
            assigned++;
        }
        return out;
    }

    /**
     * Rounds each amount to cents so that they sum to {@code total}: floor, then a cent to the largest remainders. With
     * {@code total} the amounts' exact sum rounded half-up, the parts shown add up to the total shown.
     */
    public static List<BigDecimal> largestRemainder(List<BigDecimal> amounts, BigDecimal total) {
        List<BigDecimal> floors = new ArrayList<>(amounts.size());
        BigDecimal sum = BigDecimal.ZERO;
        for (BigDecimal a : amounts) {
            BigDecimal f = a.setScale(2, RoundingMode.FLOOR);
            floors.add(f);
            sum = sum.add(f);
        }
        int missing = total.subtract(sum).movePointRight(2).intValueExact();
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < amounts.size(); i++) {
            order.add(i);
        }
        order.sort(Comparator.comparing((Integer i) -> amounts.get(i).subtract(floors.get(i)))
                .reversed()
                .thenComparing(i -> i));
        for (int n = 0; n < missing && n < order.size(); n++) {
            int i = order.get(n);
            floors.set(i, floors.get(i).add(new BigDecimal("0.01")));
        }
        return floors;
    }

    private static String sortKey(List<String> key) {
        StringBuilder b = new StringBuilder();
        for (String k : key) {
            b.append(k == null ? "\uffff" : k).append('\u0000');
        }
        return b.toString();
    }

    private record Pending(List<String> key, Spend spend, SharedRule rule) {}

    /**
     * The line's note: the reason it has (null for a direct line), then what is not known about its cost. A shared
     * group's calls are split over its parts, so its count of unpriced calls is the whole group's.
     */
    private static String note(String reason, Spend s) {
        return note(reason, s, s.worstCaseUsd, "");
    }

    private static String note(String reason, Spend s, BigDecimal worstCaseUsd, String unpricedScope) {
        List<String> parts = new ArrayList<>();
        if (reason != null) {
            parts.add(reason);
        }
        if (worstCaseUsd.signum() != 0) {
            parts.add("includes " + estimateUsd(worstCaseUsd)
                    + " charged at the reserved worst case (estimate, not a provider-reported cost)");
        }
        if (s.unpricedCalls > 0) {
            parts.add("cost unknown: " + s.unpricedCalls
                    + (s.unpricedCalls == 1 ? " unpriced call" : " unpriced calls") + unpricedScope + " ("
                    + unpricedWhy(s) + ")");
        }
        return parts.isEmpty() ? null : String.join("; ", parts);
    }

    /**
     * Why the group's unpriced calls have no cost, by {@link UnpricedCause}: with one cause its words alone ("no
     * catalog price for their model, tier or a tool they ran", "cut off mid-call by a gateway stop"), with several each
     * with its count ("2 without a catalog price ... and 1 cut off mid-call by a gateway stop", no "; ", which parts
     * the note). A call the gateway was stopped during, or whose answer never arrived whole, is not sent to the catalog
     * for a price it already has.
     */
    private static String unpricedWhy(Spend s) {
        List<Map.Entry<UnpricedCause, Long>> causes = s.unpricedByCause.entrySet().stream()
                .filter(e -> e.getValue() > 0)
                .toList();
        if (causes.size() == 1) {
            UnpricedCause only = causes.get(0).getKey();
            return only == UnpricedCause.NO_PRICE
                    ? (s.unpricedCalls == 1
                            ? "no catalog price for its model, tier or a tool it ran"
                            : "no catalog price for their model, tier or a tool they ran")
                    : why(only, s.unpricedCalls);
        }
        List<String> each = new ArrayList<>();
        for (Map.Entry<UnpricedCause, Long> e : causes) {
            each.add(e.getValue() + " " + why(e.getKey(), e.getValue()));
        }
        return String.join(" and ", each);
    }

    private static String why(UnpricedCause cause, long calls) {
        return switch (cause) {
            // no catalog price for the model, its tier, or a fee it incurred (audio input, a built-in tool such as
            // file_search), never only a model missing from the catalog
            case NO_PRICE ->
                calls == 1
                        ? "without a catalog price for its model, tier or a tool it ran"
                        : "without a catalog price for their model, tier or a tool they ran";
            case UNANSWERED -> "whose provider's answer never arrived whole";
            case GATEWAY_STOPPED -> "cut off mid-call by a gateway stop";
        };
    }

    /** A shared part's share of its group's worst-case estimate, in proportion to the part's amount. */
    private static BigDecimal worstCasePart(Spend s, BigDecimal part) {
        if (s.worstCaseUsd.signum() == 0 || s.cost.signum() == 0) {
            return s.worstCaseUsd;
        }
        return s.worstCaseUsd.multiply(part).divide(s.cost, 12, RoundingMode.HALF_UP);
    }

    /** To the cent as the report prints money; an estimate under half a cent is written exactly, never as $0.00. */
    private static String estimateUsd(BigDecimal usd) {
        String cents = Money.usd(usd);
        return usd.abs().compareTo(new BigDecimal("0.005")) < 0
                ? "$" + FocusCharges.stripped(usd).toPlainString()
                : cents;
    }

    private static final class Spend {
        long calls;
        long unpricedCalls;
        final Map<UnpricedCause, Long> unpricedByCause = new java.util.EnumMap<>(UnpricedCause.class);
        BigDecimal cost = BigDecimal.ZERO;
        BigDecimal worstCaseUsd = BigDecimal.ZERO;
    }

    private record Draft(
            String department,
            String team,
            String feature,
            Account account,
            Kind kind,
            String note,
            long calls,
            BigDecimal amount) {}
}
