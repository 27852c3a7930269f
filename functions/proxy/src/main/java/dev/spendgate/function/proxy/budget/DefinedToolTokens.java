package dev.spendgate.function.proxy.budget;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The fixed input tokens Anthropic bills for each of its own client tools a request defines, whatever the tool's short
 * JSON (docs.anthropic.com/en/docs/agents-and-tools/tool-use/overview#pricing, "Anthropic-defined tools" token table,
 * read 2026-12-05): computer use 735 per tool definition (683 for {@code computer_20241022}; the larger for every
 * version), bash 245, text editor 700. A tool is one of them by its versioned type ({@code computer_20250124},
 * {@code bash_20250124}, {@code text_editor_20250728}); the tool-use system prompt Anthropic adds to any request with
 * tools is counted apart.
 */
final class DefinedToolTokens {
    private static final Map<String, Long> BY_TYPE = Map.of(
            "computer", 735L,
            "bash", 245L,
            "text_editor", 700L);
    /** An Anthropic-defined tool's type: its name and a version date. */
    private static final Pattern VERSIONED = Pattern.compile("([a-z_]+)_\\d{8}");

    private DefinedToolTokens() {}

    /** The fixed tokens of the Anthropic-defined tools in {@code tools} (a request's {@code tools} array). */
    static long of(JsonNode tools) {
        long tokens = 0;
        for (JsonNode tool : tools) {
            JsonNode type = tool.get("type");
            if (type == null || !type.isTextual()) {
                continue;
            }
            var m = VERSIONED.matcher(type.asText());
            if (m.matches()) {
                tokens += BY_TYPE.getOrDefault(m.group(1), 0L);
            }
        }
        return tokens;
    }
}
