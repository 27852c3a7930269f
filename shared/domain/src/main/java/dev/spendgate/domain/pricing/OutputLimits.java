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

/**
 * The most output tokens a model can answer in one call, for the worst case of a request that sets no output cap.
 * Figures live in {@code output-limits.csv} beside this class (sources and reading date in its header). A model id
 * matches the longest listed prefix that starts the id or one of its segments (after {@code .}, {@code /} or
 * {@code :}), so dated versions, Bedrock ids ({@code anthropic.claude-sonnet-4-5-20250929-v1:0}), cross-region and
 * global profiles ({@code us.}, {@code global.}) and ARNs resolve.
 *
 * <p>A Claude id whose version the table does not know ({@code claude-opus-4-9}, {@code claude-sonnet-7}) is not
 * matched to an older sibling's smaller figure: it gets the largest Claude maximum listed, so a new model never
 * reserves less than it may answer.
 */
public final class OutputLimits {
    private static final Map<String, Long> LIMITS = load();
    private static final long CLAUDE_UNKNOWN = LIMITS.entrySet().stream()
            .filter(e -> e.getKey().startsWith("claude-"))
            .mapToLong(Map.Entry::getValue)
            .max()
            .orElseThrow();

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
        String m = model.toLowerCase(Locale.ROOT);
        String best = null;
        String bestRest = null;
        for (int start = 0; start < m.length(); start++) {
            if (start > 0 && ".:/".indexOf(m.charAt(start - 1)) < 0) {
                continue;
            }
            for (String prefix : LIMITS.keySet()) {
                if (m.startsWith(prefix, start) && (best == null || prefix.length() > best.length())) {
                    best = prefix;
                    bestRest = m.substring(start + prefix.length());
                }
            }
        }
        boolean claude = m.contains("claude");
        if (best == null) {
            return claude ? CLAUDE_UNKNOWN : fallback;
        }
        if (claude && newerVersion(bestRest)) {
            return CLAUDE_UNKNOWN;
        }
        return LIMITS.get(best);
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

    private static Map<String, Long> load() {
        Map<String, Long> limits = new HashMap<>();
        try (InputStream in = OutputLimits.class.getResourceAsStream("output-limits.csv")) {
            if (in == null) {
                throw new IllegalStateException("output-limits.csv missing from the classpath");
            }
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                String row = line.strip();
                if (row.isEmpty() || row.startsWith("#")) {
                    continue;
                }
                int comma = row.indexOf(',');
                limits.put(
                        row.substring(0, comma).strip().toLowerCase(Locale.ROOT),
                        Long.parseLong(row.substring(comma + 1).strip()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Map.copyOf(limits);
    }
}
