package dev.spendgate.domain.usage;

import dev.spendgate.domain.store.ObjectStore;
import dev.spendgate.domain.usage.UsageRecordCodec.MalformedUsageRecordException;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import java.util.zip.GZIPInputStream;

/**
 * Streams the usage records whose {@code ts_start} falls in {@code [from, to)}, one object at a time, dropping
 * repeated request ids. Unreadable objects and lines are skipped and counted, never fatal.
 */
public final class UsageLogReader {
    private final ObjectStore store;

    private UsageLogReader(ObjectStore store) {
        this.store = Objects.requireNonNull(store, "store");
    }

    public static UsageLogReader create(ObjectStore store) {
        return new UsageLogReader(store);
    }

    /** Feeds each record in the window to {@code sink} and says what was read and skipped. */
    public ReadStats read(Instant from, Instant to, Consumer<UsageRecord> sink) {
        if (!from.isBefore(to)) {
            throw new IllegalArgumentException("from must be before to");
        }
        Set<String> seen = new HashSet<>();
        long records = 0;
        long duplicates = 0;
        long malformedLines = 0;
        long unreadableObjects = 0;
        int objects = 0;
        List<String> warnings = new ArrayList<>();
        for (Instant day = from.truncatedTo(ChronoUnit.DAYS); day.isBefore(to); day = day.plus(1, ChronoUnit.DAYS)) {
            for (String key : store.list(UsageLayout.dayPrefix(day))) {
                if (!key.endsWith(".ndjson.gz")) {
                    continue;
                }
                objects++;
                byte[] content = store.get(key).orElse(null);
                if (content == null) {
                    continue;
                }
                LinesResult lines = readLines(content);
                if (lines.error() != null) {
                    unreadableObjects++;
                    addWarning(warnings, key + ": " + lines.error());
                }
                for (String line : lines.lines()) {
                    if (line.isBlank()) {
                        continue;
                    }
                    UsageRecord r;
                    try {
                        r = UsageRecordCodec.read(line);
                    } catch (MalformedUsageRecordException e) {
                        malformedLines++;
                        addWarning(warnings, key + ": skipped a line: " + e.getMessage());
                        continue;
                    }
                    if (r.tsStart().isBefore(from) || !r.tsStart().isBefore(to)) {
                        continue;
                    }
                    if (!seen.add(r.requestId())) {
                        duplicates++;
                        continue;
                    }
                    records++;
                    sink.accept(r);
                }
            }
        }
        return new ReadStats(objects, records, duplicates, malformedLines, unreadableObjects, List.copyOf(warnings));
    }

    /** The lines of a gzip NDJSON object (empty on unreadable content). */
    static List<String> lines(byte[] gzipContent) {
        return readLines(gzipContent).lines();
    }

    private static LinesResult readLines(byte[] gzipContent) {
        List<String> lines = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(
                new GZIPInputStream(new ByteArrayInputStream(gzipContent)), StandardCharsets.UTF_8))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                lines.add(line);
            }
            return new LinesResult(lines, null);
        } catch (IOException e) {
            // A truncated object still yields the lines before the damage; a cut line fails to parse and is counted.
            return new LinesResult(lines, "unreadable gzip (" + e.getMessage() + ")");
        }
    }

    private static void addWarning(List<String> warnings, String warning) {
        if (warnings.size() < 100) {
            warnings.add(warning);
        }
    }

    private record LinesResult(List<String> lines, String error) {}

    /** What a read saw: objects listed, records delivered, and what it skipped. */
    public record ReadStats(
            int objects,
            long records,
            long duplicates,
            long malformedLines,
            long unreadableObjects,
            List<String> warnings) {}
}
