package dev.spendgate.function.proxy.budget;

import dev.spendgate.domain.fingerprint.PromptFingerprints;
import dev.spendgate.function.proxy.usage.TokenCounter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Token counts of request texts seen recently, for the worst-case estimate. A chat client resends its system prompt,
 * tool definitions and every earlier turn with each call, so most of a request's text was counted on an earlier call;
 * jtokkit's count of a 1.5 KB prompt costs about as much CPU as the rest of the gateway's work for the call.
 *
 * <p>The count of a text is exact (the same as {@link TokenCounter#count}): texts are looked up by the first 128 bits
 * of their SHA-256 and the encoding, so a different text never takes another's count, and no prompt text is kept.
 * Texts shorter than {@value #MIN_CHARS} characters are counted each time (cheaper than their digest). At most {@value
 * #MAX_ENTRIES} counts are kept; when full, the memo starts again empty.
 */
final class TextTokenMemo {
    static final int MIN_CHARS = 128;
    static final int MAX_ENTRIES = 50_000;

    private final ConcurrentHashMap<String, Long> counts = new ConcurrentHashMap<>();
    private final AtomicInteger size = new AtomicInteger();

    /** The tokens of {@code text} in {@code model}'s encoding, as {@link TokenCounter#count} counts them. */
    long count(String model, String text) {
        if (text == null || text.length() < MIN_CHARS) {
            return TokenCounter.count(model, text);
        }
        String digest = PromptFingerprints.hash(text.getBytes(StandardCharsets.UTF_8));
        String key = TokenCounter.encodingName(model) + "#" + digest;
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
}
