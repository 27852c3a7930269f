package dev.spendgate.function.proxy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The {@code SPENDGATE_*} environment variables Spendgate reads, and what to tell an operator who set another one: a
 * misspelt setting (the budgets table's name in the singular, the flush interval without its unit) is otherwise
 * ignored without a word, and the gateway runs on the default the operator meant to change. The CLI warns of them at
 * start; the stack refuses them in {@code proxyEnvironment}. The list is checked against the sources by the CLI's
 * {@code SettingNamesTest}: a new setting goes in {@code setting-names.txt} beside this class.
 */
public final class SettingNames {
    private static final String PREFIX = "SPENDGATE_";
    private static final Set<String> KNOWN = load();

    private SettingNames() {}

    /** The names Spendgate reads, sorted. */
    public static Set<String> known() {
        return KNOWN;
    }

    /** One warning per {@code SPENDGATE_*} variable in {@code env} that no part of Spendgate reads, sorted by name. */
    public static List<String> warnings(Map<String, String> env) {
        List<String> warnings = new ArrayList<>();
        for (String name : new TreeSet<>(env.keySet())) {
            if (!name.startsWith(PREFIX) || KNOWN.contains(name)) {
                continue;
            }
            String hint = closest(name).map(k -> "; did you mean " + k + "?").orElse("");
            warnings.add(name + " is set, but Spendgate reads no setting of that name: it is ignored" + hint
                    + " (README \"Configuration\" lists the settings)");
        }
        return warnings;
    }

    /** The known name nearest to {@code name}, when it is near enough to be the one meant. */
    public static Optional<String> closest(String name) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String known : KNOWN) {
            int d = distance(name, known);
            if (d < bestDistance) {
                best = known;
                bestDistance = d;
            }
        }
        int allowed = Math.max(2, (name.length() - PREFIX.length()) / 4);
        return bestDistance <= allowed ? Optional.ofNullable(best) : Optional.empty();
    }

    /** Levenshtein distance: insertions, deletions and substitutions. */
    private static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }

    private static Set<String> load() {
        InputStream in = SettingNames.class.getResourceAsStream("setting-names.txt");
        if (in == null) {
            throw new IllegalStateException("setting-names.txt is missing from the proxy's jar");
        }
        Set<String> names = new TreeSet<>();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                line = line.strip();
                if (!line.isEmpty() && !line.startsWith("#")) {
                    names.add(line);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Collections.unmodifiableSet(names);
    }
}
