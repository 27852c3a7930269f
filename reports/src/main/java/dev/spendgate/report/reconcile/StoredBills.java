package dev.spendgate.report.reconcile;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.reconcile.BillSource;
import dev.spendgate.domain.reconcile.ProviderBill;
import dev.spendgate.domain.reconcile.ProviderCharge;
import dev.spendgate.domain.reconcile.ProviderUsage;
import dev.spendgate.domain.reconcile.TokenKind;
import dev.spendgate.domain.store.ObjectStore;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * The provider bill lines the daily reconcile job imported for a month, kept so the monthly report reconciles against
 * the same data: one object per provider at {@code reconciliation/bills/YYYY-MM/<provider>.json}
 * ({@code openai}, {@code anthropic}, {@code aws}), each replaced by the next daily run. Schema version
 * {@value #SCHEMA_VERSION}: {@code schema_version}, {@code source}, {@code month}, {@code through} (last day asked
 * for), {@code imported_at}, {@code origin}, {@code cost_days}, {@code usage_days}, {@code warnings}, {@code charges}
 * ({@code day}, {@code model}, {@code account}, {@code token_kind} or {@code unmetered_item}, {@code tokens} (-1: not
 * stated), {@code cost_usd} as a decimal string, {@code description}, {@code cost_usd_binary_float} true when the provider sent
 * the cost as a binary floating-point number) and {@code usage} ({@code day}, {@code model},
 * {@code account} and the six token counts of {@link TokenUsage}). Amounts are decimal strings, never floats.
 */
public final class StoredBills {
    public static final String PREFIX = "reconciliation/bills/";
    public static final int SCHEMA_VERSION = 1;

    private static final ObjectMapper JSON = new ObjectMapper();

    private StoredBills() {}

    /** The key of one provider's stored bill for {@code month}. */
    public static String key(YearMonth month, BillSource source) {
        return PREFIX + month + "/" + source.id() + ".json";
    }

    /** Stores {@code bill} for {@code month} (replacing an earlier run's), as imported through {@code through}. */
    public static String write(
            ObjectStore store, YearMonth month, LocalDate through, Instant importedAt, ProviderBill bill) {
        String key = key(month, bill.source());
        store.put(key, encode(month, through, importedAt, bill));
        return key;
    }

    /**
     * The bills stored for {@code month}, by provider; a provider without an object is absent. Lists the month's
     * prefix first and reads only what is there (in S3 a GetObject of a missing key is refused, not "not found", to a
     * role that may list only some prefixes); other objects under the prefix are left alone.
     */
    public static Map<BillSource, ProviderBill> read(ObjectStore store, YearMonth month) {
        Map<BillSource, ProviderBill> out = new EnumMap<>(BillSource.class);
        Set<String> present = Set.copyOf(store.list(PREFIX + month + "/"));
        for (BillSource s : BillSource.values()) {
            String key = key(month, s);
            if (!present.contains(key)) {
                continue;
            }
            Optional<byte[]> bytes = store.get(key);
            bytes.ifPresent(b -> out.put(s, decode(key, b)));
        }
        return out;
    }

    static byte[] encode(YearMonth month, LocalDate through, Instant importedAt, ProviderBill bill) {
        ObjectNode root = JSON.createObjectNode();
        root.put("schema_version", SCHEMA_VERSION);
        root.put("source", bill.source().id());
        root.put("month", month.toString());
        root.put("through", through.toString());
        root.put("imported_at", importedAt.toString());
        root.put("origin", bill.origin());
        ArrayNode costDays = root.putArray("cost_days");
        bill.costDays().forEach(d -> costDays.add(d.toString()));
        ArrayNode usageDays = root.putArray("usage_days");
        bill.usageDays().forEach(d -> usageDays.add(d.toString()));
        ArrayNode warnings = root.putArray("warnings");
        bill.warnings().forEach(warnings::add);
        ArrayNode charges = root.putArray("charges");
        for (ProviderCharge c : bill.charges()) {
            ObjectNode n = charges.addObject();
            n.put("day", c.day().toString());
            n.put("model", c.model());
            n.put("account", c.account());
            n.put("token_kind", c.tokenKind() == null ? null : c.tokenKind().label());
            n.put("unmetered_item", c.unmeteredItem());
            n.put("tokens", c.tokens());
            n.put("cost_usd", c.costUsd().toPlainString());
            n.put("description", c.description());
            if (c.binaryFloatCost()) {
                n.put("cost_usd_binary_float", true);
            }
        }
        ArrayNode usage = root.putArray("usage");
        for (ProviderUsage u : bill.usage()) {
            ObjectNode n = usage.addObject();
            n.put("day", u.day().toString());
            n.put("model", u.model());
            n.put("account", u.account());
            TokenUsage t = u.tokens();
            n.put("input_tokens", t.inputTokens());
            n.put("cached_input_tokens", t.cachedInputTokens());
            n.put("cache_write_5m_tokens", t.cacheWrite5mTokens());
            n.put("cache_write_1h_tokens", t.cacheWrite1hTokens());
            n.put("output_tokens", t.outputTokens());
            n.put("reasoning_tokens", t.reasoningTokens());
            if (u.batch()) {
                n.put("batch", true);
            }
        }
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored bill could not be written", e);
        }
    }

    static ProviderBill decode(String key, byte[] bytes) {
        JsonNode root;
        try {
            root = JSON.readTree(new String(bytes, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new BillFormatException(key, "not JSON: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new BillFormatException(key, "expected a JSON object");
        }
        int version = root.path("schema_version").asInt(-1);
        if (version != SCHEMA_VERSION) {
            throw new BillFormatException(
                    key,
                    "schema_version " + root.path("schema_version") + " is not supported (this version reads "
                            + SCHEMA_VERSION + ")");
        }
        BillSource source = source(key, text(key, root, "source"));
        List<ProviderCharge> charges = new ArrayList<>();
        int i = 0;
        for (JsonNode n : array(key, root, "charges")) {
            String at = "charges[" + i++ + "]";
            LocalDate day = day(key, at + ".day", text(key, n, "day"));
            BigDecimal cost = decimal(key, at + ".cost_usd", text(key, n, "cost_usd"));
            String kind = optText(n, "token_kind");
            String item = optText(n, "unmetered_item");
            if ((kind == null) == (item == null) && !(kind != null && ProviderCharge.BATCH.equals(item))) {
                throw new BillFormatException(
                        key, at + ": give exactly one of token_kind and unmetered_item (both only for batch)");
            }
            charges.add(new ProviderCharge(
                    source,
                    day,
                    optText(n, "model"),
                    optText(n, "account"),
                    kind == null ? null : tokenKind(key, at + ".token_kind", kind),
                    item,
                    n.path("tokens").asLong(-1),
                    cost,
                    optText(n, "description"),
                    n.path("cost_usd_binary_float").asBoolean(false)));
        }
        List<ProviderUsage> usage = new ArrayList<>();
        i = 0;
        for (JsonNode n : array(key, root, "usage")) {
            String at = "usage[" + i++ + "]";
            try {
                usage.add(new ProviderUsage(
                        source,
                        day(key, at + ".day", text(key, n, "day")),
                        text(key, n, "model"),
                        optText(n, "account"),
                        new TokenUsage(
                                n.path("input_tokens").asLong(),
                                n.path("cached_input_tokens").asLong(),
                                n.path("cache_write_5m_tokens").asLong(),
                                n.path("cache_write_1h_tokens").asLong(),
                                n.path("output_tokens").asLong(),
                                n.path("reasoning_tokens").asLong()),
                        n.path("batch").asBoolean(false)));
            } catch (IllegalArgumentException e) {
                if (e instanceof BillFormatException) {
                    throw e;
                }
                throw new BillFormatException(key, at + ": " + e.getMessage());
            }
        }
        List<String> warnings = new ArrayList<>();
        array(key, root, "warnings").forEach(w -> warnings.add(w.asText()));
        return new ProviderBill(
                source,
                charges,
                usage,
                days(key, root, "cost_days"),
                days(key, root, "usage_days"),
                warnings,
                optText(root, "origin"));
    }

    private static BillSource source(String key, String id) {
        for (BillSource s : BillSource.values()) {
            if (s.id().equals(id)) {
                return s;
            }
        }
        throw new BillFormatException(key, "source '" + id + "' is not one of openai, anthropic, aws");
    }

    private static TokenKind tokenKind(String key, String field, String label) {
        for (TokenKind k : TokenKind.values()) {
            if (k.label().equals(label)) {
                return k;
            }
        }
        throw new BillFormatException(key, field + " '" + label + "' is not a known token kind");
    }

    private static SortedSet<LocalDate> days(String key, JsonNode root, String field) {
        SortedSet<LocalDate> out = new TreeSet<>();
        for (JsonNode d : array(key, root, field)) {
            out.add(day(key, field, d.asText()));
        }
        return out;
    }

    private static LocalDate day(String key, String field, String value) {
        try {
            return LocalDate.parse(value);
        } catch (DateTimeParseException e) {
            throw new BillFormatException(key, field + " '" + value + "' is not a date (YYYY-MM-DD)");
        }
    }

    private static BigDecimal decimal(String key, String field, String value) {
        try {
            return new BigDecimal(value);
        } catch (NumberFormatException e) {
            throw new BillFormatException(key, field + " '" + value + "' is not a decimal amount");
        }
    }

    private static JsonNode array(String key, JsonNode root, String field) {
        JsonNode n = root.get(field);
        if (n == null || !n.isArray()) {
            throw new BillFormatException(key, "field '" + field + "' must be an array");
        }
        return n;
    }

    private static String text(String key, JsonNode n, String field) {
        String v = optText(n, field);
        if (v == null) {
            throw new BillFormatException(key, "field '" + field + "' is missing");
        }
        return v;
    }

    private static String optText(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }
}
