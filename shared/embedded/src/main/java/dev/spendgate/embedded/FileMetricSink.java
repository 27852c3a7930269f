package dev.spendgate.embedded;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spendgate.domain.metric.MetricSink;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Metrics for local runs: one JSON line per datapoint appended to a file ({@code namespace}, {@code name},
 * {@code dimensions}, {@code value} as a decimal string, {@code unit}, {@code timestamp}), for a local alarm script or
 * a test to read.
 */
public final class FileMetricSink implements MetricSink {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path file;

    public FileMetricSink(Path file) {
        this.file = Objects.requireNonNull(file, "file");
    }

    @Override
    public synchronized void publish(String namespace, List<Datapoint> datapoints) {
        StringBuilder lines = new StringBuilder();
        for (Datapoint d : datapoints) {
            ObjectNode n = JSON.createObjectNode();
            n.put("namespace", namespace);
            n.put("name", d.name());
            ObjectNode dims = n.putObject("dimensions");
            new TreeMap<>(d.dimensions()).forEach(dims::put);
            n.put("value", d.value().toPlainString());
            n.put("unit", d.unit().cloudWatchName());
            n.put("timestamp", d.timestamp().toString());
            try {
                lines.append(JSON.writeValueAsString(n)).append('\n');
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("metric line could not be written", e);
            }
        }
        try {
            if (file.getParent() != null) {
                Files.createDirectories(file.getParent());
            }
            Files.writeString(
                    file,
                    lines,
                    StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND,
                    StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new UncheckedIOException("metrics file " + file + " could not be written", e);
        }
    }

    /** The lines written so far, each as a map (for tests and local checks). */
    public List<Map<String, Object>> read() {
        try {
            if (!Files.exists(file)) {
                return List.of();
            }
            return Files.readAllLines(file, StandardCharsets.UTF_8).stream()
                    .filter(l -> !l.isBlank())
                    .map(FileMetricSink::parse)
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> parse(String line) {
        try {
            return JSON.readValue(line, Map.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("metrics file has an unreadable line", e);
        }
    }
}
