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
import java.util.OptionalLong;

/**
 * The shortest prefix a model's prompt cache keeps: a shorter one is neither written nor read, and its tokens are
 * billed as plain input. Figures live in {@code prompt-cache-minimums.csv} beside this class (source and reading date
 * in its header), for the Claude models Anthropic's documentation gives. A model id matches the longest listed prefix
 * that starts the id or one of its segments (after {@code .}, {@code /} or {@code :}), so dated versions and Bedrock
 * ids resolve; a version the table does not list ({@code claude-opus-4-9}) has no figure rather than an older
 * sibling's.
 */
public final class PromptCacheMinimums {
    private static final Map<String, Long> MINIMUMS = load();

    private PromptCacheMinimums() {}

    /** The model's minimum cacheable prefix in tokens, or empty when the documentation gives none for it. */
    public static OptionalLong minimumTokens(String model) {
        if (model == null) {
            return OptionalLong.empty();
        }
        String m = model.toLowerCase(Locale.ROOT);
        String best = null;
        String bestRest = null;
        for (int start = 0; start < m.length(); start++) {
            if (start > 0 && ".:/".indexOf(m.charAt(start - 1)) < 0) {
                continue;
            }
            for (String prefix : MINIMUMS.keySet()) {
                if (m.startsWith(prefix, start) && (best == null || prefix.length() > best.length())) {
                    best = prefix;
                    bestRest = m.substring(start + prefix.length());
                }
            }
        }
        if (best == null || otherVersion(bestRest)) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(MINIMUMS.get(best));
    }

    /**
     * Prompt-cache reads and writes the model would not have made, as plain input: the tokens unchanged when the model
     * has no documented minimum or the cached prefix (reads and writes) reaches it.
     */
    public static TokenUsage onModel(String model, TokenUsage tokens) {
        long prefix = tokens.cachedInputTokens() + tokens.cacheWrite5mTokens() + tokens.cacheWrite1hTokens();
        OptionalLong min = minimumTokens(model);
        if (prefix == 0 || min.isEmpty() || prefix >= min.getAsLong()) {
            return tokens;
        }
        return new TokenUsage(
                tokens.inputTokens(),
                0,
                0,
                0,
                tokens.outputTokens(),
                tokens.reasoningTokens(),
                tokens.webSearches(),
                tokens.previewWebSearches(),
                tokens.imageGenerations(),
                tokens.fileSearches(),
                tokens.codeInterpreterCalls());
    }

    /** {@code -9} or {@code -9-v1:0} after a matched prefix: a version the table does not list. */
    private static boolean otherVersion(String rest) {
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
        Map<String, Long> minimums = new HashMap<>();
        try (InputStream in = PromptCacheMinimums.class.getResourceAsStream("prompt-cache-minimums.csv")) {
            if (in == null) {
                throw new IllegalStateException("prompt-cache-minimums.csv missing from the classpath");
            }
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                String row = line.strip();
                if (row.isEmpty() || row.startsWith("#")) {
                    continue;
                }
                int comma = row.indexOf(',');
                minimums.put(
                        row.substring(0, comma).strip().toLowerCase(Locale.ROOT),
                        Long.parseLong(row.substring(comma + 1).strip()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Map.copyOf(minimums);
    }
}
