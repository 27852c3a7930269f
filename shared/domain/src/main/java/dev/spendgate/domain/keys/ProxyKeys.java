package dev.spendgate.domain.keys;

import dev.spendgate.domain.fingerprint.Sha256;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * Generates and hashes proxy key secrets. Secrets are {@code sg-} followed by 32 random bytes in hex (256 bits),
 * so a plain SHA-256 is a safe at-rest form: there is nothing to brute-force.
 */
public final class ProxyKeys {
    public static final String SECRET_PREFIX = "sg-";
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final HexFormat HEX = HexFormat.of();

    private ProxyKeys() {}

    /** A new secret, e.g. {@code sg-3f9a...}. */
    public static String newSecret() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return SECRET_PREFIX + HEX.formatHex(bytes);
    }

    /** A new key id, e.g. {@code key_7c1e0b2a94d3}. Ids are not secret. */
    public static String newId() {
        byte[] bytes = new byte[6];
        RANDOM.nextBytes(bytes);
        return "key_" + HEX.formatHex(bytes);
    }

    /** Lowercase hex SHA-256 of the secret. */
    public static String hash(String secret) {
        // a copy of one digest, not a provider look-up on every call
        return HEX.formatHex(Sha256.digest(secret.getBytes(StandardCharsets.UTF_8)));
    }
}
