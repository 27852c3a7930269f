package dev.spendgate.function.proxy.http;

import java.util.Objects;

/**
 * An incoming HTTP request, whatever carried it (local server, API Gateway event, streaming runtime).
 *
 * @param client the peer's address as the carrier saw it (the local server's socket), or null where the carrier
 *     does not say (behind API Gateway); it is not taken from a header a client could set
 * @param tls whether the local server received it over TLS ({@code SPENDGATE_TLS_KEYSTORE}); false where the carrier
 *     does not say. Not taken from a header either.
 */
public record GatewayRequest(String method, String path, Headers headers, byte[] body, String client, boolean tls) {
    /** A request whose carrier does not know the client's address. */
    public GatewayRequest(String method, String path, Headers headers, byte[] body) {
        this(method, path, headers, body, null);
    }

    /** A request not known to have come over TLS. */
    public GatewayRequest(String method, String path, Headers headers, byte[] body, String client) {
        this(method, path, headers, body, client, false);
    }

    public GatewayRequest {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(path, "path");
        headers = headers == null ? new Headers() : headers;
        body = body == null ? new byte[0] : body;
    }
}
