package dev.spendgate.domain.fingerprint;

import dev.spendgate.domain.usage.UsageRecord.Fingerprints;
import java.nio.charset.StandardCharsets;
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
        return new Fingerprints(
                systemText == null || systemText.isEmpty() ? null : hash(systemText.getBytes(StandardCharsets.UTF_8)),
                prefixText == null || prefixText.isEmpty() ? null : hash(prefixText.getBytes(StandardCharsets.UTF_8)),
                request == null ? null : hash(request),
                promptText == null ? null : HEX.toHexDigits(simhash(promptText)));
    }

    /**
     * As {@link #compute(String, String, byte[], String)}, plus the varying part's hash and sketch and the system
     * prompt's sketch (none without a system prompt: earlier turns change naturally): schema-2 fingerprints.
     *
     * @param varyingText the part of the prompt that varies between calls (the last turn), or null when unknown
     */
    public static Fingerprints compute(
            String systemText, String prefixText, byte[] request, String promptText, String varyingText) {
        Fingerprints base = compute(systemText, prefixText, request, promptText);
        if (varyingText == null) {
            return base;
        }
        return new Fingerprints(
                base.systemHash(),
                base.prefixHash(),
                base.requestHash(),
                base.simhash(),
                hash(varyingText.getBytes(StandardCharsets.UTF_8)),
                HEX.toHexDigits(simhash(varyingText)),
                systemText == null || systemText.isEmpty() ? null : HEX.toHexDigits(simhash(systemText)));
    }

    /** First 128 bits of SHA-256, as 32 hex characters. */
    public static String hash(byte[] bytes) {
        return HEX.formatHex(Sha256.digest(bytes), 0, 16);
    }

    /** 64-bit SimHash over lower-cased word 3-shingles (single words for texts shorter than three words). */
    public static long simhash(String text) {
        // Bit-sliced counters: planes[k] holds bit k of the 64 per-position counts of set bits, so adding a shingle's
        // hash is a binary increment of 64 counters at once (two word operations on average instead of 64 adds).
        long[] planes = new long[33];
        long w1 = 0;
        long w2 = 0;
        int words = 0;
        int shingles = 0;
        int i = 0;
        // One copy of the characters: indexing a char[] costs less per character than String.charAt, which checks
        // the string's coder each time (twice as slow on Java 25 as on 17 for a 1.4 KB prompt).
        char[] chars = text.toCharArray();
        int n = chars.length;
        while (i < n) {
            while (i < n && !isWordChar(chars[i])) {
                i++;
            }
            if (i >= n) {
                break;
            }
            long h = FNV_OFFSET;
            while (i < n && isWordChar(chars[i])) {
                h = (h ^ lower(chars[i])) * FNV_PRIME;
                i++;
            }
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
