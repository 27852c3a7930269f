package dev.spendgate.function.proxy.cache;

import dev.spendgate.function.proxy.pipeline.CallContext;
import dev.spendgate.function.proxy.pipeline.Stage;
import dev.spendgate.function.proxy.pipeline.Step;
import java.util.Optional;

/**
 * Automatic prompt caching, before admission: decides the provider's breakpoint when the feature asks for it and
 * {@link Optimizations#promptCache} decides the prefix is worth it, and keeps the marked body as
 * {@link CallContext#markedBody}: admission reserves it (a 1-hour cache write costs twice the input price) and the
 * rewrite forwards it. The request as the client sent it (fingerprints, cache keys) is unchanged.
 */
public final class PromptCacheStage implements Stage {
    private final Optimizations optimizations;

    public PromptCacheStage(Optimizations optimizations) {
        this.optimizations = optimizations;
    }

    @Override
    public Step apply(CallContext ctx) {
        if (!ctx.api().billed()) {
            return Step.proceed(ctx); // a free endpoint's call is relayed as sent
        }
        String endpoint = ctx.api().recordName();
        if (!endpoint.equals("messages")
                && !endpoint.equals("bedrock.converse")
                && !endpoint.equals("bedrock.invoke")) {
            return Step.proceed(ctx);
        }
        if (!optimizations.promptCaches(ctx.attribution().feature()) || ctx.body() == null) {
            return Step.proceed(ctx);
        }
        // a routing rule may have chosen the model already
        String model = ctx.modelForwarded() != null ? ctx.modelForwarded() : ctx.modelRequested();
        Optional<Optimizations.Marked> marked =
                optimizations.promptCache(ctx.attribution().feature(), endpoint, model, ctx.body());
        if (marked.isEmpty()) {
            return Step.proceed(ctx);
        }
        String ttl = marked.get().ttl().label();
        return Step.proceed(ctx.with(b -> {
            b.markedBody = marked.get().body();
            b.optimization = b.optimization.marked(ttl);
        }));
    }
}
