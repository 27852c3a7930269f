package dev.spendgate.domain.fingerprint;

import dev.spendgate.domain.usage.UsageRecord.Fingerprints;
import java.util.HexFormat;

/**
 * Fingerprints of a prompt that let waste detection find repeats without keeping the text: SHA-256 (first 128 bits,
 * hex) of the system prompt, of the shared prefix (everything before the last user turn) and of the whole request,
 * and a 64-bit SimHash of the prompt's word 3-shingles, whose Hamming distance estimates how different two prompts
 * are. With the varying part (the last turn) given, also its hash and SimHash, and the SimHash of the system prompt: a long shared prefix dominates a whole-prompt sketch, so two different questions behind the same
 * 3,000-token system prompt look near-identical there but not in the varying part's sketch.
 */
public final class PromptFingerprints {
    private static final HexFormat HEX = HexFormat.of();
    private static final long FNV_OFFSET = 0xcbf29ce484222325L;
    private static final long FNV_PRIME = 0x100000001b3L;
    private static final boolean[] ASCII_WORD = new boolean[128];
    private static final int CHUNK = 64;

    static {
        for (char c = 0; c < 128; c++) {
            ASCII_WORD[c] = Character.isLetterOrDigit(c);
        }
    }

    private PromptFingerprints() {}

    /**
     * @param systemText the system prompt, or null when there is none
     * @param prefixText the part of the prompt reused across turns (system plus earlier messages), or null
     * @param request the canonical request bytes
     * @param promptText all prompt text, for the similarity sketch
     */
    public static Fingerprints compute(String systemText, String prefixText, byte[] request, String promptText) {
        Utf8Digest digest = new Utf8Digest();
        return schema1(systemText, prefixText, request == null ? null : digest.digest(request), promptText, digest);
    }

    /**
     * As {@link #compute(String, String, byte[], String)}, plus the varying part's hash and sketch and the system
     * prompt's sketch (none without a system prompt: earlier turns change naturally): schema-2 fingerprints.
     *
     * @param varyingText the part of the prompt that varies between calls (the last turn), or null when unknown
     */
    public static Fingerprints compute(
            String systemText, String prefixText, byte[] request, String promptText, String varyingText) {
        Utf8Digest digest = new Utf8Digest();
        byte[] requestSha256 = request == null ? null : digest.digest(request);
        return varyingText == null
                ? schema1(systemText, prefixText, requestSha256, promptText, digest)
                : schema2(
                        systemText,
                        prefixText,
                        requestSha256,
                        promptText,
                        varyingText,
                        0,
                        varyingText.length(),
                        digest);
    }

    /**
     * As {@link #compute(String, String, byte[], String, String)} with the canonical request given as its SHA-256
     * ({@link Sha256}), e.g. digested as it was written, and the varying part as {@code promptText} after {@code
     * prefixText} when the prompt starts with the prefix, else all of it (as {@code PromptText.varying()} does): the
     * same fingerprints without a copy of the request, the varying part or any text as bytes.
     */
    public static Fingerprints ofRequestDigest(
            String systemText, String prefixText, byte[] requestSha256, String promptText) {
        if (promptText == null) {
            return schema1(systemText, prefixText, requestSha256, null, new Utf8Digest());
        }
        Utf8Digest digest = new Utf8Digest();
        int from = prefixText == null || prefixText.isEmpty() || !promptText.startsWith(prefixText)
                ? 0
                : prefixText.length();
        return schema2(
                systemText, prefixText, requestSha256, promptText, promptText, from, promptText.length(), digest);
    }

    private static Fingerprints schema1(
            String systemText, String prefixText, byte[] requestSha256, String promptText, Utf8Digest digest) {
        return new Fingerprints(
                systemText == null || systemText.isEmpty() ? null : hash(digest, systemText),
                prefixText == null || prefixText.isEmpty() ? null : hash(digest, prefixText),
                requestSha256 == null ? null : HEX.formatHex(requestSha256, 0, 16),
                promptText == null ? null : HEX.toHexDigits(simhash(promptText)));
    }

    private static Fingerprints schema2(
            String systemText,
            String prefixText,
            byte[] requestSha256,
            String promptText,
            String varying,
            int from,
            int to,
            Utf8Digest digest) {
        Fingerprints base = schema1(systemText, prefixText, requestSha256, promptText, digest);
        return new Fingerprints(
                base.systemHash(),
                base.prefixHash(),
                base.requestHash(),
                base.simhash(),
                HEX.formatHex(digest.digest(varying, from, to), 0, 16),
                HEX.toHexDigits(simhash(varying, from, to)),
                systemText == null || systemText.isEmpty() ? null : HEX.toHexDigits(simhash(systemText)));
    }

    private static String hash(Utf8Digest digest, String text) {
        return HEX.formatHex(digest.digest(text, 0, text.length()), 0, 16);
    }

    /** First 128 bits of SHA-256, as 32 hex characters. */
    public static String hash(byte[] bytes) {
        return HEX.formatHex(Sha256.digest(bytes), 0, 16);
    }

    /** 64-bit SimHash over lower-cased word 3-shingles (single words for texts shorter than three words). */
    public static long simhash(String text) {
        return simhash(text, 0, text.length());
    }

    /** {@link #simhash(String)} of {@code text[from, to)}, without copying it out. */
    static long simhash(String text, int from, int to) {
        // Bit-sliced counters: planes[k] holds bit k of the 64 per-position counts of set bits, so adding a shingle's
        // hash is a binary increment of 64 counters at once (two word operations on average instead of 64 adds).
        long[] planes = new long[33];
        long w1 = 0;
        long w2 = 0;
        long h = FNV_OFFSET;
        boolean inWord = false;
        int words = 0;
        int shingles = 0;
        // The characters a chunk at a time into one small buffer: indexing a char[] costs less per character than
        // String.charAt, which checks the string's coder each time (twice as slow on Java 25 as on 17 for a 1.4 KB
        // prompt), and a copy of the whole text was a tenth of a call's allocation.
        char[] chars = new char[Math.min(CHUNK, to - from)];
        for (int start = from; start < to; start += chars.length) {
            int n = Math.min(chars.length, to - start);
            text.getChars(start, start + n, chars, 0);
            for (int i = 0; i < n; i++) {
                char c = chars[i];
                if (isWordChar(c)) {
                    if (!inWord) {
                        h = FNV_OFFSET;
                        inWord = true;
                    }
                    h = (h ^ lower(c)) * FNV_PRIME;
                } else if (inWord) {
                    inWord = false;
                    words++;
                    if (words >= 3) {
                        add(planes, mix(w1 * 31 + w2 * 17 + h));
                        shingles++;
                    }
                    w1 = w2;
                    w2 = h;
                }
            }
        }
        if (inWord) {
            words++;
            if (words >= 3) {
                add(planes, mix(w1 * 31 + w2 * 17 + h));
                shingles++;
            }
            w1 = w2;
            w2 = h;
        }
        if (words > 0 && words < 3) {
            add(planes, mix(w1 * 31 + w2 * 17));
            shingles++;
        }
        // A bit is in the sketch when it was set in more than half the shingles: count > shingles / 2 (rounded down),
        // compared for the 64 counters at once, from the highest plane down (not 64 x 33 bit extractions).
        long half = shingles >>> 1;
        long greater = 0;
        long equal = -1L;
        for (int k = planes.length - 1; k >= 0; k--) {
            long threshold = ((half >>> k) & 1L) == 0 ? 0L : -1L;
            greater |= equal & planes[k] & ~threshold;
            equal &= ~(planes[k] ^ threshold);
        }
        return greater;
    }

    /** Similarity in [0, 1]: 1 minus the Hamming distance of two sketches over 64. */
    public static double similarity(long a, long b) {
        return 1.0 - Long.bitCount(a ^ b) / 64.0;
    }

    /** Adds {@code h}'s bits to the 64 bit-sliced counters: a ripple-carry increment across the planes. */
    private static void add(long[] planes, long h) {
        long carry = h;
        for (int k = 0; carry != 0; k++) {
            long next = planes[k] & carry;
            planes[k] ^= carry;
            carry = next;
        }
    }

    private static boolean isWordChar(char c) {
        return c < 128 ? ASCII_WORD[c] : Character.isLetterOrDigit(c);
    }

    private static char lower(char c) {
        return c < 128 ? (c >= 'A' && c <= 'Z' ? (char) (c + 32) : c) : Character.toLowerCase(c);
    }

    /** SplitMix64 finaliser: spreads the shingle hash over all 64 bits. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
