package dev.spendgate.embedded;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spendgate.domain.budget.OnceMarker;
import dev.spendgate.logging.JsonLogger;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
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
 * are {@link java.io.UncheckedIOException}s. A damaged file (not the JSON above) is moved aside as
 * {@code <file>.damaged-<millis>}, logged as an error, and the markers start again: otherwise every alert after it would
 * fail.
 */
public final class FileOnceMarker implements OnceMarker {
    private static final int FORMAT_VERSION = 1;
    private static final JsonLogger LOG = JsonLogger.create("embedded");

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
        try {
            update(markerKey, expiresAt, now, first);
        } catch (IllegalStateException damaged) {
            // a damaged file must not stop every alert from then on: it is kept aside and the markers start again
            // (an alert already sent this period may go out once more, which beats none)
            setAside(damaged);
            update(markerKey, expiresAt, now, first);
        }
        if (first[0]) {
            known.put(markerKey, expiresAt);
            forgetExpired(now);
        }
        return first[0];
    }

    @Override
    public boolean isMarked(String markerKey) {
        Instant now = clock.instant();
        Instant until = known.get(markerKey);
        if (until == null) {
            try {
                until = markers.fresh().get(markerKey);
            } catch (IllegalStateException damaged) {
                return false; // set aside at the next mark; markers start again
            }
        }
        return until != null && !now.isAfter(until);
    }

    private void setAside(IllegalStateException damaged) {
        Path file = markers.file();
        Path aside = file.resolveSibling(file.getFileName() + ".damaged-" + clock.millis());
        try {
            Files.move(file, aside);
        } catch (java.nio.file.NoSuchFileException gone) {
            return; // another process set it aside first
        } catch (IOException e) {
            throw new UncheckedIOException("could not set the damaged marker file " + file + " aside", e);
        }
        LOG.error("markers.damaged_file_set_aside")
                .field("file", file.toString())
                .field("kept_as", aside.toString())
                .log(damaged.getMessage() + "; kept as " + aside + ", markers start again: an alert already sent"
                        + " this period may be sent once more");
    }

    private void update(String markerKey, Instant expiresAt, Instant now, boolean[] first) {
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
