package dev.spendgate.domain.fingerprint;

import java.security.MessageDigest;

/**
 * SHA-256 of a part of a string's UTF-8 encoding, fed to the digest through two small buffers instead of a copy of
 * the text as bytes: the same digest as {@code digest(text.substring(from, to).getBytes(UTF_8))}, including its
 * {@code '?'} for an unpaired surrogate (the part's ends are its ends: a pair cut by them counts as unpaired). One
 * per call (not thread-safe); its buffers serve every digest of the call.
 */
public final class Utf8Digest {
    private static final int CHUNK = 64;

    private final MessageDigest digest = Sha256.fresh();
    private final char[] chars = new char[CHUNK];
    private final byte[] bytes = new byte[3 * CHUNK];

    public Utf8Digest() {}

    /** The 32-byte SHA-256 of {@code text} in UTF-8. */
    public byte[] digest(String text) {
        return digest(text, 0, text.length());
    }

    /** The 32-byte SHA-256 of {@code text[from, to)} in UTF-8. */
    byte[] digest(String text, int from, int to) {
        int i = from;
        while (i < to) {
            int end = Math.min(to, i + CHUNK);
            int n = end - i;
            text.getChars(i, end, chars, 0);
            if (Character.isHighSurrogate(chars[n - 1]) && end < to) {
                n--; // a high surrogate goes with the next chunk, to meet its low surrogate there
                end--;
            }
            digest.update(bytes, 0, encode(chars, n));
            i = end;
        }
        return digest.digest();
    }

    /** The 32-byte SHA-256 of {@code bytes}. */
    byte[] digest(byte[] input) {
        return digest.digest(input);
    }

    /** Encodes {@code chars[0, n)} as {@code String.getBytes(UTF_8)} does; returns the byte count. */
    private int encode(char[] in, int n) {
        int o = 0;
        for (int k = 0; k < n; k++) {
            char c = in[k];
            if (c < 0x80) {
                bytes[o++] = (byte) c;
            } else if (c < 0x800) {
                bytes[o++] = (byte) (0xc0 | (c >> 6));
                bytes[o++] = (byte) (0x80 | (c & 0x3f));
            } else if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && k + 1 < n && Character.isLowSurrogate(in[k + 1])) {
                    int cp = Character.toCodePoint(c, in[++k]);
                    bytes[o++] = (byte) (0xf0 | (cp >> 18));
                    bytes[o++] = (byte) (0x80 | ((cp >> 12) & 0x3f));
                    bytes[o++] = (byte) (0x80 | ((cp >> 6) & 0x3f));
                    bytes[o++] = (byte) (0x80 | (cp & 0x3f));
                } else {
                    bytes[o++] = '?';
                }
            } else {
                bytes[o++] = (byte) (0xe0 | (c >> 12));
                bytes[o++] = (byte) (0x80 | ((c >> 6) & 0x3f));
                bytes[o++] = (byte) (0x80 | (c & 0x3f));
            }
        }
        return o;
    }
}
