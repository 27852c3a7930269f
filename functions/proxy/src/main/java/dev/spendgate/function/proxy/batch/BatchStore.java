package dev.spendgate.function.proxy.batch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.store.ObjectStore;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What the gateway keeps about provider batches, in the object store (S3 in AWS, a directory locally), under
 * {@code batches/}: the creator of each batch (key and attribution), the key that uploaded each file, the worst case of
 * each uploaded batch input file,
 * which output file belongs to which batch, when each Message Batch ended, the {@code custom_id}s already recorded
 * for each batch, so results fetched twice are recorded once, and the batches whose results a sweep collected. The
 * creates forwarded whose answer is not yet stored are {@link PendingBatchCreates}'.
 */
final class BatchStore {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String PREFIX = "batches/";

    private final ObjectStore store;

    BatchStore(ObjectStore store) {
        this.store = Objects.requireNonNull(store, "store");
    }

    /**
     * Who created a batch, and when; {@code lineWorstCaseUsd} is what a result line whose cost is unknown is charged
     * ({@link FileWorstCase#perLine}), null when the batch's worst case is unknown (or it was created before it was
     * kept).
     */
    record Creator(
            String batchId,
            String provider,
            String pricingProvider,
            String keyId,
            Attribution attribution,
            Instant createdAt,
            BigDecimal lineWorstCaseUsd) {
        Creator {
            Objects.requireNonNull(batchId, "batchId");
            Objects.requireNonNull(provider, "provider");
            Objects.requireNonNull(attribution, "attribution");
            Objects.requireNonNull(createdAt, "createdAt");
        }
    }

    /** The worst case of an uploaded input file: its total (empty when a line has no price), lines and a model. */
    record FileWorstCase(Optional<BigDecimal> worstCaseUsd, int lines, String model) {
        /**
         * The worst case of one request: the total over the lines, rounded up to 10 decimal places (never less than
         * the share of it); empty when the total is unknown.
         */
        Optional<BigDecimal> perLine() {
            return lines <= 0
                    ? Optional.empty()
                    : worstCaseUsd.map(v -> v.divide(BigDecimal.valueOf(lines), 10, RoundingMode.CEILING)
                            .stripTrailingZeros());
        }
    }

    void saveCreator(Creator c) {
        ObjectNode n = JSON.createObjectNode();
        n.put("batch_id", c.batchId());
        n.put("provider", c.provider());
        n.put("pricing_provider", c.pricingProvider());
        n.put("key_id", c.keyId());
        n.put("created_at", c.createdAt().toString());
        if (c.lineWorstCaseUsd() != null) {
            n.put("line_worst_case_usd", c.lineWorstCaseUsd().toPlainString());
        }
        n.set("attribution", attributionJson(c.attribution()));
        put(creatorKey(c.batchId()), n);
    }

    /** A creator's attribution as kept with it (also in a pending create, {@link PendingBatchCreates}). */
    static ObjectNode attributionJson(Attribution a) {
        ObjectNode attr = JSON.createObjectNode();
        attr.put("feature", a.feature());
        attr.put("department", a.department());
        attr.put("team", a.team());
        attr.put("environment", a.environment());
        attr.put("session", a.session());
        attr.put("user", a.user());
        attr.put("run", a.run());
        return attr;
    }

    /** The attribution {@link #attributionJson} kept. */
    static Attribution attribution(JsonNode a) {
        return new Attribution(
                text(a, "feature"),
                text(a, "department"),
                text(a, "team"),
                text(a, "environment"),
                text(a, "session"),
                text(a, "user"),
                text(a, "run"));
    }

    Optional<Creator> creator(String batchId) {
        return read(creatorKey(batchId)).map(n -> {
            return new Creator(
                    n.path("batch_id").asText(),
                    n.path("provider").asText(),
                    n.path("pricing_provider").asText(),
                    text(n, "key_id"),
                    attribution(n.path("attribution")),
                    Instant.parse(n.path("created_at").asText()),
                    n.hasNonNull("line_worst_case_usd")
                            ? new BigDecimal(n.get("line_worst_case_usd").asText())
                            : null);
        });
    }

    void saveInputFile(String fileId, FileWorstCase worstCase) {
        ObjectNode n = JSON.createObjectNode();
        n.put("file_id", fileId);
        worstCase
                .worstCaseUsd()
                .ifPresentOrElse(v -> n.put("worst_case_usd", v.toPlainString()), () -> n.putNull("worst_case_usd"));
        n.put("lines", worstCase.lines());
        n.put("model", worstCase.model());
        put(PREFIX + "input-files/" + safe(fileId) + ".json", n);
    }

    Optional<FileWorstCase> inputFile(String fileId) {
        return read(PREFIX + "input-files/" + safe(fileId) + ".json")
                .map(n -> new FileWorstCase(
                        n.hasNonNull("worst_case_usd")
                                ? Optional.of(
                                        new BigDecimal(n.get("worst_case_usd").asText()))
                                : Optional.empty(),
                        n.path("lines").asInt(),
                        text(n, "model")));
    }

    /** Remembers which Spendgate key uploaded {@code fileId}. */
    void saveFileOwner(String fileId, String keyId) {
        ObjectNode n = JSON.createObjectNode();
        n.put("file_id", fileId);
        n.put("key_id", keyId);
        put(PREFIX + "file-owners/" + safe(fileId) + ".json", n);
    }

    /** The Spendgate key that uploaded {@code fileId}, if it was uploaded through the gateway since owners are kept. */
    Optional<String> fileOwner(String fileId) {
        return read(PREFIX + "file-owners/" + safe(fileId) + ".json").map(n -> text(n, "key_id"));
    }

    /**
     * Remembers that {@code fileId} holds results of {@code batchId} (OpenAI's {@code output_file_id} or
     * {@code error_file_id}) and when the
     * batch ended (its {@code completed_at}, {@code expired_at} or {@code cancelled_at}; kept as {@code completed_at}).
     */
    void saveOutputFile(String fileId, String batchId, Instant endedAt) {
        ObjectNode n = JSON.createObjectNode();
        n.put("file_id", fileId);
        n.put("batch_id", batchId);
        n.put("completed_at", endedAt.toString());
        put(PREFIX + "output-files/" + safe(fileId) + ".json", n);
    }

    /** The batch whose results {@code fileId} holds, and when it ended. */
    Optional<JsonNode> outputFile(String fileId) {
        return read(PREFIX + "output-files/" + safe(fileId) + ".json");
    }

    /**
     * Remembers when a Message Batch ended (its {@code ended_at}, or the first fetch of its results when the gateway
     * never saw that), so every fetch records and charges its results at the same time.
     */
    void saveEndedAt(String batchId, Instant endedAt) {
        ObjectNode n = JSON.createObjectNode();
        n.put("batch_id", batchId);
        n.put("ended_at", endedAt.toString());
        put(PREFIX + "ended/" + safe(batchId) + ".json", n);
    }

    /** When a Message Batch ended, as {@link #saveEndedAt} kept it. */
    Optional<Instant> endedAt(String batchId) {
        return read(PREFIX + "ended/" + safe(batchId) + ".json")
                .map(n -> Instant.parse(n.path("ended_at").asText()));
    }

    /** The {@code custom_id}s of {@code batchId} already recorded. */
    Set<String> recorded(String batchId) {
        Set<String> ids = new LinkedHashSet<>();
        read(recordedKey(batchId)).ifPresent(n -> n.path("custom_ids").forEach(id -> ids.add(id.asText())));
        return ids;
    }

    void saveRecorded(String batchId, Set<String> customIds) {
        ObjectNode n = JSON.createObjectNode();
        n.put("batch_id", batchId);
        ArrayNode ids = n.putArray("custom_ids");
        customIds.forEach(ids::add);
        put(recordedKey(batchId), n);
    }

    /**
     * The batches created through the gateway whose results a sweep has not yet collected ({@link
     * BatchApi#sweepEnded}), oldest id order.
     */
    java.util.List<String> unsweptBatches() {
        String created = PREFIX + "created/";
        String swept = PREFIX + "swept/";
        Set<String> done = new java.util.HashSet<>();
        for (String key : store.list(swept)) {
            done.add(idOf(key, swept));
        }
        java.util.List<String> ids = new java.util.ArrayList<>();
        for (String key : store.list(created)) {
            String id = idOf(key, created);
            if (isValidId(id) && !done.contains(id)) {
                ids.add(id);
            }
        }
        return ids;
    }

    /** The batch's results are all recorded: sweeps leave it alone from now on. */
    void saveSwept(String batchId, Instant at) {
        ObjectNode n = JSON.createObjectNode();
        n.put("batch_id", batchId);
        n.put("swept_at", at.toString());
        put(PREFIX + "swept/" + safe(batchId) + ".json", n);
    }

    private static String idOf(String key, String prefix) {
        String name = key.substring(prefix.length());
        return name.endsWith(".json") ? name.substring(0, name.length() - ".json".length()) : name;
    }

    private static String creatorKey(String batchId) {
        return PREFIX + "created/" + safe(batchId) + ".json";
    }

    private static String recordedKey(String batchId) {
        return PREFIX + "recorded/" + safe(batchId) + ".json";
    }

    /** Provider ids are letters, digits, {@code -} and {@code _}; anything else is refused before it names a key. */
    static boolean isValidId(String id) {
        return id != null && !id.isEmpty() && id.length() <= 200 && id.matches("[A-Za-z0-9_-]+");
    }

    private static String safe(String id) {
        if (!isValidId(id)) {
            throw new IllegalArgumentException("not a provider id: " + id);
        }
        return id;
    }

    private void put(String key, JsonNode n) {
        try {
            store.put(key, JSON.writeValueAsBytes(n));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private Optional<JsonNode> read(String key) {
        return store.get(key).map(bytes -> {
            try {
                return JSON.readTree(bytes);
            } catch (IOException e) {
                throw new IllegalStateException("batch state " + key + " is not valid JSON", e);
            }
        });
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }
}
