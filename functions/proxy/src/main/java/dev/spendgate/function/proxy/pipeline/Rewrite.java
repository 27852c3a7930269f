package dev.spendgate.function.proxy.pipeline;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Fixes the bytes forwarded upstream: the client's own bytes unless its provider API changes the body (a degraded
 * model, usage reporting on a streamed chat completion, Converse request metadata) or the gateway marked it for
 * prompt caching ({@link CallContext#markedBody}); see {@code ProviderApi#rewrite}.
 */
public final class Rewrite implements Stage {

    @Override
    public Step apply(CallContext ctx) {
        ObjectNode body = ctx.body();
        ObjectNode out = ctx.api()
                .rewrite(
                        ctx.bodyForwarded(),
                        ctx.modelForwarded(),
                        ctx.degradedFrom() != null || ctx.optimization().routedBy() != null,
                        ctx.stream(),
                        ctx.attribution(),
                        ctx.requestId());
        byte[] outgoing = out == body ? ctx.request().body() : Json.bytes(out);
        return Step.proceed(ctx.with(b -> b.outgoing = outgoing));
    }
}
