package dev.spendgate.domain.usage;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Objects;
import java.util.Optional;

/**
 * A usage line a newer Spendgate wrote: one JSON object whose {@code schema_version} is above the highest this version
 * reads ({@link UsageRecord#COST_BASIS_SCHEMA_VERSION}). This version cannot count it, but it is a whole record, not a
 * torn line: whatever moves it (the journal's recovery after a roll-back) keeps its text as it is, so that the newer
 * version counts it when the operator rolls forward again.
 *
 * @param text the line as written, without its newline
 * @param requestId its {@code request_id}, or null when it has none this version can see
 * @param tsStart its {@code ts_start}, or null when this version cannot read one
 */
public record NewerSchemaLine(String text, String requestId, Instant tsStart) {
    private static final ObjectMapper MAPPER =
            new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    public NewerSchemaLine {
        Objects.requireNonNull(text, "text");
    }

    /** The line as a newer schema's record; empty when it is a record of this version, or no record at all. */
    public static Optional<NewerSchemaLine> of(String line) {
        JsonNode n;
        try {
            n = MAPPER.readTree(line);
        } catch (Exception e) {
            return Optional.empty(); // not valid JSON (one JSON value, then text, included): torn
        }
        if (n == null || !n.isObject() || !n.path("schema_version").isIntegralNumber()) {
            return Optional.empty();
        }
        if (n.path("schema_version").asLong() <= UsageRecord.COST_BASIS_SCHEMA_VERSION) {
            return Optional.empty();
        }
        JsonNode id = n.path("request_id");
        return Optional.of(new NewerSchemaLine(line, id.isTextual() ? id.asText() : null, instant(n.path("ts_start"))));
    }

    private static Instant instant(JsonNode value) {
        if (!value.isTextual()) {
            return null;
        }
        try {
            return Instant.parse(value.asText());
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
