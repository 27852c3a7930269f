package dev.spendgate.function.proxy.pipeline;

import java.util.Map;
import java.util.Objects;

/**
 * A stage's "no": what the client is told ({@code status}, the error {@code type}, {@code message}, the {@code param}
 * at fault, extra {@code headers} and body {@code fields}) and the usage record's {@code errorType} when it is not the
 * error type itself. {@link RefusalRenderer} writes it in the caller's wire format.
 */
public record Refusal(
        int status,
        String type,
        String message,
        String param,
        Map<String, String> headers,
        Map<String, String> fields,
        String errorType) {

    public Refusal {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(message, "message");
        headers = headers == null ? Map.of() : headers;
        fields = fields == null ? Map.of() : fields;
    }

    public static Refusal of(int status, String type, String message, String param) {
        return new Refusal(status, type, message, param, Map.of(), Map.of(), null);
    }

    /** The same refusal, recorded with {@code errorType} (e.g. {@code budget_store_unavailable}). */
    public Refusal recordedAs(String recordErrorType) {
        return new Refusal(status, type, message, param, headers, fields, recordErrorType);
    }

    public Refusal withHeaders(Map<String, String> extra) {
        return new Refusal(status, type, message, param, extra, fields, errorType);
    }

    public Refusal withFields(Map<String, String> extra) {
        return new Refusal(status, type, message, param, headers, extra, errorType);
    }
}
