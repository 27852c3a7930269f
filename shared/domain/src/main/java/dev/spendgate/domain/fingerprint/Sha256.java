package dev.spendgate.domain.fingerprint;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** SHA-256 of a byte array, on the hot path: each digest is copied from an unused one. */
public final class Sha256 {
    private static final MessageDigest PROTOTYPE = newDigest();

    private Sha256() {}

    /** The 32-byte SHA-256 of {@code bytes}. Thread-safe. */
    public static byte[] digest(byte[] bytes) {
        return fresh().digest(bytes);
    }

    /**
     * The 32-byte SHA-256 of {@code text} in UTF-8: the digest of {@code text.getBytes(UTF_8)} without that copy (the
     * text is encoded a few characters at a time). Thread-safe.
     */
    public static byte[] digestUtf8(String text) {
        return new Utf8Digest().digest(text, 0, text.length());
    }

    /**
     * A fresh digest, copied from an unused one: a provider look-up per call costs more than the copy. Not
     * thread-safe itself; one per call, reusable after each {@code digest()}.
     */
    public static MessageDigest fresh() {
        try {
            return (MessageDigest) PROTOTYPE.clone();
        } catch (CloneNotSupportedException e) {
            return newDigest();
        }
    }

    private static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }
}
