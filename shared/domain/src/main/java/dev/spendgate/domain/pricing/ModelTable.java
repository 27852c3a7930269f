package dev.spendgate.domain.pricing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Figures per model, read from a CSV beside this class ({@code prefix,figure[,figure...]}, {@code #} comments). A model
 * id matches the longest listed prefix that starts the id or one of its segments (after {@code .}, {@code /} or
 * {@code :}), so dated versions, Bedrock ids ({@code anthropic.claude-sonnet-4-5-20250929-v1:0}), cross-region and
 * global profiles ({@code us.}, {@code global.}) and ARNs resolve. A Claude id whose version the table does not know
 * ({@code claude-opus-4-9} after {@code claude-opus-4}) matches nothing: an older sibling's figure is no bound for it.
 */
final class ModelTable {
    private final Map<String, long[]> rows;

    private ModelTable(Map<String, long[]> rows) {
        this.rows = rows;
    }

    /** The table in {@code resource} (beside this class). */
    static ModelTable load(String resource) {
        Map<String, long[]> rows = new HashMap<>();
        try (InputStream in = ModelTable.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " missing from the classpath");
            }
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                String row = line.strip();
                if (row.isEmpty() || row.startsWith("#")) {
                    continue;
                }
                String[] cells = row.split(",");
                long[] figures = new long[cells.length - 1];
                for (int i = 1; i < cells.length; i++) {
                    figures[i - 1] = Long.parseLong(cells[i].strip());
                }
                rows.put(cells[0].strip().toLowerCase(Locale.ROOT), figures);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new ModelTable(Map.copyOf(rows));
    }

    /** The figures of {@code model}'s row, or empty when it has none (see the class comment). */
    Optional<long[]> find(String model) {
        return find(model, false);
    }

    /**
     * As {@link #find(String)}; {@code dottedVersions}: also an id whose matched prefix is followed by a dotted minor
     * version ({@code gpt-5.7} after {@code gpt-5}) matches nothing.
     */
    Optional<long[]> find(String model, boolean dottedVersions) {
        if (model == null) {
            return Optional.empty();
        }
        String m = model.toLowerCase(Locale.ROOT);
        String best = null;
        String bestRest = null;
        for (int start = 0; start < m.length(); start++) {
            if (start > 0 && ".:/".indexOf(m.charAt(start - 1)) < 0) {
                continue;
            }
            for (String prefix : rows.keySet()) {
                if (m.startsWith(prefix, start) && (best == null || prefix.length() > best.length())) {
                    best = prefix;
                    bestRest = m.substring(start + prefix.length());
                }
            }
        }
        if (best == null
                || (m.contains("claude") && newerVersion(bestRest))
                || (dottedVersions && dottedVersion(bestRest))) {
            return Optional.empty();
        }
        return Optional.of(rows.get(best).clone());
    }

    /** The largest figure in column {@code column} of the rows whose prefix starts with {@code prefix}. */
    long largest(String prefix, int column) {
        return rows.entrySet().stream()
                .filter(e -> e.getKey().startsWith(prefix))
                .mapToLong(e -> e.getValue()[column])
                .max()
                .orElseThrow();
    }

    /** {@code .7} after a matched prefix: a version the table does not list. */
    private static boolean dottedVersion(String rest) {
        return rest.length() >= 2 && rest.charAt(0) == '.' && Character.isDigit(rest.charAt(1));
    }

    /** {@code -9} or {@code -9-v1:0} after a matched prefix: a minor version the table does not list. */
    private static boolean newerVersion(String rest) {
        if (rest.length() < 2 || rest.charAt(0) != '-' || !Character.isDigit(rest.charAt(1))) {
            return false;
        }
        int digits = 1;
        while (1 + digits < rest.length() && Character.isDigit(rest.charAt(1 + digits))) {
            digits++;
        }
        return digits <= 2; // a dated snapshot (-20250929) is the same model
    }
}
