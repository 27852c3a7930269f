package dev.spendgate.domain.waste;

import dev.spendgate.domain.pricing.PriceQuote;
import dev.spendgate.domain.pricing.Rates;
import dev.spendgate.domain.pricing.ServiceTiers;
import java.math.BigDecimal;
import java.util.Optional;

/**
 * What caching a repeated prefix would have saved, call by call at the rates each call was billed at (its service
 * tier, long-context rule and region multiplier): a flex call saves the flex input rate minus the flex cached rate, not
 * the standard ones. Per million prefix tokens, summed as the calls come, so the prefix length P (known only at the
 * end) multiplies once: savings = P x (sum over the calls read from the cache of (input - cached) - sum over the
 * calls that write it of (cache write - input)) / 1M, never more than the calls cost.
 *
 * <p>A group's calls on one rate card (every simulated group: standard tier, no region) give exactly {@code (N - W) x
 * P x (input - cached) - W x P x (write - input)} with that card's rates, to the digit.
 */
final class PrefixSavings {
    private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);

    /** The per-million-token rates a call was billed at, its region multiplier applied; cached and write fall back. */
    record Card(String tier, BigDecimal input, BigDecimal cached, BigDecimal write) {
        /** Input minus cached: what a prefix token read from the cache saves. */
        BigDecimal keep() {
            return input.subtract(cached);
        }

        /** Cache write minus input: what a prefix token written to the cache costs on top. */
        BigDecimal premium() {
            return write.subtract(input);
        }

        boolean standard() {
            return ServiceTiers.STANDARD.equals(tier);
        }
    }

    /**
     * A group's figures as a day pass hands them on.
     *
     * @param firstKeep the group's first call of the day as a cache read, which the merge makes it when the group's
     *     previous call (an earlier day's) was at most five minutes before
     * @param card the one rate card of the group's calls, or null when they were billed on several
     */
    record State(
            BigDecimal keep,
            BigDecimal premium,
            BigDecimal firstKeep,
            BigDecimal firstPremium,
            BigDecimal costUsd,
            Card card) {}

    private BigDecimal keep;
    private BigDecimal premium;
    private BigDecimal firstKeep;
    private BigDecimal firstPremium;
    private BigDecimal cost = BigDecimal.ZERO;
    private Card card;
    private boolean mixed;

    /**
     * The rates the call was billed at; empty when the catalog has none for its service tier (its saving is unknown,
     * so the call is left out, as model mismatch leaves it out).
     */
    static Optional<Card> card(Call c) {
        Optional<PriceQuote> quote = c.price.quote(
                c.record.tokens(),
                c.record.billing().pricedServiceTier(),
                c.record.billing().inferenceGeo());
        return quote.map(q -> {
            Rates r = q.rates();
            BigDecimal m = q.regionMultiplier();
            return new Card(
                    q.serviceTier(),
                    r.input().multiply(m),
                    r.cachedInputOrInput().multiply(m),
                    r.cacheWrite5mOrInput().multiply(m));
        });
    }

    /** Adds one call: {@code write} when a 5-minute cache would have had to write the prefix for it. */
    void add(Card c, boolean write, BigDecimal costUsd) {
        if (keep == null) {
            // zeros of the rates' scale, so a group on one card sums to what the per-card formula gives
            keep = c.keep().multiply(BigDecimal.ZERO);
            premium = c.premium().multiply(BigDecimal.ZERO);
            firstKeep = c.keep();
            firstPremium = c.premium();
        }
        if (write) {
            premium = premium.add(c.premium());
        } else {
            keep = keep.add(c.keep());
        }
        cost = cost.add(costUsd);
        rateCard(c);
    }

    private void rateCard(Card c) {
        if (c == null) {
            mixed = true;
        } else if (!mixed && card == null) {
            card = c;
        } else if (!mixed && !card.equals(c)) {
            mixed = true;
            card = null;
        }
    }

    State state() {
        return new State(keep, premium, firstKeep, firstPremium, cost, mixed ? null : card);
    }

    /**
     * Adds a later day's figures. {@code sameCacheEntry}: the day's first call came at most five minutes after the
     * group's last one, so it reads the cache the day counted it as writing.
     */
    void absorb(State s, boolean sameCacheEntry) {
        if (s.keep() == null) {
            return;
        }
        BigDecimal k = s.keep();
        BigDecimal p = s.premium();
        if (sameCacheEntry) {
            k = k.add(s.firstKeep());
            p = p.subtract(s.firstPremium());
        }
        if (keep == null) {
            keep = k;
            premium = p;
            firstKeep = s.firstKeep();
            firstPremium = s.firstPremium();
        } else {
            keep = keep.add(k);
            premium = premium.add(p);
        }
        cost = cost.add(s.costUsd());
        rateCard(s.card());
    }

    /** The window savings for a prefix of {@code prefixTokens}, at most what the calls cost. */
    BigDecimal savings(long prefixTokens) {
        BigDecimal p = BigDecimal.valueOf(prefixTokens);
        BigDecimal saved = p.multiply(keep).subtract(p.multiply(premium)).divide(MILLION);
        return saved.min(cost);
    }

    /** The one rate card of the calls, or null when they were billed on several. */
    Card card() {
        return mixed ? null : card;
    }

    /** How the formula names its prices: empty for the standard tier, else the tier or "each call's". */
    String ratesNote() {
        Card c = card();
        if (c == null) {
            return ", each call at the rates of its service tier and region";
        }
        return c.standard() ? "" : " at the " + c.tier() + " tier";
    }
}
