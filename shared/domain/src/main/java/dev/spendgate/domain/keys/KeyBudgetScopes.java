package dev.spendgate.domain.keys;

import dev.spendgate.domain.budget.BudgetScope;
import dev.spendgate.domain.budget.ScopeType;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Whether a {@code key:ID} budget names a key that can still make a call: key ids are random ({@code key_...}), so a
 * budget naming no key, such as one naming the key's name where its id belongs, would govern nothing; nor would one on
 * a revoked key, whose calls are refused with 401 before any budget (a rotation leaves the revoked key beside its
 * replacement, and its id is the one a script kept). The same rule for {@code budgets set} and
 * {@code PUT /admin/budgets}.
 */
public final class KeyBudgetScopes {
    private KeyBudgetScopes() {}

    /**
     * Why a budget on {@code scope} would govern nothing: it names no key of {@code keys}, or a revoked one; empty when
     * it names an enabled key or is not a single-key scope ({@code key:*} and other types are always fine).
     */
    public static Optional<String> governsNothing(BudgetScope scope, KeyStore keys) {
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(keys, "keys");
        if (scope.type() != ScopeType.KEY || scope.value().equals(BudgetScope.EACH)) {
            return Optional.empty();
        }
        String value = scope.value();
        Optional<ProxyKey> found = keys.findById(value);
        if (found.isEmpty()) {
            return Optional.of("no key has the id '" + value + "' (key:VALUE takes a key id, not a key's name)"
                    + named(value, keys.list()));
        }
        ProxyKey key = found.get();
        if (key.enabled()) {
            return Optional.empty();
        }
        return Optional.of("key " + value + " is revoked, and a budget on a revoked key governs nothing"
                + named(key.name(), keys.list()));
    }

    /**
     * The keys named {@code name}, enabled first (a rotation leaves the revoked key beside its replacement, and a
     * budget on the revoked key would govern nothing), each with its status; the id to use is an enabled key's.
     */
    static String named(String name, List<ProxyKey> keys) {
        List<ProxyKey> named = keys.stream()
                .filter(k -> name.equals(k.name()))
                .sorted(Comparator.comparing((ProxyKey k) -> !k.enabled()))
                .toList();
        if (named.isEmpty()) {
            return "; `keys list` shows each key's id";
        }
        String listed = named.stream()
                .map(k -> k.id() + " (" + (k.enabled() ? "enabled" : "revoked") + ")")
                .collect(Collectors.joining(", "));
        List<String> enabled = named.stream()
                .filter(ProxyKey::enabled)
                .map(k -> "key:" + k.id())
                .toList();
        String prefix =
                named.size() == 1 ? "; the key named '" + name + "' is " : "; the keys named '" + name + "' are ";
        return prefix
                + listed
                + (enabled.isEmpty()
                        ? ": a budget on a revoked key governs nothing"
                        : ": use " + String.join(" or ", enabled));
    }
}
