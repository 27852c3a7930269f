package dev.spendgate.domain.simulate;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.budget.AlertSink;
import dev.spendgate.domain.budget.BudgetAlert;
import dev.spendgate.domain.budget.BudgetDecision;
import dev.spendgate.domain.budget.BudgetEnforcer;
import dev.spendgate.domain.budget.BudgetLedger;
import dev.spendgate.domain.budget.BudgetPolicy;
import dev.spendgate.domain.budget.BudgetPolicyStore;
import dev.spendgate.domain.budget.BudgetState;
import dev.spendgate.domain.budget.OnceMarker;
import dev.spendgate.domain.budget.ReservationJournal;
import dev.spendgate.domain.pricing.CallPricer;
import dev.spendgate.domain.pricing.ModelPrice;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.pricing.PromptCacheMinimums;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.usage.UsageRecord;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Replays recorded calls under proposed budgets, degradation chains and velocity breakers, with the gateway's own
 * {@link BudgetEnforcer} on in-memory ledgers and a clock set to each call's start: what would have been blocked,
 * degraded, and what would have been spent. Each call is admitted as the gateway admits it (breakers first, then every
 * applicable budget), with its estimate replaced by its recorded cost (the replay knows what the call cost; the
 * gateway reserves a worst case, so it refuses a little earlier than the replay). A degraded call costs its recorded
 * tokens at the cheaper model's prices for the call's tier and time ({@link CallPricer}); a worst-case record, which
 * has no tokens, costs its worst case scaled by the two models' prices; a blocked one costs nothing. Billed and
 * unpriced calls are replayed; unbilled ones only count against the breakers; a provider batch's results are
 * charged, never refused or degraded. Feed the calls in time order ({@link HourlyTimeOrder}). Sharded budgets are
 * replayed as one item (sharding changes only which item a call lands on). Deterministic: the same records and
 * policies give the same result.
 */
public final class PolicyReplay implements AutoCloseable {
    /** The token mix a worst-case record's cost is scaled by between models: 1M input and 1M output tokens. */
    private static final TokenUsage REFERENCE = new TokenUsage(1_000_000, 0, 0, 0, 1_000_000, 0);

    /** A velocity breaker: the scope that refuses the call ({@code session}, {@code key}), or empty. */
    public interface Breakers {
        Optional<String> check(Attribution attribution, String keyId);
    }

    /** Builds the breakers on the replay's clock; they may wrap the replay's enforcer (as the gateway's gate does). */
    public interface BreakersFactory {
        Breakers create(Clock clock, BudgetEnforcer enforcer);
    }

    private final PricingCatalog catalog;
    private final CallPricer pricer;
    private final MutableClock clock = new MutableClock();
    private final MemoryLedger ledger = new MemoryLedger();
    private final BudgetEnforcer enforcer;
    private final Function<String, List<String>> cheaperModels;
    private final Breakers breakers;
    private final Map<String, Row> byFeature = new TreeMap<>();
    private final Map<String, Row> byDepartment = new TreeMap<>();
    private final Map<String, Trip> trips = new TreeMap<>();
    private final Row total = new Row("(all)");
    private long notReplayed;
    private long unpricedReplayed;

    private PolicyReplay(
            PricingCatalog catalog,
            List<BudgetPolicy> policies,
            Function<String, List<String>> cheaperModels,
            BreakersFactory breakers) {
        this.catalog = Objects.requireNonNull(catalog, "catalog");
        this.pricer = CallPricer.create(catalog);
        this.cheaperModels = Objects.requireNonNull(cheaperModels, "cheaperModels");
        List<BudgetPolicy> replayed = new ArrayList<>();
        for (BudgetPolicy p : policies) {
            TreeSet<Integer> alertAt = new TreeSet<>(p.alertAt());
            alertAt.add(100); // the hour a budget is reached is reported for every mode
            // replayed on one item; a pending change of zone still waits for the end of the period in force, as
            // at the gateway (a pending count alone changes nothing on one item)
            boolean zonePending = p.shardsFrom() != null && p.previousZone() != null;
            replayed.add(new BudgetPolicy(
                    p.scope(),
                    p.period(),
                    p.limitUsd(),
                    p.mode(),
                    List.copyOf(alertAt),
                    p.onStoreError(),
                    p.zone(),
                    1,
                    zonePending ? 1 : 0,
                    zonePending ? p.shardsFrom() : null,
                    zonePending ? p.previousZone() : null));
        }
        this.enforcer = new BudgetEnforcer(
                new FixedPolicies(replayed),
                ledger,
                new MemoryMarker(),
                new TripRecorder(),
                new MemoryJournal(),
                Duration.ofMinutes(15),
                clock);
        this.breakers = breakers.create(clock, enforcer);
    }

    /**
     * @param cheaperModels the operator's degradation chain after a model (as {@code SPENDGATE_DEGRADE_CHAINS})
     * @param breakers the gateway's velocity breakers, built on the replay's clock
     */
    public static PolicyReplay create(
            PricingCatalog catalog,
            List<BudgetPolicy> policies,
            Function<String, List<String>> cheaperModels,
            BreakersFactory breakers) {
        return new PolicyReplay(catalog, policies, cheaperModels, breakers);
    }

    /** Replays one recorded call. */
    public void accept(UsageRecord r) {
        BigDecimal cost = r.costUsd();
        // an unpriced call (a model with no price, or a call that timed out: the provider may have billed it) is
        // admitted as the gateway admits it, and its reservation is kept as spend when it is admitted
        boolean unpriced = cost == null && r.pricingStatus() == UsageRecord.PricingStatus.UNPRICED;
        if (!unpriced && (cost == null || cost.signum() <= 0)) {
            notReplayed++;
            if (reachedAdmission(r)) {
                // a call the provider failed (or a budget or breaker refused) still counts against the breakers
                clock.now = r.tsStart();
                breakers.check(r.attribution(), r.keyId());
            }
            return;
        }
        if (unpriced) {
            unpricedReplayed++;
            cost = BigDecimal.ZERO; // its cost is unknown: it adds nothing to the spend columns
        }
        clock.now = r.tsStart();
        Attribution a = r.attribution();
        String model = admittedModel(r);
        Row feature = byFeature.computeIfAbsent(label(a.feature()), Row::new);
        Row department = byDepartment.computeIfAbsent(label(a.department()), Row::new);
        if (r.billing().batchId() != null) {
            // a provider batch is admitted once, at its creation, and its results are charged as they come back: a
            // result line is never refused by a breaker or budget, nor moved to another model
            BudgetDecision d = enforcer.reserve(a, r.keyId(), model, m -> Optional.of(BigDecimal.ZERO), m -> List.of());
            if (d.outcome() != BudgetDecision.Outcome.BLOCK) {
                enforcer.settle(d, unpriced ? null : cost);
            }
            add(cost, cost, Effect.NONE, feature, department);
            return;
        }
        Optional<String> tripped = breakers.check(a, r.keyId());
        if (tripped.isPresent()) {
            String id = "breaker:" + tripped.get() + "_calls_per_minute";
            // a session is its key's own (the gateway counts it per key): another key's s-1 is another trip
            trips.computeIfAbsent(
                            id + "\u0000" + r.keyId() + "\u0000" + scopeOf(tripped.get(), a, r),
                            k -> new Trip(id, scopeOf(tripped.get(), a, r), "blocked", r.tsStart()))
                    .calls++;
            add(cost, BigDecimal.ZERO, Effect.BLOCKED, feature, department);
            return;
        }
        // as the gateway, a degrade never moves a call to a model that cannot answer its output cap
        BudgetDecision d =
                enforcer.reserve(a, r.keyId(), model, m -> estimate(r, model, m), m -> cheaperModels.apply(m).stream()
                        .filter(c -> dev.spendgate.domain.pricing.OutputLimits.answers(c, r.maxOutputTokens()))
                        .toList());
        switch (d.outcome()) {
            case ALLOW -> {
                BigDecimal after =
                        unpriced ? BigDecimal.ZERO : estimate(r, model, model).orElse(cost);
                enforcer.settle(d, unpriced ? null : after);
                add(cost, after, Effect.NONE, feature, department);
            }
            case DEGRADE -> {
                BigDecimal after = unpriced
                        ? BigDecimal.ZERO
                        : estimate(r, model, d.model()).orElseThrow();
                for (BudgetDecision.Reservation res : d.reservations()) {
                    // the degrade budgets that could not have held the call on the model asked for
                    BudgetState s = ledger.state(res.itemKey()).orElse(BudgetState.EMPTY);
                    if (res.policy().mode() == BudgetPolicy.Mode.DEGRADE
                            && s.committed()
                                            .subtract(res.reserved())
                                            .add(cost)
                                            .compareTo(res.policy().limitUsd())
                                    > 0) {
                        trip(res.policy().id(), res.scopeValue(), "degraded", r.tsStart());
                    }
                }
                enforcer.settle(d, unpriced ? null : after);
                add(cost, after, Effect.DEGRADED, feature, department);
            }
            default -> {
                add(cost, BigDecimal.ZERO, Effect.BLOCKED, feature, department);
                if (d.refusal() != null) {
                    trip(d.refusal().policy().id(), d.refusal().scopeValue(), "blocked", r.tsStart());
                }
            }
        }
    }

    @Override
    public void close() {
        enforcer.close();
    }

    /** The replay's result so far. */
    public Result result() {
        return new Result(
                byFeature.values().stream().map(Row::freeze).toList(),
                byDepartment.values().stream().map(Row::freeze).toList(),
                total.freeze(),
                trips.values().stream()
                        .sorted(Comparator.comparing((Trip t) -> t.at).thenComparing(t -> t.policyId))
                        .map(t -> new TripLine(t.policyId, t.scopeValue, t.effect, t.at, t.calls))
                        .toList(),
                notReplayed,
                unpricedReplayed);
    }

    /**
     * The model the gateway's budgets decided on: the one the client asked for (chains name models, not dated
     * snapshots); for a call a routing rule moved, the routed model (a degrade budget acts after routing), named as
     * the catalog names the model served; for a call a recorded degrade budget already moved, the model it was moved
     * from (replayed as asked, at that model's prices).
     */
    private String admittedModel(UsageRecord r) {
        if (r.degradedFrom() != null) {
            return r.degradedFrom();
        }
        String asked = r.modelRequested() != null ? r.modelRequested() : r.pricedModel();
        if (r.optimization().routedBy() != null && r.modelServed() != null) {
            return catalog.find(r.pricedProvider(), r.modelServed(), r.tsStart())
                    .map(ModelPrice::model)
                    .orElse(asked);
        }
        return asked;
    }

    /** What the call costs on {@code model}; {@code admitted} is the model it was admitted on as recorded. */
    private Optional<BigDecimal> estimate(UsageRecord r, String admitted, String model) {
        if (r.costUsd() == null) {
            return worstCase(r, model);
        }
        if (model.equals(r.pricedModel()) || (r.degradedFrom() == null && model.equals(admitted))) {
            // the model that served the call: its recorded cost
            return Optional.of(r.costUsd());
        }
        if (r.worstCaseEstimate()) {
            return scaledWorstCase(r, model);
        }
        // the gateway forwards a degraded call with the same service_tier and prices the tier served, at the call's
        // time; a cached prefix shorter than the cheaper model's minimum is neither read nor written there: plain input
        return price(r, model, PromptCacheMinimums.onModel(model, r.tokens()));
    }

    /**
     * What the gateway reserves for an unpriced call on {@code model}, as far as the record tells it: its tokens, with
     * at least the request's output cap ({@code max_output_tokens}) as output, at the tier asked for or standard,
     * whichever bills more. Empty when the model has no price (the gateway then refuses it under a block or degrade
     * budget). A lower bound of the gateway's worst case: the record keeps no input count for a call that got no
     * answer, nor the model's maximum output when the request set no cap.
     */
    private Optional<BigDecimal> worstCase(UsageRecord r, String model) {
        Optional<ModelPrice> price = catalog.find(r.pricedProvider(), model, r.tsStart());
        if (price.isEmpty()) {
            return Optional.empty();
        }
        TokenUsage t = r.tokens();
        long cap = r.maxOutputTokens() == null ? 0 : r.maxOutputTokens();
        TokenUsage worst = t.outputTokens() >= cap
                ? t
                : new TokenUsage(
                        t.inputTokens(),
                        t.cachedInputTokens(),
                        t.cacheWrite5mTokens(),
                        t.cacheWrite1hTokens(),
                        cap,
                        t.reasoningTokens(),
                        t.webSearches(),
                        t.previewWebSearches());
        BigDecimal standard = price.get().cost(worst);
        BigDecimal requested = price.get()
                .quote(worst, r.billing().serviceTierRequested(), null)
                .map(q -> q.cost())
                .orElse(standard);
        // as the gateway reserves: the region the call ran in, else the model's largest multiplier
        BigDecimal multiplier = price.get().reservedRegionMultiplier(r.billing().inferenceGeo());
        BigDecimal worstCost = requested.max(standard);
        return Optional.of(multiplier.compareTo(BigDecimal.ONE) == 0 ? worstCost : worstCost.multiply(multiplier));
    }

    /**
     * A worst-case record (a call that never settled) keeps no tokens, only the worst case reserved on the model it
     * was sent to: on {@code model}, that worst case scaled by what {@link #REFERENCE} costs on each model at the
     * call's tier and time. Empty when {@code model} has no price; the worst case itself when the recorded model has
     * none.
     */
    private Optional<BigDecimal> scaledWorstCase(UsageRecord r, String model) {
        Optional<BigDecimal> asked = price(r, r.pricedModel(), REFERENCE);
        Optional<BigDecimal> other = price(r, model, REFERENCE);
        if (asked.isEmpty() || other.isEmpty() || asked.get().signum() <= 0) {
            return other.isEmpty() ? Optional.empty() : Optional.of(r.costUsd());
        }
        return Optional.of(r.costUsd().multiply(other.get()).divide(asked.get(), 10, RoundingMode.HALF_UP));
    }

    /** What {@code tokens} cost on {@code model} at the record's tier and time, as the gateway prices a call. */
    private Optional<BigDecimal> price(UsageRecord r, String model, TokenUsage tokens) {
        return Optional.ofNullable(pricer.price(new CallPricer.Call(
                        r.pricedProvider(),
                        model,
                        model,
                        tokens,
                        r.usageSource() == UsageRecord.UsageSource.PROVIDER,
                        r.billing().serviceTierServed(),
                        r.billing().serviceTierRequested(),
                        r.billing().inferenceGeo(), // a moved call still runs where it ran: a region's multiplier
                        r.tsStart()))
                .cost());
    }

    /**
     * Whether an unbilled call passed the gateway's admission stage (and its breakers): not a response-cache hit (looked
     * up before admission), nor a call refused because the usage log could not be written. A call refused by
     * validation cannot be told from one the provider refused, so it is counted too.
     */
    private static boolean reachedAdmission(UsageRecord r) {
        return r.billing().batchId() == null
                && !"hit".equals(r.optimization().cache())
                && !"usage_log_unavailable".equals(r.errorType());
    }

    private static String scopeOf(String breaker, Attribution a, UsageRecord r) {
        return "session".equals(breaker) ? a.session() : r.keyId();
    }

    private void trip(String policyId, String scopeValue, String effect, Instant at) {
        trips.computeIfAbsent(
                        policyId + "\u0000" + scopeValue + "\u0000" + effect,
                        k -> new Trip(policyId, scopeValue, effect, at))
                .calls++;
    }

    private void add(BigDecimal before, BigDecimal after, Effect effect, Row... rows) {
        for (Row row : new Row[] {rows[0], rows[1], total}) {
            row.calls++;
            row.before = row.before.add(before);
            row.after = row.after.add(after);
            if (effect == Effect.BLOCKED) {
                row.blocked++;
            } else if (effect == Effect.DEGRADED) {
                row.degraded++;
                row.degradeSavings = row.degradeSavings.add(before.subtract(after));
            }
        }
    }

    private static String label(String value) {
        return value == null ? "(none)" : value;
    }

    private enum Effect {
        NONE,
        BLOCKED,
        DEGRADED
    }

    /**
     * What the proposed policies would have done, per feature, per department and in total; {@code unpriced}: calls
     * replayed whose cost is unknown (counted, blocked and degraded like the others; their worst case held on budgets,
     * nothing added to the spend columns).
     */
    public record Result(
            List<Line> features,
            List<Line> departments,
            Line total,
            List<TripLine> trips,
            long notReplayed,
            long unpriced) {}

    /**
     * One feature's or department's figures: recorded spend, spend under the policies, calls refused by a budget or
     * breaker, calls moved to a cheaper model and what that move saved at the recorded token counts.
     */
    public record Line(
            String name,
            long calls,
            BigDecimal spendBeforeUsd,
            BigDecimal spendAfterUsd,
            long blocked,
            long degraded,
            BigDecimal degradeSavingsUsd) {}

    /**
     * When a budget (or breaker) first acted on a scope value: {@code effect} is {@code blocked}, {@code degraded}, or
     * {@code reached} (the spend reached the limit; for alert budgets the only effect); {@code calls} is how many calls
     * it acted on ({@code reached}: 1).
     */
    public record TripLine(String policyId, String scopeValue, String effect, Instant at, long calls) {}

    private static final class Row {
        final String name;
        long calls;
        long blocked;
        long degraded;
        BigDecimal before = BigDecimal.ZERO;
        BigDecimal after = BigDecimal.ZERO;
        BigDecimal degradeSavings = BigDecimal.ZERO;

        Row(String name) {
            this.name = name;
        }

        Line freeze() {
            return new Line(name, calls, before, after, blocked, degraded, degradeSavings);
        }
    }

    private static final class Trip {
        final String policyId;
        final String scopeValue;
        final String effect;
        final Instant at;
        long calls;

        Trip(String policyId, String scopeValue, String effect, Instant at) {
            this.policyId = policyId;
            this.scopeValue = scopeValue;
            this.effect = effect;
            this.at = at;
        }
    }

    /** Records the moment each budget reaches its limit (its 100 % alert). */
    private final class TripRecorder implements AlertSink {
        @Override
        public void send(BudgetAlert alert) {
            if (alert.thresholdPercent() == 100) {
                trip(alert.policyId(), alert.scopeValue(), "reached", alert.at());
            }
        }

        @Override
        public void send(Notice notice) {
            // a block budget's first refusal: the replay counts its refusals itself
        }
    }

    private static final class MutableClock extends Clock {
        Instant now = Instant.EPOCH;

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    private record FixedPolicies(List<BudgetPolicy> policies) implements BudgetPolicyStore {
        @Override
        public void put(BudgetPolicy policy) {
            throw new UnsupportedOperationException("a replay's policies are fixed");
        }

        @Override
        public Optional<BudgetPolicy> find(String id) {
            return policies.stream().filter(p -> p.id().equals(id)).findFirst();
        }

        @Override
        public List<BudgetPolicy> list() {
            return policies;
        }

        @Override
        public boolean delete(String id) {
            throw new UnsupportedOperationException("a replay's policies are fixed");
        }
    }

    /** Ledger items in memory; synchronized because the enforcer reserves several items in parallel. */
    private static final class MemoryLedger implements BudgetLedger {
        private final Map<String, BudgetState> items = new HashMap<>();

        @Override
        public synchronized ReserveResult reserve(String itemKey, BigDecimal limit, BigDecimal amount) {
            BudgetState s = items.getOrDefault(itemKey, BudgetState.EMPTY);
            if (s.committed().add(amount).compareTo(limit) > 0) {
                return new ReserveResult(false, s);
            }
            BudgetState next = new BudgetState(
                    s.spent(), s.reserved().add(amount), s.committed().add(amount));
            items.put(itemKey, next);
            return new ReserveResult(true, next);
        }

        @Override
        public synchronized void release(String itemKey, BigDecimal reserved) {
            BudgetState s = items.getOrDefault(itemKey, BudgetState.EMPTY);
            items.put(
                    itemKey,
                    new BudgetState(
                            s.spent(),
                            s.reserved().subtract(reserved),
                            s.committed().subtract(reserved)));
        }

        @Override
        public synchronized BudgetState settle(String itemKey, BigDecimal reserved, BigDecimal actual) {
            BudgetState s = items.getOrDefault(itemKey, BudgetState.EMPTY);
            BudgetState next = new BudgetState(
                    s.spent().add(actual),
                    s.reserved().subtract(reserved),
                    s.committed().subtract(reserved).add(actual));
            items.put(itemKey, next);
            return next;
        }

        @Override
        public synchronized Optional<BudgetState> state(String itemKey) {
            return Optional.ofNullable(items.get(itemKey));
        }
    }

    private static final class MemoryJournal implements ReservationJournal {
        @Override
        public void open(OpenReservation reservation) {}

        @Override
        public boolean remove(String reservationId) {
            return true; // every replayed call settles at once: nothing is ever orphaned
        }

        @Override
        public List<OpenReservation> expired(Instant now, int max) {
            return List.of();
        }
    }

    private static final class MemoryMarker implements OnceMarker {
        private final java.util.Set<String> marked = new java.util.HashSet<>();

        @Override
        public synchronized boolean markOnce(String markerKey, Instant expiresAt) {
            return marked.add(markerKey);
        }
    }
}
