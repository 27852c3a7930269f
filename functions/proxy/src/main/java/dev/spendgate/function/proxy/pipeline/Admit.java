package dev.spendgate.function.proxy.pipeline;

import dev.spendgate.domain.budget.BudgetDecision;
import dev.spendgate.domain.budget.BudgetPolicy;
import dev.spendgate.domain.budget.ReservationJournal;
import dev.spendgate.function.proxy.Log;
import dev.spendgate.function.proxy.budget.BudgetGate;
import dev.spendgate.function.proxy.http.CallStages;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
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

    /**
     * The 429 of a call its budgets refuse. Its fields name the budget that refuses it longest, and {@code Retry-After}
     * is the latest period end among all that refused it (none when a lifetime budget did): a client that waits for the
     * tightest budget's end alone is refused again by the others (a daily and a monthly budget both short of the call).
     * The message names every refusing budget.
     */
    private Refusal overBudget(BudgetDecision.Refusal refusal) {
        BudgetDecision.Refusal longest = refusal.longest();
        BudgetPolicy policy = longest.policy();
        String scope = scope(longest);
        StringBuilder message = new StringBuilder("Budget ")
                .append(policy.id())
                .append(" for ")
                .append(scope)
                .append(" (")
                .append(longest.period())
                .append(") cannot afford this call: limit $")
                .append(policy.limitUsd().toPlainString())
                .append(", spent $")
                .append(longest.spentUsd().toPlainString())
                .append(" (")
                .append(longest.reason())
                .append(")");
        List<BudgetDecision.Refusal> all = new ArrayList<>();
        all.add(refusal);
        all.addAll(refusal.alsoRefusing());
        for (BudgetDecision.Refusal other : all) {
            if (other != longest) {
                message.append("; budget ")
                        .append(other.policy().id())
                        .append(" for ")
                        .append(scope(other))
                        .append(" (")
                        .append(other.period())
                        .append(") refuses it too: limit $")
                        .append(other.policy().limitUsd().toPlainString())
                        .append(", spent $")
                        .append(other.spentUsd().toPlainString());
            }
        }
        message.append('.');
        Map<String, String> headers = new LinkedHashMap<>();
        refusal.retryAt().ifPresent(end -> {
            long seconds = Math.max(1, Duration.between(clock.instant(), end).getSeconds());
            headers.put("Retry-After", Long.toString(seconds));
        });
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("scope", scope);
        fields.put("period", longest.period());
        fields.put("limit_usd", policy.limitUsd().toPlainString());
        fields.put("spent_usd", longest.spentUsd().toPlainString());
        return Refusal.of(429, "budget_exceeded", message.toString(), null)
                .withHeaders(headers)
                .withFields(fields);
    }

    /** A refusing budget's scope as scopes are written everywhere else: {@code global} (no {@code :*}), else type:value. */
    private static String scope(BudgetDecision.Refusal refusal) {
        BudgetPolicy policy = refusal.policy();
        return policy.scope().type() == dev.spendgate.domain.budget.ScopeType.GLOBAL
                ? policy.scope().toString()
                : policy.scope().type().label() + ":" + refusal.scopeValue();
    }
}
