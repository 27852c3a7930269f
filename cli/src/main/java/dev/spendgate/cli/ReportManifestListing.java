package dev.spendgate.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.report.MonthManifest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Whether a folder holds a monthly report run whose {@code manifest.json} lists a file: such a file is the one the
 * report wrote, emailed and vouches for by its SHA-256 (the web console marks any other content "not part of the last
 * complete run"), so a command that writes a file of the same name elsewhere ({@code reconcile}) must not replace it.
 */
final class ReportManifestListing {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ReportManifestListing() {}

    /** True when {@code folder}'s manifest.json lists {@code name}; false without a manifest or one unreadable. */
    static boolean lists(Path folder, String name) {
        Path manifest = folder.resolve(MonthManifest.FILE);
        if (!Files.isRegularFile(manifest)) {
            return false;
        }
        try {
            for (JsonNode f : JSON.readTree(manifest.toFile()).path("files")) {
                if (name.equals(f.path("name").asText(null))) {
                    return true;
                }
            }
            return false;
        } catch (IOException e) {
            return false;
        }
    }
}
