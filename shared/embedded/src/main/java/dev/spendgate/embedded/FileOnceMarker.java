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
 * An {@link OnceMarker} in one JSON file ({@code {"version": 1, "markers": {"<key>": "<expiresAt>"}, "owners":
 * {"<key>": "<owner>"}}}, {@code owners} only for markers set with one: {@link #markOnce(String, Instant, String)}),
 * so a marker survives a restart and is shared with other processes on the same file. A version that does not know
 * {@code owners} reads the markers all the same, and drops the owners when it writes the file.
 *
 * <p>A marker this instance already knows (set or seen, not expired) answers from memory (false, but to the owner that
 * set it here), so repeated calls for
 * an alert that was already sent cost no I/O. Any other call takes the file's cross-process lock, re-reads it, and
 * writes the new marker before returning true; expired markers are dropped on that write. Thread-safe. I/O failures
 * are {@link java.io.UncheckedIOException}s. A damaged file (not the JSON above) is moved aside as
 * {@code <file>.damaged-<millis>}, logged as an error, and the markers start again: otherwise every alert after it would
 * fail.
 */
public final class FileOnceMarker implements OnceMarker {
    private static final int FORMAT_VERSION = 1;
    private static final JsonLogger LOG = JsonLogger.create("embedded");

    private final SharedJsonFile<Markers> markers;
    private final Clock clock;
    /** Markers known to exist, with their expiry. */
    private final Map<String, Instant> known = new ConcurrentHashMap<>();
    /** Of the known markers, the owners this instance set them with. */
    private final Map<String, String> knownOwners = new ConcurrentHashMap<>();

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
        return markOnce(markerKey, expiresAt, null);
    }

    @Override
    public boolean markOnce(String markerKey, Instant expiresAt, String owner) {
        Objects.requireNonNull(markerKey, "markerKey");
        Objects.requireNonNull(expiresAt, "expiresAt");
        Instant now = clock.instant();
        Instant knownUntil = known.get(markerKey);
        if (knownUntil != null && !now.isAfter(knownUntil)) {
            return owner != null && owner.equals(knownOwners.get(markerKey));
        }
        boolean[] first = {false};
        try {
            update(markerKey, expiresAt, owner, now, first);
        } catch (IllegalStateException damaged) {
            // a damaged file must not stop every alert from then on: it is kept aside and the markers start again
            // (an alert already sent this period may go out once more, which beats none)
            setAside(damaged);
            update(markerKey, expiresAt, owner, now, first);
        }
        if (first[0]) {
            known.put(markerKey, expiresAt);
            if (owner != null) {
                knownOwners.put(markerKey, owner);
            }
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
                until = markers.fresh().until().get(markerKey);
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

    /** Sets the marker unless it is set and not expired; {@code first} says whether it did, or it is {@code owner}'s. */
    private void update(String markerKey, Instant expiresAt, String owner, Instant now, boolean[] first) {
        markers.update(current -> {
            Instant existing = current.until().get(markerKey);
            if (existing != null && !now.isAfter(existing)) {
                known.put(markerKey, existing);
                String setBy = current.owners().get(markerKey);
                if (owner != null && owner.equals(setBy)) {
                    first[0] = true; // its owner asking again: the one that set it, before it was killed
                }
                return null;
            }
            SortedMap<String, Instant> updated = new TreeMap<>();
            SortedMap<String, String> owners = new TreeMap<>();
            current.until().forEach((key, until) -> {
                if (!now.isAfter(until)) {
                    updated.put(key, until);
                    String setBy = current.owners().get(key);
                    if (setBy != null) {
                        owners.put(key, setBy);
                    }
                }
            });
            updated.put(markerKey, expiresAt);
            if (owner != null) {
                owners.put(markerKey, owner);
            } else {
                owners.remove(markerKey);
            }
            first[0] = true;
            return new Markers(Collections.unmodifiableSortedMap(updated), Collections.unmodifiableSortedMap(owners));
        });
    }

    private void forgetExpired(Instant now) {
        for (Iterator<Instant> it = known.values().iterator(); it.hasNext(); ) {
            if (now.isAfter(it.next())) {
                it.remove();
            }
        }
        knownOwners.keySet().retainAll(known.keySet());
    }

    /** The markers' expiries, and the owners of those set with one. */
    private record Markers(SortedMap<String, Instant> until, SortedMap<String, String> owners) {}

    private static final class Codec implements SharedJsonFile.Codec<Markers> {
        @Override
        public Markers empty() {
            return new Markers(Collections.emptySortedMap(), Collections.emptySortedMap());
        }

        @Override
        public Markers parse(JsonNode root) {
            int formatVersion = root.path("version").asInt(-1);
            if (formatVersion != FORMAT_VERSION) {
                throw new IllegalStateException("format version " + formatVersion + ", expected " + FORMAT_VERSION);
            }
            SortedMap<String, Instant> markers = new TreeMap<>();
            for (Map.Entry<String, JsonNode> marker : root.path("markers").properties()) {
                markers.put(marker.getKey(), Instant.parse(marker.getValue().asText()));
            }
            SortedMap<String, String> owners = new TreeMap<>();
            for (Map.Entry<String, JsonNode> owner : root.path("owners").properties()) {
                owners.put(owner.getKey(), owner.getValue().asText());
            }
            return new Markers(Collections.unmodifiableSortedMap(markers), Collections.unmodifiableSortedMap(owners));
        }

        @Override
        public JsonNode serialize(Markers value, ObjectMapper mapper) {
            ObjectNode root = mapper.createObjectNode();
            root.put("version", FORMAT_VERSION);
            ObjectNode node = root.putObject("markers");
            value.until().forEach((key, until) -> node.put(key, until.toString()));
            if (!value.owners().isEmpty()) {
                ObjectNode owners = root.putObject("owners");
                value.owners().forEach(owners::put);
            }
            return root;
        }
    }
}
