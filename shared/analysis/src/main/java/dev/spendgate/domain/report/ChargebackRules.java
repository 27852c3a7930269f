package dev.spendgate.domain.report;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How spend maps to the general ledger, read from a JSON file:
 *
 * <pre>{@code
 * {
 *   "suspense": {"gl_account": "6999", "cost_centre": "CC-SUSPENSE"},
 *   "rules": [
 *     {"department": "support", "gl_account": "6100", "cost_centre": "CC-100"},
 *     {"department": "eng", "team": "search", "feature": "*", "gl_account": "6200", "cost_centre": "CC-210"}
 *   ],
 *   "shared": [
 *     {"department": "platform", "allocation": "proportional", "gl_account": "6300"},
 *     {"feature": "intranet-search", "allocation": "fixed", "gl_account": "6300",
 *      "shares": {"CC-100": "60", "CC-210": "40"}}
 *   ]
 * }
 * }</pre>
 *
 * A rule matches on {@code department}, {@code team} and {@code feature}; an omitted field or {@code "*"} matches
 * anything, including no value. Shared rules are tried first, then rules, in file order; the first match wins.
 */
public record ChargebackRules(Account suspense, List<Rule> rules, List<SharedRule> shared) {
    private static final ObjectMapper JSON =
            new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    /** Everything to suspense: what a report uses when no rules file is configured. */
    public static final ChargebackRules NONE =
            new ChargebackRules(new Account("SUSPENSE", "SUSPENSE"), List.of(), List.of());

    public ChargebackRules {
        Objects.requireNonNull(suspense, "suspense");
        rules = List.copyOf(rules);
        shared = List.copyOf(shared);
    }

    /** A GL account and cost centre pair. */
    public record Account(String glAccount, String costCentre) {
        public Account {
            if (glAccount == null || glAccount.isBlank() || costCentre == null || costCentre.isBlank()) {
                throw new IllegalArgumentException("gl_account and cost_centre must not be blank");
            }
        }
    }

    /** Spend whose department, team and feature match goes to {@code account}. */
    public record Rule(Match match, Account account) {}

    /**
     * Spend shared by several cost centres: spread in proportion to their direct spend, or by fixed percentages
     * ({@code shares}, cost centre to percent, each 0 to 100, summing to 100).
     */
    public record SharedRule(Match match, String glAccount, Allocation allocation, Map<String, BigDecimal> shares) {
        public SharedRule {
            shares = shares == null ? Map.of() : new LinkedHashMap<>(shares);
            if (allocation == Allocation.FIXED) {
                for (Map.Entry<String, BigDecimal> share : shares.entrySet()) {
                    if (share.getValue().signum() < 0 || share.getValue().compareTo(BigDecimal.valueOf(100)) > 0) {
                        throw new IllegalArgumentException("share of " + share.getKey() + " must be 0 to 100 percent,"
                                + " got " + share.getValue().toPlainString());
                    }
                }
                BigDecimal sum = shares.values().stream().reduce(BigDecimal.ZERO, BigDecimal::add);
                if (shares.isEmpty() || sum.compareTo(BigDecimal.valueOf(100)) != 0) {
                    throw new IllegalArgumentException(
                            "a fixed shared rule needs shares that sum to 100, got " + sum.toPlainString());
                }
            }
        }
    }

    public enum Allocation {
        PROPORTIONAL,
        FIXED
    }

    /** Department, team, feature patterns: null or {@code *} matches anything. */
    public record Match(String department, String team, String feature) {
        public boolean matches(String department, String team, String feature) {
            return one(this.department, department) && one(this.team, team) && one(this.feature, feature);
        }

        private static boolean one(String pattern, String value) {
            return pattern == null || pattern.equals("*") || pattern.equals(value);
        }
    }

    /** Parses the rules file's content; throws {@link IllegalArgumentException} naming what is wrong. */
    public static ChargebackRules parse(byte[] json) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException("chargeback rules are not valid JSON: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("chargeback rules must be a JSON object");
        }
        known(root, "", TOP_KEYS);
        JsonNode s = root.path("suspense");
        Account suspense;
        try {
            if (absent(s)) {
                suspense = NONE.suspense();
            } else {
                known(object(s, "the suspense account"), "", ACCOUNT_KEYS);
                suspense = account(s);
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("suspense: " + e.getMessage());
        }
        List<Rule> rules = new ArrayList<>();
        int i = 0;
        for (JsonNode r : array(root, "rules")) {
            try {
                object(r, "a rule");
                known(r, "", RULE_KEYS);
                rules.add(new Rule(match(r), account(r)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("rules[" + i + "]: " + e.getMessage());
            }
            i++;
        }
        List<SharedRule> shared = new ArrayList<>();
        i = 0;
        for (JsonNode r : array(root, "shared")) {
            try {
                object(r, "a shared rule");
                known(r, "", SHARED_KEYS);
                String allocationText = text(r, "allocation");
                String method = allocationText == null ? "proportional" : allocationText;
                Allocation allocation =
                        switch (method) {
                            case "proportional" -> Allocation.PROPORTIONAL;
                            case "fixed" -> Allocation.FIXED;
                            default ->
                                throw new IllegalArgumentException(
                                        "allocation must be proportional or fixed, got '" + method + "'");
                        };
                Map<String, BigDecimal> shares = shares(r);
                String gl = code(r, "gl_account");
                if (gl == null || gl.isBlank()) {
                    throw new IllegalArgumentException("gl_account must not be blank");
                }
                shared.add(new SharedRule(match(r), gl, allocation, shares));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("shared[" + i + "]: shares must be decimal percentages");
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("shared[" + i + "]: " + e.getMessage());
            }
            i++;
        }
        return new ChargebackRules(suspense, rules, shared);
    }

    private static final List<String> TOP_KEYS = List.of("suspense", "rules", "shared");
    private static final List<String> ACCOUNT_KEYS = List.of("gl_account", "cost_centre");
    private static final List<String> RULE_KEYS = List.of("department", "team", "feature", "gl_account", "cost_centre");
    private static final List<String> SHARED_KEYS =
            List.of("department", "team", "feature", "allocation", "gl_account", "shares");

    /**
     * Refuses a key {@code node} does not have: an omitted match field matches anything, so a misspelt
     * {@code "departmnt"} would turn its rule into a catch-all that takes every department's spend.
     */
    private static void known(JsonNode node, String where, List<String> keys) {
        for (java.util.Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!keys.contains(name)) {
                throw new IllegalArgumentException((where.isEmpty() ? "" : where + ": ") + "unknown key '" + name
                        + "'; the keys are " + String.join(", ", keys));
            }
        }
    }

    private static Match match(JsonNode r) {
        return new Match(text(r, "department"), text(r, "team"), text(r, "feature"));
    }

    /** The account of a rule or of the suspense entry, each field a string. */
    private static Account account(JsonNode node) {
        return new Account(code(node, "gl_account"), code(node, "cost_centre"));
    }

    /** Absent or JSON null. */
    private static boolean absent(JsonNode value) {
        return value.isMissingNode() || value.isNull();
    }

    /**
     * A field's text: null when absent (or JSON null); refused when not a string, since a list or number read as text
     * would match no spend ({@code ["support","care"]} is not a department) and send it to another cost centre.
     */
    private static String text(JsonNode node, String field) {
        JsonNode value = node.path(field);
        if (absent(value)) {
            return null;
        }
        if (!value.isTextual()) {
            throw new IllegalArgumentException(
                    field + " must be a string (or \"*\" for anything), got " + type(value) + " " + value);
        }
        return value.asText();
    }

    /**
     * An account code (a GL account, a cost centre): a string, or a whole number as written ({@code 6100}), which
     * earlier versions read as its text; null when absent. A list, an object, a fraction or a boolean is refused.
     */
    private static String code(JsonNode node, String field) {
        JsonNode value = node.path(field);
        if (value.isIntegralNumber()) {
            return value.asText();
        }
        if (!absent(value) && !value.isTextual()) {
            throw new IllegalArgumentException(
                    field + " must be a string or a whole number (an account code), got " + type(value) + " " + value);
        }
        return text(node, field);
    }

    private static JsonNode object(JsonNode node, String what) {
        if (!node.isObject()) {
            throw new IllegalArgumentException(
                    what + " must be a JSON object like {\"gl_account\": ..., \"cost_centre\": ...}, got " + type(node)
                            + " " + node);
        }
        return node;
    }

    /** A top-level list ({@code rules}, {@code shared}); absent is empty. */
    private static Iterable<JsonNode> array(JsonNode root, String field) {
        JsonNode value = root.path(field);
        if (absent(value)) {
            return List.of();
        }
        if (!value.isArray()) {
            throw new IllegalArgumentException(field + " must be a JSON list of rules, got " + type(value));
        }
        return value;
    }

    /** A fixed rule's shares: cost centre (not blank) to a decimal percentage (a string or a number). */
    private static Map<String, BigDecimal> shares(JsonNode r) {
        JsonNode value = r.path("shares");
        Map<String, BigDecimal> shares = new LinkedHashMap<>();
        if (absent(value)) {
            return shares;
        }
        if (!value.isObject()) {
            throw new IllegalArgumentException(
                    "shares must be a JSON object of cost centre to percent, got " + type(value));
        }
        for (java.util.Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            if (f.getKey().isBlank()) {
                throw new IllegalArgumentException("shares: a cost centre must not be blank, got '" + f.getKey() + "'");
            }
            if (!f.getValue().isTextual() && !f.getValue().isNumber()) {
                throw new NumberFormatException();
            }
            shares.put(f.getKey(), new BigDecimal(f.getValue().asText()));
        }
        return shares;
    }

    private static String type(JsonNode value) {
        return switch (value.getNodeType()) {
            case ARRAY -> "a list";
            case OBJECT -> "an object";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case STRING -> "a string";
            default -> value.getNodeType().toString().toLowerCase(java.util.Locale.ROOT);
        };
    }
}
