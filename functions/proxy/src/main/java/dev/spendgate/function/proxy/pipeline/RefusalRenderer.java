package dev.spendgate.function.proxy.pipeline;

import dev.spendgate.function.proxy.bedrock.BedrockErrors;
import dev.spendgate.function.proxy.http.ErrorBodies;
import dev.spendgate.function.proxy.http.Headers;
import dev.spendgate.function.proxy.upstream.ApiFormat;
import java.io.IOException;

/**
 * The one place refusals become responses: the error body in the caller's wire format (OpenAI, Anthropic or
 * Bedrock), {@code Content-Type}, the request id, the refusal's headers, and Bedrock's {@code x-amzn-ErrorType}.
 * Bedrock answers a bad credential with 403 (HTTP clients treat 401 specially).
 */
public final class RefusalRenderer {

    /** The context as recorded for {@code refusal}: its final status, and its error type unless one was set. */
    public CallContext refused(CallContext ctx, Refusal refusal) {
        int status = status(ctx.format(), refusal);
        String errorType = ctx.errorType() != null
                ? ctx.errorType()
                : refusal.errorType() != null ? refusal.errorType() : refusal.type();
        return ctx.with(b -> {
            b.statusCode = status;
            b.errorType = errorType;
        });
    }

    /** Writes {@code refusal} to the client (a client that has left is ignored). */
    public void send(CallContext ctx, Refusal refusal, Exchange exchange) {
        int status = status(ctx.format(), refusal);
        byte[] body =
                switch (ctx.format()) {
                    case ANTHROPIC ->
                        ErrorBodies.anthropic(refusal.type(), refusal.message(), refusal.param(), refusal.fields());
                    case BEDROCK ->
                        BedrockErrors.body(refusal.type(), refusal.message(), refusal.param(), refusal.fields());
                    case OPENAI ->
                        ErrorBodies.openAi(
                                refusal.type(),
                                refusal.message(),
                                refusal.param(),
                                openAiCode(status, refusal.type()),
                                refusal.fields());
                };
        Headers headers =
                new Headers().set("Content-Type", "application/json").set(Relay.REQUEST_ID_HEADER, ctx.requestId());
        if (ctx.format() == ApiFormat.BEDROCK) {
            headers.set(BedrockErrors.ERROR_TYPE_HEADER, BedrockErrors.errorCode(status, refusal.type()));
        }
        refusal.headers().forEach(headers::set);
        try {
            exchange.start(status, headers, body.length);
            exchange.sink().write(body);
            exchange.sink().end();
        } catch (IOException e) {
            // the client left; the record still says what happened
        }
    }

    private static int status(ApiFormat format, Refusal refusal) {
        return format == ApiFormat.BEDROCK && refusal.status() == 401 ? 403 : refusal.status();
    }

    static String openAiCode(int status, String type) {
        if (type.equals("budget_exceeded") || type.equals("velocity_limit")) {
            return type;
        }
        return switch (status) {
            case 401 -> "invalid_api_key";
            case 404 -> "unknown_url";
            case 405 -> "method_not_allowed";
            case 413 -> "request_too_large";
            case 415 -> "unsupported_media_type";
            case 502 -> "upstream_error";
            default -> status >= 500 ? "server_error" : "invalid_request";
        };
    }
}
