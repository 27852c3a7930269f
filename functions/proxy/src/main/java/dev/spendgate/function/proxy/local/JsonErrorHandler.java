package dev.spendgate.function.proxy.local;

import dev.spendgate.function.proxy.http.ErrorBodies;
import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Jetty's own refusals (malformed framing 400, oversized head 431, body deadline 408, bad URI encoding) in the
 * OpenAI error shape the SDKs parse, never an HTML page or exception text.
 */
final class JsonErrorHandler extends ErrorHandler {
    @Override
    protected void generateResponse(
            Request request, Response response, int code, String message, Throwable cause, Callback callback) {
        String reason = HttpStatus.getMessage(code);
        String text = code == 408
                ? "The request was not received in time."
                : code == 431
                        ? "Request headers too large."
                        : code < 500 ? "Malformed HTTP request: " + reason + "." : reason + ".";
        byte[] body = ErrorBodies.openAi(code < 500 ? "invalid_request_error" : "api_error", text, null, null);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, String.valueOf(body.length));
        response.write(true, ByteBuffer.wrap(body), callback);
    }
}
