package dev.spendgate.domain.pricing;

import java.util.OptionalLong;

/**
 * The most tokens a model reads in one call (its context window), for the worst case of a call whose input is not all
 * in its body: the provider may bill up to that much as input. Figures live in {@code context-windows.csv} beside
 * this class (sources and reading date in its header), matched as {@link ModelTable} says; a model not listed, or a
 * version newer than the one listed ({@code gpt-5.7} after {@code gpt-5}), has none: its worst case is unknown.
 */
public final class ContextWindows {
    private static final ModelTable WINDOWS = ModelTable.load("context-windows.csv");

    private ContextWindows() {}

    /** The model's context window in tokens, or empty when the table has none for it. */
    public static OptionalLong tokens(String model) {
        return WINDOWS.find(model, true).map(row -> OptionalLong.of(row[0])).orElse(OptionalLong.empty());
    }
}
