package dev.spendgate.function.proxy.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A month's {@code manifest.json} as the Reports page reads it: the files of the last complete run with their size and
 * SHA-256, the month's state and the run's time. The report writes the month's files one by one and the manifest last,
 * so a file whose hash differs from the manifest's, or that it does not list, belongs to a run that did not complete.
 * (The proxy jar does not carry the reports module, whose {@code MonthManifest} writes this document.)
 */
record ReportManifest(String monthState, String generatedAt, Map<String, ReportManifest.Listed> files) {
    static final String FILE = "manifest.json";

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A file as the manifest lists it. */
    record Listed(long bytes, String sha256) {}

    ReportManifest {
        files = Map.copyOf(files);
    }

    /** The manifest in {@code bytes}; empty when it is not a manifest this page can read. */
    static Optional<ReportManifest> read(byte[] bytes) {
        try {
            JsonNode root = JSON.readTree(bytes);
            if (!root.path("files").isArray()) {
                return Optional.empty();
            }
            Map<String, Listed> files = new LinkedHashMap<>();
            for (JsonNode f : root.path("files")) {
                if (f.hasNonNull("name") && f.hasNonNull("sha256")) {
                    files.put(
                            f.get("name").asText(),
                            new Listed(
                                    f.path("bytes").asLong(-1), f.get("sha256").asText()));
                }
            }
            return Optional.of(new ReportManifest(
                    root.path("month_state").asText(null),
                    root.path("generated_at").asText(null),
                    files));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * Whether {@code content} is the file {@code name} of the manifest's run: listed, and of the listed SHA-256.
     * Reads the stream to its end and closes it.
     */
    boolean vouchesFor(String name, InputStream content) throws IOException {
        Listed listed = files.get(name);
        if (listed == null) {
            content.close();
            return false;
        }
        try (InputStream in = content) {
            MessageDigest sha = sha256();
            byte[] buffer = new byte[64 * 1024];
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                sha.update(buffer, 0, n);
            }
            return HexFormat.of().formatHex(sha.digest()).equalsIgnoreCase(listed.sha256());
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
