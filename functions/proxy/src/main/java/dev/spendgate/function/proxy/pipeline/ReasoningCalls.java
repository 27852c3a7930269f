package dev.spendgate.function.proxy.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Which calls bill reasoning tokens they never stream: OpenAI's o-series and GPT-5 reasoning models and the Gemini
 * models that think by default (unless the request turns reasoning off), any request asking for a reasoning effort,
 * Anthropic extended thinking (its streamed thinking is a summary; the full thinking is billed) and Amazon Nova 2
 * extended thinking ({@code reasoningConfig}: its reasoning is redacted, and billed). When such a call's usage never arrives, the visible
 * text says nothing about what it billed.
 */
final class ReasoningCalls {
    /**
     * Model ids that reason when the request does not say, one pattern per provider's rule (a leading {@code
     * provider/} or {@code region.} segment allowed):
     *
     * <ul>
     *   <li>OpenAI (platform.openai.com/docs/guides/reasoning): o1, o3, o4-mini..., gpt-5, gpt-5-mini, gpt-5-nano and
     *       their snapshots (not gpt-5-chat), and the pro and codex variants of later GPT-5 versions. GPT-5.1 and later
     *       default to no reasoning ({@code reasoning_effort: none}): they reason only when the request asks.
     *   <li>Google (ai.google.dev/gemini-api/docs/thinking, read 2026-12-05): Gemini 2.5 Pro thinks always (its
     *       thinking cannot be turned off), 2.5 Flash thinks by default (dynamic budget), 2.5 Flash-Lite does not;
     *       every Gemini 3 model thinks by default ({@code thinking_level} high, or minimal on Flash-Lite, which
     *       does not guarantee no thinking). Thinking is billed as output and none of it is streamed through the
     *       OpenAI-compatible API.
     * </ul>
     */
    private static final List<Pattern> REASONS_BY_DEFAULT = List.of(
            Pattern.compile(
                    "^(?:[a-z0-9-]+[/.])?(?:o[134](?:-.*)?|gpt-5(?:-(?!chat).*)?|gpt-5\\.\\d+-(?:pro|codex).*)$"),
            Pattern.compile("^(?:[a-z0-9-]+[/.])?gemini-(?:2\\.5-pro|2\\.5-flash(?!-lite|-image)|3(?:\\.\\d+)?-).*$"));

    private ReasoningCalls() {}

    static boolean reasonsUnseen(String model, JsonNode body) {
        if (body != null) {
            String effort = body.path("reasoning_effort")
                    .asText(body.path("reasoning").path("effort").asText(""));
            if ("none".equals(effort)) {
                return false;
            }
            if (!effort.isEmpty() || body.path("reasoning").isObject()) {
                return true;
            }
            // Anthropic Messages and InvokeModel (Claude's thinking, Nova 2's reasoningConfig) ask at the top;
            // Converse in additionalModelRequestFields
            JsonNode extra = body.path("additionalModelRequestFields");
            for (JsonNode asked : new JsonNode[] {
                body.path("thinking"),
                body.path("reasoningConfig"),
                extra.path("thinking"),
                extra.path("reasoning_config"),
                extra.path("reasoningConfig")
            }) {
                String type = asked.path("type").asText("");
                if (type.equals("enabled") || type.equals("adaptive")) {
                    return true;
                }
            }
        }
        if (model == null) {
            return false;
        }
        String id = model.toLowerCase(Locale.ROOT);
        return REASONS_BY_DEFAULT.stream().anyMatch(p -> p.matcher(id).matches());
    }
}
