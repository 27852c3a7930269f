package dev.spendgate.domain.budget;

import dev.spendgate.domain.attribution.Attribution;
import java.util.Objects;

/**
 * A budget's scope: {@code feature:chatbot} (that feature), {@code run:*} (each run id separately, e.g. "every agent
 * run may spend $2"), {@code global}.
 */
public record BudgetScope(ScopeType type, String value) {
    public static final String EACH = "*";

    public BudgetScope {
        Objects.requireNonNull(type, "type");
        if (type == ScopeType.GLOBAL) {
            value = EACH;
        }
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("scope " + type.label() + " needs a value, e.g. " + type.label()
                    + ":chatbot, or " + type.label() + ":* for each value separately");
        }
        if (!value.equals(EACH) && !Attribution.isValidValue(value)) {
            throw new IllegalArgumentException("scope value '" + value + "' must be 1-" + Attribution.MAX_LENGTH
                    + " characters of letters, digits and . _ - : / @");
        }
    }

    /** Parses {@code TYPE:VALUE} or {@code global}. */
    public static BudgetScope parse(String text) {
        Objects.requireNonNull(text, "scope");
        int colon = text.indexOf(':');
        if (colon < 0) {
            ScopeType type = ScopeType.parse(text);
            return new BudgetScope(type, type == ScopeType.GLOBAL ? EACH : null);
        }
        return new BudgetScope(ScopeType.parse(text.substring(0, colon)), text.substring(colon + 1));
    }

    /**
     * The concrete scope value this call counts against, or null when the budget does not apply to the call. Under
     * {@code run:*} it is {@code <key id>/<run>}: run ids are the clients' own, so another key's run of the same id is
     * another run with its own limit (and its own ledger item).
     */
    public String matchValue(Attribution attribution, String keyId) {
        String actual = type.valueOf(attribution, keyId);
        if (actual == null) {
            return null;
        }
        if (value.equals(EACH)) {
            return type == ScopeType.RUN && keyId != null ? keyId + "/" + actual : actual;
        }
        return value.equals(actual) ? actual : null;
    }

    @Override
    public String toString() {
        return type == ScopeType.GLOBAL ? "global" : type.label() + ":" + value;
    }
}
