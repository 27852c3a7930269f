package dev.spendgate.domain.usage;

import java.util.Set;

/**
 * The {@code endpoint} values of calls to the providers' free endpoints the gateway relays (token counts,
 * moderation): recorded {@code not_billable}, they reserve no budget and the velocity breakers do not count them, so
 * whatever reasons from the records about budgets or breakers leaves them out too.
 */
public final class FreeEndpoints {
    public static final String COUNT_TOKENS = "messages.count_tokens";
    public static final String RESPONSES_INPUT_TOKENS = "responses.input_tokens";
    public static final String MODERATIONS = "moderations";

    private static final Set<String> ALL = Set.of(COUNT_TOKENS, RESPONSES_INPUT_TOKENS, MODERATIONS);

    private FreeEndpoints() {}

    /** Whether a record's {@code endpoint} is one of the free endpoints. */
    public static boolean isFree(String endpoint) {
        return endpoint != null && ALL.contains(endpoint);
    }
}
