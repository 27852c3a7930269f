package dev.spendgate.domain.pricing;

import java.util.Locale;

/**
 * The tokens of the system prompt Anthropic adds to a Claude request that offers tools, billed as input
 * (platform.claude.com/docs/en/about-claude/pricing, "Tool use system prompt token count"): per model, one count for
 * {@code tool_choice} {@code auto} or {@code none} and one for {@code any} or {@code tool}. Figures live in
 * {@code tool-use-system-prompt.csv} beside this class, matched as {@link ModelTable} says; a Claude model not listed
 * (a version newer than the table) gets the largest count listed for its choice.
 */
public final class ToolUseSystemPrompt {
    private static final ModelTable COUNTS = ModelTable.load("tool-use-system-prompt.csv");
    private static final long[] LARGEST = {COUNTS.largest("claude-", 0), COUNTS.largest("claude-", 1)};

    private ToolUseSystemPrompt() {}

    /**
     * The tool-use system prompt's tokens on {@code model} when the request offers tools; {@code forced}: its
     * {@code tool_choice} is {@code any} or names a tool. Zero for a model that is not Claude.
     */
    public static long tokens(String model, boolean forced) {
        if (model == null || !model.toLowerCase(Locale.ROOT).contains("claude")) {
            return 0;
        }
        int column = forced ? 1 : 0;
        return COUNTS.find(model).map(row -> row[column]).orElse(LARGEST[column]);
    }
}
