package dev.spendgate.domain.pricing;

/**
 * What one call used, normalised across providers. {@code inputTokens} is every input token the provider
 * billed; {@code cachedInputTokens} (read from a prompt cache) and the two cache-write counts are parts of it.
 * {@code outputTokens} is every output token billed; {@code reasoningTokens} is part of it. {@code webSearches} is the
 * server-side web searches the provider ran and bills per search on top of the tokens (Anthropic
 * {@code usage.server_tool_use.web_search_requests}, OpenAI Responses {@code web_search_call} output items);
 * {@code previewWebSearches} is the part of them run by OpenAI's older {@code web_search_preview} tool, which some
 * models bill at another fee ({@link ModelPrice#webSearchPreviewPer1k}). {@code imageGenerations} is the images an
 * OpenAI Responses call's {@code image_generation} tool made ({@code image_generation_call} output items), billed at
 * the GPT Image model's rates on top of the tokens: the catalog has no such fee, so {@link CallPricer} leaves such a
 * call unpriced. {@code fileSearches} is the searches an OpenAI Responses call's {@code file_search} tool ran
 * ({@code file_search_call} output items), billed per call on top of the tokens: the catalog has no such fee either,
 * so such a call is unpriced too. {@code codeInterpreterCalls} is the {@code code_interpreter_call} output items of an
 * OpenAI Responses call: its {@code code_interpreter} tool runs in a container OpenAI bills by memory size and session,
 * on top of the tokens, a fee the catalog does not have, so such a call is unpriced as well.
 */
public record TokenUsage(
        long inputTokens,
        long cachedInputTokens,
        long cacheWrite5mTokens,
        long cacheWrite1hTokens,
        long outputTokens,
        long reasoningTokens,
        long webSearches,
        long previewWebSearches,
        long imageGenerations,
        long fileSearches,
        long codeInterpreterCalls) {

    public static final TokenUsage ZERO = new TokenUsage(0, 0, 0, 0, 0, 0);

    public TokenUsage {
        if (inputTokens < 0
                || cachedInputTokens < 0
                || cacheWrite5mTokens < 0
                || cacheWrite1hTokens < 0
                || outputTokens < 0
                || reasoningTokens < 0
                || webSearches < 0
                || previewWebSearches < 0
                || imageGenerations < 0
                || fileSearches < 0
                || codeInterpreterCalls < 0) {
            throw new IllegalArgumentException("token counts must not be negative");
        }
        if (previewWebSearches > webSearches) {
            throw new IllegalArgumentException("previewWebSearches are part of webSearches and cannot exceed them");
        }
        if (cachedInputTokens + cacheWrite5mTokens + cacheWrite1hTokens > inputTokens) {
            throw new IllegalArgumentException(
                    "cached and cache-write tokens are part of inputTokens and cannot exceed it");
        }
        if (reasoningTokens > outputTokens) {
            throw new IllegalArgumentException("reasoningTokens are part of outputTokens and cannot exceed it");
        }
    }

    /** Token counts with web searches, images generated and file searches, and no code interpreter call. */
    public TokenUsage(
            long inputTokens,
            long cachedInputTokens,
            long cacheWrite5mTokens,
            long cacheWrite1hTokens,
            long outputTokens,
            long reasoningTokens,
            long webSearches,
            long previewWebSearches,
            long imageGenerations,
            long fileSearches) {
        this(
                inputTokens,
                cachedInputTokens,
                cacheWrite5mTokens,
                cacheWrite1hTokens,
                outputTokens,
                reasoningTokens,
                webSearches,
                previewWebSearches,
                imageGenerations,
                fileSearches,
                0);
    }

    /** Token counts with web searches and images generated, and no file search. */
    public TokenUsage(
            long inputTokens,
            long cachedInputTokens,
            long cacheWrite5mTokens,
            long cacheWrite1hTokens,
            long outputTokens,
            long reasoningTokens,
            long webSearches,
            long previewWebSearches,
            long imageGenerations) {
        this(
                inputTokens,
                cachedInputTokens,
                cacheWrite5mTokens,
                cacheWrite1hTokens,
                outputTokens,
                reasoningTokens,
                webSearches,
                previewWebSearches,
                imageGenerations,
                0);
    }

    /** Token counts with web searches, and no image generated. */
    public TokenUsage(
            long inputTokens,
            long cachedInputTokens,
            long cacheWrite5mTokens,
            long cacheWrite1hTokens,
            long outputTokens,
            long reasoningTokens,
            long webSearches,
            long previewWebSearches) {
        this(
                inputTokens,
                cachedInputTokens,
                cacheWrite5mTokens,
                cacheWrite1hTokens,
                outputTokens,
                reasoningTokens,
                webSearches,
                previewWebSearches,
                0);
    }

    /** Token counts with web searches, none of them by the {@code web_search_preview} tool. */
    public TokenUsage(
            long inputTokens,
            long cachedInputTokens,
            long cacheWrite5mTokens,
            long cacheWrite1hTokens,
            long outputTokens,
            long reasoningTokens,
            long webSearches) {
        this(
                inputTokens,
                cachedInputTokens,
                cacheWrite5mTokens,
                cacheWrite1hTokens,
                outputTokens,
                reasoningTokens,
                webSearches,
                0);
    }

    /** Token counts of a call that ran no web search. */
    public TokenUsage(
            long inputTokens,
            long cachedInputTokens,
            long cacheWrite5mTokens,
            long cacheWrite1hTokens,
            long outputTokens,
            long reasoningTokens) {
        this(inputTokens, cachedInputTokens, cacheWrite5mTokens, cacheWrite1hTokens, outputTokens, reasoningTokens, 0);
    }

    /** These token counts with {@code searches} web searches, none of them by the {@code web_search_preview} tool. */
    public TokenUsage withWebSearches(long searches) {
        return searches == webSearches && previewWebSearches == 0
                ? this
                : new TokenUsage(
                        inputTokens,
                        cachedInputTokens,
                        cacheWrite5mTokens,
                        cacheWrite1hTokens,
                        outputTokens,
                        reasoningTokens,
                        searches,
                        0,
                        imageGenerations,
                        fileSearches,
                        codeInterpreterCalls);
    }

    /** These token counts with {@code images} made by the {@code image_generation} tool. */
    public TokenUsage withImageGenerations(long images) {
        return images == imageGenerations
                ? this
                : new TokenUsage(
                        inputTokens,
                        cachedInputTokens,
                        cacheWrite5mTokens,
                        cacheWrite1hTokens,
                        outputTokens,
                        reasoningTokens,
                        webSearches,
                        previewWebSearches,
                        images,
                        fileSearches,
                        codeInterpreterCalls);
    }

    /** These token counts with {@code searches} run by the {@code file_search} tool. */
    public TokenUsage withFileSearches(long searches) {
        return searches == fileSearches
                ? this
                : new TokenUsage(
                        inputTokens,
                        cachedInputTokens,
                        cacheWrite5mTokens,
                        cacheWrite1hTokens,
                        outputTokens,
                        reasoningTokens,
                        webSearches,
                        previewWebSearches,
                        imageGenerations,
                        searches,
                        codeInterpreterCalls);
    }

    /** These token counts with {@code calls} {@code code_interpreter_call} items. */
    public TokenUsage withCodeInterpreterCalls(long calls) {
        return calls == codeInterpreterCalls
                ? this
                : new TokenUsage(
                        inputTokens,
                        cachedInputTokens,
                        cacheWrite5mTokens,
                        cacheWrite1hTokens,
                        outputTokens,
                        reasoningTokens,
                        webSearches,
                        previewWebSearches,
                        imageGenerations,
                        fileSearches,
                        calls);
    }

    /**
     * These token counts with their web searches run by the {@code web_search_preview} tool ({@code preview}) or
     * not.
     */
    public TokenUsage withPreviewWebSearches(boolean preview) {
        long previewSearches = preview ? webSearches : 0;
        return previewSearches == previewWebSearches
                ? this
                : new TokenUsage(
                        inputTokens,
                        cachedInputTokens,
                        cacheWrite5mTokens,
                        cacheWrite1hTokens,
                        outputTokens,
                        reasoningTokens,
                        webSearches,
                        previewSearches,
                        imageGenerations,
                        fileSearches,
                        codeInterpreterCalls);
    }

    /**
     * OpenAI semantics: {@code cached_tokens} is part of {@code prompt_tokens}; {@code reasoning_tokens} is part of
     * {@code completion_tokens}.
     */
    public static TokenUsage openAi(long promptTokens, long cachedTokens, long completionTokens, long reasoningTokens) {
        return new TokenUsage(
                promptTokens,
                Math.min(cachedTokens, promptTokens),
                0,
                0,
                completionTokens,
                Math.min(reasoningTokens, completionTokens));
    }

    /**
     * Anthropic semantics: {@code input_tokens}, {@code cache_read_input_tokens} and {@code cache_creation_input_tokens}
     * are disjoint; their sum is the billed input.
     */
    public static TokenUsage anthropic(
            long inputTokens,
            long cacheReadTokens,
            long cacheWrite5mTokens,
            long cacheWrite1hTokens,
            long outputTokens) {
        return new TokenUsage(
                inputTokens + cacheReadTokens + cacheWrite5mTokens + cacheWrite1hTokens,
                cacheReadTokens,
                cacheWrite5mTokens,
                cacheWrite1hTokens,
                outputTokens,
                0);
    }

    /**
     * OpenAI semantics with prompt-cache writes (gpt-5.6 and later bill {@code cache_write_tokens}, part of
     * {@code prompt_tokens}, at their own rate).
     */
    public static TokenUsage openAi(
            long promptTokens, long cachedTokens, long cacheWriteTokens, long completionTokens, long reasoningTokens) {
        long cached = Math.min(cachedTokens, promptTokens);
        return new TokenUsage(
                promptTokens,
                cached,
                Math.min(cacheWriteTokens, promptTokens - cached),
                0,
                completionTokens,
                Math.min(reasoningTokens, completionTokens));
    }

    /**
     * Gemini semantics: {@code thoughtsTokenCount} is reported beside {@code candidatesTokenCount}, not inside it, and
     * is billed as output; {@code cachedContentTokenCount} is part of {@code promptTokenCount}.
     */
    public static TokenUsage gemini(long promptTokens, long cachedTokens, long candidatesTokens, long thoughtsTokens) {
        return new TokenUsage(
                promptTokens,
                Math.min(cachedTokens, promptTokens),
                0,
                0,
                candidatesTokens + thoughtsTokens,
                thoughtsTokens);
    }

    /** Whether the provider reported no tokens, no search and no image at all (priced at exactly $0). */
    public boolean isZero() {
        return inputTokens == 0
                && outputTokens == 0
                && webSearches == 0
                && imageGenerations == 0
                && fileSearches == 0
                && codeInterpreterCalls == 0;
    }

    /** Input tokens billed at the plain input price. */
    public long uncachedInputTokens() {
        return inputTokens - cachedInputTokens - cacheWrite5mTokens - cacheWrite1hTokens;
    }

    public long cacheWriteTokens() {
        return cacheWrite5mTokens + cacheWrite1hTokens;
    }
}
