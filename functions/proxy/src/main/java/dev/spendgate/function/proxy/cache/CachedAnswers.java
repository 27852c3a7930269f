package dev.spendgate.function.proxy.cache;

import dev.spendgate.domain.cache.CachedAnswer;
import dev.spendgate.domain.usage.UsageRecord.PricingStatus;
import dev.spendgate.domain.usage.UsageRecord.UsageSource;
import dev.spendgate.function.proxy.http.Headers;
import dev.spendgate.function.proxy.pipeline.Answer;
import dev.spendgate.function.proxy.pipeline.CallContext;
import dev.spendgate.function.proxy.pipeline.Relay;
import dev.spendgate.function.proxy.pipeline.Step;
import java.math.BigDecimal;
import java.util.Optional;

/**
 * Answers a cache hit: the kept answer as JSON, or replayed as the provider's events for a streamed call, with
 * {@code X-Spendgate-Cache: hit}. The gateway records the call before the answer leaves: cost 0, no tokens
 * ({@code usage_source: none}: no model ran), the model that produced the answer as {@code model_served}, and
 * {@code saved_usd}: what the answer cost when it was made. Nothing is reserved or relayed.
 */
public final class CachedAnswers {
    private CachedAnswers() {}

    /**
     * The hit's answer; none for a streamed call when the kept answer has a part the stream replay cannot send: served
     * without it, the repeat would get a reduced answer for the rule's TTL.
     */
    public static Optional<Step> answer(CallContext ctx, Optimizations optimizations) {
        CachedAnswer answer = ctx.optimization().lookup().answer();
        boolean usageChunk =
                ctx.body().path("stream_options").path("include_usage").asBoolean(false);
        Optional<Optimizations.Served> replayed = optimizations.serve(answer, ctx.stream(), usageChunk);
        if (replayed.isEmpty()) {
            return Optional.empty();
        }
        Optimizations.Served served = replayed.get();
        CallContext hit = ctx.with(b -> {
            b.statusCode = 200;
            b.modelServed = answer.modelServed();
            b.cost = BigDecimal.ZERO;
            b.pricingStatus = PricingStatus.PRICED;
            b.usageSource = UsageSource.NONE;
        });
        Headers headers = new Headers()
                .set("Content-Type", served.contentType())
                .set(Relay.COST_HEADER, "0")
                .set(Optimizations.CACHE_HEADER, "hit");
        if (hit.optimization().routedBy() != null) {
            headers.set(Optimizations.ROUTED_HEADER, Optimizations.routedHeader(hit));
        }
        return Optional.of(Step.answer(hit, new Answer(200, headers, served.body())));
    }
}
