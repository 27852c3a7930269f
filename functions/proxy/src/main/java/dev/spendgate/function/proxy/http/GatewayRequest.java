package dev.spendgate.function.proxy.http;

import java.util.Objects;

/** An incoming HTTP request, whatever carried it (local server, API Gateway event, streaming runtime). */
public record GatewayRequest(String method, String path, Headers headers, byte[] body) {
    public GatewayRequest {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(path, "path");
        headers = headers == null ? new Headers() : headers;
        body = body == null ? new byte[0] : body;
    }
}
