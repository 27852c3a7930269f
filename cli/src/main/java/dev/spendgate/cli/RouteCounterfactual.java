package dev.spendgate.cli;

import dev.spendgate.domain.pricing.CallPricer;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.usage.UsageRecord;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Optional;

/**
 * What a routed call would have cost on the model asked for, as the gateway would have billed it: its tokens at that
 * model's rates for the tier served, the call's region ({@code inference_geo}) and its time. A cache hit has no tokens (no model ran): its counterfactual
 * is the answer's cost ({@code saved_usd}) scaled by what 1M input plus 1M output tokens cost on each model.
 */
final class RouteCounterfactual {
    private static final TokenUsage REFERENCE = new TokenUsage(1_000_000, 0, 0, 0, 1_000_000, 0);

    private final CallPricer pricer;

    RouteCounterfactual(CallPricer pricer) {
        this.pricer = pricer;
    }

    /** The call's cost on {@code asked}; empty when that model (or, for a hit, the model served) has no price. */
    Optional<BigDecimal> cost(UsageRecord r, String asked) {
        UsageRecord.Optimization o = r.optimization();
        if (!"hit".equals(o.cache()) || o.savedUsd() == null) {
            return price(r, asked, r.tokens());
        }
        Optional<BigDecimal> askedRef = price(r, asked, REFERENCE);
        Optional<BigDecimal> servedRef = price(r, r.pricedModel(), REFERENCE);
        if (askedRef.isEmpty() || servedRef.isEmpty() || servedRef.get().signum() <= 0) {
            return Optional.empty();
        }
        return Optional.of(o.savedUsd().multiply(askedRef.get()).divide(servedRef.get(), 10, RoundingMode.HALF_UP));
    }

    private Optional<BigDecimal> price(UsageRecord r, String model, TokenUsage tokens) {
        return Optional.ofNullable(pricer.price(new CallPricer.Call(
                        r.pricedProvider(),
                        model,
                        model,
                        tokens,
                        false,
                        r.billing().serviceTierServed(),
                        r.billing().serviceTierRequested(),
                        r.billing().inferenceGeo(), // a moved call still runs where it ran: a region's multiplier
                        r.tsStart()))
                .cost());
    }
}
