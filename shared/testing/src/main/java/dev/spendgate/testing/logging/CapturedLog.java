package dev.spendgate.testing.logging;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Standard error captured while a piece of code runs, read back as the JSON log lines a log search would see. A line
 * that starts like a JSON object but does not parse as one fails the read; lines written by third-party libraries
 * (not starting with a brace) are kept apart in {@link #otherLines()}.
 */
public final class CapturedLog {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Code that may throw, run with standard error captured. */
    @FunctionalInterface
    public interface Action {
        void run() throws Exception;
    }

    private final List<JsonNode> lines;
    private final List<String> otherLines;

    private CapturedLog(List<JsonNode> lines, List<String> otherLines) {
        this.lines = lines;
        this.otherLines = otherLines;
    }

    /** Runs {@code action} with {@code System.err} redirected, then restores it; the action's failure propagates. */
    public static synchronized CapturedLog during(Action action) throws Exception {
        PrintStream old = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setErr(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            action.run();
        } finally {
            System.err.flush();
            System.setErr(old);
        }
        List<String> all = out.toString(StandardCharsets.UTF_8).lines().collect(Collectors.toList());
        return new CapturedLog(
                all.stream()
                        .filter(l -> l.startsWith("{"))
                        .map(CapturedLog::parse)
                        .collect(Collectors.toList()),
                all.stream().filter(l -> !l.startsWith("{") && !l.isBlank()).collect(Collectors.toList()));
    }

    private static JsonNode parse(String line) {
        try {
            JsonNode node = JSON.readTree(line);
            if (node == null || !node.isObject()) {
                throw new AssertionError("log line is not a JSON object: " + line);
            }
            return node;
        } catch (IOException e) {
            throw new AssertionError("log line is not JSON: " + line, e);
        }
    }

    public List<JsonNode> lines() {
        return lines;
    }

    public List<String> otherLines() {
        return otherLines;
    }

    /** The lines with this {@code event}. */
    public List<JsonNode> event(String event) {
        return lines.stream()
                .filter(l -> event.equals(l.path("event").asText()))
                .collect(Collectors.toList());
    }

    /** The one line with this {@code event}; fails when there is none or more than one. */
    public JsonNode single(String event) {
        List<JsonNode> found = event(event);
        if (found.size() != 1) {
            throw new AssertionError(
                    "expected one log line with event " + event + ", found " + found.size() + " in " + lines);
        }
        return found.get(0);
    }

    /** Every line has the fields each Spendgate log line carries, so a log search can rely on them. */
    public static boolean hasCommonShape(JsonNode line) {
        for (String field : new String[] {"ts", "level", "service", "event", "request_id", "duration_ms"}) {
            if (!line.has(field)) {
                return false;
            }
        }
        return line.get("ts").isTextual()
                && line.get("level").isTextual()
                && line.get("service").isTextual()
                && line.get("event").isTextual()
                && (line.get("request_id").isNull() || line.get("request_id").isTextual())
                && (line.get("duration_ms").isNull() || line.get("duration_ms").isIntegralNumber());
    }
}
