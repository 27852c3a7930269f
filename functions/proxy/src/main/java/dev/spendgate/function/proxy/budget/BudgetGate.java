package dev.spendgate.function.proxy.budget;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.budget.BudgetDecision;
import dev.spendgate.domain.budget.BudgetEnforcer;
import dev.spendgate.domain.budget.RateCounter;
import dev.spendgate.domain.budget.ReservationJournal;
import dev.spendgate.function.proxy.upstream.Endpoint;
import dev.spendgate.function.proxy.upstream.Provider;
import dev.spendgate.function.proxy.usage.PromptText;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The gateway's view of budgets: velocity breakers (calls per minute per session and per key) and the budget
 * enforcer, fed with worst-case estimates and the operator's degradation chains.
 */
public final class BudgetGate implements AutoCloseable {
    private final BudgetEnforcer enforcer;
    private final CostEstimator estimator;
    private final DegradationChains chains;
    private final RateCounter counter;
    private final long sessionCallsPerMinute;
    private final long keyCallsPerMinute;
    private final Clock clock;

    public BudgetGate(
            BudgetEnforcer enforcer,
            CostEstimator estimator,
            DegradationChains chains,
            RateCounter counter,
            long sessionCallsPerMinute,
            long keyCallsPerMinute,
            Clock clock) {
        this.enforcer = Objects.requireNonNull(enforcer, "enforcer");
        this.estimator = Objects.requireNonNull(estimator, "estimator");
        this.chains = Objects.requireNonNull(chains, "chains");
        this.counter = Objects.requireNonNull(counter, "counter");
        this.sessionCallsPerMinute = sessionCallsPerMinute;
        this.keyCallsPerMinute = keyCallsPerMinute;
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** How calls' worst cases are counted (also what a cut call's unreported usage is estimated from). */
    public CostEstimator estimator() {
        return estimator;
    }

    /**
     * Counts the call against the per-minute breakers. Returns empty when it may go ahead, else the breaker that
     * tripped and the seconds until its window ends. Counter windows are calendar minutes (UTC). A session is the
     * key's own: session ids are the clients', so another key's session of the same id has its own counter.
     */
    public Optional<Tripped> checkVelocity(Attribution attribution, String keyId) {
        if (sessionCallsPerMinute <= 0 && keyCallsPerMinute <= 0) {
            return Optional.empty();
        }
        Instant now = clock.instant();
        Instant minute = now.truncatedTo(ChronoUnit.MINUTES);
        Instant windowEnd = minute.plus(1, ChronoUnit.MINUTES);
        long retryAfter = Math.max(1, (windowEnd.toEpochMilli() - now.toEpochMilli() + 999) / 1000);
        Instant expires = windowEnd.plus(2, ChronoUnit.MINUTES);
        if (sessionCallsPerMinute > 0 && attribution.session() != null) {
            String key = "velocity#session:" + keyId + "#" + attribution.session() + "#" + minute.getEpochSecond();
            if (counter.incrementIfBelow(key, sessionCallsPerMinute, expires) < 0) {
                return Optional.of(new Tripped("session", sessionCallsPerMinute, retryAfter));
            }
        }
        if (keyCallsPerMinute > 0) {
            String key = "velocity#key:" + keyId + "#" + minute.getEpochSecond();
            if (counter.incrementIfBelow(key, keyCallsPerMinute, expires) < 0) {
                return Optional.of(new Tripped("key", keyCallsPerMinute, retryAfter));
            }
        }
        return Optional.empty();
    }

    /** Reserves the call's worst case on every applicable budget (see {@link BudgetEnforcer#reserve}). */
    public BudgetDecision reserve(
            Attribution attribution,
            String keyId,
            Provider provider,
            Endpoint endpoint,
            PromptText prompt,
            JsonNode body,
            String model) {
        return enforcer.reserve(
                attribution,
                keyId,
                model,
                m -> estimator.estimate(provider.pricingProvider(), m, endpoint, prompt, body),
                m -> answering(m, prompt));
    }

    /**
     * Reserves the worst case of {@code call} (forwarded as {@code call.model()}) at the tier the request asked for,
     * naming the call in the journal entry so that, should it never settle, the sweeper charges the worst case and
     * writes its record.
     */
    public BudgetDecision reserve(
            ReservationJournal.Call call,
            Provider provider,
            Endpoint endpoint,
            PromptText prompt,
            JsonNode body,
            String tierRequested) {
        return enforcer.reserve(
                call,
                m -> estimator.estimate(provider.pricingProvider(), m, endpoint, prompt, body, tierRequested),
                m -> answering(m, prompt));
    }

    /**
     * The chain's models after {@code model} that can answer the call's output cap: a cheaper model with a smaller
     * maximum output would be refused by its provider (400), so a degrade never moves a call there (as routing rules
     * keep such a call on its model).
     */
    private List<String> answering(String model, PromptText prompt) {
        List<String> cheaper = chains.cheaperThan(model);
        Long cap = prompt == null ? null : prompt.maxOutputTokens();
        if (cap == null || cheaper.isEmpty()) {
            return cheaper;
        }
        return cheaper.stream()
                .filter(m -> dev.spendgate.domain.pricing.OutputLimits.answers(m, cap))
                .toList();
    }

    /**
     * Reserves an amount already worked out (a provider batch's worst case; empty when it has no price) on every
     * budget of its creator; no degradation.
     */
    public BudgetDecision reserveAmount(
            Attribution attribution, String keyId, String model, Optional<BigDecimal> amount) {
        return enforcer.reserve(attribution, keyId, model, m -> amount, m -> java.util.List.of());
    }

    /**
     * Ends reservations orphaned by calls that never settled ({@link BudgetEnforcer#sweep(int, Consumer)}): a call it
     * can name is charged at its worst case once {@code recordFirst} made its usage record durable.
     */
    public BudgetEnforcer.Swept sweep(Consumer<ReservationJournal.OpenReservation> recordFirst) {
        return enforcer.sweep(100, recordFirst);
    }

    /** Ends every entry in the journal by the sweeper's rule, expired or not ({@link BudgetEnforcer#sweepAll}). */
    public BudgetEnforcer.Swept sweepAll(Consumer<ReservationJournal.OpenReservation> recordFirst) {
        return enforcer.sweepAll(recordFirst);
    }

    /** Adds spend nothing was reserved for, once per {@code chargeId}; see {@link BudgetEnforcer#chargeOnce}. */
    public List<String> chargeOnce(String chargeId, List<BudgetDecision.Reservation> items, BigDecimal cost) {
        return enforcer.chargeOnce(chargeId, items, cost);
    }

    /** Settles an admitted call; returns the tightest remaining budget. */
    public Optional<BigDecimal> settle(BudgetDecision decision, BigDecimal actualCost) {
        return enforcer.settle(decision, actualCost);
    }

    /**
     * Settles an admitted call whose usage record is not durable yet, keeping its journal entry until
     * {@code untilRecorded}'s task runs ({@link BudgetEnforcer#settle(BudgetDecision, BigDecimal, Consumer)}).
     */
    public Optional<BigDecimal> settle(
            BudgetDecision decision, BigDecimal actualCost, Consumer<Runnable> untilRecorded) {
        return enforcer.settle(decision, actualCost, untilRecorded);
    }

    @Override
    public void close() {
        enforcer.close();
    }

    /** A velocity breaker that refused the call: which one, its limit, and when its window ends. */
    public record Tripped(String scope, long limitPerMinute, long retryAfterSeconds) {}
}
