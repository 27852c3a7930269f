package dev.spendgate.domain.report;

import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.usage.UnpricedCause;
import dev.spendgate.domain.usage.UsageRecord;
import java.math.BigDecimal;

/**
 * Sums over the calls of one {@link CellKey}. Token counts cover priced calls only, so that they and {@code costUsd}
 * describe the same calls; calls whose model was unpriced are counted apart (their cost is unknown, not zero), and so
 * are their tokens ({@link #unpricedTokens()}): the gateway saw them, it only lacked a price.
 */
public final class CellTotals {
    private long calls;
    private long pricedCalls;
    private long unpricedCalls;
    // of the unpriced calls, those whose cost is unknown for another reason than a missing price (UnpricedCause)
    private long unansweredCalls;
    private long gatewayStoppedCalls;
    private long inputTokens;
    private long cachedInputTokens;
    private long cacheWrite5mTokens;
    private long cacheWrite1hTokens;
    private long outputTokens;
    private long reasoningTokens;
    private long webSearches;
    private long previewWebSearches;
    private BigDecimal costUsd = BigDecimal.ZERO;
    private long worstCaseCalls;
    private BigDecimal worstCaseUsd = BigDecimal.ZERO;
    private TokenUsage unpricedTokens = TokenUsage.ZERO;
    private long estimatedTokenCalls;
    private BigDecimal estimatedTokenUsd = BigDecimal.ZERO;
    private TokenUsage estimatedTokens = TokenUsage.ZERO;

    public CellTotals() {}

    /** Totals from pre-aggregated figures (an Athena result row). */
    public static CellTotals of(
            long calls, long pricedCalls, long unpricedCalls, TokenUsage pricedTokens, BigDecimal costUsd) {
        CellTotals t = new CellTotals();
        t.calls = calls;
        t.pricedCalls = pricedCalls;
        t.unpricedCalls = unpricedCalls;
        t.addTokens(pricedTokens);
        t.costUsd = costUsd;
        return t;
    }

    /**
     * As {@link #of(long, long, long, TokenUsage, BigDecimal)}, with the calls among the priced ones that were charged
     * at their reserved worst case ({@code cost_basis: reserved_worst_case}) and what they cost.
     */
    public static CellTotals of(
            long calls,
            long pricedCalls,
            long unpricedCalls,
            TokenUsage pricedTokens,
            BigDecimal costUsd,
            long worstCaseCalls,
            BigDecimal worstCaseUsd) {
        CellTotals t = of(calls, pricedCalls, unpricedCalls, pricedTokens, costUsd);
        t.worstCaseCalls = worstCaseCalls;
        t.worstCaseUsd = java.util.Objects.requireNonNull(worstCaseUsd, "worstCaseUsd");
        return t;
    }

    /** As above, with the tokens of the unpriced calls. */
    public static CellTotals of(
            long calls,
            long pricedCalls,
            long unpricedCalls,
            TokenUsage pricedTokens,
            BigDecimal costUsd,
            long worstCaseCalls,
            BigDecimal worstCaseUsd,
            TokenUsage unpricedTokens) {
        CellTotals t = of(calls, pricedCalls, unpricedCalls, pricedTokens, costUsd, worstCaseCalls, worstCaseUsd);
        t.unpricedTokens = java.util.Objects.requireNonNull(unpricedTokens, "unpricedTokens");
        return t;
    }

    /**
     * Sets the pre-aggregated figures of the {@link #estimatedTokenCalls() calls priced on tokens the gateway counted
     * itself} (an Athena result row): their count, cost and tokens, all part of the priced figures already given.
     */
    public CellTotals withEstimatedTokens(long calls, BigDecimal costUsd, TokenUsage tokens) {
        estimatedTokenCalls = calls;
        estimatedTokenUsd = java.util.Objects.requireNonNull(costUsd, "costUsd");
        estimatedTokens = java.util.Objects.requireNonNull(tokens, "tokens");
        return this;
    }

    public void add(UsageRecord r) {
        calls++;
        if (r.costUsd() != null) {
            pricedCalls++;
            addTokens(r.tokens());
            costUsd = costUsd.add(r.costUsd());
            if (r.worstCaseEstimate()) {
                worstCaseCalls++;
                worstCaseUsd = worstCaseUsd.add(r.costUsd());
            } else if (r.usageSource() == UsageRecord.UsageSource.ESTIMATED) {
                estimatedTokenCalls++;
                estimatedTokenUsd = estimatedTokenUsd.add(r.costUsd());
                estimatedTokens = sum(estimatedTokens, r.tokens());
            }
        } else if (r.pricingStatus() == UsageRecord.PricingStatus.UNPRICED) {
            unpricedCalls++;
            UnpricedCause cause = UnpricedCause.of(r);
            if (cause == UnpricedCause.UNANSWERED) {
                unansweredCalls++;
            } else if (cause == UnpricedCause.GATEWAY_STOPPED) {
                gatewayStoppedCalls++;
            }
            unpricedTokens = sum(unpricedTokens, r.tokens());
        }
    }

    public void add(CellTotals other) {
        calls += other.calls;
        pricedCalls += other.pricedCalls;
        unpricedCalls += other.unpricedCalls;
        unansweredCalls += other.unansweredCalls;
        gatewayStoppedCalls += other.gatewayStoppedCalls;
        inputTokens += other.inputTokens;
        cachedInputTokens += other.cachedInputTokens;
        cacheWrite5mTokens += other.cacheWrite5mTokens;
        cacheWrite1hTokens += other.cacheWrite1hTokens;
        outputTokens += other.outputTokens;
        reasoningTokens += other.reasoningTokens;
        webSearches += other.webSearches;
        previewWebSearches += other.previewWebSearches;
        costUsd = costUsd.add(other.costUsd);
        worstCaseCalls += other.worstCaseCalls;
        worstCaseUsd = worstCaseUsd.add(other.worstCaseUsd);
        unpricedTokens = sum(unpricedTokens, other.unpricedTokens);
        estimatedTokenCalls += other.estimatedTokenCalls;
        estimatedTokenUsd = estimatedTokenUsd.add(other.estimatedTokenUsd);
        estimatedTokens = sum(estimatedTokens, other.estimatedTokens);
    }

    private static TokenUsage sum(TokenUsage a, TokenUsage b) {
        if (b == null) {
            return a;
        }
        return new TokenUsage(
                a.inputTokens() + b.inputTokens(),
                a.cachedInputTokens() + b.cachedInputTokens(),
                a.cacheWrite5mTokens() + b.cacheWrite5mTokens(),
                a.cacheWrite1hTokens() + b.cacheWrite1hTokens(),
                a.outputTokens() + b.outputTokens(),
                a.reasoningTokens() + b.reasoningTokens(),
                a.webSearches() + b.webSearches(),
                a.previewWebSearches() + b.previewWebSearches());
    }

    private void addTokens(TokenUsage t) {
        inputTokens += t.inputTokens();
        cachedInputTokens += t.cachedInputTokens();
        cacheWrite5mTokens += t.cacheWrite5mTokens();
        cacheWrite1hTokens += t.cacheWrite1hTokens();
        outputTokens += t.outputTokens();
        reasoningTokens += t.reasoningTokens();
        webSearches += t.webSearches();
        previewWebSearches += t.previewWebSearches();
    }

    public long calls() {
        return calls;
    }

    public long pricedCalls() {
        return pricedCalls;
    }

    public long unpricedCalls() {
        return unpricedCalls;
    }

    /**
     * Of the {@link #unpricedCalls()}, those of {@code cause}. A pre-aggregated row (Athena) does not tell the causes
     * apart: all its unpriced calls are {@link UnpricedCause#NO_PRICE} here.
     */
    public long unpricedCalls(UnpricedCause cause) {
        return switch (cause) {
            case UNANSWERED -> unansweredCalls;
            case GATEWAY_STOPPED -> gatewayStoppedCalls;
            case NO_PRICE -> unpricedCalls - unansweredCalls - gatewayStoppedCalls;
        };
    }

    public long inputTokens() {
        return inputTokens;
    }

    public long uncachedInputTokens() {
        return inputTokens - cachedInputTokens - cacheWrite5mTokens - cacheWrite1hTokens;
    }

    public long cachedInputTokens() {
        return cachedInputTokens;
    }

    public long cacheWrite5mTokens() {
        return cacheWrite5mTokens;
    }

    public long cacheWrite1hTokens() {
        return cacheWrite1hTokens;
    }

    public long outputTokens() {
        return outputTokens;
    }

    public long reasoningTokens() {
        return reasoningTokens;
    }

    /** Exact sum of the priced calls' costs. */
    public BigDecimal costUsd() {
        return costUsd;
    }

    /**
     * Priced calls charged at their reserved worst case: the gateway stopped between forwarding them and recording
     * them, so their cost is the estimate reserved before forwarding and their tokens are unknown (zero).
     */
    public long worstCaseCalls() {
        return worstCaseCalls;
    }

    /** What {@link #worstCaseCalls()} cost: part of {@link #costUsd()}, with no tokens behind it. */
    public BigDecimal worstCaseUsd() {
        return worstCaseUsd;
    }

    /**
     * Priced calls whose tokens the gateway counted itself ({@code usage_source: estimated}: a stream cut before its
     * usage event), not provider-reported; the calls charged at their {@link #worstCaseCalls() worst case} are not
     * among them (they have no tokens).
     */
    public long estimatedTokenCalls() {
        return estimatedTokenCalls;
    }

    /** What {@link #estimatedTokenCalls()} cost: part of {@link #costUsd()}, priced on estimated tokens. */
    public BigDecimal estimatedTokenUsd() {
        return estimatedTokenUsd;
    }

    /** The tokens of {@link #estimatedTokenCalls()}: part of {@link #pricedTokens()}, counted by the gateway. */
    public TokenUsage estimatedTokens() {
        return estimatedTokens;
    }

    /** The priced tokens the providers reported: {@link #pricedTokens()} less {@link #estimatedTokens()}. */
    public TokenUsage providerReportedTokens() {
        TokenUsage p = pricedTokens();
        TokenUsage e = estimatedTokens;
        return new TokenUsage(
                p.inputTokens() - e.inputTokens(),
                p.cachedInputTokens() - e.cachedInputTokens(),
                p.cacheWrite5mTokens() - e.cacheWrite5mTokens(),
                p.cacheWrite1hTokens() - e.cacheWrite1hTokens(),
                p.outputTokens() - e.outputTokens(),
                p.reasoningTokens() - e.reasoningTokens(),
                p.webSearches() - e.webSearches(),
                p.previewWebSearches() - e.previewWebSearches());
    }

    /** The tokens of the unpriced calls (the model was not in the catalog): seen by the gateway, cost unknown. */
    public TokenUsage unpricedTokens() {
        return unpricedTokens;
    }

    /** Every token the gateway saw: the priced calls' and the unpriced calls'. */
    public TokenUsage allTokens() {
        return sum(pricedTokens(), unpricedTokens);
    }

    /** The priced tokens (and web searches) as one usage, to price with a catalog entry. */
    public TokenUsage pricedTokens() {
        return new TokenUsage(
                inputTokens,
                cachedInputTokens,
                cacheWrite5mTokens,
                cacheWrite1hTokens,
                outputTokens,
                reasoningTokens,
                webSearches,
                previewWebSearches);
    }
}
