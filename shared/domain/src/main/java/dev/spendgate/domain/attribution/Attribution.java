package dev.spendgate.domain.attribution;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Who a call's cost belongs to. Every field is optional (null when unknown). Values are 1-128 characters of letters,
 * digits and {@code . _ - : / @}.
 */
public record Attribution(
        String feature, String department, String team, String environment, String session, String user, String run) {

    public static final Attribution NONE = new Attribution(null, null, null, null, null, null, null);
    public static final int MAX_LENGTH = 128;

    public Attribution {
        check("feature", feature);
        check("department", department);
        check("team", team);
        check("environment", environment);
        check("session", session);
        check("user", user);
        check("run", run);
    }

    /** True when the value would be accepted for any attribution field. */
    public static boolean isValidValue(String value) {
        if (value == null || value.isEmpty() || value.length() > MAX_LENGTH) {
            return false;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z')
                    || (c >= 'A' && c <= 'Z')
                    || (c >= '0' && c <= '9')
                    || c == '.'
                    || c == '_'
                    || c == ':'
                    || c == '/'
                    || c == '@'
                    || c == '-';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** This attribution with each missing field taken from {@code defaults}. */
    public Attribution orElse(Attribution defaults) {
        return new Attribution(
                feature != null ? feature : defaults.feature,
                department != null ? department : defaults.department,
                team != null ? team : defaults.team,
                environment != null ? environment : defaults.environment,
                session != null ? session : defaults.session,
                user != null ? user : defaults.user,
                run != null ? run : defaults.run);
    }

    /** A call is attributed when both its feature and its department are known. */
    public boolean isAttributed() {
        return feature != null && department != null;
    }

    /** The non-null fields by name, in declaration order. */
    public Map<String, String> asMap() {
        Map<String, String> map = new LinkedHashMap<>();
        put(map, "feature", feature);
        put(map, "department", department);
        put(map, "team", team);
        put(map, "environment", environment);
        put(map, "session", session);
        put(map, "user", user);
        put(map, "run", run);
        return map;
    }

    private static void put(Map<String, String> map, String name, String value) {
        if (value != null) {
            map.put(name, value);
        }
    }

    private static void check(String field, String value) {
        if (value != null && !isValidValue(value)) {
            throw new IllegalArgumentException(
                    field + " must be 1-" + MAX_LENGTH + " characters of letters, digits and . _ - : / @");
        }
    }
}
