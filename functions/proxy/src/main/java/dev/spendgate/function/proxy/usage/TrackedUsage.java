package dev.spendgate.function.proxy.usage;

import dev.spendgate.domain.pricing.TokenUsage;

/**
 * What a tracker learned from a response: the provider's usage when it reported it ({@code complete}), else the
 * parts it did report, the model the provider served, and the text it streamed (for estimation only; never logged
 * or stored).
 *
 * @param serviceTier the tier the provider says it served, as it spelled it (OpenAI {@code service_tier}, Anthropic
 *     {@code usage.service_tier}, Bedrock {@code serviceTier.type}); null when the response did not say
 * @param inferenceGeo where the provider ran the call when it bills by it (Anthropic {@code usage.inference_geo});
 *     null otherwise
 * @param unservedException the exception a provider ended a 200 stream with before it sent any content or usage
 *     (Bedrock's in-stream {@code throttlingException}): nothing was generated, the call is not billed; else null
 * @param streamException the exception a provider ended a 200 stream with after it served content (Bedrock's
 *     {@code modelStreamErrorException}): what was served is billed, and an estimate is recorded under this name
 *     rather than {@code usage_missing}; else null
 * @param webSearchesSeen web searches the stream showed completed when its usage never came (an OpenAI Responses
 *     stream cut before its final event): billed per search on top of the estimated tokens; 0 otherwise
 * @param responseId the id the provider gave the response where a later call can continue it (OpenAI Responses
 *     {@code id}, named by a later {@code previous_response_id}); null otherwise
 * @param imageGenerationsSeen images an OpenAI Responses stream cut before its usage showed made by the
 *     {@code image_generation} tool: billed on top of the estimated tokens, which leaves the call unpriced; 0 otherwise
 * @param fileSearchesSeen searches an OpenAI Responses stream cut before its usage showed run by the
 *     {@code file_search} tool: billed per call on top of the estimated tokens, which leaves the call unpriced; 0
 *     otherwise
 * @param codeInterpreterCallsSeen {@code code_interpreter_call} items an OpenAI Responses stream cut before its
 *     usage showed done: their container is billed on top of the estimated tokens, which leaves the call unpriced; 0
 *     otherwise
 */
public record TrackedUsage(
        TokenUsage tokens,
        boolean complete,
        String modelServed,
        String streamedText,
        String serviceTier,
        String inferenceGeo,
        String unservedException,
        String streamException,
        long webSearchesSeen,
        String responseId,
        long imageGenerationsSeen,
        long fileSearchesSeen,
        long codeInterpreterCallsSeen) {

    public TrackedUsage(
            TokenUsage tokens,
            boolean complete,
            String modelServed,
            String streamedText,
            String serviceTier,
            String inferenceGeo,
            String unservedException,
            String streamException,
            long webSearchesSeen,
            String responseId,
            long imageGenerationsSeen,
            long fileSearchesSeen) {
        this(
                tokens,
                complete,
                modelServed,
                streamedText,
                serviceTier,
                inferenceGeo,
                unservedException,
                streamException,
                webSearchesSeen,
                responseId,
                imageGenerationsSeen,
                fileSearchesSeen,
                0);
    }

    public TrackedUsage(
            TokenUsage tokens,
            boolean complete,
            String modelServed,
            String streamedText,
            String serviceTier,
            String inferenceGeo,
            String unservedException,
            String streamException,
            long webSearchesSeen,
            String responseId,
            long imageGenerationsSeen) {
        this(
                tokens,
                complete,
                modelServed,
                streamedText,
                serviceTier,
                inferenceGeo,
                unservedException,
                streamException,
                webSearchesSeen,
                responseId,
                imageGenerationsSeen,
                0);
    }

    public TrackedUsage(
            TokenUsage tokens,
            boolean complete,
            String modelServed,
            String streamedText,
            String serviceTier,
            String inferenceGeo,
            String unservedException,
            String streamException,
            long webSearchesSeen,
            String responseId) {
        this(
                tokens,
                complete,
                modelServed,
                streamedText,
                serviceTier,
                inferenceGeo,
                unservedException,
                streamException,
                webSearchesSeen,
                responseId,
                0);
    }

    public TrackedUsage(
            TokenUsage tokens,
            boolean complete,
            String modelServed,
            String streamedText,
            String serviceTier,
            String inferenceGeo,
            String unservedException,
            String streamException,
            long webSearchesSeen) {
        this(
                tokens,
                complete,
                modelServed,
                streamedText,
                serviceTier,
                inferenceGeo,
                unservedException,
                streamException,
                webSearchesSeen,
                null);
    }

    public TrackedUsage(TokenUsage tokens, boolean complete, String modelServed, String streamedText) {
        this(tokens, complete, modelServed, streamedText, null, null);
    }

    public TrackedUsage(
            TokenUsage tokens,
            boolean complete,
            String modelServed,
            String streamedText,
            String serviceTier,
            String inferenceGeo) {
        this(tokens, complete, modelServed, streamedText, serviceTier, inferenceGeo, null, null, 0);
    }

    /**
     * An error answer its provider bills (an Azure OpenAI content-filter 400): nothing was read, and the call's status
     * tells its pricing so.
     */
    public static TrackedUsage billedRefusal() {
        return new TrackedUsage(null, false, null, "");
    }

    /** A stream that ended with {@code exception} before anything was served: nothing to bill. */
    public static TrackedUsage unserved(String exception) {
        return new TrackedUsage(null, false, null, "", null, null, exception, null, 0);
    }

    /** This usage with the tier and geography a response reported (kept when this one already has them). */
    public TrackedUsage withBilling(String tier, String geo) {
        return new TrackedUsage(
                tokens,
                complete,
                modelServed,
                streamedText,
                serviceTier != null ? serviceTier : tier,
                inferenceGeo != null ? inferenceGeo : geo,
                unservedException,
                streamException,
                webSearchesSeen,
                responseId,
                imageGenerationsSeen,
                fileSearchesSeen,
                codeInterpreterCallsSeen);
    }

    /** This usage served at {@code tier}, whatever the body said (Bedrock's tier header decides what it bills). */
    public TrackedUsage withServiceTier(String tier) {
        return new TrackedUsage(
                tokens,
                complete,
                modelServed,
                streamedText,
                tier,
                inferenceGeo,
                unservedException,
                streamException,
                webSearchesSeen,
                responseId,
                imageGenerationsSeen,
                fileSearchesSeen,
                codeInterpreterCallsSeen);
    }

    /** This usage of a stream that ended with {@code exception} after serving content (null: none). */
    public TrackedUsage withStreamException(String exception) {
        return new TrackedUsage(
                tokens,
                complete,
                modelServed,
                streamedText,
                serviceTier,
                inferenceGeo,
                unservedException,
                exception,
                webSearchesSeen,
                responseId,
                imageGenerationsSeen,
                fileSearchesSeen,
                codeInterpreterCallsSeen);
    }

    /** This usage with {@code searches} seen completed in a stream whose usage never came. */
    public TrackedUsage withWebSearchesSeen(long searches) {
        return new TrackedUsage(
                tokens,
                complete,
                modelServed,
                streamedText,
                serviceTier,
                inferenceGeo,
                unservedException,
                streamException,
                searches,
                responseId,
                imageGenerationsSeen,
                fileSearchesSeen,
                codeInterpreterCallsSeen);
    }

    /** This usage of a response the provider gave {@code id} (null: none). */
    public TrackedUsage withResponseId(String id) {
        return new TrackedUsage(
                tokens,
                complete,
                modelServed,
                streamedText,
                serviceTier,
                inferenceGeo,
                unservedException,
                streamException,
                webSearchesSeen,
                id,
                imageGenerationsSeen,
                fileSearchesSeen,
                codeInterpreterCallsSeen);
    }

    /** This usage with {@code images} seen made in a stream whose usage never came. */
    public TrackedUsage withImageGenerationsSeen(long images) {
        return new TrackedUsage(
                tokens,
                complete,
                modelServed,
                streamedText,
                serviceTier,
                inferenceGeo,
                unservedException,
                streamException,
                webSearchesSeen,
                responseId,
                images,
                fileSearchesSeen,
                codeInterpreterCallsSeen);
    }

    /** This usage with {@code searches} seen run by the {@code file_search} tool in a stream whose usage never came. */
    public TrackedUsage withFileSearchesSeen(long searches) {
        return new TrackedUsage(
                tokens,
                complete,
                modelServed,
                streamedText,
                serviceTier,
                inferenceGeo,
                unservedException,
                streamException,
                webSearchesSeen,
                responseId,
                imageGenerationsSeen,
                searches,
                codeInterpreterCallsSeen);
    }

    /** This usage with {@code calls} code interpreter calls seen done in a stream whose usage never came. */
    public TrackedUsage withCodeInterpreterCallsSeen(long calls) {
        return new TrackedUsage(
                tokens,
                complete,
                modelServed,
                streamedText,
                serviceTier,
                inferenceGeo,
                unservedException,
                streamException,
                webSearchesSeen,
                responseId,
                imageGenerationsSeen,
                fileSearchesSeen,
                calls);
    }
}
