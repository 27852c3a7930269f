package dev.spendgate.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.YearMonth;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;

/**
 * {@code manifest.json}, written after every other file of a month's run: each file's name, size and SHA-256, the
 * run's time and FOCUS {@code BilledCost} total, and the run it replaced. The files of a month are written one by one,
 * so a run that fails half way leaves some files of the new run beside others of the last; the manifest is the last
 * complete run's, and a file whose hash differs from it is not part of that run.
 */
public final class MonthManifest {
    public static final String FILE = "manifest.json";
    public static final int SCHEMA_VERSION = 1;

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** What a stored manifest says of its run, enough to tell a re-run's change. */
    public record Run(YearMonth month, Instant generatedAt, String monthState, BigDecimal billedCostUsd) {}

    private MonthManifest() {}

    /** The manifest of a run that wrote {@code files} (name to bytes, in the order written). */
    public static byte[] write(
            YearMonth month,
            String monthState,
            Instant generatedAt,
            BigDecimal billedCostUsd,
            Map<String, byte[]> files,
            Run replaces) {
        ObjectNode root = JSON.createObjectNode();
        root.put("schema_version", SCHEMA_VERSION);
        root.put("month", month.toString());
        root.put("month_state", monthState);
        root.put("generated_at", generatedAt.toString());
        root.put("billed_cost_usd", billedCostUsd.toPlainString());
        ArrayNode list = root.putArray("files");
        files.forEach((name, bytes) ->
                list.addObject().put("name", name).put("bytes", bytes.length).put("sha256", sha256(bytes)));
        if (replaces != null) {
            ObjectNode previous = root.putObject("replaces");
            previous.put("generated_at", replaces.generatedAt().toString());
            previous.put("month_state", replaces.monthState());
            previous.put("billed_cost_usd", replaces.billedCostUsd().toPlainString());
        }
        try {
            return JSON.writeValueAsBytes(root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The run a stored manifest describes; empty when it cannot be read (the new run then replaces nothing known). */
    public static Optional<Run> read(byte[] manifest) {
        try {
            JsonNode root = JSON.readTree(manifest);
            return Optional.of(new Run(
                    YearMonth.parse(root.path("month").asText()),
                    Instant.parse(root.path("generated_at").asText()),
                    root.path("month_state").asText(null),
                    new BigDecimal(root.path("billed_cost_usd").asText())));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
