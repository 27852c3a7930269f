package dev.spendgate.function.proxy.budget;

import dev.spendgate.domain.fingerprint.Utf8Digest;
import dev.spendgate.function.proxy.usage.TokenCounter;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Token counts of request texts seen recently, for the worst-case estimate. A chat client resends its system prompt,
 * tool definitions and every earlier turn with each call, so most of a request's text was counted on an earlier call;
 * jtokkit's count of a 1.5 KB prompt costs about as much CPU as the rest of the gateway's work for the call.
 *
 * <p>The count of a text is exact (the same as {@link TokenCounter#count}): texts are looked up by the first 128 bits
 * of their SHA-256 and the encoding, so a different text never takes another's count, and no prompt text is kept.
 * Texts shorter than {@value #MIN_CHARS} characters are counted each time (cheaper than their digest), except the
 * request's structural words ({@link #WORDS}: roles such as {@code user}, part types such as {@code text}), which are
 * in every chat request and are counted once per encoding. At most {@value #MAX_ENTRIES} counts are kept; when full,
 * the memo starts again empty.
 */
final class TextTokenMemo {
    static final int MIN_CHARS = 128;
    static final int MAX_ENTRIES = 50_000;
    /** Roles, part types and choice words every chat request repeats: not prompt text, so kept as they are. */
    static final Set<String> WORDS = Set.of(
            "system",
            "user",
            "assistant",
            "developer",
            "tool",
            "function",
            "model",
            "text",
            "input_text",
            "output_text",
            "image_url",
            "input_image",
            "tool_use",
            "tool_result",
            "auto",
            "none",
            "required",
            "json_object",
            "json_schema");

    private static final VarHandle LONG_BIG_ENDIAN =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    private final ConcurrentHashMap<Key, Long> counts = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Map<String, Long>> words = new ConcurrentHashMap<>();
    private final AtomicInteger size = new AtomicInteger();

    /** A text's entry: its encoding and the first 128 bits of its SHA-256 (no hex, no concatenated string). */
    private record Key(String encoding, long high, long low) {}

    /** The tokens of {@code text} in {@code model}'s encoding, as {@link TokenCounter#count} counts them. */
    long count(String model, String text) {
        return count(model, text, null);
    }

    /** As {@link #count(String, String)}, digesting with {@code digest} (one per request body), or a new one if null. */
    long count(String model, String text, Utf8Digest sha256) {
        if (text == null || text.length() < MIN_CHARS) {
            return text != null && WORDS.contains(text) ? word(model, text) : TokenCounter.count(model, text);
        }
        byte[] digest = (sha256 != null ? sha256 : new Utf8Digest()).digest(text); // no copy of the text as bytes
        Key key = new Key(TokenCounter.encodingName(model), (long) LONG_BIG_ENDIAN.get(digest, 0), (long)
                LONG_BIG_ENDIAN.get(digest, 8));
        Long known = counts.get(key);
        if (known != null) {
            return known;
        }
        long counted = TokenCounter.count(model, text);
        if (counts.putIfAbsent(key, counted) == null && size.incrementAndGet() > MAX_ENTRIES) {
            counts.clear();
            size.set(0);
        }
        return counted;
    }

    int size() {
        return counts.size();
    }

    private long word(String model, String text) {
        Map<String, Long> counted =
                words.computeIfAbsent(TokenCounter.encodingName(model), encoding -> new ConcurrentHashMap<>());
        Long known = counted.get(text);
        return known != null ? known : counted.computeIfAbsent(text, word -> TokenCounter.count(model, word));
    }
}
