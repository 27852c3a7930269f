package dev.spendgate.embedded;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spendgate.domain.budget.OnceMarker;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.Collections;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An {@link OnceMarker} in one JSON file ({@code {"version": 1, "markers": {"<key>": "<expiresAt>"}}}), so a marker
 * survives a restart and is shared with other processes on the same file.
 *
 * <p>A marker this instance already knows (set or seen, not expired) answers false from memory, so repeated calls for
 * an alert that was already sent cost no I/O. Any other call takes the file's cross-process lock, re-reads it, and
 * writes the new marker before returning true; expired markers are dropped on that write. Thread-safe. I/O failures
 * are {@link java.io.UncheckedIOException}s; an invalid file is an {@link IllegalStateException} naming it.
 */
public final class FileOnceMarker implements OnceMarker {
    private static final int FORMAT_VERSION = 1;

    private final SharedJsonFile<SortedMap<String, Instant>> markers;
    private final Clock clock;
    /** Markers known to exist, with their expiry. */
    private final Map<String, Instant> known = new ConcurrentHashMap<>();

    /** Markers in {@code file} (e.g. {@code .spendgate/markers.json}), created on the first mark. */
    public FileOnceMarker(Path file) {
        this(file, Clock.systemUTC());
    }

    public FileOnceMarker(Path file, Clock clock) {
        this.markers = new SharedJsonFile<>(Objects.requireNonNull(file, "file"), "marker file", new Codec());
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** The JSON file holding the markers. */
    public Path file() {
        return markers.file();
    }

    @Override
    public boolean markOnce(String markerKey, Instant expiresAt) {
        Objects.requireNonNull(markerKey, "markerKey");
        Objects.requireNonNull(expiresAt, "expiresAt");
        Instant now = clock.instant();
        Instant knownUntil = known.get(markerKey);
        if (knownUntil != null && !now.isAfter(knownUntil)) {
            return false;
        }
        boolean[] first = {false};
        markers.update(current -> {
            Instant existing = current.get(markerKey);
            if (existing != null && !now.isAfter(existing)) {
                known.put(markerKey, existing);
                return null;
            }
            SortedMap<String, Instant> updated = new TreeMap<>();
            current.forEach((key, until) -> {
                if (!now.isAfter(until)) {
                    updated.put(key, until);
                }
            });
            updated.put(markerKey, expiresAt);
            first[0] = true;
            return Collections.unmodifiableSortedMap(updated);
        });
        if (first[0]) {
            known.put(markerKey, expiresAt);
            forgetExpired(now);
        }
        return first[0];
    }

    private void forgetExpired(Instant now) {
        for (Iterator<Instant> it = known.values().iterator(); it.hasNext(); ) {
            if (now.isAfter(it.next())) {
                it.remove();
            }
        }
    }

    private static final class Codec implements SharedJsonFile.Codec<SortedMap<String, Instant>> {
        @Override
        public SortedMap<String, Instant> empty() {
            return Collections.emptySortedMap();
        }

        @Override
        public SortedMap<String, Instant> parse(JsonNode root) {
            int formatVersion = root.path("version").asInt(-1);
            if (formatVersion != FORMAT_VERSION) {
                throw new IllegalStateException("format version " + formatVersion + ", expected " + FORMAT_VERSION);
            }
            SortedMap<String, Instant> markers = new TreeMap<>();
            for (Map.Entry<String, JsonNode> marker : root.path("markers").properties()) {
                markers.put(marker.getKey(), Instant.parse(marker.getValue().asText()));
            }
            return Collections.unmodifiableSortedMap(markers);
        }

        @Override
        public JsonNode serialize(SortedMap<String, Instant> value, ObjectMapper mapper) {
            ObjectNode root = mapper.createObjectNode();
            root.put("version", FORMAT_VERSION);
            ObjectNode node = root.putObject("markers");
            value.forEach((key, until) -> node.put(key, until.toString()));
            return root;
        }
    }
}
