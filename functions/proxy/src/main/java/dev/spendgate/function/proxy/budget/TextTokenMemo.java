package dev.spendgate.function.proxy.budget;

import dev.spendgate.function.proxy.usage.TokenCounter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Token counts of request texts seen recently, for the worst-case estimate. A chat client resends its system prompt,
 * tool definitions and every earlier turn with each call, so most of a request's text was counted on an earlier call;
 * jtokkit's count of a 1.5 KB prompt costs about as much CPU as the rest of the gateway's work for the call.
 *
 * <p>The count of a text is exact (the same as {@link TokenCounter#count}): texts are looked up by their SHA-256 and
 * the encoding, so a different text never takes another's count, and no prompt text is kept. Texts shorter than
 * {@value #MIN_CHARS} characters are counted each time (cheaper than their digest). At most {@value #MAX_ENTRIES}
 * counts are kept; when full, the memo starts again empty.
 */
final class TextTokenMemo {
    static final int MIN_CHARS = 128;
    static final int MAX_ENTRIES = 50_000;

    private static final MessageDigest SHA256 = sha256();

    private final ConcurrentHashMap<Key, Long> counts = new ConcurrentHashMap<>();
    private final AtomicInteger size = new AtomicInteger();

    /** The tokens of {@code text} in {@code model}'s encoding, as {@link TokenCounter#count} counts them. */
    long count(String model, String text) {
        if (text == null || text.length() < MIN_CHARS) {
            return TokenCounter.count(model, text);
        }
        Key key = key(TokenCounter.encodingName(model), text);
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

    private static Key key(String encoding, String text) {
        MessageDigest sha = copy(SHA256);
        sha.update(encoding.getBytes(StandardCharsets.US_ASCII));
        sha.update((byte) 0);
        byte[] digest = sha.digest(text.getBytes(StandardCharsets.UTF_8));
        ByteBuffer b = ByteBuffer.wrap(digest);
        return new Key(b.getLong(), b.getLong(), b.getLong(), b.getLong());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    /** A fresh digest by copying an unused one: cheaper than a provider look-up per call. */
    private static MessageDigest copy(MessageDigest prototype) {
        try {
            return (MessageDigest) prototype.clone();
        } catch (CloneNotSupportedException e) {
            return sha256();
        }
    }

    /** The whole SHA-256 of encoding name and text. */
    private record Key(long a, long b, long c, long d) {}
}
