package dev.spendgate.domain.usage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.domain.store.ObjectStore;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * Puts back the usage records Amazon Data Firehose could not deliver. After an S3 outage longer than its retry
 * window (2 hours), Firehose writes a batch under {@value #PREFIX} (gzip, one JSON line per record, the record in
 * {@code rawData} as base64), where no report reads. Each such object's records go back under their own hour's
 * {@code usage/} prefix, in one object per hour named after the error object (so a replay run twice writes the same
 * objects, and readers drop repeated request ids anyway), and the error object is then deleted. An object with a line
 * that is no usage record (no readable {@code ts_start}: what the stream's partitioning refused) is kept for an
 * operator, its readable records put back all the same.
 */
public final class UsageErrorReplay {
    public static final String PREFIX = "usage-errors/";
    /** How the objects put back under an hour's prefix start: the only usage objects the replay writes. */
    public static final String REPLAYED_PART = "part-replayed-";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final ObjectStore store;

    private UsageErrorReplay(ObjectStore store) {
        this.store = Objects.requireNonNull(store, "store");
    }

    public static UsageErrorReplay create(ObjectStore store) {
        return new UsageErrorReplay(store);
    }

    /**
     * What a run did: error objects emptied and deleted, records put back, and the objects kept for their unreadable
     * lines.
     */
    public record Result(int objectsReplayed, long recordsReplayed, List<String> objectsKept) {}

    /** Replays every object under {@value #PREFIX}. */
    public Result run() {
        int replayed = 0;
        long records = 0;
        List<String> kept = new ArrayList<>();
        for (String key : store.list(PREFIX)) {
            byte[] content = store.get(key).orElse(null);
            if (content == null) {
                continue; // deleted meanwhile
            }
            Map<String, ByteArrayOutputStream> byHour = new LinkedHashMap<>();
            int unreadable = 0;
            for (String line : lines(content)) {
                for (String record : records(line)) {
                    Instant start = startOf(record);
                    if (start == null) {
                        unreadable++;
                    } else {
                        byHour.computeIfAbsent(UsageLayout.hourPrefix(start), h -> new ByteArrayOutputStream())
                                .writeBytes((record + "\n").getBytes(StandardCharsets.UTF_8));
                    }
                }
            }
            String name = REPLAYED_PART + hash(key) + ".ndjson.gz";
            for (Map.Entry<String, ByteArrayOutputStream> hour : byHour.entrySet()) {
                store.put(hour.getKey() + name, gzip(hour.getValue().toByteArray()));
                records +=
                        hour.getValue().toString(StandardCharsets.UTF_8).lines().count();
            }
            if (unreadable == 0) {
                store.delete(key);
                replayed++;
            } else {
                kept.add(key);
            }
        }
        return new Result(replayed, records, List.copyOf(kept));
    }

    /** The lines of an object, gunzipped when it is gzip. */
    private static List<String> lines(byte[] content) {
        byte[] text = content;
        if (content.length > 1 && (content[0] & 0xff) == 0x1f && (content[1] & 0xff) == 0x8b) {
            try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(content))) {
                text = in.readAllBytes();
            } catch (IOException e) {
                return List.of(new String(content, StandardCharsets.ISO_8859_1)); // damaged: one unreadable line
            }
        }
        return new String(text, StandardCharsets.UTF_8)
                .lines()
                .filter(l -> !l.isBlank())
                .toList();
    }

    /** A line's usage records: the base64 {@code rawData} of Firehose's error line, or the line itself. */
    private static List<String> records(String line) {
        try {
            JsonNode n = JSON.readTree(line);
            if (n != null && n.hasNonNull("rawData")) {
                String raw =
                        new String(Base64.getDecoder().decode(n.get("rawData").asText()), StandardCharsets.UTF_8);
                return raw.lines().filter(l -> !l.isBlank()).toList();
            }
        } catch (IOException | IllegalArgumentException e) {
            // not JSON, or not base64: unreadable below
        }
        return List.of(line);
    }

    /** The record's {@code ts_start}, or null when it is no usage record. */
    private static Instant startOf(String record) {
        try {
            JsonNode n = JSON.readTree(record);
            return n != null && n.hasNonNull("ts_start") && n.hasNonNull("request_id")
                    ? Instant.parse(n.get("ts_start").asText())
                    : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static String hash(String key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] gzip(byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
