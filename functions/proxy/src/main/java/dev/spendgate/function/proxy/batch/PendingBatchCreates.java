package dev.spendgate.function.proxy.batch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.store.ObjectStore;
import dev.spendgate.function.proxy.Log;
import dev.spendgate.function.proxy.upstream.ApiFormat;
import dev.spendgate.function.proxy.upstream.Provider;
import java.io.IOException;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;

/**
 * Batch creates the gateway forwarded and has not stored the creator of. The provider creates (and bills) a batch
 * before the gateway can store who created it: a gateway killed in between (SIGKILL, a Lambda timeout) would leave a
 * batch no key owns, which no sweep collects and no budget is charged for. So each create is written here
 * ({@code batches/pending-creates/<key>/}) before it is forwarded, with its key, attribution, worst case, request count
 * and (OpenAI) input file, and closed once the provider's answer is handled: deleted where the store can delete (S3, the
 * local directory), else marked closed ({@code batches/pending-closed/<key>/}). So what is listed is kept to the creates
 * still open, and always to one key's on a request. An entry
 * left open is <b>adopted</b>: the provider batch that matches it (same provider; created within {@link #CLOCK_SLACK}
 * of the create, or later while it could still be in flight; OpenAI: the same {@code input_file_id}, Anthropic: the
 * same number of requests) and that has no creator gets the entry's as its creator, so its results are recorded and
 * charged as any batch's. Its key asking for the batch by id adopts it at once; the batch sweep adopts the entries
 * whose create can no longer be in flight from the provider's batch list. An entry no batch in the provider's list
 * matches after {@link #GIVE_UP_AFTER} is charged its worst case to its creator's budgets (the provider may have run
 * it unseen, e.g. deleted since) and closed.
 */
final class PendingBatchCreates {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String OPEN = BatchStore.PREFIX + "pending-creates/";
    static final String CLOSED = BatchStore.PREFIX + "pending-closed/";

    /** How far the provider's clock may be from the gateway's. */
    static final Duration CLOCK_SLACK = Duration.ofMinutes(5);

    /** How long an open entry no provider batch matches waits before its worst case is charged. */
    static final Duration GIVE_UP_AFTER = Duration.ofHours(24);

    /** Batches asked for per page of the provider's list (OpenAI allows up to 100), and pages per sweep. */
    private static final int PAGE = 100;

    private static final int MAX_PAGES = 20;

    /**
     * A create forwarded and not yet closed: {@code worstCaseUsd} and {@code lineWorstCaseUsd} null when unknown,
     * {@code requests} 0 when unknown, {@code inputFileId} an OpenAI create's.
     */
    record Entry(
            String id,
            String keyId,
            String provider,
            String pricingProvider,
            Attribution attribution,
            BigDecimal worstCaseUsd,
            BigDecimal lineWorstCaseUsd,
            int requests,
            String inputFileId,
            Instant at) {}

    /** Reads a page of the provider's batch list ({@code GET path}, its query included). */
    interface Lister {
        JsonNode page(Provider p, String path) throws IOException;
    }

    /** Charges an entry no batch matched its worst case, as spend at {@code at}; false leaves it for the next sweep. */
    interface Charger {
        boolean charge(Entry e, Instant at);
    }

    private final ObjectStore objects;
    private final BatchStore store;
    private final Duration inFlight;

    /** {@code inFlight}: how long after it is written a create may still await the provider's answer. */
    PendingBatchCreates(ObjectStore objects, BatchStore store, Duration inFlight) {
        this.objects = Objects.requireNonNull(objects, "objects");
        this.store = Objects.requireNonNull(store, "store");
        this.inFlight = Objects.requireNonNull(inFlight, "inFlight");
    }

    /** Writes the entry of a create about to be forwarded; durable when this returns. */
    Entry open(
            String keyId,
            Provider p,
            Attribution attribution,
            Optional<BatchStore.FileWorstCase> worst,
            String inputFileId,
            Instant at) {
        Entry e = new Entry(
                String.format("%013d", at.toEpochMilli()) + "-"
                        + UUID.randomUUID().toString().replace("-", ""),
                keyId,
                p.name(),
                p.pricingProvider(),
                attribution,
                worst.flatMap(BatchStore.FileWorstCase::worstCaseUsd).orElse(null),
                worst.flatMap(BatchStore.FileWorstCase::perLine).orElse(null),
                worst.map(BatchStore.FileWorstCase::lines).orElse(0),
                inputFileId,
                at);
        ObjectNode n = JSON.createObjectNode();
        n.put("id", e.id());
        n.put("key_id", e.keyId());
        n.put("provider", e.provider());
        n.put("pricing_provider", e.pricingProvider());
        n.set("attribution", BatchStore.attributionJson(attribution));
        n.put(
                "worst_case_usd",
                e.worstCaseUsd() == null ? null : e.worstCaseUsd().toPlainString());
        n.put(
                "line_worst_case_usd",
                e.lineWorstCaseUsd() == null ? null : e.lineWorstCaseUsd().toPlainString());
        n.put("requests", e.requests());
        n.put("input_file_id", inputFileId);
        n.put("at", at.toString());
        put(OPEN + segment(keyId) + "/" + e.id() + ".json", n);
        return e;
    }

    /**
     * The create's answer is handled (its creator stored, or nothing was created): the entry is done. Deleted where the
     * store can delete; else a close marker is written beside it, under its key's prefix.
     */
    void close(Entry e) {
        String name = segment(e.keyId()) + "/" + e.id() + ".json";
        try {
            objects.delete(OPEN + name);
            return;
        } catch (UnsupportedOperationException cannotDelete) {
            // a store without delete: marked closed instead
        }
        ObjectNode n = JSON.createObjectNode();
        n.put("id", e.id());
        put(CLOSED + name, n);
    }

    /** The entries not closed, oldest first. */
    List<Entry> open() {
        return open(OPEN, CLOSED);
    }

    /**
     * The entries of key {@code keyId} not closed, oldest first: lists that key's open entries only, and its close
     * markers only when it has any.
     */
    List<Entry> open(String keyId) {
        String dir = segment(keyId) + "/";
        return open(OPEN + dir, CLOSED + dir).stream()
                .filter(e -> keyId.equals(e.keyId()))
                .toList();
    }

    private List<Entry> open(String openPrefix, String closedPrefix) {
        List<String> keys = objects.list(openPrefix);
        if (keys.isEmpty()) {
            return List.of();
        }
        Set<String> closed = new HashSet<>();
        for (String key : objects.list(closedPrefix)) {
            closed.add(key.substring(CLOSED.length()));
        }
        List<Entry> open = new ArrayList<>();
        for (String key : keys) {
            String name = key.substring(OPEN.length());
            if (name.indexOf('/') > 0 && !closed.contains(name)) {
                objects.get(key).map(PendingBatchCreates::entry).ifPresent(open::add);
            }
        }
        open.sort(Comparator.comparing(Entry::at).thenComparing(Entry::id));
        return open;
    }

    /** A key id as one segment of an object key: itself when it is plain, else its SHA-256 in hex. */
    private static String segment(String keyId) {
        if (keyId != null && BatchStore.isValidId(keyId)) {
            return keyId;
        }
        try {
            byte[] hash = java.security.MessageDigest.getInstance("SHA-256")
                    .digest(String.valueOf(keyId).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return "sha256-" + java.util.HexFormat.of().formatHex(hash);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Adopts, of {@code batches} (provider batch objects of {@code p}), each one that has no creator and matches one of
     * {@code candidates}: the nearest in time. Returns the ids of the batches adopted.
     */
    List<String> adopt(Provider p, Iterable<JsonNode> batches, List<Entry> candidates) {
        List<Entry> left = new ArrayList<>(
                candidates.stream().filter(e -> e.provider().equals(p.name())).toList());
        List<String> adopted = new ArrayList<>();
        for (JsonNode b : batches) {
            String id = b.path("id").asText(null);
            Instant created = createdAt(b, p.format());
            if (left.isEmpty()
                    || created == null
                    || !BatchStore.isValidId(id)
                    || store.creator(id).isPresent()) {
                continue;
            }
            Optional<Entry> match = left.stream()
                    .filter(e -> matches(e, b, created, p.format()))
                    .min(Comparator.comparing(
                            e -> Duration.between(e.at(), created).abs()));
            if (match.isPresent()) {
                Entry e = match.get();
                store.saveCreator(new BatchStore.Creator(
                        id,
                        e.provider(),
                        e.pricingProvider(),
                        e.keyId(),
                        e.attribution(),
                        e.at(),
                        e.lineWorstCaseUsd()));
                close(e);
                left.remove(e);
                adopted.add(id);
                Log.warn(
                        null,
                        "batch " + id + " adopted: its create (" + e.id() + ") was forwarded and its answer never"
                                + " stored; its results are recorded and charged to key " + e.keyId());
            }
        }
        return adopted;
    }

    /**
     * Closes, uncharged, each of {@code candidates} that one of {@code batches} (of {@code p}) fits and whose stored
     * creator is the entry's key, stored no earlier than the entry and while its create could still be in flight: the
     * create was answered and its creator saved, and only its close was not written. Each batch closes at most one
     * entry (the nearest in time). Returns the entries closed.
     */
    List<Entry> closeAnswered(Provider p, Iterable<JsonNode> batches, List<Entry> candidates) {
        List<Entry> left = new ArrayList<>(
                candidates.stream().filter(e -> e.provider().equals(p.name())).toList());
        List<Entry> closed = new ArrayList<>();
        for (JsonNode b : batches) {
            String id = b.path("id").asText(null);
            Instant created = createdAt(b, p.format());
            if (left.isEmpty() || created == null || !BatchStore.isValidId(id)) {
                continue;
            }
            Optional<BatchStore.Creator> creator = store.creator(id);
            if (creator.isEmpty()) {
                continue;
            }
            BatchStore.Creator c = creator.get();
            Optional<Entry> match = left.stream()
                    .filter(e -> e.keyId() != null
                            && e.keyId().equals(c.keyId())
                            && e.provider().equals(c.provider())
                            && !c.createdAt().isBefore(e.at())
                            && !c.createdAt().isAfter(e.at().plus(inFlight))
                            && matches(e, b, created, p.format()))
                    .min(Comparator.comparing(
                            e -> Duration.between(e.at(), created).abs()));
            if (match.isPresent()) {
                Entry e = match.get();
                close(e);
                left.remove(e);
                closed.add(e);
                Log.info(
                        null,
                        "batch create " + e.id() + " closed: its batch " + id + " was answered and stored as key "
                                + e.keyId() + "'s");
            }
        }
        return closed;
    }

    /** What {@link #sweep} did. */
    record Swept(int adopted, int charged) {}

    /**
     * Adopts the open entries whose create can no longer be in flight from each provider's batch list (newest first,
     * paged back to the oldest entry's time); of those the list covered without a match, charges the ones older than
     * {@link #GIVE_UP_AFTER} their worst case and closes them. A provider that cannot be read leaves its entries for
     * the next sweep.
     */
    Swept sweep(Instant now, Function<String, Optional<Provider>> providers, Lister lister, Charger charger) {
        Map<String, List<Entry>> byProvider = new LinkedHashMap<>();
        for (Entry e : open()) {
            if (e.at().plus(inFlight).isBefore(now)) {
                byProvider.computeIfAbsent(e.provider(), k -> new ArrayList<>()).add(e);
            }
        }
        int adopted = 0;
        int charged = 0;
        for (Map.Entry<String, List<Entry>> group : byProvider.entrySet()) {
            Optional<Provider> provider = providers.apply(group.getKey()).filter(p -> !p.missingKey());
            if (provider.isEmpty()) {
                continue;
            }
            Provider p = provider.get();
            List<Entry> entries = group.getValue();
            Instant from = entries.get(0).at().minus(CLOCK_SLACK);
            List<JsonNode> listed = new ArrayList<>();
            Reach reach;
            try {
                reach = list(p, from, lister, listed);
            } catch (IOException | RuntimeException e) {
                Log.warn(
                        null,
                        entries.size() + " batch creates without a stored answer wait: " + p.name()
                                + "'s batch list could not be read ("
                                + e.getClass().getSimpleName() + ")");
                continue;
            }
            List<String> ids = adopt(p, listed, entries);
            adopted += ids.size();
            Set<String> stillOpen = new HashSet<>();
            open().forEach(e -> stillOpen.add(e.id()));
            List<Entry> unadopted =
                    entries.stream().filter(e -> stillOpen.contains(e.id())).toList();
            // answered creates whose close was not written: their batch has their key as creator, nothing to charge
            closeAnswered(p, listed, unadopted).forEach(e -> stillOpen.remove(e.id()));
            if (reach == Reach.BROKEN) {
                continue;
            }
            // CAPPED: the list was read to its MAX_PAGES newest pages, and every sweep reads the same newest ones, so
            // what lies past them is never read; an entry it left unmatched is given up as one the list did not hold
            String unmatched = reach == Reach.COVERED
                    ? " matches no " + p.name() + " batch "
                    : " matches none of " + p.name() + "'s " + (MAX_PAGES * PAGE) + " newest batches ";
            for (Entry e : unadopted) {
                if (stillOpen.contains(e.id()) && e.at().plus(GIVE_UP_AFTER).isBefore(now) && charger.charge(e, now)) {
                    close(e);
                    charged++;
                    Log.warn(
                            null,
                            "batch create " + e.id() + " of key " + e.keyId() + unmatched
                                    + GIVE_UP_AFTER.toHours() + " h on: charged its worst case ($"
                                    + (e.worstCaseUsd() == null
                                            ? "unknown"
                                            : e.worstCaseUsd().toPlainString())
                                    + ") to its budgets");
                }
            }
        }
        return new Swept(adopted, charged);
    }

    /** How far {@link #list} read the provider's batch list. */
    private enum Reach {
        /** Back to {@code from}, or to the list's end. */
        COVERED,
        /** To {@link #MAX_PAGES} pages, the newest: no sweep reads further back. */
        CAPPED,
        /** Not past a page whose cursor could not be read: a later sweep may read further. */
        BROKEN
    }

    /** Adds the provider's batches, newest first, to {@code listed} until one created before {@code from}. */
    private static Reach list(Provider p, Instant from, Lister lister, List<JsonNode> listed) throws IOException {
        boolean anthropic = p.format() == ApiFormat.ANTHROPIC;
        String after = null;
        for (int page = 0; page < MAX_PAGES; page++) {
            String path = (anthropic ? "/v1/messages/batches" : "/v1/batches") + "?limit=" + PAGE
                    + (after == null ? "" : (anthropic ? "&after_id=" : "&after=") + after);
            JsonNode list = lister.page(p, path);
            JsonNode data = list.path("data");
            boolean older = false;
            String last = null;
            for (JsonNode b : data) {
                listed.add(b);
                Instant created = createdAt(b, p.format());
                older |= created != null && created.isBefore(from);
                last = b.path("id").asText(null);
            }
            if (older || data.isEmpty() || !list.path("has_more").asBoolean(false)) {
                return Reach.COVERED;
            }
            after = list.path("last_id").asText(last);
            if (!BatchStore.isValidId(after)) {
                return Reach.BROKEN;
            }
        }
        return Reach.CAPPED;
    }

    /** Whether batch {@code b}, created at {@code created}, can be the one {@code e} asked for. */
    private boolean matches(Entry e, JsonNode b, Instant created, ApiFormat format) {
        if (created.isBefore(e.at().minus(CLOCK_SLACK))
                || created.isAfter(e.at().plus(inFlight).plus(CLOCK_SLACK))) {
            return false;
        }
        if (format == ApiFormat.OPENAI) {
            return e.inputFileId() != null
                    && e.inputFileId().equals(b.path("input_file_id").asText(null));
        }
        JsonNode counts = b.path("request_counts");
        int total = 0;
        for (String field : List.of("processing", "succeeded", "errored", "canceled", "expired")) {
            total += counts.path(field).asInt(0);
        }
        return e.requests() > 0 && total == e.requests();
    }

    /** A batch's {@code created_at}: OpenAI Unix seconds, Anthropic RFC 3339; null when absent. */
    private static Instant createdAt(JsonNode b, ApiFormat format) {
        JsonNode c = b.path("created_at");
        if (format == ApiFormat.OPENAI) {
            return c.canConvertToLong() ? Instant.ofEpochSecond(c.asLong()) : null;
        }
        try {
            return c.isTextual() ? Instant.parse(c.asText()) : null;
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private static Entry entry(byte[] bytes) {
        JsonNode n;
        try {
            n = JSON.readTree(bytes);
        } catch (IOException e) {
            throw new IllegalStateException("a pending batch create is not valid JSON", e);
        }
        return new Entry(
                n.path("id").asText(),
                text(n, "key_id"),
                n.path("provider").asText(),
                n.path("pricing_provider").asText(),
                BatchStore.attribution(n.path("attribution")),
                n.hasNonNull("worst_case_usd")
                        ? new BigDecimal(n.get("worst_case_usd").asText())
                        : null,
                n.hasNonNull("line_worst_case_usd")
                        ? new BigDecimal(n.get("line_worst_case_usd").asText())
                        : null,
                n.path("requests").asInt(0),
                text(n, "input_file_id"),
                Instant.parse(n.path("at").asText()));
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    private void put(String key, JsonNode n) {
        try {
            objects.put(key, JSON.writeValueAsBytes(n));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
