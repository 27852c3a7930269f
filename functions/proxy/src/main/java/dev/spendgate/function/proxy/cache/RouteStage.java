package dev.spendgate.function.proxy.cache;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spendgate.domain.pricing.OutputLimits;
import dev.spendgate.domain.routing.GatewayPolicy;
import dev.spendgate.domain.routing.RequestTraits;
import dev.spendgate.function.proxy.budget.CostEstimator;
import dev.spendgate.function.proxy.pipeline.CallContext;
import dev.spendgate.function.proxy.pipeline.Stage;
import dev.spendgate.function.proxy.pipeline.Step;
import java.util.Optional;

/**
 * Routing rules, after validation and before the cache and the budgets: a call a rule takes goes to the rule's model
 * (budgets reserve at its price, the provider sees it), and its record names the rule. A call whose output cap is
 * more than the rule's model can answer ({@link OutputLimits}) keeps its model. A rule's {@code max_prompt_tokens} is
 * matched against the input the provider bills ({@link CostEstimator#billedInputTokens}: messages, system prompts,
 * tools and schemas, media by their bound), counted only when a rule asks; the texts it counts are remembered by the
 * estimator, so the budgets' worst case that follows looks their counts up instead of counting them again.
 */
public final class RouteStage implements Stage {
    private final Optimizations optimizations;
    private final CostEstimator estimator;

    public RouteStage(Optimizations optimizations, CostEstimator estimator) {
        this.optimizations = optimizations;
        this.estimator = estimator;
    }

    @Override
    public Step apply(CallContext ctx) {
        if (!ctx.api().billed()) {
            return Step.proceed(ctx); // a free endpoint's call is relayed as sent
        }
        JsonNode body = ctx.body();
        Optional<GatewayPolicy.Routed> routed = optimizations.route(new RequestTraits(
                ctx.attribution(),
                ctx.key().id(),
                ctx.api().recordName(),
                ctx.modelRequested(),
                () -> estimator.billedInputTokens(
                        ctx.provider().pricingProvider(), ctx.modelRequested(), ctx.prompt(), body),
                ctx.prompt().maxOutputTokens(),
                hasTools(body),
                name -> ctx.request().headers().first(name),
                ctx.requestId()));
        if (routed.isEmpty()) {
            return Step.proceed(ctx);
        }
        String model = routed.get().model();
        if (!OutputLimits.answers(model, ctx.prompt().maxOutputTokens())) {
            // the call asks more output than the rule's model gives: its provider would refuse it (400)
            return Step.proceed(ctx);
        }
        String rule = routed.get().rule().id();
        return Step.proceed(ctx.with(b -> {
            b.modelForwarded = model;
            b.optimization = b.optimization.routed(rule, model);
        }));
    }

    private static boolean hasTools(JsonNode body) {
        return body != null
                && (body.path("tools").size() > 0
                        || body.path("functions").size() > 0
                        || body.path("toolConfig").path("tools").size() > 0);
    }
}
