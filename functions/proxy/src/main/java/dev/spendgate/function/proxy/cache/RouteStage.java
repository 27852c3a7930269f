package dev.spendgate.function.proxy.cache;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spendgate.domain.pricing.OutputLimits;
import dev.spendgate.domain.routing.GatewayPolicy;
import dev.spendgate.domain.routing.RequestTraits;
import dev.spendgate.function.proxy.pipeline.CallContext;
import dev.spendgate.function.proxy.pipeline.Stage;
import dev.spendgate.function.proxy.pipeline.Step;
import dev.spendgate.function.proxy.usage.TokenCounter;
import java.util.Optional;

/**
 * Routing rules, after validation and before the cache and the budgets: a call a rule takes goes to the rule's model
 * (budgets reserve at its price, the provider sees it), and its record names the rule. A call whose output cap is
 * more than the rule's model can answer ({@link OutputLimits}) keeps its model.
 */
public final class RouteStage implements Stage {
    private final Optimizations optimizations;

    public RouteStage(Optimizations optimizations) {
        this.optimizations = optimizations;
    }

    @Override
    public Step apply(CallContext ctx) {
        JsonNode body = ctx.body();
        Optional<GatewayPolicy.Routed> routed = optimizations.route(new RequestTraits(
                ctx.attribution(),
                ctx.key().id(),
                ctx.api().recordName(),
                ctx.modelRequested(),
                () -> TokenCounter.count(ctx.modelRequested(), ctx.prompt().full()),
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
