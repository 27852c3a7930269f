package dev.spendgate.function.proxy.cache;

import dev.spendgate.domain.cache.PromptCachePlanner;
import dev.spendgate.function.proxy.pipeline.CallContext;
import dev.spendgate.function.proxy.pipeline.Stage;
import dev.spendgate.function.proxy.pipeline.Step;
import java.util.Arrays;
import java.util.Optional;

/**
 * After admission: a call {@link PromptCacheStage} marked for the model it asked for, and a degrade budget then moved
 * to a cheaper one, keeps the mark only where the model forwarded caches the prefix that way ({@link
 * Optimizations#remark}); otherwise it goes unmarked and its record's {@code prompt_cache} is empty. Bedrock answers a
 * {@code cachePoint} a model does not support (the hour TTL on Claude 3.5 Haiku, a point after Nova's tools) with a
 * ValidationException.
 */
public final class DegradedPromptCacheStage implements Stage {
    private final Optimizations optimizations;

    public DegradedPromptCacheStage(Optimizations optimizations) {
        this.optimizations = optimizations;
    }

    @Override
    public Step apply(CallContext ctx) {
        String label = ctx.optimization().promptCache();
        if (ctx.degradedFrom() == null || ctx.markedBody() == null || label == null) {
            return Step.proceed(ctx);
        }
        Optional<PromptCachePlanner.Ttl> ttl = Arrays.stream(PromptCachePlanner.Ttl.values())
                .filter(t -> t.label().equals(label))
                .findFirst();
        Optional<Optimizations.Marked> kept = ttl.flatMap(t -> optimizations.remark(
                ctx.attribution().feature(), ctx.api().recordName(), ctx.modelForwarded(), ctx.body(), t));
        return Step.proceed(ctx.with(b -> {
            b.markedBody = kept.map(Optimizations.Marked::body).orElse(null);
            b.optimization = b.optimization.marked(kept.isPresent() ? label : null);
        }));
    }
}
