package dev.spendgate.function.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** Key stores for TLS tests, made by the JDK's keytool: nothing checked in, nothing valid past two days. */
public final class TestKeyStores {
    /** The alias of the key pair in every store made here. */
    public static final String ALIAS = "server";

    private TestKeyStores() {}

    /**
     * A PKCS12 key store at {@code file} with a self-signed EC certificate whose subject alternative name is {@code
     * san} ({@code ip:127.0.0.1}, {@code dns:example.test}).
     */
    public static Path selfSigned(Path file, String password, String san) throws IOException, InterruptedException {
        Process keytool = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "keytool")
                                .toString(),
                        "-genkeypair",
                        "-alias",
                        ALIAS,
                        "-keyalg",
                        "EC",
                        "-groupname",
                        "secp256r1",
                        "-dname",
                        "CN=" + san.substring(san.indexOf(':') + 1),
                        "-ext",
                        "SAN=" + san,
                        "-validity",
                        "2",
                        "-storetype",
                        "PKCS12",
                        "-keystore",
                        file.toString(),
                        "-storepass",
                        password,
                        "-keypass",
                        password)
                .redirectErrorStream(true)
                .start();
        String output = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(keytool.waitFor(30, TimeUnit.SECONDS)).as(output).isTrue();
        assertThat(keytool.exitValue()).as(output).isZero();
        return file;
    }

    /** A client context that trusts the certificate in {@code keyStore} (and nothing else). */
    public static SSLContext trusting(Path keyStore, String password) throws IOException, GeneralSecurityException {
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(KeyStore.getInstance(keyStore.toFile(), password.toCharArray()));
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, trust.getTrustManagers(), null);
        return ssl;
    }
}
