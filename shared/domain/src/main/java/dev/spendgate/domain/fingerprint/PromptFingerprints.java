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
    /** An ASCII character's lower case when it is a letter or digit, else 0. */
    private static final byte[] LOWER_WORD = new byte[128];

    private static final int CHUNK = 64;

    static {
        for (char c = 0; c < 128; c++) {
            LOWER_WORD[c] = (byte) (Character.isLetterOrDigit(c) ? Character.toLowerCase(c) : 0);
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
        boolean hasSystem = systemText != null && !systemText.isEmpty();
        // the three sketches from one scan of the prompt: the varying part is its tail, and the system prompt is
        // usually in it too (after its role label in a chat prompt, at its start in the other formats)
        int systemAt = hasSystem ? regionOf(promptText, systemText) : -1;
        boolean varyingAt = boundary(promptText, from);
        Sketches sketches =
                new Sketches(varyingAt ? from : -1, systemAt, systemAt < 0 ? -1 : systemAt + systemText.length());
        sketches.scan(promptText, 0, promptText.length());
        return new Fingerprints(
                hasSystem ? hash(digest, systemText) : null,
                prefixText == null || prefixText.isEmpty() ? null : hash(digest, prefixText),
                requestSha256 == null ? null : HEX.formatHex(requestSha256, 0, 16),
                HEX.toHexDigits(sketches.full.value()),
                HEX.formatHex(digest.digest(promptText, from, promptText.length()), 0, 16),
                HEX.toHexDigits(varyingAt ? sketches.varying.value() : simhash(promptText, from, promptText.length())),
                !hasSystem ? null : HEX.toHexDigits(systemAt >= 0 ? sketches.system.value() : simhash(systemText)));
    }

    /**
     * Where {@code part} is in {@code text} at one of the places a prompt format puts the system prompt (the start,
     * or after the first message's role label), with a word boundary at both ends, so that its words are exactly the
     * words of {@code text} there; -1 when it is not (then its sketch is computed on its own).
     */
    static int regionOf(String text, String part) {
        if (isRegion(text, part, 0)) {
            return 0;
        }
        int label = text.indexOf(": ", 0, Math.min(text.length(), 16));
        return label >= 0 && isRegion(text, part, label + 2) ? label + 2 : -1;
    }

    private static boolean isRegion(String text, String part, int at) {
        return text.startsWith(part, at) && boundary(text, at) && boundary(text, at + part.length());
    }

    /** True when no word of {@code text} crosses {@code at}: a region starting or ending there has the same words. */
    static boolean boundary(String text, int at) {
        return at == 0 || at >= text.length() || !isWordChar(text.charAt(at - 1)) || !isWordChar(text.charAt(at));
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
        Sketches sketches = new Sketches(-1, -1, -1);
        sketches.scan(text, from, to);
        return sketches.full.value();
    }

    /** Similarity in [0, 1]: 1 minus the Hamming distance of two sketches over 64. */
    public static double similarity(long a, long b) {
        return 1.0 - Long.bitCount(a ^ b) / 64.0;
    }

    private static boolean isWordChar(char c) {
        return c < 128 ? LOWER_WORD[c] != 0 : Character.isLetterOrDigit(c);
    }

    /** SplitMix64 finaliser: spreads the shingle hash over all 64 bits. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    /**
     * One scan of a text's words feeding the sketch of the whole text and, when they are regions of it at word
     * boundaries, the sketches of its tail from {@code varyingFrom} and of {@code [systemFrom, systemTo)}: a region's
     * words are the text's words inside it, and from its third word on its shingles are the text's, so each word is
     * hashed and each shingle mixed once.
     */
    private static final class Sketches {
        final Sketch full = new Sketch();
        final Sketch varying;
        final Sketch system;
        private final int varyingFrom;
        private final int systemFrom;
        private final int systemTo;

        /** A negative {@code varyingFrom} or {@code systemFrom}: no such region. */
        Sketches(int varyingFrom, int systemFrom, int systemTo) {
            this.varyingFrom = varyingFrom;
            this.systemFrom = systemFrom;
            this.systemTo = systemTo;
            this.varying = varyingFrom < 0 ? null : varyingFrom == 0 ? full : new Sketch();
            this.system = systemFrom < 0 ? null : new Sketch();
        }

        void scan(String text, int from, int to) {
            long h = FNV_OFFSET;
            boolean inWord = false;
            int wordStart = 0;
            // The characters a chunk at a time into one small buffer: indexing a char[] costs less per character
            // than String.charAt, which checks the string's coder each time, and a copy of the whole text was a
            // tenth of a call's allocation.
            char[] chars = new char[Math.max(1, Math.min(CHUNK, to - from))];
            for (int start = from; start < to; start += chars.length) {
                int n = Math.min(chars.length, to - start);
                text.getChars(start, start + n, chars, 0);
                for (int i = 0; i < n; i++) {
                    char c = chars[i];
                    // one table read for "is it a word character" and its lower case (ASCII)
                    int lower = c < 128 ? LOWER_WORD[c] : Character.isLetterOrDigit(c) ? Character.toLowerCase(c) : 0;
                    if (lower != 0) {
                        if (!inWord) {
                            h = FNV_OFFSET;
                            inWord = true;
                            wordStart = start + i;
                        }
                        h = (h ^ lower) * FNV_PRIME;
                    } else if (inWord) {
                        inWord = false;
                        word(h, wordStart);
                    }
                }
            }
            if (inWord) {
                word(h, wordStart);
            }
        }

        private void word(long h, int start) {
            long shingle = full.words >= 2 ? mix(full.w1 * 31 + full.w2 * 17 + h) : 0;
            full.add(h, shingle);
            if (varying != null && varying != full && start >= varyingFrom) {
                varying.add(h, shingle);
            }
            if (system != null && start >= systemFrom && start < systemTo) {
                system.add(h, shingle);
            }
        }
    }

    /** One sketch's state: bit-sliced counters of its shingles, and its last two words. */
    private static final class Sketch {
        // Bit-sliced counters: planes[k] holds bit k of the 64 per-position counts of set bits, so adding a shingle's
        // hash is a binary increment of 64 counters at once (two word operations on average instead of 64 adds).
        private final long[] planes = new long[33];
        private long w1;
        private long w2;
        private int words;
        private int shingles;
        private boolean done;

        /**
         * The next word, hashed {@code h}; {@code shingle} is the mixed shingle ending with it given the text's two
         * words before it, which are this sketch's own once it has two.
         */
        void add(long h, long shingle) {
            if (++words >= 3) {
                increment(shingle);
            }
            w1 = w2;
            w2 = h;
        }

        /** The sketch of the words added so far; no word may be added after. */
        long value() {
            if (!done && words > 0 && words < 3) {
                increment(mix(w1 * 31 + w2 * 17));
            }
            done = true;
            // A bit is in the sketch when it was set in more than half the shingles: count > shingles / 2 (rounded
            // down), compared for the 64 counters at once, from the highest plane down (not 64 x 33 bit extractions).
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

        /** Adds {@code h}'s bits to the 64 bit-sliced counters: a ripple-carry increment across the planes. */
        private void increment(long h) {
            shingles++;
            long carry = h;
            for (int k = 0; carry != 0; k++) {
                long next = planes[k] & carry;
                planes[k] ^= carry;
                carry = next;
            }
        }
    }
}
