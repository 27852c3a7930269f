package dev.spendgate.domain.outcome;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spendgate.domain.store.ObjectStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * Outcomes in the object store: one small JSON object per recorded outcome under
 * {@code outcomes/v1/year=YYYY/month=MM/day=DD/}, written once and never rewritten (no read-modify-write, so
 * concurrent gateways never lose one). Fields: {@code ts}, {@code session} or {@code request_id}, {@code outcome},
 * {@code count}, {@code key_id}.
 */
public final class OutcomeLog {
    public static final String ROOT = "outcomes/v1/";
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

    /** Every readable outcome recorded in the month (UTC); unreadable objects are skipped. */
    public List<Outcome> read(YearMonth month) {
        List<Outcome> outcomes = new ArrayList<>();
        for (LocalDate day = month.atDay(1); !day.isAfter(month.atEndOfMonth()); day = day.plusDays(1)) {
            for (String key : store.list(dayPrefix(day))) {
                store.get(key).flatMap(OutcomeLog::decode).ifPresent(outcomes::add);
            }
        }
        return outcomes;
    }

    static String dayPrefix(LocalDate day) {
        return String.format(
                "%syear=%04d/month=%02d/day=%02d/", ROOT, day.getYear(), day.getMonthValue(), day.getDayOfMonth());
    }

    static byte[] encode(Outcome o) {
        ObjectNode n = JSON.createObjectNode();
        n.put("ts", o.ts().toString());
        n.put("session", o.session());
        n.put("request_id", o.requestId());
        n.put("outcome", o.name());
        n.put("count", o.count());
        n.put("key_id", o.keyId());
        try {
            return JSON.writeValueAsBytes(n);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static java.util.Optional<Outcome> decode(byte[] bytes) {
        try {
            JsonNode n = JSON.readTree(bytes);
            return java.util.Optional.of(new Outcome(
                    Instant.parse(n.path("ts").asText()),
                    n.hasNonNull("session") ? n.get("session").asText() : null,
                    n.hasNonNull("request_id") ? n.get("request_id").asText() : null,
                    n.path("outcome").asText(null),
                    n.path("count").asLong(),
                    n.hasNonNull("key_id") ? n.get("key_id").asText() : null));
        } catch (IOException | RuntimeException e) {
            return java.util.Optional.empty();
        }
    }
}
