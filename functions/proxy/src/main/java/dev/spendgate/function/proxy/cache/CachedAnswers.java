package dev.spendgate.function.proxy.cache;

import dev.spendgate.domain.cache.CachedAnswer;
import dev.spendgate.domain.usage.UsageRecord.PricingStatus;
import dev.spendgate.domain.usage.UsageRecord.UsageSource;
import dev.spendgate.function.proxy.http.Headers;
import dev.spendgate.function.proxy.pipeline.CallContext;
import dev.spendgate.function.proxy.pipeline.Exchange;
import dev.spendgate.function.proxy.pipeline.Relay;
import dev.spendgate.function.proxy.pipeline.Step;
import java.io.IOException;
import java.math.BigDecimal;

/**
 * Answers a cache hit: the kept answer as JSON, or replayed as the provider's events for a streamed call, with
 * {@code X-Spendgate-Cache: hit}. The call is recorded first (durable before the answer leaves) at cost 0, no tokens
 * ({@code usage_source: none}: no model ran), the model that produced the answer as {@code model_served}, and
 * {@code saved_usd}: what the answer cost when it was made.
 */
public final class CachedAnswers {
    private CachedAnswers() {}

    public static Step serve(CallContext ctx, Exchange exchange) {
        CachedAnswer answer = ctx.optimization().lookup().answer();
        Optimizations.Served served = Optimizations.serve(answer, ctx.stream());
        CallContext hit = ctx.with(b -> {
            b.statusCode = 200;
            b.modelServed = answer.modelServed();
            b.cost = BigDecimal.ZERO;
            b.pricingStatus = PricingStatus.PRICED;
            b.usageSource = UsageSource.NONE;
        });
        CallContext done = exchange.conclude(hit, null).context();
        Headers headers = new Headers()
                .set("Content-Type", served.contentType())
                .set(Relay.REQUEST_ID_HEADER, done.requestId())
                .set(Relay.COST_HEADER, "0")
                .set(Optimizations.CACHE_HEADER, "hit");
        if (done.optimization().routedBy() != null) {
            headers.set(Optimizations.ROUTED_HEADER, Optimizations.routedHeader(done));
        }
        try {
            exchange.start(200, headers, served.body().length);
            exchange.sink().write(served.body());
            exchange.sink().end();
        } catch (IOException e) {
            // the client left; the record says what was served
        }
        return Step.proceed(done);
    }
}
