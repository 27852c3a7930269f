package dev.spendgate.report.narrative;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spendgate.domain.report.FactSheet;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Drafts the board narrative with an LLM called through Spendgate itself (an OpenAI-compatible
 * {@code /chat/completions} at {@code baseUrl}, authenticated with a Spendgate key, attributed to the feature
 * {@code finance-report}), from the month's {@link FactSheet} only. A draft is accepted only when every number in it
 * is a number of the fact sheet; otherwise the caller keeps the deterministic narrative.
 */
public final class LlmNarrative {
    static final String SYSTEM = "You write the summary paragraphs of a monthly AI-spend report for a company's board."
            + " Use only the facts given, copy every number exactly as written there, invent no numbers, no"
            + " percentages of your own, no forecasts. Write 3 to 5 short paragraphs of plain text separated by blank"
            + " lines, no headings, no lists, no markdown.";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Settings settings;
    private final HttpClient http;

    public LlmNarrative(Settings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    }

    /** Where the gateway is ({@code http://localhost:8787/v1}), the Spendgate key and the model to ask. */
    public record Settings(String baseUrl, String key, String model, Duration timeout) {
        public Settings {
            if (baseUrl == null
                    || baseUrl.isBlank()
                    || key == null
                    || key.isBlank()
                    || model == null
                    || model.isBlank()) {
                throw new IllegalArgumentException("an LLM narrative needs a base URL, a Spendgate key and a model");
            }
            baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
            timeout = timeout == null ? Duration.ofSeconds(60) : timeout;
        }

        @Override
        public String toString() {
            return "Settings[baseUrl=" + baseUrl + ", model=" + model + "]";
        }
    }

    /** The outcome of asking: the accepted paragraphs, or why the draft was not used. */
    public record Draft(List<String> paragraphs, String rejection) {
        public boolean accepted() {
            return rejection == null;
        }
    }

    /** Asks for a draft and checks it against the fact sheet; never throws for what the LLM or network did. */
    public Draft draft(FactSheet facts) {
        String text;
        try {
            text = complete(facts);
        } catch (IOException | RuntimeException e) {
            return new Draft(List.of(), "the LLM call failed (" + e.getClass().getSimpleName() + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Draft(List.of(), "interrupted while waiting for the LLM");
        }
        if (text == null || text.isBlank()) {
            return new Draft(List.of(), "the LLM returned no text");
        }
        List<String> unverified = facts.unverifiedNumbers(text);
        if (!unverified.isEmpty()) {
            return new Draft(List.of(), "the draft has numbers that are not in the figures: " + unverified);
        }
        List<String> paragraphs = new ArrayList<>();
        for (String p : text.trim().split("\\n\\s*\\n")) {
            String one = p.replaceAll("\\s+", " ").trim();
            if (!one.isEmpty()) {
                paragraphs.add(one);
            }
        }
        return new Draft(paragraphs, null);
    }

    private String complete(FactSheet facts) throws IOException, InterruptedException {
        ObjectNode body = JSON.createObjectNode();
        body.put("model", settings.model());
        body.put("temperature", 0);
        body.put("max_tokens", 700);
        var messages = body.putArray("messages");
        messages.addObject().put("role", "system").put("content", SYSTEM);
        messages.addObject().put("role", "user").put("content", "Facts:\n" + String.join("\n", facts.lines()));
        HttpRequest request = HttpRequest.newBuilder(URI.create(settings.baseUrl() + "/chat/completions"))
                .timeout(settings.timeout())
                .header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + settings.key())
                .header("X-Cost-Feature", "finance-report")
                .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)))
                .build();
        HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        if (response.statusCode() != 200) {
            throw new IOException("status " + response.statusCode());
        }
        JsonNode answer = JSON.readTree(response.body());
        return answer.path("choices").path(0).path("message").path("content").asText(null);
    }
}
