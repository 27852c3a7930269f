package dev.spendgate.testing.upstream;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How {@link FakeLlmUpstream} answers one request. Token counts are deterministic so tests can check
 * {@code cost = price x tokens}:
 *
 * <ul>
 *   <li>input tokens: {@code inputTokens}, or when {@code null} the request body size in bytes / 4 (at least 1). For
 *       OpenAI this is {@code prompt_tokens} and {@code cachedTokens} is part of it (prompt_tokens is raised to
 *       cachedTokens if smaller); for Anthropic it is {@code input_tokens} and the cache counts are disjoint from it.
 *   <li>output tokens: one per reply piece plus {@code reasoningTokens}.
 * </ul>
 *
 * <p>A {@code status} of 400 or more makes the upstream answer with {@code errorBody} (or, when {@code null}, the
 * provider's standard error body for that status) instead of a completion. {@code truncateAfterPieces}, when set,
 * makes a stream send that many content deltas and then drop the connection with no finish, usage or terminator
 * event; a non-stream response is cut after half its body.
 *
 * <p>The served service tier is what the real providers answer: OpenAI echoes the request's {@code service_tier} when
 * it is {@code flex}, {@code priority} or {@code scale} and answers {@code default} otherwise; Anthropic answers
 * {@code usage.service_tier: standard} (and echoes the request's {@code inference_geo} in
 * {@code usage.inference_geo}). {@code servedServiceTier},
 * when set, is answered instead (a provider downgrading a priority request to default, say).
 */
public record Behavior(
        int status,
        String errorBody,
        Map<String, String> headers,
        Integer inputTokens,
        int cachedTokens,
        int cacheWrite5mTokens,
        int cacheWrite1hTokens,
        int reasoningTokens,
        List<String> pieces,
        String servedModel,
        Duration firstByteDelay,
        Duration pieceDelay,
        Integer truncateAfterPieces,
        String servedServiceTier) {

    /** Number of pieces in the default reply. */
    public static final int DEFAULT_PIECE_COUNT = 24;

    /** The default reply: {@code "word0 ", "word1 ", ... "word23 "}. */
    public static final List<String> DEFAULT_PIECES = words(DEFAULT_PIECE_COUNT);

    private static final Behavior DEFAULTS = new Behavior(
            200, null, Map.of(), null, 0, 0, 0, 0, DEFAULT_PIECES, null, Duration.ZERO, Duration.ZERO, null, null);

    public Behavior {
        if (status < 200 || status > 599) {
            throw new IllegalArgumentException("status must be between 200 and 599, was " + status);
        }
        Objects.requireNonNull(headers, "headers must not be null (use Map.of())");
        headers = Map.copyOf(headers);
        if (inputTokens != null && inputTokens < 0) {
            throw new IllegalArgumentException("inputTokens must not be negative");
        }
        requireNonNegative(cachedTokens, "cachedTokens");
        requireNonNegative(cacheWrite5mTokens, "cacheWrite5mTokens");
        requireNonNegative(cacheWrite1hTokens, "cacheWrite1hTokens");
        requireNonNegative(reasoningTokens, "reasoningTokens");
        Objects.requireNonNull(pieces, "pieces must not be null (use List.of() for an empty reply)");
        pieces = List.copyOf(pieces);
        requireNonNegative(firstByteDelay, "firstByteDelay");
        requireNonNegative(pieceDelay, "pieceDelay");
        if (truncateAfterPieces != null && truncateAfterPieces < 0) {
            throw new IllegalArgumentException("truncateAfterPieces must not be negative");
        }
    }

    /** A successful reply of {@link #DEFAULT_PIECES} with derived input tokens and no delays. */
    public static Behavior defaults() {
        return DEFAULTS;
    }

    /** An upstream error with the provider's standard error body for {@code status}. */
    public static Behavior error(int status) {
        return DEFAULTS.withError(status, null);
    }

    /** An upstream error with a custom body (sent as {@code application/json}). */
    public static Behavior error(int status, String body) {
        return DEFAULTS.withError(status, body);
    }

    /** A 429 with a {@code retry-after} header in whole seconds (rounded up). */
    public static Behavior rateLimited(Duration retryAfter) {
        requireNonNegative(retryAfter, "retryAfter");
        long seconds = (retryAfter.toMillis() + 999) / 1000;
        return error(429).withHeader("retry-after", Long.toString(seconds));
    }

    /** {@code "word0 ", "word1 ", ...}: {@code count} pieces, each one output token. */
    public static List<String> words(int count) {
        requireNonNegative(count, "count");
        List<String> words = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            words.add("word" + i + " ");
        }
        return List.copyOf(words);
    }

    public boolean isError() {
        return status >= 400;
    }

    /** Output tokens billed for the reply: one per piece plus the reasoning tokens. */
    public int outputTokens() {
        return pieces.size() + reasoningTokens;
    }

    /** The whole reply text. */
    public String text() {
        return String.join("", pieces);
    }

    public Behavior withStatus(int value) {
        return new Behavior(
                value,
                errorBody,
                headers,
                inputTokens,
                cachedTokens,
                cacheWrite5mTokens,
                cacheWrite1hTokens,
                reasoningTokens,
                pieces,
                servedModel,
                firstByteDelay,
                pieceDelay,
                truncateAfterPieces,
                servedServiceTier);
    }

    /** Status plus body; a {@code null} body means the provider's standard error body for the status. */
    public Behavior withError(int value, String body) {
        return new Behavior(
                value,
                body,
                headers,
                inputTokens,
                cachedTokens,
                cacheWrite5mTokens,
                cacheWrite1hTokens,
                reasoningTokens,
                pieces,
                servedModel,
                firstByteDelay,
                pieceDelay,
                truncateAfterPieces,
                servedServiceTier);
    }

    /** Adds (or replaces) one extra response header. */
    public Behavior withHeader(String name, String value) {
        requireText(name, "header name");
        Objects.requireNonNull(value, "header value must not be null");
        Map<String, String> copy = new LinkedHashMap<>(headers);
        copy.put(name, value);
        return withHeaders(copy);
    }

    public Behavior withHeaders(Map<String, String> value) {
        return new Behavior(
                status,
                errorBody,
                value,
                inputTokens,
                cachedTokens,
                cacheWrite5mTokens,
                cacheWrite1hTokens,
                reasoningTokens,
                pieces,
                servedModel,
                firstByteDelay,
                pieceDelay,
                truncateAfterPieces,
                servedServiceTier);
    }

    /** Fixed input tokens; {@code null} derives them from the request body size. */
    public Behavior withInputTokens(Integer value) {
        return new Behavior(
                status,
                errorBody,
                headers,
                value,
                cachedTokens,
                cacheWrite5mTokens,
                cacheWrite1hTokens,
                reasoningTokens,
                pieces,
                servedModel,
                firstByteDelay,
                pieceDelay,
                truncateAfterPieces,
                servedServiceTier);
    }

    public Behavior withCachedTokens(int value) {
        return new Behavior(
                status,
                errorBody,
                headers,
                inputTokens,
                value,
                cacheWrite5mTokens,
                cacheWrite1hTokens,
                reasoningTokens,
                pieces,
                servedModel,
                firstByteDelay,
                pieceDelay,
                truncateAfterPieces,
                servedServiceTier);
    }

    public Behavior withCacheWrite5mTokens(int value) {
        return new Behavior(
                status,
                errorBody,
                headers,
                inputTokens,
                cachedTokens,
                value,
                cacheWrite1hTokens,
                reasoningTokens,
                pieces,
                servedModel,
                firstByteDelay,
                pieceDelay,
                truncateAfterPieces,
                servedServiceTier);
    }

    public Behavior withCacheWrite1hTokens(int value) {
        return new Behavior(
                status,
                errorBody,
                headers,
                inputTokens,
                cachedTokens,
                cacheWrite5mTokens,
                value,
                reasoningTokens,
                pieces,
                servedModel,
                firstByteDelay,
                pieceDelay,
                truncateAfterPieces,
                servedServiceTier);
    }

    public Behavior withReasoningTokens(int value) {
        return new Behavior(
                status,
                errorBody,
                headers,
                inputTokens,
                cachedTokens,
                cacheWrite5mTokens,
                cacheWrite1hTokens,
                value,
                pieces,
                servedModel,
                firstByteDelay,
                pieceDelay,
                truncateAfterPieces,
                servedServiceTier);
    }

    public Behavior withPieces(List<String> value) {
        return new Behavior(
                status,
                errorBody,
                headers,
                inputTokens,
                cachedTokens,
                cacheWrite5mTokens,
                cacheWrite1hTokens,
                reasoningTokens,
                value,
                servedModel,
                firstByteDelay,
                pieceDelay,
                truncateAfterPieces,
                servedServiceTier);
    }

    public Behavior withPieces(String... value) {
        Objects.requireNonNull(value, "pieces must not be null");
        return withPieces(List.of(value));
    }

    /** Replaces the reply with {@link #words(int) count generated words}. */
    public Behavior withPieceCount(int count) {
        return withPieces(words(count));
    }

    /** Model name to report instead of echoing the request's model; {@code null} echoes. */
    public Behavior withServedModel(String value) {
        return new Behavior(
                status,
                errorBody,
                headers,
                inputTokens,
                cachedTokens,
                cacheWrite5mTokens,
                cacheWrite1hTokens,
                reasoningTokens,
                pieces,
                value,
                firstByteDelay,
                pieceDelay,
                truncateAfterPieces,
                servedServiceTier);
    }

    /** The service tier to answer instead of the one the provider would serve; {@code null} answers as it would. */
    public Behavior withServedServiceTier(String value) {
        return new Behavior(
                status,
                errorBody,
                headers,
                inputTokens,
                cachedTokens,
                cacheWrite5mTokens,
                cacheWrite1hTokens,
                reasoningTokens,
                pieces,
                servedModel,
                firstByteDelay,
                pieceDelay,
                truncateAfterPieces,
                value);
    }

    /** Wait before the response status line and headers are sent. */
    public Behavior withFirstByteDelay(Duration value) {
        return new Behavior(
                status,
                errorBody,
                headers,
                inputTokens,
                cachedTokens,
                cacheWrite5mTokens,
                cacheWrite1hTokens,
                reasoningTokens,
                pieces,
                servedModel,
                value,
                pieceDelay,
                truncateAfterPieces,
                servedServiceTier);
    }

    /** Wait between two consecutive content deltas of a stream. */
    public Behavior withPieceDelay(Duration value) {
        return new Behavior(
                status,
                errorBody,
                headers,
                inputTokens,
                cachedTokens,
                cacheWrite5mTokens,
                cacheWrite1hTokens,
                reasoningTokens,
                pieces,
                servedModel,
                firstByteDelay,
                value,
                truncateAfterPieces,
                servedServiceTier);
    }

    /** Drop the connection after this many content deltas; {@code null} streams to the end. */
    public Behavior withTruncateAfterPieces(Integer value) {
        return new Behavior(
                status,
                errorBody,
                headers,
                inputTokens,
                cachedTokens,
                cacheWrite5mTokens,
                cacheWrite1hTokens,
                reasoningTokens,
                pieces,
                servedModel,
                firstByteDelay,
                pieceDelay,
                value,
                servedServiceTier);
    }

    private static void requireNonNegative(int value, String field) {
        if (value < 0) {
            throw new IllegalArgumentException(field + " must not be negative");
        }
    }

    private static void requireNonNegative(Duration value, String field) {
        Objects.requireNonNull(value, field + " must not be null (use Duration.ZERO)");
        if (value.isNegative()) {
            throw new IllegalArgumentException(field + " must not be negative");
        }
    }

    private static void requireText(String value, String field) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(field + " must not be blank");
        }
    }
}
