package dev.spendgate.domain.budget;

import dev.spendgate.domain.attribution.Attribution;
import java.util.Locale;

/** What a budget counts: one key, one attribution value, a run, or everything. */
public enum ScopeType {
    KEY,
    FEATURE,
    DEPARTMENT,
    TEAM,
    ENVIRONMENT,
    RUN,
    GLOBAL;

    /** The call's value for this scope type, or null when the call has none (the budget does not apply). */
    public String valueOf(Attribution attribution, String keyId) {
        return switch (this) {
            case KEY -> keyId;
            case FEATURE -> attribution.feature();
            case DEPARTMENT -> attribution.department();
            case TEAM -> attribution.team();
            case ENVIRONMENT -> attribution.environment();
            case RUN -> attribution.run();
            case GLOBAL -> "*";
        };
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static ScopeType parse(String text) {
        for (ScopeType t : values()) {
            if (t.label().equals(text.trim().toLowerCase(Locale.ROOT))) {
                return t;
            }
        }
        throw new IllegalArgumentException(
                "unknown scope type '" + text + "'; use key, feature, department, team, environment, run or global");
    }
}
