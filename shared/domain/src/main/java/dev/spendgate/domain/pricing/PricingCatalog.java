package dev.spendgate.domain.pricing;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Model prices by provider and model id. The bundled catalog ({@link #bundled()}) can be overlaid with a customer
 * file ({@link #withOverrides(Path)}) holding private models, replaced prices and negotiated discounts.
 *
 * <p>Look-ups accept dated snapshots and aliases: {@code gpt-4o-2024-08-06} prices as {@code gpt-4o},
 * {@code claude-sonnet-4-5-20250929} as {@code claude-sonnet-4-5}, and Bedrock inference-profile ids such as
 * {@code us.anthropic.claude-sonnet-4-20250514-v1:0} as the underlying model (a profile with its own rates, such as
 * {@code global.} for Claude 4.5 and later, is its own entry).
 *
 * <p>A model can have several entries with different {@code effective_date}s: {@link #find(String, String, Instant)}
 * prices a call with the entry in force at its time, {@link #find(String, String)} with the newest one.
 */
public final class PricingCatalog {
    private static final String BUNDLED = "/dev/spendgate/domain/pricing/catalog.json";
    private static final ObjectMapper JSON =
            new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    private static final Pattern OPENAI_DATE = Pattern.compile("-\\d{4}-\\d{2}-\\d{2}$");
    private static final Pattern ANTHROPIC_DATE = Pattern.compile("-(\\d{8}|latest)$");
    private static final Pattern BEDROCK_PROFILE = Pattern.compile("^(us|eu|apac|global|us-gov|jp|au|ca)\\.");
    /**
     * A system inference profile or foundation model named by its ARN; application inference profiles are not
     * reduced (they name no model: the pricing overrides' aliases price them).
     */
    private static final Pattern BEDROCK_MODEL_ARN = Pattern.compile(
            "^arn:aws(?:-[a-z]+)*:bedrock:[a-z0-9-]*:\\d*:(?:inference-profile|foundation-model)/(.+)$");

    /** The top-level sections an override file may have; any other name is refused (a misspelling). */
    private static final List<String> OVERRIDE_SECTIONS = List.of("models", "discounts", "aliases");
    /**
     * The keys of each entry of an override section. A key not among them (a misspelt {@code "modle"}) would be
     * ignored and widen the entry: a discount meant for one model would apply to every model of its provider. A
     * {@code models} entry takes every key of the bundled catalog's entries, the notes included, so an edited copy
     * of the catalog still loads.
     */
    private static final Map<String, List<String>> OVERRIDE_ENTRY_KEYS = Map.of(
            "discounts", List.of("provider", "model", "percent"),
            "aliases", List.of("provider", "alias", "model"),
            "models",
                    List.of(
                            "provider",
                            "model",
                            "aliases",
                            "tier",
                            "tier_source_url",
                            "family",
                            "input",
                            "cached_input",
                            "cache_write_5m",
                            "cache_write_1h",
                            "output",
                            "source_url",
                            "effective_date",
                            "date_basis",
                            "service_tiers",
                            "long_context",
                            "region_multipliers",
                            "deprecated_date",
                            "retired_date",
                            "web_search_per_1k",
                            "web_search_preview_per_1k",
                            "notes"));
    /**
     * The bundled catalog's header fields, taken in an override file (a copy of the catalog edited): the unit and
     * currency must be the catalog's (null: any value, descriptive only).
     */
    private static final Map<String, String> CATALOG_HEADER = header();

    private static Map<String, String> header() {
        Map<String, String> h = new HashMap<>();
        h.put("catalog_version", null);
        h.put("sources_note", null);
        h.put("currency", "USD");
        h.put("unit", "per_1m_tokens");
        return java.util.Collections.unmodifiableMap(h);
    }

    private final String version;
    private final Map<String, List<ModelPrice>> byKey;
    private final List<ModelPrice> entries;
    private final List<ModelPrice> models;

    private PricingCatalog(String version, List<ModelPrice> entries) {
        this.version = version;
        this.entries = List.copyOf(entries);
        Map<String, List<ModelPrice>> index = new HashMap<>();
        Map<String, ModelPrice> newest = new java.util.LinkedHashMap<>();
        for (ModelPrice price : entries) {
            index.computeIfAbsent(key(price.provider(), price.model()), k -> new ArrayList<>())
                    .add(price);
            for (String alias : price.aliases()) {
                index.computeIfAbsent(key(price.provider(), alias), k -> new ArrayList<>())
                        .add(price);
            }
            newest.merge(key(price.provider(), price.model()), price, (a, b) -> later(a, b));
        }
        Map<String, List<ModelPrice>> sorted = new HashMap<>();
        index.forEach((k, list) -> {
            List<ModelPrice> copy = new ArrayList<>(list);
            copy.sort(BY_DATE);
            sorted.put(k, List.copyOf(copy));
        });
        this.byKey = Map.copyOf(sorted);
        this.models = List.copyOf(newest.values());
    }

    private static final java.util.Comparator<ModelPrice> BY_DATE = java.util.Comparator.comparing(
            (ModelPrice p) -> p.effectiveDate() == null ? LocalDate.MIN : p.effectiveDate());

    private static ModelPrice later(ModelPrice a, ModelPrice b) {
        return BY_DATE.compare(b, a) >= 0 ? b : a;
    }

    /** The catalog shipped with this release. */
    public static PricingCatalog bundled() {
        try (InputStream in = PricingCatalog.class.getResourceAsStream(BUNDLED)) {
            if (in == null) {
                throw new IllegalStateException("bundled pricing catalog " + BUNDLED + " is missing");
            }
            return parse(in.readAllBytes(), BUNDLED);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read bundled pricing catalog", e);
        }
    }

    /**
     * A whole catalog file of the bundled catalog's shape (a newer release of it, for {@code pricing check}).
     * Throws {@link IllegalArgumentException} naming the file and the field when it is not one.
     */
    public static PricingCatalog read(Path file) {
        PricingCatalog catalog;
        try {
            catalog = parse(Files.readAllBytes(file), file.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read pricing catalog " + file, e);
        }
        // as the bundled catalog's test requires: a price without a date cannot be placed among the rate cards
        for (ModelPrice p : catalog.entries()) {
            String missing = p.effectiveDate() == null ? "effective_date" : p.sourceUrl() == null ? "source_url" : null;
            if (missing != null) {
                throw new IllegalArgumentException("pricing catalog " + file + ": entry " + p.provider() + "/"
                        + p.model() + " is missing '" + missing + "'");
            }
        }
        return catalog;
    }

    private static PricingCatalog parse(byte[] bytes, String name) {
        JsonNode root;
        try {
            root = JSON.readTree(bytes);
        } catch (IOException e) {
            throw new IllegalArgumentException("pricing catalog " + name + " is not valid JSON: " + e.getMessage());
        }
        if (root == null || !root.has("models")) {
            throw new IllegalArgumentException("pricing catalog " + name + " has no 'models' array");
        }
        return new PricingCatalog(text(root, "catalog_version"), parseModels(root.path("models")));
    }

    /** A catalog built from explicit prices (tests, simulations). */
    public static PricingCatalog of(String version, List<ModelPrice> models) {
        return new PricingCatalog(version, models);
    }

    /**
     * This catalog overlaid with a customer file: {@code models} entries (same shape as the bundled catalog) add or
     * replace models; {@code discounts} entries ({@code provider}, optional {@code model}, {@code percent}) scale list
     * prices; {@code aliases} entries ({@code provider}, {@code alias}, {@code model}) price another id as a known
     * model, e.g. a Bedrock application inference profile ARN as the foundation model it wraps. The resulting version names the override file's content hash, so every record says which prices it
     * used.
     */
    public PricingCatalog withOverrides(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read pricing overrides " + file, e);
        }
        JsonNode root;
        try {
            root = JSON.readTree(bytes);
        } catch (IOException e) {
            throw new IllegalArgumentException("pricing overrides " + file + " are not valid JSON: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("pricing overrides " + file + " must be a JSON object with "
                    + String.join(", ", OVERRIDE_SECTIONS));
        }
        // a misspelt section ("discount") would be ignored: the gateway would silently charge list prices. A copy of
        // the bundled catalog edited into an override file keeps its header, which must say what the rates are in.
        for (java.util.Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (OVERRIDE_SECTIONS.contains(name) || CATALOG_HEADER.containsKey(name)) {
                String expected = CATALOG_HEADER.get(name);
                if (expected != null && !expected.equals(root.path(name).asText())) {
                    throw new IllegalArgumentException("pricing overrides " + file + " say " + name + " '"
                            + root.path(name).asText() + "'; rates are read as " + expected);
                }
                continue;
            }
            throw new IllegalArgumentException("pricing overrides " + file + " have an unknown section '" + name
                    + "'; the sections are " + String.join(", ", OVERRIDE_SECTIONS));
        }
        for (String section : OVERRIDE_SECTIONS) {
            List<String> keys = OVERRIDE_ENTRY_KEYS.get(section);
            JsonNode list = root.path(section);
            for (int i = 0; i < list.size(); i++) {
                for (java.util.Iterator<String> names = list.get(i).fieldNames(); names.hasNext(); ) {
                    String name = names.next();
                    if (!keys.contains(name)) {
                        throw new IllegalArgumentException("pricing overrides " + file + ": " + section + "[" + i
                                + "] has an unknown key '" + name + "'; its keys are " + String.join(", ", keys));
                    }
                }
            }
        }
        // Keyed by model and effective date. An override entry replaces the bundled entries of its model from its
        // effective_date on (all of them when it has none): a call made before a contract rate starts keeps the list
        // price then in force. What the entry leaves out it takes from the bundled entry it replaces.
        Map<String, ModelPrice> merged = new java.util.LinkedHashMap<>();
        for (ModelPrice price : entries) {
            merged.put(versionKey(price), price);
        }
        JsonNode modelNodes = root.path("models");
        List<ModelPrice> parsed = parseModels(modelNodes);
        List<ModelPrice> overridden = new ArrayList<>(parsed.size());
        for (int i = 0; i < parsed.size(); i++) {
            ModelPrice price = parsed.get(i);
            ModelPrice base = replaced(price);
            overridden.add(base == null ? price : overlay(price, modelNodes.get(i), base));
        }
        for (ModelPrice price : overridden) {
            merged.values()
                    .removeIf(p -> p.provider().equals(price.provider())
                            && p.model().equalsIgnoreCase(price.model())
                            && !(p.effectiveDate() != null
                                    && price.effectiveDate() != null
                                    && p.effectiveDate().isBefore(price.effectiveDate())));
        }
        for (ModelPrice price : overridden) {
            merged.put(versionKey(price), price);
        }
        for (JsonNode discount : root.path("discounts")) {
            String provider = text(discount, "provider");
            String model = discount.hasNonNull("model") ? discount.get("model").asText() : null;
            text(discount, "percent"); // present, or "missing 'percent'"
            BigDecimal percent = decimal(discount, "percent");
            if (percent.signum() < 0 || percent.compareTo(BigDecimal.valueOf(100)) > 0) {
                throw new IllegalArgumentException("discount percent must be between 0 and 100, got " + percent);
            }
            BigDecimal factor = BigDecimal.ONE.subtract(percent.movePointLeft(2));
            boolean[] applied = {false};
            merged.replaceAll((k, price) -> {
                if (price.provider().equals(provider) && (model == null || model.equals(price.model()))) {
                    applied[0] = true;
                    return price.scaled(factor);
                }
                return price;
            });
            if (!applied[0]) {
                // a typo would leave every price at list with no word of it
                throw new IllegalArgumentException("pricing discount names "
                        + (model == null
                                ? "provider '" + provider + "'"
                                : "model '" + model + "' of provider '" + provider + "'")
                        + ", which is not in the catalog or the overrides");
            }
        }
        for (JsonNode alias : root.path("aliases")) {
            String provider = text(alias, "provider");
            String name = text(alias, "alias");
            String model = text(alias, "model");
            boolean found = false;
            for (Map.Entry<String, ModelPrice> e : merged.entrySet()) {
                ModelPrice target = e.getValue();
                if (target.provider().equals(provider) && target.model().equalsIgnoreCase(model)) {
                    List<String> aliases = new ArrayList<>(target.aliases());
                    aliases.add(name);
                    e.setValue(target.withAliases(aliases));
                    found = true;
                }
            }
            if (!found) {
                throw new IllegalArgumentException("pricing alias '" + name + "' names model '" + model
                        + "' of provider '" + provider + "', which is not in the catalog or the overrides");
            }
        }
        return new PricingCatalog(
                version + "+overrides-" + sha256(bytes).substring(0, 8), new ArrayList<>(merged.values()));
    }

    /**
     * The bundled entry an override replaces and fills its gaps from: this catalog's entry of the model in force on
     * the override's effective date (the newest when it has none, the earliest when it predates them all); null for
     * a model the catalog does not have.
     */
    private ModelPrice replaced(ModelPrice override) {
        return find(
                        override.provider(),
                        override.model(),
                        override.effectiveDate() == null
                                ? null
                                : override.effectiveDate()
                                        .atStartOfDay(ZoneOffset.UTC)
                                        .toInstant())
                .filter(p -> p.model().equalsIgnoreCase(override.model()))
                .orElse(null);
    }

    /**
     * {@code override} with what its entry ({@code node}) leaves out taken from {@code base}: service tiers it does
     * not name, long-context rates, region multipliers, cache and web-search prices, aliases, lifecycle dates. So
     * adding contracted priority rates keeps the model's batch rates and its data-residency multiplier.
     */
    private static ModelPrice overlay(ModelPrice override, JsonNode node, ModelPrice base) {
        Map<String, Rates> tiers = new HashMap<>(base.serviceTierRates());
        tiers.putAll(override.serviceTierRates());
        List<String> aliases = new ArrayList<>(base.aliases());
        for (String alias : override.aliases()) {
            if (!aliases.contains(alias)) {
                aliases.add(alias);
            }
        }
        return new ModelPrice(
                override.provider(),
                override.model(),
                aliases,
                node.has("tier") ? override.tier() : base.tier(),
                node.has("family") ? override.family() : base.family(),
                override.input(),
                node.has("cached_input") ? override.cachedInput() : base.cachedInput(),
                node.has("cache_write_5m") ? override.cacheWrite5m() : base.cacheWrite5m(),
                node.has("cache_write_1h") ? override.cacheWrite1h() : base.cacheWrite1h(),
                override.output(),
                override.sourceUrl(),
                override.effectiveDate(),
                tiers,
                node.has("long_context") ? override.longContext() : base.longContext(),
                node.has("region_multipliers") ? override.regionMultipliers() : base.regionMultipliers(),
                node.has("deprecated_date") ? override.deprecatedDate() : base.deprecatedDate(),
                node.has("retired_date") ? override.retiredDate() : base.retiredDate(),
                node.has("web_search_per_1k") ? override.webSearchPer1k() : base.webSearchPer1k(),
                node.has("web_search_preview_per_1k")
                        ? override.webSearchPreviewPer1k()
                        : base.webSearchPreviewPer1k());
    }

    public String version() {
        return version;
    }

    /** The newest entry of every model (what {@link #find(String, String)} returns). */
    public List<ModelPrice> models() {
        return models;
    }

    /** Every entry, older rate cards included, in file order. */
    public List<ModelPrice> entries() {
        return entries;
    }

    /**
     * The date the catalog was published: its {@code catalog_version}'s leading {@code YYYY-MM-DD}, or empty when the
     * version does not start with one.
     */
    public Optional<LocalDate> publishedOn() {
        if (version.length() >= 10) {
            try {
                return Optional.of(LocalDate.parse(version.substring(0, 10)));
            } catch (java.time.format.DateTimeParseException e) {
                return Optional.empty();
            }
        }
        return Optional.empty();
    }

    /** The newest price of a provider's model, or empty when the catalog does not know it (never priced at zero). */
    public Optional<ModelPrice> find(String provider, String model) {
        return versions(provider, model).map(list -> list.get(list.size() - 1));
    }

    /**
     * The price of a provider's model in force at {@code at}: the entry with the latest effective date on or before
     * that day (UTC), or the earliest entry when the call predates them all.
     */
    public Optional<ModelPrice> find(String provider, String model, Instant at) {
        if (at == null) {
            return find(provider, model);
        }
        LocalDate day = at.atZone(ZoneOffset.UTC).toLocalDate();
        return versions(provider, model).map(list -> {
            ModelPrice chosen = list.get(0);
            for (ModelPrice p : list) {
                if (p.effectiveDate() == null || !p.effectiveDate().isAfter(day)) {
                    chosen = p;
                }
            }
            return chosen;
        });
    }

    /** Every entry of a provider's model, oldest first, or empty when the catalog does not know it. */
    public Optional<List<ModelPrice>> versions(String provider, String model) {
        if (provider == null || model == null || model.isBlank()) {
            return Optional.empty();
        }
        String id = model.trim();
        List<ModelPrice> price = byKey.get(key(provider, id));
        if (price == null && "bedrock".equals(provider)) {
            Matcher arn = BEDROCK_MODEL_ARN.matcher(id);
            if (arn.matches()) {
                id = arn.group(1);
                price = byKey.get(key(provider, id));
            }
            if (price == null) {
                price = byKey.get(key(provider, BEDROCK_PROFILE.matcher(id).replaceFirst("")));
            }
            if (price == null) {
                price = bedrockClaude(id);
            }
        }
        if (price == null) {
            String undated = ANTHROPIC_DATE
                    .matcher(OPENAI_DATE.matcher(id).replaceFirst(""))
                    .replaceFirst("");
            price = byKey.get(key(provider, undated));
        }
        return Optional.ofNullable(price);
    }

    /**
     * A Claude model by Anthropic's name ({@code claude-haiku-4-5-20251001}, the {@code model} of an InvokeModel answer,
     * which older records keep as {@code model_served}) priced as its in-region Bedrock id
     * ({@code anthropic.claude-haiku-4-5-20251001-v1:0}); null when no Bedrock entry is named so.
     */
    private List<ModelPrice> bedrockClaude(String id) {
        if (!id.regionMatches(true, 0, "claude-", 0, "claude-".length())) {
            return null;
        }
        for (String suffix : BEDROCK_CLAUDE_VERSIONS) {
            List<ModelPrice> price = byKey.get(key("bedrock", "anthropic." + id + suffix));
            if (price != null) {
                return price;
            }
        }
        return null;
    }

    /** The version suffixes of Bedrock's Claude ids; none for an alias such as {@code anthropic.claude-opus-4-6}. */
    private static final List<String> BEDROCK_CLAUDE_VERSIONS = List.of("", "-v1:0", "-v2:0");

    private static String versionKey(ModelPrice price) {
        return key(price.provider(), price.model()) + "\u0000" + price.effectiveDate();
    }

    private static String key(String provider, String model) {
        return provider + "\u0000" + model.toLowerCase(Locale.ROOT);
    }

    private static List<ModelPrice> parseModels(JsonNode models) {
        List<ModelPrice> prices = new ArrayList<>();
        for (JsonNode m : models) {
            List<String> aliases = new ArrayList<>();
            m.path("aliases").forEach(a -> aliases.add(a.asText()));
            prices.add(new ModelPrice(
                    text(m, "provider"),
                    text(m, "model"),
                    aliases,
                    m.path("tier").asText(null),
                    m.path("family").asText(null),
                    requiredDecimal(m, "input"),
                    decimal(m, "cached_input"),
                    decimal(m, "cache_write_5m"),
                    decimal(m, "cache_write_1h"),
                    requiredDecimal(m, "output"),
                    m.path("source_url").asText(null),
                    date(m, "effective_date"),
                    tierRates(m.path("service_tiers")),
                    longContext(m.path("long_context")),
                    multipliers(m.path("region_multipliers")),
                    date(m, "deprecated_date"),
                    date(m, "retired_date"),
                    decimal(m, "web_search_per_1k"),
                    decimal(m, "web_search_preview_per_1k")));
        }
        return prices;
    }

    private static Map<String, Rates> tierRates(JsonNode tiers) {
        Map<String, Rates> rates = new HashMap<>();
        tiers.fields().forEachRemaining(e -> rates.put(e.getKey(), rates(e.getValue(), "service_tiers." + e.getKey())));
        return rates;
    }

    private static LongContext longContext(JsonNode node) {
        if (node.isMissingNode() || node.isNull()) {
            return null;
        }
        JsonNode threshold = node.get("threshold_input_tokens");
        if (threshold == null || !threshold.canConvertToLong() || threshold.asLong() <= 0) {
            throw new IllegalArgumentException(
                    "pricing field 'long_context.threshold_input_tokens' must be a positive integer: " + node);
        }
        return new LongContext(threshold.asLong(), rates(node, "long_context"), tierRates(node.path("service_tiers")));
    }

    private static Rates rates(JsonNode node, String where) {
        BigDecimal input = decimal(node, "input");
        BigDecimal output = decimal(node, "output");
        if (input == null || output == null) {
            throw new IllegalArgumentException("pricing field '" + where + "' needs 'input' and 'output': " + node);
        }
        return new Rates(
                input,
                decimal(node, "cached_input"),
                decimal(node, "cache_write_5m"),
                decimal(node, "cache_write_1h"),
                output);
    }

    private static Map<String, BigDecimal> multipliers(JsonNode node) {
        Map<String, BigDecimal> map = new HashMap<>();
        node.fields().forEachRemaining(e -> {
            BigDecimal value = decimal(node, e.getKey());
            map.put(e.getKey().toLowerCase(Locale.ROOT), value);
        });
        return map;
    }

    private static LocalDate date(JsonNode node, String field) {
        if (!node.hasNonNull(field)) {
            return null;
        }
        try {
            return LocalDate.parse(node.get(field).asText());
        } catch (java.time.format.DateTimeParseException e) {
            throw new IllegalArgumentException(
                    "pricing field '" + field + "' is not a date (YYYY-MM-DD): " + node.get(field));
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull() || value.asText().isBlank()) {
            throw new IllegalArgumentException("pricing entry is missing '" + field + "': " + node);
        }
        return value.asText();
    }

    /** A rate every model entry must have: "missing 'input'" names the field, as the other required fields do. */
    private static BigDecimal requiredDecimal(JsonNode node, String field) {
        text(node, field);
        return decimal(node, field);
    }

    private static BigDecimal decimal(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        try {
            return new BigDecimal(value.asText());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("pricing field '" + field + "' is not a decimal: " + value);
        }
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
