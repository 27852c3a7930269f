package dev.spendgate.function.proxy.cache;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spendgate.function.proxy.pipeline.CallContext;
import dev.spendgate.function.proxy.pipeline.Stage;
import dev.spendgate.function.proxy.pipeline.Step;
import java.io.IOException;
import java.util.Optional;

/**
 * Automatic prompt caching, after the request rewrite: adds the provider's breakpoint to the bytes forwarded when
 * the feature asks for it and {@link Optimizations#promptCache} decides the prefix is worth it. The request as the
 * client sent it (fingerprints, cache keys) is unchanged.
 */
public final class PromptCacheStage implements Stage {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Optimizations optimizations;

    public PromptCacheStage(Optimizations optimizations) {
        this.optimizations = optimizations;
    }

    @Override
    public Step apply(CallContext ctx) {
        String endpoint = ctx.api().recordName();
        if (!endpoint.equals("messages")
                && !endpoint.equals("bedrock.converse")
                && !endpoint.equals("bedrock.invoke")) {
            return Step.proceed(ctx);
        }
        if (!optimizations.promptCaches(ctx.attribution().feature())) {
            return Step.proceed(ctx); // no rule: a rewritten request is not parsed again for nothing
        }
        ObjectNode body;
        try {
            body = ctx.outgoing() == ctx.request().body() ? ctx.body() : (ObjectNode) JSON.readTree(ctx.outgoing());
        } catch (IOException | ClassCastException e) {
            return Step.proceed(ctx);
        }
        Optional<Optimizations.Marked> marked =
                optimizations.promptCache(ctx.attribution().feature(), endpoint, ctx.modelForwarded(), body);
        if (marked.isEmpty()) {
            return Step.proceed(ctx);
        }
        byte[] outgoing;
        try {
            outgoing = JSON.writeValueAsBytes(marked.get().body());
        } catch (IOException e) {
            return Step.proceed(ctx);
        }
        String ttl = marked.get().ttl().label();
        return Step.proceed(ctx.with(b -> {
            b.outgoing = outgoing;
            b.optimization = b.optimization.marked(ttl);
        }));
    }
}
