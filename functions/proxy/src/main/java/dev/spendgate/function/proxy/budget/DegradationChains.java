package dev.spendgate.function.proxy.budget;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The cheaper models a call may be moved to when a {@code degrade} budget is short, only along chains the operator
 * declares: {@code SPENDGATE_DEGRADE_CHAINS="gpt-4o>gpt-4o-mini; claude-opus-4-1>claude-sonnet-4-5>claude-haiku-4-5"}.
 */
public final class DegradationChains {
    private final Map<String, List<String>> after = new HashMap<>();
    private final java.util.Set<String> models = new java.util.LinkedHashSet<>();

    private DegradationChains() {}

    public static DegradationChains parse(String spec) {
        DegradationChains chains = new DegradationChains();
        if (spec == null || spec.isBlank()) {
            return chains;
        }
        for (String chain : spec.split(";")) {
            List<String> models = new ArrayList<>();
            for (String model : chain.split(">")) {
                if (!model.isBlank()) {
                    models.add(model.trim());
                }
            }
            chains.models.addAll(models);
            if (models.size() < 2) {
                throw new IllegalArgumentException("SPENDGATE_DEGRADE_CHAINS: '" + chain.trim()
                        + "' needs at least two models, e.g. gpt-4o>gpt-4o-mini");
            }
            for (int i = 0; i < models.size() - 1; i++) {
                if (chains.after.putIfAbsent(models.get(i), List.copyOf(models.subList(i + 1, models.size())))
                        != null) {
                    throw new IllegalArgumentException(
                            "SPENDGATE_DEGRADE_CHAINS: model '" + models.get(i) + "' appears in two chains");
                }
            }
        }
        return chains;
    }

    /** Every model the chains name, in the order given. */
    public java.util.Set<String> models() {
        return java.util.Collections.unmodifiableSet(models);
    }

    /** The models after {@code model} in its chain, next cheaper first; empty when it has no chain. */
    public List<String> cheaperThan(String model) {
        return after.getOrDefault(model, List.of());
    }
}
