package dev.spendgate.domain.keys;

import dev.spendgate.domain.budget.BudgetScope;
import dev.spendgate.domain.budget.ScopeType;
import java.util.Objects;
import java.util.Optional;

/**
 * Whether a {@code key:ID} budget names a key: key ids are random ({@code key_...}), so a budget naming no key, such as
 * one naming the key's name where its id belongs, would govern nothing. The same rule for {@code budgets set} and
 * {@code PUT /admin/budgets}.
 */
public final class KeyBudgetScopes {
    private KeyBudgetScopes() {}

    /**
     * Why {@code scope} names no key of {@code keys}, or empty when it does or is not a single-key scope ({@code key:*}
     * and other types are always fine).
     */
    public static Optional<String> noSuchKey(BudgetScope scope, KeyStore keys) {
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(keys, "keys");
        if (scope.type() != ScopeType.KEY || scope.value().equals(BudgetScope.EACH)) {
            return Optional.empty();
        }
        String value = scope.value();
        if (keys.findById(value).isPresent()) {
            return Optional.empty();
        }
        String named = keys.list().stream()
                .filter(k -> value.equals(k.name()))
                .map(k -> "; the key named '" + value + "' has the id " + k.id() + ": use key:" + k.id())
                .findFirst()
                .orElse("; `keys list` shows each key's id");
        return Optional.of("no key has the id '" + value + "' (key:VALUE takes a key id, not a key's name)" + named);
    }
}
