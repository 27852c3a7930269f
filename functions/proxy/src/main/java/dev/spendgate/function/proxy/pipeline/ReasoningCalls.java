package dev.spendgate.function.proxy.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spendgate.function.proxy.usage.GoogleOptions;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Which calls bill reasoning tokens they never stream: OpenAI's o-series and GPT-5 reasoning models and the Gemini
 * models that think by default (unless the request turns reasoning off), any request asking for a reasoning effort or,
 * through Gemini's own {@code thinking_config} ({@link #geminiThinking}), a thinking budget or level,
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

    /**
     * The Gemini models whose thinking a {@code thinking_budget} of 0 turns off (ai.google.dev/gemini-api/docs/thinking:
     * 2.5 Flash and 2.5 Flash-Lite; 2.5 Pro and the Gemini 3 models cannot turn thinking off).
     */
    private static final Pattern THINKING_CAN_BE_OFF = Pattern.compile("^(?:[a-z0-9-]+[/.])?gemini-2\\.5-flash.*$");

    /**
     * Models that always reason and whose hosts stream the reasoning beside the answer unless the request hides it:
     * OpenAI's gpt-oss (its reasoning effort is low, medium or high, never none; Groq sends it in {@code reasoning} by
     * default, console.groq.com/docs/reasoning, as OpenRouter and vLLM do). Shown, it is counted as streamed text;
     * hidden, it is billed unseen.
     */
    private static final Pattern REASONS_SHOWN_UNLESS_HIDDEN = Pattern.compile("^(?:[a-z0-9-]+[/.])?gpt-oss-.*$");

    private ReasoningCalls() {}

    static boolean reasonsUnseen(String model, JsonNode body) {
        Boolean gemini = geminiThinking(model, body);
        if (gemini != null) {
            return gemini;
        }
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
        if (REASONS_SHOWN_UNLESS_HIDDEN.matcher(id).matches()) {
            return hidesReasoning(body);
        }
        return REASONS_BY_DEFAULT.stream().anyMatch(p -> p.matcher(id).matches());
    }

    /** Whether the request asks the host not to stream the reasoning: Groq's {@code include_reasoning: false} or
     * {@code reasoning_format: "hidden"}. */
    private static boolean hidesReasoning(JsonNode body) {
        return body != null
                && (body.path("include_reasoning").isBoolean()
                                && !body.path("include_reasoning").asBoolean()
                        || "hidden".equals(body.path("reasoning_format").asText("")));
    }

    /**
     * What Gemini's {@code thinking_config} ({@link GoogleOptions}: {@code extra_body.google} or a top-level {@code
     * google}, ai.google.dev/gemini-api/docs/openai) says, or null when the request sets none: a {@code
     * thinking_budget} of 0 turns thinking off where the model allows it ({@link #THINKING_CAN_BE_OFF}); any other
     * budget ({@code -1}: dynamic) or a {@code thinking_level} (even {@code minimal}, which does not guarantee no
     * thinking) makes the model think, 2.5 Flash-Lite included. Thoughts shown with {@code include_thoughts} are
     * summaries, and Google bills "the full thought tokens the model needs to generate to create a summary" (its
     * thinking guide, "Pricing"): the streamed text does not count them, so such a call still reasons unseen.
     */
    static Boolean geminiThinking(String model, JsonNode body) {
        JsonNode config = GoogleOptions.get(body, "thinking_config");
        if (!config.isObject()) {
            return null;
        }
        JsonNode budget = config.has("thinking_budget") ? config.get("thinking_budget") : config.get("thinkingBudget");
        if (budget != null && budget.isNumber()) {
            if (budget.asLong() != 0) {
                return true;
            }
            // a budget of 0 on a model that cannot turn thinking off: its default (it thinks) stands
            boolean off = model != null
                    && THINKING_CAN_BE_OFF
                            .matcher(model.toLowerCase(Locale.ROOT))
                            .matches();
            return off ? Boolean.FALSE : null;
        }
        JsonNode level = config.has("thinking_level") ? config.get("thinking_level") : config.get("thinkingLevel");
        if (level != null && level.isTextual() && !level.asText().isBlank()) {
            return true;
        }
        return null;
    }
}
