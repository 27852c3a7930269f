package dev.spendgate.domain.waste;

import dev.spendgate.domain.pricing.ModelPrice;
import dev.spendgate.domain.pricing.OutputLimits;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.pricing.PromptCacheMinimums;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Premium-tier models doing low-complexity work. A call is <em>simple</em> when it succeeded, has at most
 * {@value #MAX_INPUT_TOKENS} input and {@value #MAX_OUTPUT_TOKENS} output tokens, and the cheaper model answers its
 * output cap ({@code max_output_tokens}; a cap above the cheaper model's maximum is refused there, and the gateway's
 * route leaves such a call on its model: {@link OutputLimits#answers}). A (feature, premium model) group is
 * a finding when it has at least {@value #MIN_SIMPLE_CALLS} simple calls, they are at least 80 % of its successful
 * calls, and their output lengths are stable (coefficient of variation at most 0.6): classification, extraction,
 * short structured output. Savings: the simple calls' recorded cost minus their cost at the cheaper model's prices at
 * the service tier each call was priced at, a cached prefix below the cheaper model's minimum cacheable prompt
 * counted as plain input.
 *
 * <p>Embedding calls are never judged ({@link #EMBEDDINGS}): they return a vector, no output tokens, so every one looks
 * simple, but vectors of two embedding models are not comparable (text-embedding-3-large has 3,072 dimensions,
 * 3-small 1,536): moving a feature's queries to another model breaks its vector search until the whole index is
 * embedded again, a project no route delivers.
 *
 * <p>A group keeps the names its calls asked for ({@code requested_models}): a Bedrock call through a geographic
 * profile ({@code us.anthropic.claude-opus-4-1-...}) is priced as the bare model the finding names, but its route and
 * its degrade chain must name the profile, and the cheaper model under it ({@link BedrockGeography}).
 */
final class ModelMismatchDetector implements Detector {
    static final long MAX_INPUT_TOKENS = 2_000;
    static final long MAX_OUTPUT_TOKENS = 256;
    static final long MIN_SIMPLE_CALLS = 50;
    static final double MIN_SIMPLE_SHARE = 0.8;
    static final double MAX_OUTPUT_CV = 0.6;
    /** The endpoint, and the catalog family, of embedding models. */
    static final String EMBEDDINGS = "embeddings";

    static final String REQUESTED_MODELS = BedrockGeography.REQUESTED_MODELS;
    /** At most this many requested names are kept per group (they are the model's own names: a handful). */
    static final int MAX_REQUESTED = 32;

    private final PricingCatalog catalog;
    private final Map<String, Optional<ModelPrice>> cheaper = new HashMap<>();
    private final Map<String, Group> groups = new LinkedHashMap<>();

    ModelMismatchDetector(PricingCatalog catalog) {
        this.catalog = catalog;
    }

    @Override
    public void accept(Call c) {
        if (c.warmUp || !c.ok || c.price == null || !"premium".equals(c.price.tier()) || c.redundantRetry) {
            return;
        }
        if (EMBEDDINGS.equals(c.record.endpoint()) || EMBEDDINGS.equals(c.price.family())) {
            return; // another embedding model's vectors do not match the index's: no model to move to
        }
        ModelPrice target = cheaperModel(c.price).orElse(null);
        if (target == null) {
            return;
        }
        Group g = groups.computeIfAbsent(c.feature + "\u0000" + c.model, k -> new Group(c.feature, c.price, target));
        g.tally.seen(c.record.tsStart());
        g.asked(c.record.modelRequested());
        long in = c.record.tokens().inputTokens();
        long out = c.record.tokens().outputTokens();
        BigDecimal targetCost = targetCost(target, c);
        // a call asking more output than the cheaper model gives stays where it is (its provider refuses it there)
        if (in <= MAX_INPUT_TOKENS
                && out <= MAX_OUTPUT_TOKENS
                && targetCost != null
                && OutputLimits.answers(target.model(), c.record.maxOutputTokens())) {
            BigDecimal saving = c.cost.subtract(targetCost);
            g.tally.wasteful(c.record.requestId(), c.record.tsStart(), saving);
            g.outSum += out;
            g.outSquares += (double) out * out;
            g.inSum += in;
        }
    }

    /**
     * What the call's tokens cost on the cheaper model at the service tier the call was priced at (a priority call
     * moves to the cheaper model's priority rates, a flex call to its flex rates); null when the catalog has no rates
     * for the cheaper model at that tier, so the call's saving is unknown and it is not counted as simple. A cached
     * prefix shorter than the cheaper model's minimum cacheable prompt is neither read nor written there: those
     * tokens are plain input, as the policy replay prices a route ({@link PromptCacheMinimums#onModel}).
     */
    private static BigDecimal targetCost(ModelPrice target, Call c) {
        return target.quote(
                        PromptCacheMinimums.onModel(target.model(), c.record.tokens()),
                        c.record.billing().pricedServiceTier(),
                        c.record.billing().inferenceGeo())
                .map(dev.spendgate.domain.pricing.PriceQuote::cost)
                .orElse(null);
    }

    /**
     * The cheaper model of the same provider and family on the same kind of endpoint: the economy tier when the
     * family has one, else the standard tier; the newest (latest effective date) of that tier. A call to a Bedrock
     * model in its region or through a geographic profile ({@code eu.}, {@code us.}: the data stays in that
     * geography) is advised an in-region entry, never a {@code global.} profile, which routes requests to any
     * commercial region at its own rates: a move out of the geography is not a model change, and its discount is
     * not the model's saving.
     */
    Optional<ModelPrice> cheaperModel(ModelPrice premium) {
        return cheaper.computeIfAbsent(premium.provider() + "\u0000" + premium.model(), k -> {
            boolean global = globalProfile(premium);
            for (String tier : List.of("economy", "standard")) {
                Optional<ModelPrice> best = catalog.models().stream()
                        .filter(m -> m.provider().equals(premium.provider())
                                && m.family() != null
                                && m.family().equals(premium.family())
                                && tier.equals(m.tier())
                                && globalProfile(m) == global)
                        .max(Comparator.comparing((ModelPrice m) ->
                                        m.effectiveDate() == null ? java.time.LocalDate.MIN : m.effectiveDate())
                                .thenComparing(ModelPrice::model));
                if (best.isPresent()) {
                    return best;
                }
            }
            return Optional.empty();
        });
    }

    /** A Bedrock global cross-region inference profile ({@code global.anthropic...}), priced as its own entry. */
    private static boolean globalProfile(ModelPrice m) {
        return "bedrock".equals(m.provider()) && m.model().startsWith("global.");
    }

    @Override
    public List<Finding> findings(WasteWindow window) {
        List<Finding> out = new ArrayList<>();
        for (Group g : groups.values()) {
            long simple = g.tally.wasteful;
            if (simple < MIN_SIMPLE_CALLS || simple < MIN_SIMPLE_SHARE * g.tally.calls) {
                continue;
            }
            double mean = (double) g.outSum / simple;
            double variance = Math.max(0, g.outSquares / simple - mean * mean);
            double cv = mean == 0 ? 0 : Math.sqrt(variance) / mean;
            if (cv > MAX_OUTPUT_CV || g.tally.wasteUsd.signum() <= 0) {
                continue;
            }
            Map<String, String> details = new LinkedHashMap<>();
            details.put("model", g.price.model());
            details.put("tier", g.price.tier());
            details.put("cheaper_model", g.target.model());
            details.put("simple_calls", Long.toString(simple));
            details.put("mean_input_tokens", Long.toString(Math.round((double) g.inSum / simple)));
            details.put("mean_output_tokens", Long.toString(Math.round(mean)));
            details.put("output_tokens_cv", String.format(java.util.Locale.ROOT, "%.2f", cv));
            if (!g.requested.isEmpty()) {
                details.put(REQUESTED_MODELS, String.join(",", g.requested));
            }
            // the names the calls use: a Bedrock geographic profile's calls move to the cheaper model in that profile
            String prefix =
                    BedrockGeography.common(g.requested, g.price.model()).orElse("");
            String from = prefix + g.price.model();
            String to = prefix + g.target.model();
            out.add(new Finding(
                            WasteCategory.MODEL_MISMATCH,
                            "premium_model_for_simple_work",
                            "feature",
                            g.feature,
                            g.feature,
                            g.price.model(),
                            g.tally.evidence(details),
                            g.tally.wasteUsd,
                            window.monthly(g.tally.wasteUsd),
                            BigDecimal.ZERO,
                            "sum over the " + simple + " simple calls of (recorded cost - cost of the same tokens at "
                                    + g.target.model() + " prices at the call's service tier), x 30 days / window",
                            "Move feature " + g.feature + " from " + from + " to " + to + ": "
                                    + simple + " of " + g.tally.calls + " calls had <= " + MAX_INPUT_TOKENS
                                    + " input and <= "
                                    + MAX_OUTPUT_TOKENS + " output tokens (mean output " + Math.round(mean)
                                    + "). Change the model in the feature, or declare the degradation chain "
                                    + "SPENDGATE_DEGRADE_CHAINS=\"" + from + ">" + to
                                    + "\" with a degrade budget on feature:" + g.feature + ".",
                            null)
                    .withQualityRisk(qualityRisk(g, simple)));
        }
        return out;
    }

    private static final java.util.List<String> TIERS = List.of("economy", "standard", "premium");

    /**
     * What the move risks and how to try it first: the number of tiers it drops, a first step that moves only part of
     * the traffic, and what to compare before moving the rest.
     */
    static String qualityRisk(Group g, long simple) {
        int steps = Math.max(1, TIERS.indexOf(g.price.tier()) - TIERS.indexOf(g.target.tier()));
        return "Quality risk: " + (steps >= 2 ? "high" : "moderate") + ", " + g.price.model() + " to "
                + g.target.model() + " drops " + steps + " tier" + (steps == 1 ? "" : "s") + " ("
                + g.price.tier() + " to " + g.target.tier() + "). Roll out in steps: first a degrade budget on"
                + " feature:" + g.feature + " set at about 10 % of its monthly spend (only the calls past it move to "
                + g.target.model() + "), or send a sampled 10 % of the feature's calls to it from the application;"
                + " for a week compare, on the same kind of request, the share of answers that parse or pass the"
                + " feature's checks, the business outcome (resolved tickets, accepted extractions), the output"
                + " length and the retries; move the rest only when they hold. The savings assume the same tokens"
                + " at " + g.target.model() + " prices on the " + simple + " simple calls.";
    }

    /** The groups of one day, in the order they were first seen. */
    List<GroupState> dayState() {
        List<GroupState> out = new ArrayList<>();
        for (Group g : groups.values()) {
            out.add(new GroupState(
                    g.feature,
                    g.price.provider(),
                    g.price.model(),
                    g.tally.state(),
                    g.outSum,
                    g.inSum,
                    g.outSquares,
                    List.copyOf(g.requested)));
        }
        return out;
    }

    /** Adds a later day's groups (sums of integers: the same figures as one pass, whatever the order). */
    void absorb(List<GroupState> day) {
        day.forEach(this::absorb);
    }

    /** Adds one group of a later day. */
    void absorb(GroupState d) {
        ModelPrice price = catalog.find(d.provider(), d.model())
                .orElseThrow(() -> new IllegalStateException("model " + d.model() + " is not in the catalog"));
        ModelPrice target = cheaperModel(price)
                .orElseThrow(() -> new IllegalStateException("model " + d.model() + " has no cheaper model"));
        Group g =
                groups.computeIfAbsent(d.feature() + "\u0000" + d.model(), k -> new Group(d.feature(), price, target));
        g.tally.absorb(d.tally());
        g.outSum += d.outSum();
        g.inSum += d.inSum();
        g.outSquares += d.outSquares();
        if (d.requested() != null) {
            d.requested().forEach(g::asked);
        }
    }

    record GroupState(
            String feature,
            String provider,
            String model,
            Tally.State tally,
            long outSum,
            long inSum,
            double outSquares,
            List<String> requested) {}

    private static final class Group {
        final String feature;
        final ModelPrice price;
        final ModelPrice target;
        final Tally tally = new Tally();
        long outSum;
        long inSum;
        double outSquares;
        /** The model names the calls asked for, sorted. */
        final java.util.TreeSet<String> requested = new java.util.TreeSet<>();

        Group(String feature, ModelPrice price, ModelPrice target) {
            this.feature = feature;
            this.price = price;
            this.target = target;
        }

        void asked(String model) {
            if (model != null && requested.size() < MAX_REQUESTED) {
                requested.add(model);
            }
        }
    }
}
