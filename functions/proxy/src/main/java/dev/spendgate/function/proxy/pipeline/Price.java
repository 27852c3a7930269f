package dev.spendgate.function.proxy.pipeline;

import dev.spendgate.domain.pricing.CallPricer;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.usage.UsageRecord.PricingStatus;
import dev.spendgate.domain.usage.UsageRecord.UsageSource;
import dev.spendgate.function.proxy.Log;
import dev.spendgate.function.proxy.budget.CostEstimator;
import dev.spendgate.function.proxy.budget.WebSearchTools;
import dev.spendgate.function.proxy.http.RequestLimits;
import dev.spendgate.function.proxy.upstream.Endpoint;
import dev.spendgate.function.proxy.usage.TokenCounter;
import dev.spendgate.function.proxy.usage.TrackedUsage;
import java.math.BigDecimal;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Works out a relayed call's tokens and cost from what its answer reported, estimating what the provider never
 * reported ({@code usage_source: estimated}, error {@code usage_missing}), priced at the tier the provider served
 * ({@link CallPricer}). A model with no price is recorded as unpriced and warned about once, and so is a call that
 * sent audio ({@link AudioInput}): the catalog has no audio input rates, and the text rate is not what was billed. An
 * error answer reaches it only when its provider bills it ({@link BilledRefusals}). A call to a free endpoint
 * ({@code ProviderApi#billed}) is left {@code not_billable} with no cost.
 */
public final class Price {
    /** Warned once each, up to this many models (the set grows with what providers answer, so it is bounded). */
    private static final int MAX_UNPRICED_WARNED = 1_000;

    private final PricingCatalog pricing;
    private final CostEstimator estimator;
    private final Set<String> unpricedWarned = ConcurrentHashMap.newKeySet();
    private final StoredChains chains = new StoredChains();
    private final GeminiCaches caches = new GeminiCaches();

    /**
     * @param estimator counts what a cut call's body bills (the budgets' worst-case rules), so an estimate counts the
     *     tools, schemas and media the provider billed, not the message text alone
     */
    public Price(PricingCatalog pricing, CostEstimator estimator) {
        this.pricing = Objects.requireNonNull(pricing, "pricing");
        this.estimator = Objects.requireNonNull(estimator, "estimator");
    }

    public CallContext apply(CallContext ctx, TrackedUsage tracked) {
        if (!ctx.api().billed()) {
            return ctx; // a free endpoint: not_billable, no cost, whatever it answered
        }
        if (tracked.unservedException() != null) {
            // the provider answered an exception before serving anything: not billed, as an error status is not
            return ctx.with(b -> b.errorType = b.errorType != null ? b.errorType : tracked.unservedException());
        }
        if (ctx.statusCode() < 200 || ctx.statusCode() >= 300) {
            return billedRefusal(ctx);
        }
        String served = ctx.api().modelServed(tracked.modelServed(), ctx.modelForwarded());
        if (ctx.provider().azure() != null) {
            served = ctx.provider().azure().modelServed(served, ctx.modelForwarded());
        }
        String modelServed = served == null || served.length() <= RequestLimits.MAX_MODEL_LENGTH
                ? served
                : served.substring(0, RequestLimits.MAX_MODEL_LENGTH);
        String tierRequested =
                ctx.api().requestedServiceTier(ctx.body(), ctx.request().headers());
        TokenUsage tokens = (tracked.complete() ? tracked.tokens() : estimate(ctx, modelServed, tracked))
                .withPreviewWebSearches(
                        ctx.body() != null && WebSearchTools.preview(ctx.api().estimateAs(), ctx.body()));
        if (tracked.complete()) {
            chains.remember(tracked.responseId(), tokens);
            if (ctx.api().estimateAs() == Endpoint.CHAT_COMPLETIONS) {
                caches.remember(ctx.body(), tokens);
            }
        }
        CallPricer.Priced priced = CallPricer.create(pricing)
                .price(new CallPricer.Call(
                        ctx.provider().pricingProvider(),
                        modelServed,
                        ctx.modelForwarded(),
                        tokens,
                        tracked.complete(),
                        tracked.serviceTier(),
                        tierRequested,
                        tracked.inferenceGeo(),
                        ctx.start()));
        String model = modelServed != null ? modelServed : ctx.modelForwarded();
        boolean audio = priced.quote() != null && AudioInput.sent(ctx.body());
        if (audio) {
            // no audio rate in the catalog: the text rate would record a third of Gemini's bill (README "Pricing")
            priced = new CallPricer.Priced(
                    null,
                    null,
                    "the pricing catalog has no audio input rate for "
                            + ctx.provider().pricingProvider() + "/" + model + " and the request sent audio");
        }
        if (!priced.priced()) {
            if (unpricedWarned.size() < MAX_UNPRICED_WARNED
                    && unpricedWarned.add(ctx.provider().pricingProvider() + "/" + model + "/" + tracked.serviceTier()
                            + (audio ? "/audio" : ""))) {
                Log.warn(ctx.requestId(), priced.reason() + ": its calls are recorded as unpriced");
            }
        }
        BigDecimal cost = priced.cost();
        return ctx.with(b -> {
            b.modelServed = modelServed;
            b.serviceTierServed = tracked.serviceTier();
            b.inferenceGeo = tracked.inferenceGeo();
            b.serviceTierRequested = tierRequested;
            b.tokens = tokens;
            b.usageSource = tracked.complete() ? UsageSource.PROVIDER : UsageSource.ESTIMATED;
            if (!tracked.complete() && b.errorType == null) {
                // the exception a stream ended with says why its usage is missing, where there was one
                b.errorType = tracked.streamException() != null ? tracked.streamException() : "usage_missing";
            }
            b.cost = cost;
            b.pricingStatus = cost != null ? PricingStatus.PRICED : PricingStatus.UNPRICED;
        });
    }

    /**
     * An error answer its provider bills ({@link BilledRefusals}: Azure's content-filter 400): the prompt was evaluated,
     * and is estimated as a cut call's input is; what the provider charged beyond it (Azure bills the completion tokens
     * of a filtered prompt too) is not known, so the call is {@code unpriced} and its budgets keep their worst case as
     * spent.
     */
    private CallContext billedRefusal(CallContext ctx) {
        long input = estimator.billedInputTokens(
                ctx.provider().pricingProvider(), ctx.modelForwarded(), ctx.prompt(), ctx.body());
        if (ctx.api().estimateAs() == Endpoint.RESPONSES) {
            input += chains.carriedInto(ctx.body()).orElse(0);
        }
        TokenUsage tokens = new TokenUsage(input, 0, 0, 0, 0, 0);
        String tierRequested =
                ctx.api().requestedServiceTier(ctx.body(), ctx.request().headers());
        return ctx.with(b -> {
            b.serviceTierRequested = tierRequested;
            b.tokens = tokens;
            b.usageSource = UsageSource.ESTIMATED;
            b.cost = null;
            b.pricingStatus = PricingStatus.UNPRICED;
        });
    }

    /**
     * Counts what the provider did not report: the output streamed, and every billed input of the body unless input was
     * reported, with the stored chain a Responses call continues when this gateway priced its previous response
     * ({@link StoredChains}), and the Gemini context cache a chat call names when this gateway priced a call on it
     * ({@link GeminiCaches}). A model that reasons before it answers bills reasoning tokens it never streams, as many as the request
     * let it: such a call's output is estimated at the most it could bill (the worst case its budgets reserved).
     */
    private TokenUsage estimate(CallContext ctx, String modelServed, TrackedUsage tracked) {
        String model = modelServed != null ? modelServed : ctx.modelForwarded();
        long output = TokenCounter.count(model, tracked.streamedText());
        if (ctx.api().estimateAs() != Endpoint.EMBEDDINGS && ReasoningCalls.reasonsUnseen(model, ctx.body())) {
            output = Math.max(output, estimator.maxOutputTokens(model, ctx.prompt(), ctx.body()));
        }
        TokenUsage partial = tracked.tokens();
        if (partial != null) {
            // Input was reported (Anthropic message_start); only the output is counted here. Searches reported stand,
            // or those the stream showed run when more (a stream cut before its final count)
            return new TokenUsage(
                    partial.inputTokens(),
                    partial.cachedInputTokens(),
                    partial.cacheWrite5mTokens(),
                    partial.cacheWrite1hTokens(),
                    Math.max(output, partial.outputTokens()),
                    0,
                    Math.max(partial.webSearches(), tracked.webSearchesSeen()),
                    partial.previewWebSearches(),
                    Math.max(partial.imageGenerations(), tracked.imageGenerationsSeen()),
                    Math.max(partial.fileSearches(), tracked.fileSearchesSeen()),
                    Math.max(partial.codeInterpreterCalls(), tracked.codeInterpreterCallsSeen()));
        }
        long input = estimator.billedInputTokens(ctx.provider().pricingProvider(), model, ctx.prompt(), ctx.body());
        long cached = 0;
        if (ctx.api().estimateAs() == Endpoint.RESPONSES) {
            input += chains.carriedInto(ctx.body()).orElse(0);
        } else if (ctx.api().estimateAs() == Endpoint.CHAT_COMPLETIONS) {
            cached = caches.cachedInto(ctx.body()).orElse(0); // billed as prompt, at the cache rate
            input += cached;
        }
        return new TokenUsage(input, cached, 0, 0, output, 0)
                .withWebSearches(tracked.webSearchesSeen())
                .withImageGenerations(tracked.imageGenerationsSeen())
                .withFileSearches(tracked.fileSearchesSeen())
                .withCodeInterpreterCalls(tracked.codeInterpreterCallsSeen());
    }
}
