package dev.spendgate.report.reconcile;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Pages of a provider's paginated JSON API as read from files: one page object per file, or an array of pages (what
 * the admin API fetchers save). Numbers are read as exact decimals.
 */
final class JsonPages {
    static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    /** One page and where it came from. */
    record Page(String origin, JsonNode json) {}

    private JsonPages() {}

    static List<Page> read(List<Path> files) {
        List<Page> pages = new ArrayList<>();
        for (Path f : files) {
            String origin = f.getFileName().toString();
            JsonNode root;
            try {
                root = JSON.readTree(Files.readAllBytes(f)); // bytes: a UTF-8 byte order mark is skipped
            } catch (JsonProcessingException e) {
                throw new BillFormatException(
                        origin,
                        "not valid JSON: " + e.getOriginalMessage() + " (line "
                                + e.getLocation().getLineNr() + ", column "
                                + e.getLocation().getColumnNr() + ")");
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + f, e);
            }
            pages.addAll(pages(origin, root));
        }
        return pages;
    }

    static List<Page> pages(String origin, JsonNode root) {
        if (root == null || root.isMissingNode() || root.isNull()) {
            throw new BillFormatException(origin, "empty file");
        }
        List<Page> pages = new ArrayList<>();
        if (root.isArray()) {
            int i = 0;
            for (JsonNode p : root) {
                pages.add(page(origin + " page " + (++i), p));
            }
        } else {
            pages.add(page(origin, root));
        }
        return pages;
    }

    private static Page page(String origin, JsonNode p) {
        if (!p.isObject() || !p.path("data").isArray()) {
            throw new BillFormatException(origin, "expected a page object with a 'data' array of time buckets");
        }
        return new Page(origin, p);
    }

    static BigDecimal decimal(JsonNode node, String field, String where) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            throw new BillFormatException(where, "'" + field + "' is missing");
        }
        try {
            return v.isNumber() ? v.decimalValue() : new BigDecimal(v.asText().trim());
        } catch (NumberFormatException e) {
            throw new BillFormatException(where, "'" + field + "' is not a number: " + v);
        }
    }

    static long count(JsonNode node, String field, String where) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return 0;
        }
        if (!v.canConvertToLong() || v.asLong() < 0 || (!v.isIntegralNumber() && !v.isTextual())) {
            throw new BillFormatException(where, "'" + field + "' is not a token count: " + v);
        }
        return v.asLong();
    }

    static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() || v.asText().isBlank() ? null : v.asText();
    }

    /** Fields of {@code node} not in {@code known}, collected for one warning per file. */
    static void unknownFields(JsonNode node, Set<String> known, Set<String> into) {
        node.fieldNames().forEachRemaining(f -> {
            if (!known.contains(f)) {
                into.add(f);
            }
        });
    }

    static String unknownWarning(String what, Set<String> unknown) {
        return what + " has fields this version does not read, ignored: " + String.join(", ", new TreeSet<>(unknown));
    }
}
