package dev.spendgate.function.proxy.console;

import static dev.spendgate.function.proxy.console.Html.esc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.domain.store.ObjectStore;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Findings from the newest findings document the daily waste run stored ({@code findings/YYYY-MM-DD.json}), as the
 * deployed gateway shows them: the run already did the month's work, so a page view reads one object (and the findings'
 * lifecycle for their state). Each row carries what the local page's does: state, evidence dates, example request ids
 * and the quality risk. The local page renders typed findings from the analysis module, which this jar must not carry,
 * so the rows are rendered here from the document's JSON, with the same layout.
 */
final class StoredFindingsPage implements FindingsPage {
    private static final Pattern DAY_DOC = Pattern.compile("findings/\\d{4}-\\d{2}-\\d{2}\\.json");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String LIFECYCLE = "findings/lifecycle.json";

    private final ObjectStore store;

    StoredFindingsPage(ObjectStore store) {
        this.store = store;
    }

    @Override
    public String render() {
        Optional<String> key = store.list("findings/").stream()
                .filter(k -> DAY_DOC.matcher(k).matches())
                .max(Comparator.naturalOrder());
        if (key.isEmpty()) {
            return "<section class=\"card\"><h2>No findings yet</h2><p>The daily waste run has not stored a findings"
                    + " document (<code>findings/YYYY-MM-DD.json</code>) yet.</p></section>";
        }
        JsonNode doc;
        try {
            doc = JSON.readTree(store.get(key.get()).orElseThrow());
        } catch (IOException | RuntimeException e) {
            return "<section class=\"card\"><h2>Findings unreadable</h2><p>" + esc(key.get()) + " could not be read: "
                    + esc(e.getClass().getSimpleName()) + "</p></section>";
        }
        StringBuilder sb = new StringBuilder("<section class=\"card\" aria-labelledby=\"score-h\">")
                .append("<h2 id=\"score-h\">AI Efficiency Score</h2><p class=\"big\" data-testid=\"efficiency-score\">")
                .append(esc(doc.path("efficiency_score").path("overall").asText("-")))
                .append("/100</p><p>")
                .append(usd(doc.path("monthly_savings_usd")))
                .append(" per month recoverable; ")
                .append(esc(doc.path("calls_analysed").asText()))
                .append(" calls analysed from ")
                .append(esc(doc.path("window").path("from").asText()))
                .append(" to ")
                .append(esc(doc.path("window").path("to").asText()))
                .append(".</p><p class=\"source\">Source: ")
                .append(esc(key.get()))
                .append(", generated ")
                .append(esc(doc.path("generated_at").asText()))
                .append(" by the daily waste run.</p>")
                .append(leftOut(doc.path("input")))
                .append("</section>")
                .append("<table data-testid=\"findings-table\"><caption>Findings by monthly dollars</caption>")
                .append("<thead><tr><th scope=\"col\">#</th><th scope=\"col\" class=\"num\">USD / month</th>")
                .append("<th scope=\"col\">Category</th><th scope=\"col\">Scope</th><th scope=\"col\">State</th>")
                .append("<th scope=\"col\">Recommended change</th><th scope=\"col\">Owner</th>")
                .append("<th scope=\"col\">Evidence</th></tr></thead><tbody>");
        Map<String, String> states = states();
        int rank = 1;
        for (JsonNode f : doc.path("findings")) {
            JsonNode scope = f.path("scope");
            JsonNode owner = f.path("owner");
            JsonNode evidence = f.path("evidence");
            sb.append("<tr><td>")
                    .append(rank++)
                    .append("</td><td class=\"num\">")
                    .append(FindingsHtml.monthlyDollars(
                            decimal(f.path("monthly_savings_usd")), decimal(f.path("monthly_spend_at_risk_usd"))))
                    .append("</td><td>")
                    .append(esc(f.path("category").asText()))
                    .append("</td><td>")
                    .append(esc(scope.path("type").asText() + ":"
                            + scope.path("value").asText()))
                    .append(
                            scope.hasNonNull("model")
                                    ? " (" + esc(scope.path("model").asText()) + ")"
                                    : "")
                    .append("</td><td>")
                    .append(esc(states.getOrDefault(f.path("id").asText(), "open")))
                    .append("</td><td>")
                    .append(esc(f.path("recommendation").asText()))
                    .append(
                            f.hasNonNull("quality_risk")
                                    ? "<br><small>" + esc(f.path("quality_risk").asText()) + "</small>"
                                    : "")
                    .append("</td><td>")
                    .append(esc(owner.path("department").asText("unknown")))
                    .append("</td><td>")
                    .append(esc(evidence.path("wasteful_calls").asText()))
                    .append(" of ")
                    .append(esc(evidence.path("calls").asText()))
                    .append(" calls, ")
                    .append(esc(day(evidence.path("first_seen"))))
                    .append(" to ")
                    .append(esc(day(evidence.path("last_seen"))))
                    .append(examples(evidence.path("example_request_ids")))
                    .append("</td></tr>");
        }
        if (rank == 1) {
            sb.append("<tr><td colspan=\"8\">No waste found in this window.</td></tr>");
        }
        return sb.append("</tbody></table>")
                .append(FindingsHtml.scoreByFeature(
                        features(doc.path("efficiency_score").path("features"))))
                .toString();
    }

    /** The document's {@code efficiency_score.features}: {@code score} null when the feature was not scored. */
    private static List<FindingsHtml.FeatureScore> features(JsonNode features) {
        List<FindingsHtml.FeatureScore> scores = new ArrayList<>();
        for (JsonNode s : features) {
            scores.add(new FindingsHtml.FeatureScore(
                    s.path("feature").asText(),
                    s.path("score").isIntegralNumber() ? s.path("score").asInt() : null,
                    decimal(s.path("spend_usd")),
                    decimal(s.path("waste_usd")),
                    decimal(s.path("at_risk_usd"))));
        }
        return scores;
    }

    /**
     * Each finding's state (open, resolved, ...) from the lifecycle the daily run keeps ({@code
     * findings/lifecycle.json}), as the local page shows it; none when that document is missing or unreadable.
     */
    private Map<String, String> states() {
        Map<String, String> states = new HashMap<>();
        try {
            Optional<byte[]> bytes = store.get(LIFECYCLE);
            if (bytes.isPresent()) {
                for (JsonNode n : JSON.readTree(bytes.get()).path("findings")) {
                    if (n.hasNonNull("id") && n.hasNonNull("status")) {
                        states.put(n.get("id").asText(), n.get("status").asText());
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            return Map.of();
        }
        return states;
    }

    /** What the document's {@code input} says its figures skipped and quarantined; nothing when it says nothing. */
    private static String leftOut(JsonNode input) {
        Map<String, Long> byReason = new HashMap<>();
        input.path("quarantined_by_reason")
                .properties()
                .forEach(e -> byReason.put(e.getKey(), e.getValue().asLong()));
        return FindingsHtml.skippedInput(
                        input.path("unreadable_objects").asLong(),
                        input.path("malformed_lines_skipped").asLong(),
                        input.path("duplicates_skipped").asLong())
                + FindingsHtml.quarantinedInput(
                        input.path("quarantined_records").asLong(), byReason);
    }

    /** The UTC day of a stored instant, as the local page shows evidence dates. */
    private static String day(JsonNode instant) {
        String text = instant.asText("");
        return text.length() < 10 ? "-" : text.substring(0, 10);
    }

    private static String examples(JsonNode ids) {
        List<String> first = new ArrayList<>();
        for (JsonNode id : ids) {
            if (first.size() < 2) {
                first.add(id.asText());
            }
        }
        return first.isEmpty() ? "" : "; e.g. <code>" + esc(String.join(", ", first)) + "</code>";
    }

    private static String usd(JsonNode amount) {
        return Html.usd(decimal(amount));
    }

    /** A stored amount, or null when the document leaves it out or it is not a number. */
    private static BigDecimal decimal(JsonNode amount) {
        if (amount.isMissingNode() || amount.isNull()) {
            return null;
        }
        try {
            return new BigDecimal(amount.asText());
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
