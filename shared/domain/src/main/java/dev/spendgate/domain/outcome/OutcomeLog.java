package dev.spendgate.domain.outcome;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spendgate.domain.store.ObjectStore;
import dev.spendgate.domain.store.ObjectStoreException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Outcomes in the object store: one small JSON object per recorded outcome under
 * {@code outcomes/v1/year=YYYY/month=MM/day=DD/}, written once and never rewritten (no read-modify-write, so
 * concurrent gateways never lose one). Fields: {@code ts}, {@code session} or {@code request_id}, {@code outcome},
 * {@code count}, {@code key_id}.
 *
 * <p>An outcome sent with an idempotency key (the client's {@code Idempotency-Key} header) is claimed first: one
 * undated object per Spendgate key id and idempotency key ({@code outcomes/v1/idempotency/<hash>.json}), written only
 * if absent, holds the outcome and the name it is stored under ({@code outcome-k-<hash>.json} under the day of the
 * POST that claimed it). Whoever wins the claim stores the outcome; a retry, whenever it comes (two days later, after a
 * month's end, or before the first POST finished), finds the claim and stores nothing new (it writes the claimed
 * outcome's object again, the same bytes under the same name, in case the first POST died between claim and store).
 * The month is read {@value #READERS} objects at a time.
 */
public final class OutcomeLog {
    public static final String ROOT = "outcomes/v1/";
    /** Objects read at once: S3 answers a GET in tens of milliseconds, so 30,000 outcomes read one by one take 15. */
    static final int READERS = 32;

    private static final String IDEMPOTENT = "outcome-k-";
    /** Where the claims of idempotency keys live: undated, so a retry finds its claim however late it comes. */
    public static final String IDEMPOTENCY = ROOT + "idempotency/";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final ObjectStore store;

    private OutcomeLog(ObjectStore store) {
        this.store = Objects.requireNonNull(store, "store");
    }

    public static OutcomeLog create(ObjectStore store) {
        return new OutcomeLog(store);
    }

    /** Stores the outcome and returns its key. */
    public String record(Outcome outcome) {
        LocalDate day = outcome.ts().atZone(ZoneOffset.UTC).toLocalDate();
        String key = dayPrefix(day) + "outcome-" + outcome.ts().toEpochMilli() + "-"
                + UUID.randomUUID().toString().substring(0, 8) + ".json";
        store.put(key, encode(outcome));
        return key;
    }

    /** What {@link #recordOnce} did. */
    public enum Once {
        /** Stored now. */
        STORED,
        /** The same outcome was stored under this idempotency key already (a retry): nothing stored. */
        REPEATED,
        /** Another outcome was stored under this idempotency key: nothing stored. */
        CONFLICTING
    }

    /**
     * Stores the outcome once for its idempotency key: nothing new when an outcome with the same Spendgate key id and
     * idempotency key was recorded before, however long ago (the claim under {@link #IDEMPOTENCY} is undated and
     * written only if absent, so of two racing POSTs exactly one stores).
     */
    public Once recordOnce(Outcome outcome, String idempotencyKey) {
        return recordOnceAt(outcome, idempotencyKey).once();
    }

    /** What {@link #recordOnceAt} did, and when the outcome it stands for was recorded (the first POST's time). */
    public record Recorded(Once once, Instant at) {}

    /**
     * {@link #recordOnce}, with the time the outcome was first recorded: a retry's answer says when the work was
     * recorded, not when the retry came.
     */
    public Recorded recordOnceAt(Outcome outcome, String idempotencyKey) {
        String hash = idempotencyHash(outcome.keyId(), idempotencyKey);
        String claim = IDEMPOTENCY + hash + ".json";
        String stored = dayPrefix(outcome.ts().atZone(ZoneOffset.UTC).toLocalDate()) + IDEMPOTENT + hash + ".json";
        if (store.putIfAbsent(claim, encodeClaim(outcome, stored))) {
            store.put(stored, encode(outcome));
            return new Recorded(Once.STORED, outcome.ts());
        }
        JsonNode earlier = store.get(claim).flatMap(OutcomeLog::tree).orElse(null);
        Optional<Outcome> first = earlier == null ? Optional.empty() : decode(earlier);
        if (first.isEmpty()) {
            throw new ObjectStoreException("the idempotency claim " + claim + " cannot be read", null);
        }
        if (!sameOutcome(first.get(), outcome)) {
            return new Recorded(Once.CONFLICTING, first.get().ts());
        }
        // the first POST may have died between its claim and its store: the same bytes under the same name again
        String storedAs = earlier.path("stored_as").asText(stored);
        if (store.get(storedAs).isEmpty()) {
            store.put(storedAs, encode(first.get()));
        }
        return new Recorded(Once.REPEATED, first.get().ts());
    }

    /** The same outcome of the same calls, whenever recorded. */
    private static boolean sameOutcome(Outcome a, Outcome b) {
        return Objects.equals(a.session(), b.session())
                && Objects.equals(a.requestId(), b.requestId())
                && Objects.equals(a.name(), b.name())
                && a.count() == b.count()
                && Objects.equals(a.keyId(), b.keyId());
    }

    /**
     * Every readable outcome recorded in the month (UTC), in key order; unreadable objects are skipped, and an
     * idempotent outcome stored on two days of the month (by a gateway before its claims were undated) is read once.
     */
    public List<Outcome> read(YearMonth month) {
        return readAll(month).outcomes();
    }

    /** What {@link #readAll} found: the readable outcomes, and the keys of objects that could not be read. */
    public record Read(List<Outcome> outcomes, List<String> unreadable) {}

    /** As {@link #read}, with the keys of the objects skipped as unreadable, so a report can name them. */
    public Read readAll(YearMonth month) {
        List<String> keys = new ArrayList<>();
        Set<String> idempotent = new HashSet<>();
        for (LocalDate day = month.atDay(1); !day.isAfter(month.atEndOfMonth()); day = day.plusDays(1)) {
            for (String key : store.list(dayPrefix(day))) {
                String name = key.substring(key.lastIndexOf('/') + 1);
                if (!name.startsWith(IDEMPOTENT) || idempotent.add(name)) {
                    keys.add(key);
                }
            }
        }
        List<Outcome> outcomes = new ArrayList<>(keys.size());
        List<String> unreadable = new ArrayList<>();
        try (ExecutorService readers = Executors.newFixedThreadPool(Math.min(READERS, Math.max(1, keys.size())))) {
            List<Future<Optional<byte[]>>> reads = new ArrayList<>(keys.size());
            for (String key : keys) {
                reads.add(readers.submit(() -> store.get(key)));
            }
            for (int i = 0; i < reads.size(); i++) {
                Optional<byte[]> bytes = reads.get(i).get(); // empty: deleted since it was listed
                if (bytes.isPresent()) {
                    Optional<Outcome> outcome = decode(bytes.get());
                    if (outcome.isPresent()) {
                        outcomes.add(outcome.get());
                    } else {
                        unreadable.add(keys.get(i));
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted reading outcomes", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        }
        return new Read(outcomes, unreadable);
    }

    /** The stored name's hash: the Spendgate key id and the client's idempotency key, so keys never collide. */
    static String idempotencyHash(String keyId, String idempotencyKey) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update((keyId + "\n" + idempotencyKey).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(sha.digest(), 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String dayPrefix(LocalDate day) {
        return String.format(
                "%syear=%04d/month=%02d/day=%02d/", ROOT, day.getYear(), day.getMonthValue(), day.getDayOfMonth());
    }

    static byte[] encode(Outcome o) {
        return bytes(node(o));
    }

    /** The claim of an idempotency key: the outcome and the object it is stored as. */
    static byte[] encodeClaim(Outcome o, String storedAs) {
        ObjectNode n = node(o);
        n.put("stored_as", storedAs);
        return bytes(n);
    }

    private static ObjectNode node(Outcome o) {
        ObjectNode n = JSON.createObjectNode();
        n.put("ts", o.ts().toString());
        n.put("session", o.session());
        n.put("request_id", o.requestId());
        n.put("outcome", o.name());
        n.put("count", o.count());
        n.put("key_id", o.keyId());
        return n;
    }

    private static byte[] bytes(ObjectNode n) {
        try {
            return JSON.writeValueAsBytes(n);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Optional<Outcome> decode(byte[] bytes) {
        return tree(bytes).flatMap(OutcomeLog::decode);
    }

    private static Optional<JsonNode> tree(byte[] bytes) {
        try {
            return Optional.ofNullable(JSON.readTree(bytes));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    static Optional<Outcome> decode(JsonNode n) {
        try {
            return Optional.of(new Outcome(
                    Instant.parse(n.path("ts").asText()),
                    n.hasNonNull("session") ? n.get("session").asText() : null,
                    n.hasNonNull("request_id") ? n.get("request_id").asText() : null,
                    n.path("outcome").asText(null),
                    n.path("count").asLong(),
                    n.hasNonNull("key_id") ? n.get("key_id").asText() : null));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }
}
