package dev.spendgate.function.proxy.cache;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spendgate.domain.cache.ResponseCache;
import dev.spendgate.function.proxy.Log;
import dev.spendgate.function.proxy.http.Headers;
import dev.spendgate.function.proxy.pipeline.CallContext;
import dev.spendgate.function.proxy.pipeline.ResponseTap;

/**
 * Beside the relay: tells the client what routing and the cache did ({@code X-Spendgate-Routed},
 * {@code X-Spendgate-Cache}), and keeps a successful, priced answer of a call that missed (not one a filter or refusal
 * stopped: {@link FilteredAnswer}), a streamed one rebuilt
 * into the non-streamed shape as it passes; under the model a degrade budget moved the call to, when it did.
 */
public final class CacheFill implements ResponseTap {
    private final Optimizations optimizations;

    public CacheFill(Optimizations optimizations) {
        this.optimizations = optimizations;
    }

    @Override
    public void headers(CallContext ctx, Headers back) {
        CallOptimization o = ctx.optimization();
        if (o.routedBy() != null) {
            back.set(Optimizations.ROUTED_HEADER, Optimizations.routedHeader(ctx));
        }
        if (o.lookup() != null) {
            back.set(Optimizations.CACHE_HEADER, o.lookup().outcome().label());
            if (o.lookup().reason() != null) {
                back.set(Optimizations.CACHE_REASON_HEADER, o.lookup().reason());
            }
        }
    }

    @Override
    public void whole(CallContext concluded, byte[] body) {
        // a 2xx may still be no answer: OpenRouter reports an error during generation as a 200 with an error body
        // (recorded usage_missing); kept, it would be replayed as a hit for the rule's TTL. Nor is an answer a
        // content filter or the model's refusal classifier stopped (FilteredAnswer)
        if (fillable(concluded)
                && concluded.errorType() == null
                && !TopLevelError.in(body)
                && !FilteredAnswer.in(body)) {
            fill(concluded, body);
        }
    }

    @Override
    public StreamTap stream(CallContext ctx) {
        if (!fillable(ctx)) {
            return null;
        }
        StreamAssembler assembler = new StreamAssembler(
                ctx.api().recordName(), ctx.optimization().cacheRule().maxEntryBytes());
        return new StreamTap() {
            @Override
            public void feed(byte[] bytes, int offset, int count) {
                assembler.feed(bytes, offset, count);
            }

            @Override
            public void done(CallContext concluded) {
                if (concluded.errorType() == null && concluded.cost() != null) {
                    // a stream a filter or the refusal classifier stopped (often mid-sentence) is no answer to keep
                    assembler
                            .result()
                            .filter(body -> !FilteredAnswer.in(body))
                            .ifPresent(body -> fill(concluded, body));
                }
            }
        };
    }

    private static boolean fillable(CallContext ctx) {
        CallOptimization o = ctx.optimization();
        return o.lookup() != null
                && o.lookup().outcome() == ResponseCache.Outcome.MISS
                && ctx.statusCode() >= 200
                && ctx.statusCode() < 300;
    }

    private void fill(CallContext ctx, byte[] body) {
        if (ctx.cost() == null) {
            return; // an unpriced answer could not say what a hit saves
        }
        CallOptimization o = ctx.optimization();
        ResponseCache cache = optimizations.responseCache();
        ResponseCache.Lookup missed = o.lookup();
        if (ctx.degradedFrom() != null) {
            // a degrade budget moved the call: the answer is the cheaper model's, kept under that model's key so
            // the same request gets the model it asked for once the budget has room
            ObjectNode asServed = CacheKeyedRequest.body(ctx, ctx.modelForwarded());
            missed = cache.rekeyed(
                    missed,
                    o.cacheRule(),
                    ctx.api().recordName(),
                    asServed,
                    ctx.attribution(),
                    ctx.key().id(),
                    ctx.key().defaults().department());
        }
        cache.fill(
                o.cacheRule(),
                missed,
                ctx.attribution().feature(),
                ctx.api().recordName(),
                ctx.provider().name(),
                ctx.modelServed(),
                body,
                ctx.tokens(),
                ctx.cost(),
                e -> Log.error(ctx.requestId(), "response cache fill failed; the answer was served", e));
    }
}
