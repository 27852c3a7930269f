package dev.spendgate.function.proxy.usage;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.usage.UsageCounts;
import java.nio.charset.StandardCharsets;

/**
 * {@code /v1/chat/completions}: usage is {@code prompt_tokens} (including {@code cached_tokens}) and
 * {@code completion_tokens} (including {@code reasoning_tokens}); streamed, it arrives in the last chunk when
 * {@code stream_options.include_usage} is set. OpenAI-compatible providers that count differently are read as they
 * bill: tokens {@code total_tokens} holds beyond prompt + completion are output the provider did not put in
 * {@code completion_tokens} (xAI's {@code reasoning_tokens}, reported beside it; Gemini's thinking tokens, reported
 * nowhere else), and DeepSeek's {@code prompt_cache_hit_tokens} is the cached part of the prompt when
 * {@code cached_tokens} is absent.
 *
 * <p>A streamed usage is the call's only when it is final: in the usage-only chunk ({@code "choices": []}), in or after
 * a chunk with a {@code finish_reason}, or followed by {@code [DONE]}. Gemini's OpenAI-compatible endpoint sends the
 * running usage in every chunk: a stream cut before its end keeps that usage as partial (its input stands, its output
 * is estimated), as Anthropic's {@code message_start} counts are kept.
 *
 * <p>A stream cut before its usage is estimated from the text it streamed: {@code content}, {@code refusal}, tool-call
 * arguments and the reasoning a provider streams beside the answer ({@code reasoning_content}, or {@code reasoning} as
 * Groq and OpenRouter send it), which it bills as output.
 *
 * <p>A stream whose only content is an error chunk ({@code data: {"error": {...}}}) before any chunk, text or usage
 * served nothing: it is reported as {@link TrackedUsage#unserved} under the error's type; an error after content is
 * estimated under that name rather than {@code usage_missing}.
 */
final class OpenAiChatUsageTracker extends UsageTracker {
    private TokenUsage tokens;
    /** Whether the usage read is valid (every count a count). */
    private boolean complete;
    /** Whether the usage read is the call's final one, not a running count; a whole body's always is. */
    private boolean usageFinal;
    /** Whether a chunk read had a choice with a {@code finish_reason}: usage with or after it is final. */
    private boolean sawFinish;

    private boolean sawChunk;

    @Override
    protected void readBody(JsonNode root) {
        rememberModel(root);
        rememberServiceTier(root, "service_tier");
        usageFinal = true;
        readUsage(root.path("usage"));
    }

    private static final byte[] USAGE = "\"usage\":{".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] USAGE_SPACED = "\"usage\": {".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ERROR = "\"error\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DONE = "[DONE]".getBytes(StandardCharsets.US_ASCII);

    /** The type (else code) of an error chunk ({@code data: {"error": {...}}}) the stream carried; null without one. */
    private String error;

    @Override
    protected boolean isDelta(SseDecoder.Event event) {
        if (event.dataLength() == DONE.length && event.dataContains(DONE)) {
            // the stream's end: a running usage read before it is the final one (nothing to parse in it)
            usageFinal = tokens != null;
            return false;
        }
        // Content chunks carry "usage":null or no usage; the model comes from the first chunk that names one.
        return sawChunk
                && !event.dataContains(USAGE)
                && !event.dataContains(USAGE_SPACED)
                && !event.dataContains(ERROR);
    }

    @Override
    protected void readEvent(String event, JsonNode node) {
        JsonNode failure = node.get("error");
        if (failure != null && failure.isObject()) {
            String named = failure.path("type").asText("");
            named = named.isBlank() ? failure.path("code").asText("") : named;
            error = named.isBlank() ? "error" : named;
            return;
        }
        rememberModel(node);
        // Azure's opening content-filter chunk (model "", no choices) is not the first chunk: the next one is read too
        sawChunk = sawChunk || modelServed != null || !node.path("choices").isEmpty();
        rememberServiceTier(node, "service_tier");
        JsonNode choices = node.path("choices");
        for (JsonNode choice : choices) {
            sawFinish = sawFinish || choice.hasNonNull("finish_reason");
        }
        JsonNode usage = node.path("usage");
        if (usage.isObject()) {
            usageFinal = sawFinish || (choices.isArray() && choices.isEmpty());
            readUsage(usage);
        }
        if (!usageFinal) {
            // The first chunk, and a chunk with a running usage, can carry content too; keep it for estimation.
            appendDeltaText(node, parsedText);
        }
    }

    /** The text of the chunks parsed rather than kept raw (the first one; those with a running usage). */
    private final StringBuilder parsedText = new StringBuilder();

    @Override
    protected void appendDeltaText(JsonNode delta, StringBuilder text) {
        for (JsonNode choice : delta.path("choices")) {
            JsonNode d = choice.path("delta");
            appendText(d.get("content"), text);
            JsonNode reasoningContent = d.get("reasoning_content"); // DeepSeek, vLLM
            appendText(reasoningContent, text);
            if (reasoningContent == null || !reasoningContent.isTextual()) {
                // Groq's default reasoning_format, OpenRouter, newer vLLM; a host sending both (vLLM while it renames
                // the field) sends the same text twice: counted once
                appendText(d.get("reasoning"), text);
            }
            appendText(d.get("refusal"), text);
            for (JsonNode call : d.path("tool_calls")) {
                appendText(call.path("function").get("arguments"), text);
            }
        }
    }

    @Override
    protected TrackedUsage usage(String streamedText) {
        if (error != null && tokens == null && !sawChunk && !sawDeltas() && parsedText.isEmpty()) {
            // an error chunk before any chunk, text or usage: nothing was generated, nothing is billed
            return TrackedUsage.unserved(error);
        }
        boolean reported = complete && usageFinal;
        TrackedUsage tracked = new TrackedUsage(tokens, reported, modelServed, parsedText + streamedText);
        // a stream that ended with an error chunk: its estimate is recorded under the error's name
        return error != null && !reported ? tracked.withStreamException(error) : tracked;
    }

    private void readUsage(JsonNode usage) {
        if (!usage.isObject()) {
            return;
        }
        long prompt = UsageCounts.count(usage.get("prompt_tokens")); // null or absent: no count, estimated
        JsonNode details = usage.path("prompt_tokens_details");
        long cached = details.hasNonNull("cached_tokens")
                ? details.get("cached_tokens").asLong()
                : usage.path("prompt_cache_hit_tokens").asLong(); // DeepSeek: hits are part of prompt_tokens
        long cacheWrite = details.path("cache_write_tokens").asLong();
        JsonNode completionCount = usage.get("completion_tokens");
        long completion = UsageCounts.count(completionCount);
        if (completionCount == null && prompt >= 0 && UsageCounts.count(usage.get("total_tokens")) >= prompt) {
            // absent, not null: a server that leaves it out on an answer with no visible text (a thinking model cut at
            // its limit; Aleph Alpha, legacy completions) still counts the output in total_tokens, added below
            completion = 0;
        }
        long reasoning =
                usage.path("completion_tokens_details").path("reasoning_tokens").asLong();
        long unlisted = outputBeyondCompletion(usage, prompt, completion);
        if (unlisted > 0) {
            // billed as output: xAI's reasoning beside completion_tokens, Gemini's thinking in total_tokens only
            completion += unlisted;
            reasoning = Math.min(completion, Math.max(reasoning, unlisted));
        }
        complete = UsageCounts.valid(prompt, cached, cacheWrite, completion, reasoning);
        tokens = UsageCounts.openAi(prompt, cached, cacheWrite, completion, reasoning);
    }

    /**
     * What {@code total_tokens} counts beyond {@code prompt_tokens + completion_tokens}, or 0: OpenAI's total is
     * exactly their sum; a total that is absent, not a count, or smaller leaves the usage as reported.
     */
    private static long outputBeyondCompletion(JsonNode usage, long prompt, long completion) {
        JsonNode total = usage.get("total_tokens");
        if (total == null
                || !total.isIntegralNumber()
                || !total.canConvertToLong()
                || total.asLong() < 0
                || prompt < 0
                || completion < 0) {
            return 0;
        }
        long afterPrompt = total.asLong() - prompt; // no overflow: both are non-negative
        return afterPrompt > completion ? afterPrompt - completion : 0;
    }
}
