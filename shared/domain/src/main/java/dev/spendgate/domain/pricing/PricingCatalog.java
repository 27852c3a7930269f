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
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Model prices by provider and model id. The bundled catalog ({@link #bundled()}) can be overlaid with a customer
 * file ({@link #withOverrides(Path)}) holding private models, replaced prices and negotiated discounts.
 *
 * <p>Look-ups accept dated snapshots and aliases: {@code gpt-4o-2024-08-06} prices as {@code gpt-4o},
 * {@code claude-sonnet-4-5-20250929} as {@code claude-sonnet-4-5}, and Bedrock inference-profile ids such as
 * {@code us.anthropic.claude-sonnet-4-20250514-v1:0} as the underlying model.
 */
public final class PricingCatalog {
    private static final String BUNDLED = "/dev/spendgate/domain/pricing/catalog.json";
    private static final ObjectMapper JSON =
            new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    private static final Pattern OPENAI_DATE = Pattern.compile("-\\d{4}-\\d{2}-\\d{2}$");
    private static final Pattern ANTHROPIC_DATE = Pattern.compile("-(\\d{8}|latest)$");
    private static final Pattern BEDROCK_PROFILE = Pattern.compile("^(us|eu|apac|global|us-gov|jp|au|ca)\\.");

    private final String version;
    private final Map<String, ModelPrice> byKey;
    private final List<ModelPrice> models;

    private PricingCatalog(String version, List<ModelPrice> models) {
        this.version = version;
        this.models = List.copyOf(models);
        Map<String, ModelPrice> index = new HashMap<>();
        for (ModelPrice price : models) {
            index.put(key(price.provider(), price.model()), price);
            for (String alias : price.aliases()) {
                index.put(key(price.provider(), alias), price);
            }
        }
        this.byKey = Map.copyOf(index);
    }

    /** The catalog shipped with this release. */
    public static PricingCatalog bundled() {
        try (InputStream in = PricingCatalog.class.getResourceAsStream(BUNDLED)) {
            if (in == null) {
                throw new IllegalStateException("bundled pricing catalog " + BUNDLED + " is missing");
            }
            JsonNode root = JSON.readTree(in);
            return new PricingCatalog(text(root, "catalog_version"), parseModels(root.path("models")));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read bundled pricing catalog", e);
        }
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
        Map<String, ModelPrice> merged = new java.util.LinkedHashMap<>();
        for (ModelPrice price : models) {
            merged.put(key(price.provider(), price.model()), price);
        }
        for (ModelPrice price : parseModels(root.path("models"))) {
            merged.put(key(price.provider(), price.model()), price);
        }
        for (JsonNode discount : root.path("discounts")) {
            String provider = text(discount, "provider");
            String model = discount.hasNonNull("model") ? discount.get("model").asText() : null;
            BigDecimal percent = new BigDecimal(text(discount, "percent"));
            if (percent.signum() < 0 || percent.compareTo(BigDecimal.valueOf(100)) > 0) {
                throw new IllegalArgumentException("discount percent must be between 0 and 100, got " + percent);
            }
            BigDecimal factor = BigDecimal.ONE.subtract(percent.movePointLeft(2));
            merged.replaceAll(
                    (k, price) -> price.provider().equals(provider) && (model == null || model.equals(price.model()))
                            ? price.scaled(factor)
                            : price);
        }
        for (JsonNode alias : root.path("aliases")) {
            String provider = text(alias, "provider");
            String name = text(alias, "alias");
            String model = text(alias, "model");
            ModelPrice target = merged.get(key(provider, model));
            if (target == null) {
                throw new IllegalArgumentException("pricing alias '" + name + "' names model '" + model
                        + "' of provider '" + provider + "', which is not in the catalog or the overrides");
            }
            List<String> aliases = new ArrayList<>(target.aliases());
            aliases.add(name);
            merged.put(key(provider, model), target.withAliases(aliases));
        }
        return new PricingCatalog(
                version + "+overrides-" + sha256(bytes).substring(0, 8), new ArrayList<>(merged.values()));
    }

    public String version() {
        return version;
    }

    public List<ModelPrice> models() {
        return models;
    }

    /** The price of a provider's model, or empty when the catalog does not know it (never priced at zero). */
    public Optional<ModelPrice> find(String provider, String model) {
        if (provider == null || model == null || model.isBlank()) {
            return Optional.empty();
        }
        String id = model.trim();
        ModelPrice price = byKey.get(key(provider, id));
        if (price == null && "bedrock".equals(provider)) {
            price = byKey.get(key(provider, BEDROCK_PROFILE.matcher(id).replaceFirst("")));
        }
        if (price == null) {
            String undated = ANTHROPIC_DATE
                    .matcher(OPENAI_DATE.matcher(id).replaceFirst(""))
                    .replaceFirst("");
            price = byKey.get(key(provider, undated));
        }
        return Optional.ofNullable(price);
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
                    decimal(m, "input"),
                    decimal(m, "cached_input"),
                    decimal(m, "cache_write_5m"),
                    decimal(m, "cache_write_1h"),
                    decimal(m, "output"),
                    m.path("source_url").asText(null),
                    m.hasNonNull("effective_date")
                            ? LocalDate.parse(m.get("effective_date").asText())
                            : null));
        }
        return prices;
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull() || value.asText().isBlank()) {
            throw new IllegalArgumentException("pricing entry is missing '" + field + "': " + node);
        }
        return value.asText();
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
