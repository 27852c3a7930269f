package dev.spendgate.function.proxy.local;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The limits that keep the local server answering when clients are slow, idle or hostile, and its optional TLS.
 * Read once from the environment ({@link #fromEnv}); README "Local server limits" lists them.
 *
 * @param headTimeoutMillis a request head (request line and headers) must arrive whole within this time of its first
 *     byte, else the connection is closed
 * @param bodyTimeoutMillis a request body must arrive whole within this time of its head, else 408 and close
 * @param idleTimeoutMillis a connection with nothing to read or write for this long is closed
 * @param maxHeaderBytes the request head's size limit; a larger head gets 431
 * @param maxConnections open connections at most; at the limit a new connection displaces the longest-idle connection
 *     with no call in flight (or is closed when every connection has one)
 * @param maxConnectionsPerClient open connections of one client address at most, with the same displacement among
 *     that client's own connections, so one address cannot take the capacity others need
 * @param tlsKeyStore a PKCS12 or JKS key store: when set, the port speaks TLS (HTTP/1.1); null for cleartext
 * @param tlsKeyStorePassword the key store's password (never logged)
 */
public record ServerLimits(
        long headTimeoutMillis,
        long bodyTimeoutMillis,
        long idleTimeoutMillis,
        int maxHeaderBytes,
        int maxConnections,
        int maxConnectionsPerClient,
        Path tlsKeyStore,
        String tlsKeyStorePassword) {

    public ServerLimits {
        positive(headTimeoutMillis, "SPENDGATE_HEAD_TIMEOUT_MS");
        positive(bodyTimeoutMillis, "SPENDGATE_BODY_TIMEOUT_MS");
        positive(idleTimeoutMillis, "SPENDGATE_IDLE_TIMEOUT_MS");
        positive(maxHeaderBytes, "SPENDGATE_MAX_HEADER_BYTES");
        positive(maxConnections, "SPENDGATE_MAX_CONNECTIONS");
        positive(maxConnectionsPerClient, "SPENDGATE_MAX_CONNECTIONS_PER_CLIENT");
        if (tlsKeyStore != null && !Files.isReadable(tlsKeyStore)) {
            throw new IllegalArgumentException("SPENDGATE_TLS_KEYSTORE: no readable file at " + tlsKeyStore);
        }
    }

    /** 10 s for a head, 30 s for a body, 30 s idle, 32 KB heads, 10,000 connections, 1,000 a client. */
    public static ServerLimits defaults() {
        return new ServerLimits(10_000, 30_000, 30_000, 32 * 1024, 10_000, 1_000, null, null);
    }

    /** The defaults overridden by {@code SPENDGATE_*} variables (README "Local server limits"). */
    public static ServerLimits fromEnv(Map<String, String> env) {
        ServerLimits d = defaults();
        String keyStore = blankToNull(env.get("SPENDGATE_TLS_KEYSTORE"));
        return new ServerLimits(
                number(env, "SPENDGATE_HEAD_TIMEOUT_MS", d.headTimeoutMillis),
                number(env, "SPENDGATE_BODY_TIMEOUT_MS", d.bodyTimeoutMillis),
                number(env, "SPENDGATE_IDLE_TIMEOUT_MS", d.idleTimeoutMillis),
                (int) number(env, "SPENDGATE_MAX_HEADER_BYTES", d.maxHeaderBytes),
                (int) number(env, "SPENDGATE_MAX_CONNECTIONS", d.maxConnections),
                (int) number(env, "SPENDGATE_MAX_CONNECTIONS_PER_CLIENT", d.maxConnectionsPerClient),
                keyStore == null ? null : Path.of(keyStore),
                keyStore == null ? null : env.getOrDefault("SPENDGATE_TLS_KEYSTORE_PASSWORD", ""));
    }

    public ServerLimits withTimeouts(long headMillis, long bodyMillis, long idleMillis) {
        return new ServerLimits(
                headMillis,
                bodyMillis,
                idleMillis,
                maxHeaderBytes,
                maxConnections,
                maxConnectionsPerClient,
                tlsKeyStore,
                tlsKeyStorePassword);
    }

    public ServerLimits withConnections(int max, int perClient) {
        return new ServerLimits(
                headTimeoutMillis,
                bodyTimeoutMillis,
                idleTimeoutMillis,
                maxHeaderBytes,
                max,
                perClient,
                tlsKeyStore,
                tlsKeyStorePassword);
    }

    public ServerLimits withTls(Path keyStore, String password) {
        return new ServerLimits(
                headTimeoutMillis,
                bodyTimeoutMillis,
                idleTimeoutMillis,
                maxHeaderBytes,
                maxConnections,
                maxConnectionsPerClient,
                keyStore,
                password);
    }

    @Override
    public String toString() {
        return "ServerLimits[headTimeoutMillis=" + headTimeoutMillis + ", bodyTimeoutMillis="
                + bodyTimeoutMillis + ", idleTimeoutMillis=" + idleTimeoutMillis + ", maxHeaderBytes="
                + maxHeaderBytes + ", maxConnections=" + maxConnections + ", maxConnectionsPerClient="
                + maxConnectionsPerClient + ", tlsKeyStore=" + tlsKeyStore + "]"; // the password stays out
    }

    private static long number(Map<String, String> env, String name, long fallback) {
        String value = blankToNull(env.get(name));
        if (value == null) {
            return fallback;
        }
        try {
            long n = Long.parseLong(value.trim());
            if (n > 0 && n <= Integer.MAX_VALUE) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(name + " must be a positive whole number, got '" + value + "'");
    }

    private static void positive(long value, String name) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be a positive whole number, got " + value);
        }
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }
}
