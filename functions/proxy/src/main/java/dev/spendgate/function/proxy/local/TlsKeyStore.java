package dev.spendgate.function.proxy.local;

import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;

/**
 * Opens {@code SPENDGATE_TLS_KEYSTORE} before the server starts, so a file that is no key store, or a password that
 * does not open it, stops the start with an error naming the setting and the file (never the password) instead of the
 * key store API's bare message.
 */
final class TlsKeyStore {
    private TlsKeyStore() {}

    /** The key store at {@code path} (PKCS12 or JKS, told by its content), opened with {@code password}. */
    static KeyStore open(Path path, String password) throws IOException {
        try {
            return KeyStore.getInstance(path.toFile(), password == null ? null : password.toCharArray());
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            throw new IOException(
                    "SPENDGATE_TLS_KEYSTORE: " + path + " is not a PKCS12/JKS key store this"
                            + " SPENDGATE_TLS_KEYSTORE_PASSWORD opens (" + cause(e) + ")",
                    e);
        }
    }

    /** What the key store API said was wrong (a wrong password, an unknown format). */
    private static String cause(Exception e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
