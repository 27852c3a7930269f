package dev.spendgate.domain.waste;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spendgate.domain.store.ObjectStore;
import java.io.IOException;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The life cycle of findings across analyses, by their stable {@link Finding#id() id}: {@code open} while the waste
 * goes on, {@code resolved} when it stopped (the finding is gone, or its last wasteful call is more than
 * {@value #QUIET_DAYS} days before the analysed window's end), {@code regressed} when a resolved finding's waste came
 * back. Stored as {@value #KEY} beside the findings documents.
 *
 * <p>Another version's document is read as far as this version can: an entry it cannot read (a category or status it
 * does not know) is carried through a save unchanged, and named in {@link #notes()}. A document it cannot read at all,
 * or of a newer {@code schema_version}, is never saved over ({@link #unsaveable()}).
 */
public final class FindingLifecycle {
    public static final String KEY = "findings/lifecycle.json";
    public static final int SCHEMA_VERSION = 1;
    static final int QUIET_DAYS = 7;
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** Where a finding stands. */
    public enum Status {
        OPEN,
        RESOLVED,
        REGRESSED;

        public String key() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** What an analysis says of one finding (from a findings document or a fresh analysis). */
    public record Seen(
            String id,
            WasteCategory category,
            String scopeType,
            String scopeValue,
            String feature,
            String model,
            Instant firstSeen,
            Instant lastSeen,
            BigDecimal monthlySavingsUsd) {
        public Seen {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(category, "category");
        }

        public static Seen of(Finding f) {
            return new Seen(
                    f.id(),
                    f.category(),
                    f.scopeType(),
                    f.scopeValue(),
                    f.feature(),
                    f.model(),
                    f.evidence().firstSeen(),
                    f.evidence().lastSeen(),
                    f.monthlySavingsUsd());
        }
    }

    /**
     * One finding's state.
     *
     * @param resolvedAt when its waste stopped (its last wasteful call), null unless resolved
     * @param baselineMonthlySavingsUsd what it cost per month while open (the last open analysis)
     */
    public record Entry(
            Seen finding,
            Status status,
            Instant firstSeen,
            Instant lastSeen,
            Instant resolvedAt,
            BigDecimal baselineMonthlySavingsUsd) {}

    private final Map<String, Entry> entries;
    /** The end of the latest analysed window applied, or null. */
    private final Instant analysedThrough;
    /** Stored entries this version cannot read, written back as they were. */
    private final List<JsonNode> carried;
    /** What the load left as it was, one line each. */
    private final List<String> notes;
    /** Why the stored document must not be saved over, or null. */
    private final String unsaveable;

    private FindingLifecycle(
            Map<String, Entry> entries,
            Instant analysedThrough,
            List<JsonNode> carried,
            List<String> notes,
            String unsaveable) {
        this.entries = entries;
        this.analysedThrough = analysedThrough;
        this.carried = List.copyOf(carried);
        this.notes = List.copyOf(notes);
        this.unsaveable = unsaveable;
    }

    public static FindingLifecycle empty() {
        return new FindingLifecycle(new TreeMap<>(), null, List.of(), List.of(), null);
    }

    /**
     * What the load could not read and left as it was (an entry of a category or status this version does not know),
     * one line each, for the run's warnings.
     */
    public List<String> notes() {
        return notes;
    }

    /**
     * Why this life cycle must not be saved over the stored document (it could not be read, or a newer version wrote
     * it), with what to do; empty when it may.
     */
    public Optional<String> unsaveable() {
        return Optional.ofNullable(unsaveable);
    }

    public Map<String, Entry> entries() {
        return Collections.unmodifiableMap(entries);
    }

    /**
     * The end of the latest analysed window this life cycle has taken in (null when none, or stored by a version that
     * did not say): a report of an earlier window must not store its states over it.
     */
    public Instant analysedThrough() {
        return analysedThrough;
    }

    /**
     * This life cycle after an analysis of the window ending {@code windowEnd}. Applying the same analysis twice
     * changes nothing, so a re-run report does not move states.
     */
    public FindingLifecycle after(List<Seen> analysis, Instant windowEnd) {
        Map<String, Entry> next = new TreeMap<>(entries);
        Instant quietSince = windowEnd.minus(Duration.ofDays(QUIET_DAYS));
        java.util.Set<String> seen = new java.util.HashSet<>();
        java.util.Set<String> legacyTaken = new java.util.HashSet<>();
        for (Seen s : analysis) {
            seen.add(s.id());
            Entry before = entries.get(s.id());
            String legacy = Finding.legacyId(s.id());
            if (before == null && !legacy.equals(s.id()) && entries.containsKey(legacy) && legacyTaken.add(legacy)) {
                // stored under the id it had before its prompt was part of it: the first finding of that id carries
                // its state over, and the old id leaves the life cycle
                before = entries.get(legacy);
                seen.add(legacy);
                next.remove(legacy);
            }
            Instant first = before == null || before.firstSeen() == null
                    ? s.firstSeen()
                    : s.firstSeen() == null ? before.firstSeen() : min(before.firstSeen(), s.firstSeen());
            boolean quiet = s.lastSeen() != null && s.lastSeen().isBefore(quietSince);
            if (quiet) {
                Instant resolvedAt = before != null
                                && before.status() == Status.RESOLVED
                                && before.resolvedAt() != null
                                && !before.resolvedAt().isBefore(s.lastSeen())
                        ? before.resolvedAt()
                        : s.lastSeen();
                BigDecimal baseline = before != null ? before.baselineMonthlySavingsUsd() : s.monthlySavingsUsd();
                next.put(s.id(), new Entry(s, Status.RESOLVED, first, s.lastSeen(), resolvedAt, baseline));
            } else {
                Status status = before != null
                                && before.status() == Status.RESOLVED
                                && before.resolvedAt() != null
                                && s.lastSeen() != null
                                && s.lastSeen().isAfter(before.resolvedAt())
                        ? Status.REGRESSED
                        : before != null && before.status() == Status.REGRESSED ? Status.REGRESSED : Status.OPEN;
                next.put(s.id(), new Entry(s, status, first, s.lastSeen(), null, s.monthlySavingsUsd()));
            }
        }
        for (Entry e : entries.values()) {
            if (!seen.contains(e.finding().id()) && e.status() != Status.RESOLVED) {
                // gone from an analysis of a later window: resolved when its waste was last seen
                if (e.lastSeen() == null || e.lastSeen().isBefore(windowEnd)) {
                    next.put(
                            e.finding().id(),
                            new Entry(
                                    e.finding(),
                                    Status.RESOLVED,
                                    e.firstSeen(),
                                    e.lastSeen(),
                                    e.lastSeen(),
                                    e.baselineMonthlySavingsUsd()));
                }
            }
        }
        List<JsonNode> stillCarried = carried.stream()
                .filter(n -> !next.containsKey(n.path("id").asText()))
                .toList();
        return new FindingLifecycle(
                next,
                analysedThrough == null || windowEnd.isAfter(analysedThrough) ? windowEnd : analysedThrough,
                stillCarried,
                notes,
                unsaveable);
    }

    /**
     * The stored life cycle, or an empty one. A document that cannot be read loads as an empty life cycle that
     * {@linkplain #unsaveable() must not be saved}.
     */
    public static FindingLifecycle load(ObjectStore store) {
        return store.get(KEY).map(FindingLifecycle::parse).orElseGet(FindingLifecycle::empty);
    }

    /**
     * Stores this life cycle over {@value #KEY}.
     *
     * @throws IllegalStateException when it was loaded from a document it must not be saved over ({@link
     *     #unsaveable()})
     */
    public void save(ObjectStore store, Instant updatedAt) {
        if (unsaveable != null) {
            throw new IllegalStateException(unsaveable);
        }
        store.put(KEY, toBytes(updatedAt));
    }

    byte[] toBytes(Instant updatedAt) {
        ObjectNode root = JSON.createObjectNode();
        root.put("schema_version", SCHEMA_VERSION);
        root.put("updated_at", updatedAt.truncatedTo(ChronoUnit.SECONDS).toString());
        root.put("analysed_through", time(analysedThrough));
        ArrayNode findings = root.putArray("findings");
        for (Entry e : entries.values()) {
            ObjectNode n = findings.addObject();
            Seen s = e.finding();
            n.put("id", s.id());
            n.put("status", e.status().key());
            n.put("category", s.category().label());
            ObjectNode scope = n.putObject("scope");
            scope.put("type", s.scopeType());
            scope.put("value", s.scopeValue());
            scope.put("feature", s.feature());
            scope.put("model", s.model());
            n.put("first_seen", time(e.firstSeen()));
            n.put("last_seen", time(e.lastSeen()));
            n.put("resolved_at", time(e.resolvedAt()));
            n.put(
                    "baseline_monthly_savings_usd",
                    e.baselineMonthlySavingsUsd() == null
                            ? null
                            : e.baselineMonthlySavingsUsd().toPlainString());
        }
        carried.forEach(findings::add);
        try {
            return (JSON.writeValueAsString(root) + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static FindingLifecycle parse(byte[] bytes) {
        JsonNode root;
        Instant through;
        try {
            root = JSON.readTree(bytes);
            if (root == null
                    || !root.isObject()
                    || !root.path("findings").isArray()
                            && !root.path("findings").isMissingNode()) {
                throw new IOException("not a life cycle document");
            }
            through = instant(root, "analysed_through");
        } catch (IOException | RuntimeException e) {
            // the report goes on without states, but must not replace what another version may still read
            return new FindingLifecycle(
                    new TreeMap<>(),
                    null,
                    List.of(),
                    List.of(),
                    KEY + " could not be read (" + e.getMessage() + "); it is left as it is: repair it, or move it"
                            + " aside to start the findings' life cycle again");
        }
        int version = root.path("schema_version").asInt(SCHEMA_VERSION);
        String unsaveable = version > SCHEMA_VERSION
                ? KEY + " is schema_version " + version + ", written by a newer version (this one writes "
                        + SCHEMA_VERSION + "); it is left as it is: run the report with that version"
                : null;
        Map<String, Entry> entries = new TreeMap<>();
        List<JsonNode> carried = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        for (JsonNode n : root.path("findings")) {
            try {
                Entry e = entry(n);
                entries.put(e.finding().id(), e);
            } catch (RuntimeException e) {
                carried.add(n);
                notes.add("finding " + n.path("id").asText("(no id)") + " in " + KEY
                        + " kept as it is: this version cannot read it (" + e.getMessage() + ")");
            }
        }
        return new FindingLifecycle(entries, through, carried, notes, unsaveable);
    }

    private static Entry entry(JsonNode n) {
        if (!n.isObject() || !n.hasNonNull("id") || n.get("id").asText().isBlank()) {
            throw new IllegalArgumentException("no id");
        }
        JsonNode scope = n.path("scope");
        Seen s = new Seen(
                n.path("id").asText(),
                category(n.path("category").asText()),
                text(scope, "type"),
                text(scope, "value"),
                text(scope, "feature"),
                text(scope, "model"),
                instant(n, "first_seen"),
                instant(n, "last_seen"),
                n.hasNonNull("baseline_monthly_savings_usd")
                        ? new BigDecimal(n.get("baseline_monthly_savings_usd").asText())
                        : null);
        return new Entry(
                s,
                status(n.path("status").asText()),
                s.firstSeen(),
                s.lastSeen(),
                instant(n, "resolved_at"),
                s.monthlySavingsUsd());
    }

    private static WasteCategory category(String label) {
        try {
            return WasteCategory.parse(label);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("category '" + label + "' unknown to this version", e);
        }
    }

    private static Status status(String key) {
        try {
            return Status.valueOf(key.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("status '" + key + "' unknown to this version", e);
        }
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static Instant instant(JsonNode n, String field) {
        String v = text(n, field);
        return v == null ? null : Instant.parse(v);
    }

    private static String time(Instant t) {
        return t == null ? null : t.truncatedTo(ChronoUnit.SECONDS).toString();
    }

    private static Instant min(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }
}
