package dev.spendgate.domain.report;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.domain.store.ObjectStore;
import java.io.IOException;
import java.math.BigDecimal;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The waste figures a board report shows: recovered and still recoverable spend per category, and the AI Efficiency
 * Score. Read from {@code findings/YYYY-MM/summary.json} in the object store:
 *
 * <pre>{@code
 * {"month": "2026-11", "efficiency_score": 72,
 *  "categories": [{"category": "duplicate prompts", "recovered_usd": "12.40", "recoverable_usd": "30.10"}]}
 * }</pre>
 *
 * @param efficiencyScore 0-100, or null when not computed
 */
public record WasteSummary(List<Category> categories, Integer efficiencyScore) {
    private static final ObjectMapper JSON =
            new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    public WasteSummary {
        categories = List.copyOf(categories);
        if (efficiencyScore != null && (efficiencyScore < 0 || efficiencyScore > 100)) {
            throw new IllegalArgumentException("efficiency score must be 0-100, got " + efficiencyScore);
        }
    }

    /** One waste category's money. */
    public record Category(String name, BigDecimal recoveredUsd, BigDecimal recoverableUsd) {}

    /** Where the summary for a month lives. */
    public static String key(YearMonth month) {
        return "findings/" + month + "/summary.json";
    }

    /** The month's summary, or empty when no waste analysis was stored (or it cannot be read). */
    public static Optional<WasteSummary> load(ObjectStore store, YearMonth month) {
        return store.get(key(month)).flatMap(WasteSummary::parse);
    }

    static Optional<WasteSummary> parse(byte[] bytes) {
        try {
            JsonNode root = JSON.readTree(bytes);
            List<Category> categories = new ArrayList<>();
            for (JsonNode c : root.path("categories")) {
                categories.add(new Category(
                        c.path("category").asText("other"),
                        new BigDecimal(c.path("recovered_usd").asText("0")),
                        new BigDecimal(c.path("recoverable_usd").asText("0"))));
            }
            Integer score = root.hasNonNull("efficiency_score")
                    ? root.get("efficiency_score").asInt()
                    : null;
            return Optional.of(new WasteSummary(categories, score));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    public BigDecimal totalRecoveredUsd() {
        return categories.stream().map(Category::recoveredUsd).reduce(BigDecimal.ZERO, BigDecimal::add);
    }

    public BigDecimal totalRecoverableUsd() {
        return categories.stream().map(Category::recoverableUsd).reduce(BigDecimal.ZERO, BigDecimal::add);
    }
}
