package dev.spendgate.function.proxy.pipeline;

import dev.spendgate.domain.budget.BudgetDecision;
import dev.spendgate.domain.budget.BudgetPolicy;
import dev.spendgate.domain.budget.ReservationJournal;
import dev.spendgate.function.proxy.Log;
import dev.spendgate.function.proxy.budget.BudgetGate;
import dev.spendgate.function.proxy.http.CallStages;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Decides whether the call may be forwarded (after {@link JournalGate}, which refuses every call while usage records
 * cannot be made durable): not past a velocity breaker (429 {@code velocity_limit}), and only once its worst case is reserved on every budget (429
 * {@code budget_exceeded}, 503 when a fail-closed budget's store is unreachable). A degrading budget changes the
 * model forwarded. The reservation ({@link CallContext#budget}) is settled once, when the call is recorded. A call to a
 * free endpoint ({@code ProviderApi#billed}) is only held to the journal's durability: it reserves nothing.
 */
public final class Admit implements Stage {
    private final BudgetGate budgets;
    private final Clock clock;

    public Admit(BudgetGate budgets, Clock clock) {
        this.budgets = Objects.requireNonNull(budgets, "budgets");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public Step apply(CallContext ctx) {
        CallStages.stamp(CallStages.Stage.CHECKED);
        // a routing rule may have chosen the model already; budgets reserve at the model forwarded
        CallContext c =
                ctx.with(b -> b.modelForwarded = b.modelForwarded != null ? b.modelForwarded : b.modelRequested);
        if (!c.api().billed()) {
            return Step.proceed(c); // a free endpoint: nothing to reserve, no spend to limit
        }
        Optional<BudgetGate.Tripped> tripped;
        BudgetDecision decision;
        try {
            tripped = budgets.checkVelocity(c.attribution(), c.key().id());
            decision = tripped.isPresent()
                    ? null
                    : budgets.reserve(
                            call(c),
                            c.provider(),
                            c.api().estimateAs(),
                            c.prompt(),
                            c.bodyForwarded(), // with the gateway's prompt-cache mark: its cache write is billed
                            c.api().requestedServiceTier(c.body(), c.request().headers()));
        } catch (RuntimeException e) {
            Log.error(c.requestId(), "budget store failed before the call", e);
            return Step.refuse(c, storeUnavailable("Retry shortly."));
        }
        if (tripped.isPresent()) {
            BudgetGate.Tripped t = tripped.get();
            return Step.refuse(
                    c,
                    Refusal.of(
                                    429,
                                    "velocity_limit",
                                    "Velocity limit: at most " + t.limitPerMinute() + " calls per minute per "
                                            + t.scope() + "; retry in " + t.retryAfterSeconds() + " s.",
                                    t.scope().equals("session") ? "X-Cost-Session" : "authorization")
                            .withHeaders(Map.of("Retry-After", Long.toString(t.retryAfterSeconds())))
                            .withFields(
                                    Map.of("limit_per_minute", Long.toString(t.limitPerMinute()), "scope", t.scope())));
        }
        return switch (decision.outcome()) {
            case BLOCK -> Step.refuse(c, overBudget(decision.refusal()));
            case STORE_ERROR -> Step.refuse(c, storeUnavailable(null));
            case DEGRADE ->
                Step.proceed(c.with(b -> {
                    b.degradedFrom = b.modelForwarded;
                    b.modelForwarded = decision.model();
                    b.budget = decision;
                    b.unenforced = decision.unenforced();
                }));
            case ALLOW ->
                Step.proceed(c.with(b -> {
                    b.budget = decision;
                    b.unenforced = decision.unenforced();
                }));
        };
    }

    /** What the journal keeps of the call, so that its record can be written should it never settle. */
    private static ReservationJournal.Call call(CallContext c) {
        String provider = c.provider().name();
        String pricingProvider = c.provider().pricingProvider();
        return new ReservationJournal.Call(
                c.requestId(),
                c.start(),
                c.key().id(),
                c.attribution(),
                provider,
                pricingProvider.equals(provider) ? null : pricingProvider,
                c.api().recordName(),
                c.modelRequested(),
                c.modelForwarded(),
                c.stream());
    }

    private static Refusal storeUnavailable(String retry) {
        String message = retry != null
                ? "Spendgate cannot reach its budget store; nothing was forwarded. " + retry
                : "Spendgate cannot reach its budget store and this budget is fail-closed; nothing was forwarded.";
        return Refusal.of(503, "api_error", message, null).recordedAs("budget_store_unavailable");
    }

    private Refusal overBudget(BudgetDecision.Refusal refusal) {
        BudgetPolicy policy = refusal.policy();
        // as scopes are written everywhere else: `global` (one value, no `:*`), else type:value
        String scope = policy.scope().type() == dev.spendgate.domain.budget.ScopeType.GLOBAL
                ? policy.scope().toString()
                : policy.scope().type().label() + ":" + refusal.scopeValue();
        String message =
                "Budget " + policy.id() + " for " + scope + " (" + refusal.period() + ") cannot afford this call: "
                        + "limit $" + policy.limitUsd().toPlainString() + ", spent $"
                        + refusal.spentUsd().toPlainString()
                        + " (" + refusal.reason() + ").";
        Map<String, String> headers = new LinkedHashMap<>();
        if (refusal.periodEnd() != null) {
            long seconds = Math.max(
                    1, Duration.between(clock.instant(), refusal.periodEnd()).getSeconds());
            headers.put("Retry-After", Long.toString(seconds));
        }
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("scope", scope);
        fields.put("period", refusal.period());
        fields.put("limit_usd", policy.limitUsd().toPlainString());
        fields.put("spent_usd", refusal.spentUsd().toPlainString());
        return Refusal.of(429, "budget_exceeded", message, null)
                .withHeaders(headers)
                .withFields(fields);
    }
}
