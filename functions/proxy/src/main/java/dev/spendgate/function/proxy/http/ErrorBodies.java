package dev.spendgate.function.proxy.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

/** Error bodies in each provider's own shape, so SDKs raise their usual exceptions with our message. */
public final class ErrorBodies {
    private static final JsonFactory JSON = new JsonFactory();

    private ErrorBodies() {}

    /** {@code {"error":{"message","type","param","code"}}}, the OpenAI shape. */
    public static byte[] openAi(String type, String message, String param, String code) {
        return openAi(type, message, param, code, Map.of());
    }

    /** The OpenAI shape with Spendgate's extra fields inside {@code error} (e.g. a budget's scope and limit). */
    public static byte[] openAi(String type, String message, String param, String code, Map<String, String> extras) {
        return write(g -> {
            g.writeObjectFieldStart("error");
            g.writeStringField("message", message);
            g.writeStringField("type", type);
            g.writeStringField("param", param);
            g.writeStringField("code", code);
            for (Map.Entry<String, String> e : extras.entrySet()) {
                g.writeStringField(e.getKey(), e.getValue());
            }
            g.writeEndObject();
        });
    }

    /**
     * {@code {"type":"error","error":{"type","message"}}}, the Anthropic shape; Spendgate adds {@code param} naming
     * the offending field when there is one.
     */
    public static byte[] anthropic(String type, String message, String param) {
        return anthropic(type, message, param, Map.of());
    }

    /** The Anthropic shape with Spendgate's extra fields inside {@code error}. */
    public static byte[] anthropic(String type, String message, String param, Map<String, String> extras) {
        return write(g -> {
            g.writeStringField("type", "error");
            g.writeObjectFieldStart("error");
            g.writeStringField("type", type);
            g.writeStringField("message", message);
            if (param != null) {
                g.writeStringField("param", param);
            }
            for (Map.Entry<String, String> e : extras.entrySet()) {
                g.writeStringField(e.getKey(), e.getValue());
            }
            g.writeEndObject();
        });
    }

    private interface Body {
        void write(JsonGenerator g) throws IOException;
    }

    private static byte[] write(Body body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(160);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            body.write(g);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
