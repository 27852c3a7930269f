package dev.spendgate.function.proxy.cache;

import dev.spendgate.domain.cache.ResponseCache;
import dev.spendgate.domain.routing.CacheRule;
import dev.spendgate.function.proxy.Log;
import dev.spendgate.function.proxy.pipeline.CallContext;
import dev.spendgate.function.proxy.pipeline.Stage;
import dev.spendgate.function.proxy.pipeline.Step;
import java.util.Optional;

/**
 * The response cache, before admission: a hit is answered here ({@link CachedAnswers}, later stages do not run), so
 * it reserves no budget and calls no provider; a miss goes on and is filled after a successful answer
 * ({@link CacheFill}).
 * Keyed on the request as it will be forwarded (a routed call's answer is the routed model's).
 */
public final class CacheLookupStage implements Stage {
    private final Optimizations optimizations;

    public CacheLookupStage(Optimizations optimizations) {
        this.optimizations = optimizations;
    }

    @Override
    public Step apply(CallContext ctx) {
        if (!ctx.api().billed()) {
            return Step.proceed(ctx); // a free endpoint's call is relayed as sent
        }
        Optional<CacheRule> rule =
                optimizations.cacheRule(ctx.attribution().feature(), ctx.api().recordName());
        if (rule.isEmpty()) {
            return Step.proceed(ctx);
        }
        // keyed on the model it goes to (Bedrock names the model in the path, not the body) and the headers that
        // change the answer; before admission only a routed call has a forwarded model
        var body =
                CacheKeyedRequest.body(ctx, ctx.modelForwarded() != null ? ctx.modelForwarded() : ctx.modelRequested());
        ResponseCache.Lookup lookup = optimizations.lookup(
                rule.get(),
                ctx.api().recordName(),
                ctx.stream(),
                body,
                ctx.attribution(),
                ctx.key().id(),
                ctx.key().defaults().department(),
                ctx.request().headers());
        if (lookup.storeError() != null) {
            Log.error(
                    ctx.requestId(),
                    "response cache lookup failed; the call goes to the provider",
                    lookup.storeError());
        }
        CallContext looked = ctx.with(b -> b.optimization = b.optimization.looked(rule.get(), lookup));
        if (!looked.optimization().hit()) {
            return Step.proceed(looked);
        }
        // a streamed call whose kept answer has a part its replay cannot send goes on as a miss, not a reduced hit
        return CachedAnswers.answer(looked, optimizations)
                .orElseGet(() -> Step.proceed(
                        ctx.with(b -> b.optimization = b.optimization.looked(rule.get(), lookup.asMiss()))));
    }
}
