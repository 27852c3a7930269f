package dev.spendgate.domain.budget;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * "This scope may spend this much per period, and this is what happens when it is short."
 *
 * @param alertAt percentages of the limit at which an alert is sent once per period (default 50, 80, 100)
 * @param onStoreError what to do when the budget store cannot be reached
 */
public record BudgetPolicy(
        BudgetScope scope,
        BudgetPeriod period,
        BigDecimal limitUsd,
        Mode mode,
        List<Integer> alertAt,
        OnStoreError onStoreError,
        ZoneId zone) {

    public static final List<Integer> DEFAULT_ALERTS = List.of(50, 80, 100);

    public BudgetPolicy {
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(period, "period");
        Objects.requireNonNull(limitUsd, "limitUsd");
        Objects.requireNonNull(mode, "mode");
        if (limitUsd.signum() < 0) {
            throw new IllegalArgumentException("limit must not be negative, got " + limitUsd.toPlainString());
        }
        alertAt = alertAt == null ? DEFAULT_ALERTS : List.copyOf(alertAt);
        for (int pct : alertAt) {
            if (pct < 1 || pct > 1000) {
                throw new IllegalArgumentException("alert thresholds are percentages from 1 to 1000, got " + pct);
            }
        }
        onStoreError = onStoreError != null
                ? onStoreError
                : mode == Mode.BLOCK ? OnStoreError.FAIL_CLOSED : OnStoreError.FAIL_OPEN;
        zone = zone == null ? ZoneOffset.UTC : zone;
    }

    /** One policy per scope and period: {@code feature:chatbot/monthly}. */
    public String id() {
        return scope + "/" + period.label();
    }

    /** The ledger item this policy counts a call against, for the call's scope value. */
    public String itemKey(String scopeValue, Instant now) {
        return "budget#" + scope.type().label() + ":" + scopeValue + "#" + period.label() + "#" + period.key(now, zone);
    }

    /** What happens to a call the budget cannot afford. */
    public enum Mode {
        /** Refuse it: 429, nothing forwarded. */
        BLOCK,
        /** Forward it to a cheaper model of its declared degradation chain, or refuse it when none fits. */
        DEGRADE,
        /** Forward it anyway, record the overage and alert. */
        ALERT;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Mode parse(String text) {
            try {
                return valueOf(text.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown mode '" + text + "'; use block, degrade or alert");
            }
        }
    }

    /** What to do when the ledger cannot be reached. */
    public enum OnStoreError {
        /** Refuse the call (503). The default for {@code block} budgets: never silently allow a blocked call. */
        FAIL_CLOSED,
        /** Forward the call, mark its record {@code unenforced}, alert. */
        FAIL_OPEN;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static OnStoreError parse(String text) {
            try {
                return valueOf(text.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                        "unknown --on-store-error '" + text + "'; use fail_closed or fail_open");
            }
        }
    }
}
