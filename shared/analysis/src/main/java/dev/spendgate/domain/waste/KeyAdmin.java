package dev.spendgate.domain.waste;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.domain.keys.KeyLabels;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Where keys and budgets are managed, and so how the ungoverned-key findings word the commands they advise: {@link
 * #CLI} (a local data directory: {@code ./spendgate keys create}, {@code budgets set}) or {@link #ADMIN_API} (a
 * deployment in AWS, whose tables the CLI does not reach: {@code POST /admin/keys}, {@code PUT /admin/budgets}).
 *
 * <p>A key name is free text, so the CLI command quotes it for a POSIX shell, and a replacement key's name ({@code
 * NAME-ENV}) is cut so that it stays within {@link KeyLabels#MAX_NAME} characters, as {@code keys create} requires.
 */
public enum KeyAdmin {
    CLI,
    ADMIN_API;

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Words a POSIX shell takes as they are: no quoting needed. */
    private static final Pattern SHELL_PLAIN = Pattern.compile("[A-Za-z0-9._:/@%+=,-]+");

    /** The command creating a key for {@code environment} named after the key {@code name} it replaces there. */
    String createKeyFor(String name, String environment) {
        String newName = replacementName(name, environment);
        if (this == ADMIN_API) {
            Map<String, String> body = new LinkedHashMap<>();
            body.put("name", newName);
            body.put("environment", environment);
            return "POST /admin/keys with " + json(body);
        }
        return "./spendgate keys create --name " + shellWord(newName) + " --environment " + shellWord(environment);
    }

    /** The command creating a replacement key with default attribution (the values left for the user to fill in). */
    String createKeyWithDefaults() {
        return this == ADMIN_API
                ? "POST /admin/keys with \"feature\" and \"department\" for a replacement"
                : "./spendgate keys create --feature F --department D for a replacement";
    }

    /** The command putting key {@code keyId} under a monthly alert budget of {@code limitUsd}. */
    String budgetKey(String keyId, BigDecimal limitUsd) {
        if (this == ADMIN_API) {
            Map<String, String> body = new LinkedHashMap<>();
            body.put("scope", "key:" + keyId);
            body.put("period", "monthly");
            body.put("limit_usd", limitUsd.toPlainString());
            body.put("mode", "alert");
            return "PUT /admin/budgets with " + json(body);
        }
        return "./spendgate budgets set --scope " + shellWord("key:" + keyId) + " --period monthly --limit-usd "
                + limitUsd.toPlainString() + " --mode alert";
    }

    /** {@code NAME-ENV}, the name cut (never inside a surrogate pair) so that the whole fits {@link KeyLabels#MAX_NAME}. */
    static String replacementName(String name, String environment) {
        String suffix = "-" + environment;
        int room = Math.max(1, KeyLabels.MAX_NAME - suffix.length());
        String base = name;
        if (base.length() > room) {
            int cut = Character.isHighSurrogate(base.charAt(room - 1)) ? room - 1 : room;
            base = base.substring(0, Math.max(1, cut));
        }
        String whole = base + suffix;
        return whole.length() <= KeyLabels.MAX_NAME ? whole : whole.substring(0, KeyLabels.MAX_NAME);
    }

    /** {@code s} as one word of a POSIX shell: as it is when plain, else in single quotes ({@code '} as {@code '\''}). */
    static String shellWord(String s) {
        if (SHELL_PLAIN.matcher(s).matches()) {
            return s;
        }
        return "'" + s.replace("'", "'\\''") + "'";
    }

    private static String json(Map<String, String> body) {
        try {
            return JSON.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
