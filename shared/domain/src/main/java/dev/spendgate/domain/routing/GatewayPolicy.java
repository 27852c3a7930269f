package dev.spendgate.domain.routing;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The gateway's routing and caching policy: routing rules with the allow-list of moves they may make, response cache
 * rules and prompt caching rules per feature, and the changes applied from waste findings. One JSON document, the
 * same locally ({@code <data-dir>/policy/gateway-policy.json}), in AWS (one DynamoDB item, through the admin API) and
 * for {@code simulate-policy --gateway-policy}. {@link #parse} validates everything at load time: a route whose move is
 * not in {@code allowed_moves}, an unknown field or a value out of range is refused with the field named, and nothing of
 * the document is used.
 */
public record GatewayPolicy(
        Map<String, List<List<String>>> allowedMoves,
        List<RouteRule> routes,
        List<CacheRule> cache,
        List<PromptCachingRule> promptCaching,
        List<AppliedChange> applied) {

    public static final int FORMAT_VERSION = 1;
    public static final GatewayPolicy EMPTY = new GatewayPolicy(Map.of(), List.of(), List.of(), List.of(), List.of());
    static final Duration MAX_TTL = Duration.ofDays(7);
    static final int DEFAULT_MAX_ENTRIES = 10_000;
    static final int DEFAULT_MAX_ENTRY_BYTES = 256 * 1024;
    /** DynamoDB items hold at most 400 KB; an entry keeps its metadata beside the answer. */
    static final int MAX_ENTRY_BYTES = 350 * 1024;

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(SerializationFeature.INDENT_OUTPUT)
            // one document: two piped into one PUT /admin/policy (or concatenated in the file) would otherwise store
            // the first, perhaps an empty one, and drop the second without a word
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    public GatewayPolicy {
        allowedMoves = Map.copyOf(allowedMoves);
        routes = List.copyOf(routes);
        cache = List.copyOf(cache);
        promptCaching = List.copyOf(promptCaching);
        applied = List.copyOf(applied);
    }

    /** A routing decision: the rule and the model the call goes to. */
    public record Routed(RouteRule rule, String model) {}

    /**
     * The first rule that matches the call and whose share draws it; empty when the call keeps its model. A call a
     * rule's draw leaves out goes on to the later rules, so a sampled rule put before another (as {@code advisor apply
     * --share} writes its rule) never un-routes calls the other moved.
     */
    public Optional<Routed> route(RequestTraits call) {
        for (RouteRule rule : routes) {
            if (rule.matches(call) && rule.sampled(call.sampleKey())) {
                return Optional.of(new Routed(rule, rule.to()));
            }
        }
        return Optional.empty();
    }

    /** The feature's cache rule, else the {@code *} rule; empty when the feature's answers are not cached. */
    public Optional<CacheRule> cacheRule(String feature) {
        return byFeature(cache, CacheRule::feature, feature);
    }

    /** The feature's prompt caching rule, else the {@code *} rule. */
    public Optional<PromptCachingRule> promptCachingRule(String feature) {
        return byFeature(promptCaching, PromptCachingRule::feature, feature);
    }

    private static <T> Optional<T> byFeature(
            List<T> rules, java.util.function.Function<T, String> featureOf, String feature) {
        T any = null;
        for (T rule : rules) {
            String f = featureOf.apply(rule);
            if (f.equals(feature)) {
                return Optional.of(rule);
            }
            if (f.equals("*")) {
                any = rule;
            }
        }
        return Optional.ofNullable(any);
    }

    /** Whether {@code from -> to} is in the allow-list of some provider (an earlier model of a chain to a later one). */
    public boolean allows(String from, String to) {
        for (List<List<String>> chains : allowedMoves.values()) {
            for (List<String> chain : chains) {
                int i = chain.indexOf(from);
                int j = chain.indexOf(to);
                if (i >= 0 && j > i) {
                    return true;
                }
            }
        }
        return false;
    }

    public GatewayPolicy withRoute(RouteRule rule) {
        List<RouteRule> next = new ArrayList<>();
        next.add(rule);
        routes.stream().filter(r -> !r.id().equals(rule.id())).forEach(next::add);
        return new GatewayPolicy(allowedMoves, next, cache, promptCaching, applied);
    }

    public GatewayPolicy withCache(CacheRule rule) {
        List<CacheRule> next = new ArrayList<>(
                cache.stream().filter(r -> !r.feature().equals(rule.feature())).toList());
        next.add(rule);
        return new GatewayPolicy(allowedMoves, routes, next, promptCaching, applied);
    }

    public GatewayPolicy withPromptCaching(PromptCachingRule rule) {
        List<PromptCachingRule> next = new ArrayList<>(promptCaching.stream()
                .filter(r -> !r.feature().equals(rule.feature()))
                .toList());
        next.add(rule);
        return new GatewayPolicy(allowedMoves, routes, cache, next, applied);
    }

    public GatewayPolicy withAllowedMove(String provider, List<String> chain) {
        Map<String, List<List<String>>> next = new LinkedHashMap<>(allowedMoves);
        List<List<String>> chains = new ArrayList<>(next.getOrDefault(provider, List.of()));
        if (!chains.contains(chain)) {
            chains.add(List.copyOf(chain));
        }
        next.put(provider, chains);
        return new GatewayPolicy(next, routes, cache, promptCaching, applied);
    }

    /**
     * The policy with {@code change} recorded as applied. A finding applied again to the same rule (at {@code --share
     * 10}, then in full) replaces its earlier entry, as its rule replaced the earlier rule: one entry per fix in force,
     * so {@code advisor status} credits its saving once.
     */
    public GatewayPolicy withApplied(AppliedChange change) {
        List<AppliedChange> next = new ArrayList<>(applied.stream()
                .filter(a -> !(a.findingId().equals(change.findingId())
                        && a.change().equals(change.change())
                        && java.util.Objects.equals(a.ruleId(), change.ruleId())))
                .toList());
        next.add(change);
        return new GatewayPolicy(allowedMoves, routes, cache, promptCaching, next);
    }

    // ---------------------------------------------------------------- reading

    /** Reads and validates a policy document; throws {@link PolicyFileException} naming the first bad field. */
    public static GatewayPolicy parse(byte[] json) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (com.fasterxml.jackson.databind.exc.MismatchedInputException e) {
            if (String.valueOf(e.getMessage()).startsWith("Trailing token")) {
                throw new PolicyFileException("(document)", "must be a single JSON object; more JSON follows it");
            }
            throw new PolicyFileException("(document)", "not valid JSON");
        } catch (IOException e) {
            throw new PolicyFileException("(document)", "not valid JSON");
        }
        if (root == null || !root.isObject()) {
            throw new PolicyFileException("(document)", "must be a JSON object");
        }
        known(root, "(document)", "format_version", "allowed_moves", "routes", "cache", "prompt_caching", "applied");
        if (root.has("format_version") && root.get("format_version").asInt(-1) != FORMAT_VERSION) {
            throw new PolicyFileException("format_version", "must be " + FORMAT_VERSION);
        }
        Map<String, List<List<String>>> moves = new LinkedHashMap<>();
        JsonNode allowed = root.path("allowed_moves");
        if (!allowed.isMissingNode()) {
            if (!allowed.isObject()) {
                throw new PolicyFileException("allowed_moves", "must be an object of provider: [\"model>cheaper\"]");
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = allowed.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String field = "allowed_moves." + e.getKey();
                List<List<String>> chains = new ArrayList<>();
                for (JsonNode chain : array(e.getValue(), field)) {
                    List<String> models = new ArrayList<>();
                    for (String m : text(chain, field).split(">")) {
                        if (!m.isBlank()) {
                            models.add(m.trim());
                        }
                    }
                    if (models.size() < 2 || new HashSet<>(models).size() != models.size()) {
                        throw new PolicyFileException(
                                field, "'" + chain.asText() + "' needs two or more different models: a>b>c");
                    }
                    chains.add(List.copyOf(models));
                }
                moves.put(e.getKey(), List.copyOf(chains));
            }
        }
        GatewayPolicy base = new GatewayPolicy(moves, List.of(), List.of(), List.of(), List.of());
        List<RouteRule> routes = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        int i = 0;
        for (JsonNode r : array(root.path("routes"), "routes")) {
            String f = "routes[" + i++ + "]";
            RouteRule rule = route(r, f);
            if (!ids.add(rule.id())) {
                throw new PolicyFileException(f + ".id", "'" + rule.id() + "' is used by two routes");
            }
            Optional<ModelFamily> fromFamily = ModelFamily.of(rule.from());
            Optional<ModelFamily> toFamily = ModelFamily.of(rule.to());
            if (fromFamily.isPresent() && toFamily.isPresent() && fromFamily.get() != toFamily.get()) {
                // a route changes the model only: the call keeps its provider, path and body format
                throw new PolicyFileException(
                        f + ".to",
                        "route '" + rule.id() + "' moves " + rule.from() + " (" + label(fromFamily.get()) + ") to "
                                + rule.to() + " (" + label(toFamily.get()) + "): a route keeps the call's provider"
                                + " and API, so both models must be served by the same one");
            }
            if (!base.allows(rule.from(), rule.to())) {
                throw new PolicyFileException(
                        f + ".to",
                        "the move " + rule.from() + " -> " + rule.to()
                                + " is not in allowed_moves; add it there (e.g. \"openai\": [\"" + rule.from() + ">"
                                + rule.to() + "\"]) after checking the cheaper model does the feature's work");
            }
            routes.add(rule);
        }
        List<CacheRule> cache = new ArrayList<>();
        Set<String> features = new HashSet<>();
        i = 0;
        for (JsonNode c : array(root.path("cache"), "cache")) {
            String f = "cache[" + i++ + "]";
            CacheRule rule = cacheRule(c, f);
            if (!features.add(rule.feature())) {
                throw new PolicyFileException(f + ".feature", "'" + rule.feature() + "' has two cache rules");
            }
            cache.add(rule);
        }
        List<PromptCachingRule> prompt = new ArrayList<>();
        features.clear();
        i = 0;
        for (JsonNode p : array(root.path("prompt_caching"), "prompt_caching")) {
            String f = "prompt_caching[" + i++ + "]";
            known(p, f, "feature", "min_prefix_tokens", "finding_id");
            long min = p.has("min_prefix_tokens")
                    ? positiveLong(p.get("min_prefix_tokens"), f + ".min_prefix_tokens")
                    : PromptCachingRule.DEFAULT_MIN_PREFIX_TOKENS;
            if (min < PromptCachingRule.DEFAULT_MIN_PREFIX_TOKENS) {
                throw new PolicyFileException(
                        f + ".min_prefix_tokens", "must be at least 1024 (providers cache no shorter prefix)");
            }
            PromptCachingRule rule =
                    new PromptCachingRule(requiredText(p, "feature", f), min, optionalText(p, "finding_id", f));
            if (!features.add(rule.feature())) {
                throw new PolicyFileException(f + ".feature", "'" + rule.feature() + "' has two prompt caching rules");
            }
            prompt.add(rule);
        }
        List<AppliedChange> applied = new ArrayList<>();
        i = 0;
        for (JsonNode a : array(root.path("applied"), "applied")) {
            String f = "applied[" + i++ + "]";
            applied.add(new AppliedChange(
                    requiredText(a, "finding_id", f),
                    requiredText(a, "change", f),
                    optionalText(a, "rule", f),
                    requiredText(a, "applied_by", f),
                    instant(requiredText(a, "applied_at", f), f + ".applied_at"),
                    a.hasNonNull("would_have_saved_usd")
                            ? decimal(a.get("would_have_saved_usd"), f + ".would_have_saved_usd")
                            : null,
                    optionalText(a, "simulated_window", f)));
        }
        return new GatewayPolicy(moves, routes, cache, prompt, applied);
    }

    private static String label(ModelFamily family) {
        return family.name().toLowerCase(Locale.ROOT);
    }

    private static RouteRule route(JsonNode r, String f) {
        known(
                r,
                f,
                "id",
                "from",
                "to",
                "feature",
                "department",
                "key",
                "endpoint",
                "max_prompt_tokens",
                "max_output_tokens",
                "tools",
                "headers",
                "share_percent",
                "finding_id",
                "from_aliases");
        Map<String, String> headers = new LinkedHashMap<>();
        JsonNode h = r.path("headers");
        if (!h.isMissingNode()) {
            if (!h.isObject()) {
                throw new PolicyFileException(f + ".headers", "must be an object of header: value");
            }
            h.fields().forEachRemaining(e -> headers.put(e.getKey(), text(e.getValue(), f + ".headers." + e.getKey())));
        }
        BigDecimal share = r.has("share_percent") ? decimal(r.get("share_percent"), f + ".share_percent") : null;
        if (share != null && (share.signum() <= 0 || share.compareTo(BigDecimal.valueOf(100)) > 0)) {
            throw new PolicyFileException(f + ".share_percent", "must be more than 0 and at most 100");
        }
        if (share != null && share.stripTrailingZeros().scale() > 2) {
            throw new PolicyFileException(f + ".share_percent", "at most two decimals");
        }
        JsonNode tools = r.get("tools");
        if (tools != null && !tools.isBoolean()) {
            throw new PolicyFileException(f + ".tools", "must be true or false");
        }
        String from = requiredText(r, "from", f);
        String to = requiredText(r, "to", f);
        if (from.equals(to)) {
            throw new PolicyFileException(f + ".to", "is the same model as from");
        }
        return new RouteRule(
                requiredText(r, "id", f),
                from,
                to,
                optionalText(r, "feature", f),
                optionalText(r, "department", f),
                optionalText(r, "key", f),
                optionalText(r, "endpoint", f),
                r.has("max_prompt_tokens") ? positiveLong(r.get("max_prompt_tokens"), f + ".max_prompt_tokens") : null,
                r.has("max_output_tokens") ? positiveLong(r.get("max_output_tokens"), f + ".max_output_tokens") : null,
                tools == null ? null : tools.asBoolean(),
                headers,
                share,
                optionalText(r, "finding_id", f),
                fromAliases(r, f, from));
    }

    private static List<String> fromAliases(JsonNode r, String f, String from) {
        JsonNode a = r.get("from_aliases");
        if (a == null) {
            return List.of();
        }
        List<String> names = new ArrayList<>();
        for (JsonNode n : array(a, f + ".from_aliases")) {
            String name = text(n, f + ".from_aliases[" + names.size() + "]");
            if (name.equals(from) || names.contains(name)) {
                throw new PolicyFileException(f + ".from_aliases", "'" + name + "' is named twice");
            }
            names.add(name);
        }
        return names;
    }

    private static CacheRule cacheRule(JsonNode c, String f) {
        known(
                c,
                f,
                "feature",
                "mode",
                "ttl_seconds",
                "max_entries",
                "max_entry_bytes",
                "threshold",
                "share",
                "max_temperature",
                "any_temperature",
                "finding_id");
        String mode = c.has("mode") ? text(c.get("mode"), f + ".mode") : "exact";
        CacheRule.Mode m;
        try {
            m = CacheRule.Mode.valueOf(mode.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new PolicyFileException(f + ".mode", "must be exact or semantic");
        }
        long ttl = c.has("ttl_seconds") ? positiveLong(c.get("ttl_seconds"), f + ".ttl_seconds") : 3600;
        if (ttl > MAX_TTL.toSeconds()) {
            throw new PolicyFileException(f + ".ttl_seconds", "at most " + MAX_TTL.toSeconds() + " (7 days)");
        }
        long entries =
                c.has("max_entries") ? positiveLong(c.get("max_entries"), f + ".max_entries") : DEFAULT_MAX_ENTRIES;
        if (entries > 10_000_000) {
            throw new PolicyFileException(f + ".max_entries", "at most 10000000");
        }
        long bytes = c.has("max_entry_bytes")
                ? positiveLong(c.get("max_entry_bytes"), f + ".max_entry_bytes")
                : DEFAULT_MAX_ENTRY_BYTES;
        if (bytes > MAX_ENTRY_BYTES) {
            throw new PolicyFileException(f + ".max_entry_bytes", "at most " + MAX_ENTRY_BYTES);
        }
        BigDecimal threshold = c.has("threshold") ? decimal(c.get("threshold"), f + ".threshold") : null;
        if (threshold != null
                && (threshold.compareTo(CacheRule.MIN_THRESHOLD) < 0
                        || threshold.compareTo(CacheRule.MAX_THRESHOLD) > 0)) {
            throw new PolicyFileException(f + ".threshold", "must be between 0.85 and 0.95");
        }
        String share = c.has("share") ? text(c.get("share"), f + ".share") : "key";
        CacheRule.Share s;
        try {
            s = CacheRule.Share.valueOf(share.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new PolicyFileException(f + ".share", "must be key, department or feature");
        }
        BigDecimal maxTemperature =
                c.has("max_temperature") ? decimal(c.get("max_temperature"), f + ".max_temperature") : null;
        if (maxTemperature != null
                && (maxTemperature.signum() < 0 || maxTemperature.compareTo(BigDecimal.valueOf(2)) > 0)) {
            throw new PolicyFileException(f + ".max_temperature", "must be between 0 and 2");
        }
        JsonNode any = c.get("any_temperature");
        if (any != null && !any.isBoolean()) {
            throw new PolicyFileException(f + ".any_temperature", "must be true or false");
        }
        return new CacheRule(
                requiredText(c, "feature", f),
                m,
                Duration.ofSeconds(ttl),
                (int) entries,
                (int) bytes,
                threshold,
                s,
                maxTemperature,
                any != null && any.asBoolean(),
                optionalText(c, "finding_id", f));
    }

    private static void known(JsonNode node, String f, String... fields) {
        if (!node.isObject()) {
            throw new PolicyFileException(f, "must be an object");
        }
        Set<String> allowed = Set.of(fields);
        node.fieldNames().forEachRemaining(name -> {
            if (!allowed.contains(name)) {
                throw new PolicyFileException(
                        f + "." + name, "unknown field (known: " + String.join(", ", fields) + ")");
            }
        });
    }

    private static Iterable<JsonNode> array(JsonNode node, String f) {
        if (node.isMissingNode() || node.isNull()) {
            return List.of();
        }
        if (!node.isArray()) {
            throw new PolicyFileException(f, "must be an array");
        }
        return node;
    }

    private static String text(JsonNode node, String f) {
        if (node == null || !node.isTextual() || node.asText().isBlank()) {
            throw new PolicyFileException(f, "must be a non-empty string");
        }
        return node.asText().trim();
    }

    private static String requiredText(JsonNode node, String field, String f) {
        if (!node.hasNonNull(field)) {
            throw new PolicyFileException(f + "." + field, "is required");
        }
        return text(node.get(field), f + "." + field);
    }

    private static String optionalText(JsonNode node, String field, String f) {
        return node.hasNonNull(field) ? text(node.get(field), f + "." + field) : null;
    }

    private static long positiveLong(JsonNode node, String f) {
        if (node == null || !node.canConvertToLong() || !node.isIntegralNumber() || node.asLong() <= 0) {
            throw new PolicyFileException(f, "must be a positive whole number");
        }
        return node.asLong();
    }

    private static BigDecimal decimal(JsonNode node, String f) {
        try {
            if (node.isNumber()) {
                return node.decimalValue();
            }
            if (node.isTextual()) {
                return new BigDecimal(node.asText().trim());
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new PolicyFileException(f, "must be a decimal number");
    }

    private static Instant instant(String value, String f) {
        try {
            return Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw new PolicyFileException(f, "must be an ISO-8601 UTC instant like 2026-12-03T15:00:00Z");
        }
    }

    // ---------------------------------------------------------------- writing

    /** The document as it is stored; {@link #parse} reads it back unchanged. */
    public byte[] toJson() {
        ObjectNode root = JSON.createObjectNode();
        root.put("format_version", FORMAT_VERSION);
        ObjectNode moves = root.putObject("allowed_moves");
        allowedMoves.forEach((provider, chains) -> {
            ArrayNode a = moves.putArray(provider);
            chains.forEach(c -> a.add(String.join(">", c)));
        });
        ArrayNode rs = root.putArray("routes");
        for (RouteRule r : routes) {
            ObjectNode o = rs.addObject();
            o.put("id", r.id());
            o.put("from", r.from());
            o.put("to", r.to());
            putIf(o, "feature", r.feature());
            putIf(o, "department", r.department());
            putIf(o, "key", r.keyId());
            putIf(o, "endpoint", r.endpoint());
            if (r.maxPromptTokens() != null) {
                o.put("max_prompt_tokens", r.maxPromptTokens());
            }
            if (r.maxOutputTokens() != null) {
                o.put("max_output_tokens", r.maxOutputTokens());
            }
            if (r.tools() != null) {
                o.put("tools", r.tools());
            }
            if (!r.headers().isEmpty()) {
                ObjectNode h = o.putObject("headers");
                r.headers().forEach(h::put);
            }
            o.put("share_percent", r.sharePercent().toPlainString());
            putIf(o, "finding_id", r.findingId());
            if (!r.fromAliases().isEmpty()) {
                ArrayNode aliases = o.putArray("from_aliases");
                r.fromAliases().forEach(aliases::add);
            }
        }
        ArrayNode cs = root.putArray("cache");
        for (CacheRule c : cache) {
            ObjectNode o = cs.addObject();
            o.put("feature", c.feature());
            o.put("mode", c.mode().name().toLowerCase(Locale.ROOT));
            o.put("ttl_seconds", c.ttl().toSeconds());
            o.put("max_entries", c.maxEntries());
            o.put("max_entry_bytes", c.maxEntryBytes());
            o.put("threshold", c.threshold().toPlainString());
            o.put("share", c.share().name().toLowerCase(Locale.ROOT));
            o.put("max_temperature", c.maxTemperature().toPlainString());
            o.put("any_temperature", c.anyTemperature());
            putIf(o, "finding_id", c.findingId());
        }
        ArrayNode ps = root.putArray("prompt_caching");
        for (PromptCachingRule p : promptCaching) {
            ObjectNode o = ps.addObject();
            o.put("feature", p.feature());
            o.put("min_prefix_tokens", p.minPrefixTokens());
            putIf(o, "finding_id", p.findingId());
        }
        ArrayNode as = root.putArray("applied");
        for (AppliedChange a : applied) {
            ObjectNode o = as.addObject();
            o.put("finding_id", a.findingId());
            o.put("change", a.change());
            putIf(o, "rule", a.ruleId());
            o.put("applied_by", a.appliedBy());
            o.put("applied_at", a.appliedAt().toString());
            if (a.wouldHaveSavedUsd() != null) {
                o.put("would_have_saved_usd", a.wouldHaveSavedUsd().toPlainString());
            }
            putIf(o, "simulated_window", a.simulatedWindow());
        }
        try {
            return JSON.writeValueAsBytes(root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void putIf(ObjectNode o, String field, String value) {
        if (value != null) {
            o.put(field, value);
        }
    }
}
