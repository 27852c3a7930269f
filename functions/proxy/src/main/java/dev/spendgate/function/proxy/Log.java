package dev.spendgate.function.proxy;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.time.Instant;

/**
 * JSON log lines on standard error, one object a line with the request id, so CloudWatch Logs Insights can query
 * them. Never pass prompts, completions or keys here.
 */
public final class Log {
    private static final JsonFactory JSON = new JsonFactory();

    private Log() {}

    public static void info(String requestId, String message) {
        write("INFO", requestId, message, null);
    }

    public static void warn(String requestId, String message) {
        write("WARN", requestId, message, null);
    }

    public static void error(String requestId, String message, Throwable error) {
        write("ERROR", requestId, message, error);
    }

    private static void write(String level, String requestId, String message, Throwable error) {
        StringWriter out = new StringWriter(200);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("ts", Instant.now().toString());
            g.writeStringField("level", level);
            g.writeStringField("request_id", requestId);
            g.writeStringField("message", message);
            if (error != null) {
                g.writeStringField("error", error.getClass().getName());
            }
            g.writeEndObject();
        } catch (IOException e) {
            return;
        }
        System.err.println(out);
    }
}
