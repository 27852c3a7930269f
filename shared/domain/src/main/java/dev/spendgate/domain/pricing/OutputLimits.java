package dev.spendgate.domain.pricing;

/**
 * The most output tokens a model can answer in one call, for the worst case of a request that sets no output cap.
 * Figures live in {@code output-limits.csv} beside this class (sources and reading date in its header), matched as
 * {@link ModelTable} says (dated versions, Bedrock ids, profiles and ARNs resolve).
 *
 * <p>A Claude id whose version the table does not know ({@code claude-opus-4-9}, {@code claude-sonnet-7}) is not
 * matched to an older sibling's smaller figure: it gets the largest Claude maximum listed, so a new model never
 * reserves less than it may answer.
 */
public final class OutputLimits {
    private static final ModelTable LIMITS = ModelTable.load("output-limits.csv");
    private static final long CLAUDE_UNKNOWN = LIMITS.largest("claude-", 0);

    private OutputLimits() {}

    /**
     * Whether {@code model} can answer a request whose output cap is {@code cap} (null: no cap); a model not listed
     * is assumed to. A routing rule leaves a call its model when the rule's model cannot (its provider would refuse
     * the request), at the gateway and in the policy replay.
     */
    public static boolean answers(String model, Long cap) {
        return cap == null || cap <= maxOutputTokens(model, Long.MAX_VALUE);
    }

    /** The model's maximum output tokens, or {@code fallback} for a model not listed. */
    public static long maxOutputTokens(String model, long fallback) {
        if (model == null) {
            return fallback;
        }
        return LIMITS.find(model)
                .map(row -> row[0])
                .orElse(model.toLowerCase(java.util.Locale.ROOT).contains("claude") ? CLAUDE_UNKNOWN : fallback);
    }

    /** Whether a row of {@code output-limits.csv} names the model (a Claude id it does not list gets the rule above). */
    static boolean listed(String model) {
        return LIMITS.find(model).isPresent();
    }
}
