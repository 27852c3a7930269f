package dev.spendgate.function.proxy.bedrock;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * Errors in the Bedrock runtime's shape: the AWS error code in {@code x-amzn-ErrorType} and {@code {"message": ..}},
 * so AWS SDKs raise their modelled exception ({@code ValidationException}, {@code ThrottlingException},
 * {@code ServiceQuotaExceededException}, ...) with Spendgate's message. Spendgate adds {@code type}, {@code param}
 * and its extra fields beside the message.
 */
public final class BedrockErrors {
    public static final String ERROR_TYPE_HEADER = "x-amzn-ErrorType";
    private static final JsonFactory JSON = new JsonFactory();

    private BedrockErrors() {}

    /** The AWS error code for a gateway error of {@code status} and Spendgate {@code type}. */
    public static String errorCode(int status, String type) {
        if ("budget_exceeded".equals(type)) {
            return "ServiceQuotaExceededException";
        }
        if ("velocity_limit".equals(type)) {
            return "ThrottlingException";
        }
        return switch (status) {
            case 401, 403 -> "AccessDeniedException";
            case 404 -> "ResourceNotFoundException";
            case 429 -> "ThrottlingException";
            case 503 -> "ServiceUnavailableException";
            default -> status >= 500 ? "InternalServerException" : "ValidationException";
        };
    }

    public static byte[] body(String type, String message, String param, Map<String, String> extras) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(160);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("message", message);
            g.writeStringField("type", type);
            if (param != null) {
                g.writeStringField("param", param);
            }
            for (Map.Entry<String, String> e : extras.entrySet()) {
                g.writeStringField(e.getKey(), e.getValue());
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
