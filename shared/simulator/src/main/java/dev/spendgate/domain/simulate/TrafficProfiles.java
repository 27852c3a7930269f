package dev.spendgate.domain.simulate;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * The simulated organisation as data: the bundled {@code profiles.json} (next to this class) lists who calls which model
 * how, and with which proxy keys. Each profile names its fields, so changing the simulated traffic is an edit to that
 * file, not to a positional constructor call. A bad file is refused with the field that is wrong.
 */
final class TrafficProfiles {
    static final String RESOURCE = "profiles.json";
    static final int SCHEMA_VERSION = 1;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> PROVIDERS = Set.of("openai", "anthropic");
    private static final Set<String> ENDPOINTS = Set.of("chat.completions", "responses", "messages", "embeddings");

    /** The waste a profile carries ({@code none} for clean traffic); the others mark individual planted calls. */
    enum Role {
        NONE,
        MISMATCH,
        BLOAT,
        REDUNDANT,
        CACHE_EXACT,
        CACHE_2,
        CACHE_5,
        CACHE_8,
        AT_RISK,
        UNSTABLE,
        BATCH
    }

    /** One kind of traffic: a feature's model, prompt sizes, turns, streaming and key. Weight 0: episodes only. */
    record Profile(
            String feature,
            String department,
            String team,
            String provider,
            String model,
            String served,
            String endpoint,
            double weight,
            int userMin,
            int userMax,
            int outMin,
            int outMax,
            int systemTokens,
            boolean caching,
            int maxTurns,
            double streamShare,
            String keyRef,
            Role role,
            long maxOutput,
            double reasoningShare) {}

    /** A simulated proxy key; {@code department} and {@code team} null for an unattributed key. */
    record KeySpec(String ref, String name, String environment, String department, String team) {}

    private final List<Profile> profiles;
    private final List<KeySpec> keys;

    private TrafficProfiles(List<Profile> profiles, List<KeySpec> keys) {
        this.profiles = List.copyOf(profiles);
        this.keys = List.copyOf(keys);
    }

    List<Profile> profiles() {
        return profiles;
    }

    List<KeySpec> keys() {
        return keys;
    }

    /** The bundled profiles. */
    static TrafficProfiles bundled() {
        try (InputStream in = TrafficProfiles.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the simulator's " + RESOURCE + " is missing from the classpath");
            }
            return parse(in, RESOURCE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads a profiles document; {@code source} names it in error messages. */
    static TrafficProfiles parse(InputStream in, String source) {
        JsonNode root;
        try {
            root = JSON.readTree(in);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(source + ": not valid JSON (" + e.getOriginalMessage() + ")", e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException(source + ": must be a JSON object");
        }
        Reader r = new Reader(source);
        int version = r.integer(root, "schema_version", 1, Integer.MAX_VALUE);
        if (version != SCHEMA_VERSION) {
            throw new IllegalArgumentException(
                    source + ": schema_version " + version + " is not supported (expected " + SCHEMA_VERSION + ")");
        }
        List<KeySpec> keys = new ArrayList<>();
        Set<String> refs = new HashSet<>();
        JsonNode keyArray = r.array(root, "keys");
        for (int i = 0; i < keyArray.size(); i++) {
            JsonNode k = keyArray.get(i);
            String at = "keys[" + i + "]";
            KeySpec spec = new KeySpec(
                    r.text(k, at, "ref", true),
                    r.text(k, at, "name", true),
                    r.text(k, at, "environment", true),
                    r.text(k, at, "department", false),
                    r.text(k, at, "team", false));
            if (!refs.add(spec.ref())) {
                throw new IllegalArgumentException(source + ": " + at + ".ref '" + spec.ref() + "' is listed twice");
            }
            keys.add(spec);
        }
        List<Profile> profiles = new ArrayList<>();
        Set<String> features = new HashSet<>();
        JsonNode profileArray = r.array(root, "profiles");
        for (int i = 0; i < profileArray.size(); i++) {
            JsonNode p = profileArray.get(i);
            String at = "profiles[" + i + "]";
            String feature = r.text(p, at, "feature", false);
            String provider = r.oneOf(p, at, "provider", PROVIDERS);
            String keyRef = r.text(p, at, "key", true);
            if (!refs.contains(keyRef)) {
                throw new IllegalArgumentException(
                        source + ": " + at + ".key '" + keyRef + "' is not one of the keys' refs " + refs);
            }
            if (!features.add(feature == null ? "(batch)" : feature)) {
                throw new IllegalArgumentException(source + ": " + at + ".feature '" + feature + "' is listed twice");
            }
            int[] user = r.range(p, at, "user_tokens");
            int[] output = r.range(p, at, "output_tokens");
            String role = r.text(p, at, "role", true);
            Role parsedRole;
            try {
                parsedRole = Role.valueOf(role.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(source + ": " + at + ".role '" + role
                        + "' is not one of none, mismatch, bloat, at_risk," + " unstable, batch");
            }
            profiles.add(new Profile(
                    feature,
                    r.text(p, at, "department", false),
                    r.text(p, at, "team", false),
                    provider,
                    r.text(p, at, "model", true),
                    r.text(p, at, "served_model", true),
                    r.oneOf(p, at, "endpoint", ENDPOINTS),
                    r.share(p, at, "weight"),
                    user[0],
                    user[1],
                    output[0],
                    output[1],
                    r.integer(p, at + ".system_tokens", "system_tokens", 0, Integer.MAX_VALUE),
                    r.bool(p, at, "prompt_caching"),
                    r.integer(p, at + ".max_turns", "max_turns", 0, 1000),
                    r.share(p, at, "stream_share"),
                    keyRef,
                    parsedRole,
                    r.integer(p, at + ".max_output_tokens", "max_output_tokens", 0, Integer.MAX_VALUE),
                    r.share(p, at, "reasoning_share")));
        }
        if (profiles.isEmpty()) {
            throw new IllegalArgumentException(source + ": profiles must list at least one profile");
        }
        return new TrafficProfiles(profiles, keys);
    }

    /** Field readers that name the document and the field in every refusal. */
    private record Reader(String source) {
        Reader {
            Objects.requireNonNull(source, "source");
        }

        private IllegalArgumentException bad(String field, String problem) {
            return new IllegalArgumentException(source + ": " + field + " " + problem);
        }

        JsonNode array(JsonNode node, String field) {
            JsonNode a = node.get(field);
            if (a == null || !a.isArray()) {
                throw bad(field, "must be an array");
            }
            return a;
        }

        String text(JsonNode node, String at, String field, boolean required) {
            JsonNode v = node.get(field);
            if (v == null || v.isNull()) {
                if (required) {
                    throw bad(at + "." + field, "is required");
                }
                return null;
            }
            if (!v.isTextual() || v.asText().isBlank()) {
                throw bad(at + "." + field, "must be a non-empty string");
            }
            return v.asText();
        }

        String oneOf(JsonNode node, String at, String field, Set<String> allowed) {
            String v = text(node, at, field, true);
            if (!allowed.contains(v)) {
                throw bad(at + "." + field, "'" + v + "' is not one of " + allowed);
            }
            return v;
        }

        int integer(JsonNode node, String name, String field, int min, int max) {
            JsonNode v = node.get(field);
            if (v == null || !v.isIntegralNumber() || v.asLong() < min || v.asLong() > max) {
                throw bad(name, "must be a whole number from " + min + " to " + max);
            }
            return v.asInt();
        }

        int integer(JsonNode node, String field, int min, int max) {
            return integer(node, field, field, min, max);
        }

        double share(JsonNode node, String at, String field) {
            JsonNode v = node.get(field);
            if (v == null || !v.isNumber() || v.asDouble() < 0 || v.asDouble() > 1) {
                throw bad(at + "." + field, "must be a number from 0 to 1");
            }
            return v.asDouble();
        }

        boolean bool(JsonNode node, String at, String field) {
            JsonNode v = node.get(field);
            if (v == null || !v.isBoolean()) {
                throw bad(at + "." + field, "must be true or false");
            }
            return v.asBoolean();
        }

        int[] range(JsonNode node, String at, String field) {
            JsonNode v = node.get(field);
            if (v == null || !v.isObject()) {
                throw bad(at + "." + field, "must be an object with min and max");
            }
            String name = at + "." + field;
            int min = integer(v, name + ".min", "min", 0, Integer.MAX_VALUE);
            int max = integer(v, name + ".max", "max", 0, Integer.MAX_VALUE);
            if (min > max) {
                throw bad(name, "min " + min + " is above max " + max);
            }
            return new int[] {min, max};
        }
    }
}
