package dev.spendgate.function.proxy.pipeline;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Fixes the bytes forwarded upstream: the client's own bytes unless its provider API changes the body (a degraded
 * model, the deployment an Azure Responses call names as its model, usage reporting on a streamed chat completion
 * when the provider takes the option, Converse request metadata) or the gateway marked it for prompt caching
 * ({@link CallContext#markedBody}); see {@code ProviderApi#rewrite}.
 */
public final class Rewrite implements Stage {

    @Override
    public Step apply(CallContext ctx) {
        ObjectNode body = ctx.body();
        boolean addStreamUsage = ctx.api().addsStreamUsage(body, ctx.stream(), ctx.provider());
        String modelSent = ctx.api().modelSent(ctx.provider(), ctx.modelForwarded());
        ObjectNode out = ctx.api()
                .rewrite(
                        ctx.bodyForwarded(),
                        modelSent,
                        ctx.degradedFrom() != null
                                || ctx.optimization().routedBy() != null
                                || !modelSent.equals(ctx.modelForwarded()),
                        ctx.stream(),
                        addStreamUsage,
                        ctx.attribution(),
                        ctx.requestId());
        byte[] outgoing = out == body ? ctx.request().body() : Json.bytes(out);
        return Step.proceed(ctx.with(b -> {
            b.outgoing = outgoing;
            b.hidesUsageChunk = addStreamUsage;
        }));
    }
}
