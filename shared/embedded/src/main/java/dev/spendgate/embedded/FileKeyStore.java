package dev.spendgate.embedded;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.keys.KeyStore;
import dev.spendgate.domain.keys.ProxyKey;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * A {@link KeyStore} in one JSON file (hashes only, never secrets), shared safely by several processes: the
 * {@code ./spendgate local} server and the CLI's {@code keys create|revoke}.
 *
 * <p>Every change takes an exclusive lock on the sibling {@code <file>.lock}, re-reads the file, and atomically
 * replaces it (owner-only permissions). Every read checks the file's identity, modification time and size (one
 * {@code stat}) and re-reads it when another process changed it, so a revocation made elsewhere applies to the next
 * request. Thread-safe.
 */
public final class FileKeyStore implements KeyStore {
    private static final int FORMAT_VERSION = 1;
    private static final long MAX_SNAPSHOT_AGE_NANOS = 1_000_000_000L;
    private static final Comparator<ProxyKey> CREATION_ORDER =
            Comparator.comparing(ProxyKey::createdAt).thenComparing(ProxyKey::id);
    /** FileChannel locks are per process; threads and instances within this JVM queue on this lock first. */
    private static final Map<Path, ReentrantLock> JVM_LOCKS = new ConcurrentHashMap<>();

    private final Path file;
    private final Path lockFile;
    private final ReentrantLock jvmLock;
    private final ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    /** How long a snapshot is trusted without even looking at the file's attributes. */
    private static final long RECHECK_NANOS = 100_000_000L;

    private volatile Snapshot snapshot = Snapshot.EMPTY;

    /** A store in {@code file} (e.g. {@code .spendgate/keys.json}), created on the first key. */
    public FileKeyStore(Path file) {
        this.file = Objects.requireNonNull(file, "file").toAbsolutePath().normalize();
        this.lockFile = this.file.resolveSibling(this.file.getFileName() + ".lock");
        this.jvmLock = JVM_LOCKS.computeIfAbsent(this.file, f -> new ReentrantLock());
    }

    /** The JSON file holding the keys. */
    public Path file() {
        return file;
    }

    @Override
    public void create(ProxyKey key) {
        Objects.requireNonNull(key, "key");
        update(keys -> {
            for (ProxyKey existing : keys) {
                if (existing.id().equals(key.id())) {
                    throw new IllegalStateException("a key with id " + key.id() + " already exists");
                }
                if (existing.keyHash().equals(key.keyHash())) {
                    throw new IllegalStateException(
                            "a key with the same secret already exists (id " + existing.id() + ")");
                }
            }
            List<ProxyKey> updated = new ArrayList<>(keys);
            updated.add(key);
            return updated;
        });
    }

    @Override
    public Optional<ProxyKey> findByHash(String keyHash) {
        Objects.requireNonNull(keyHash, "keyHash");
        return Optional.ofNullable(current().byHash().get(keyHash));
    }

    @Override
    public Optional<ProxyKey> findById(String id) {
        Objects.requireNonNull(id, "id");
        return Optional.ofNullable(current().byId().get(id));
    }

    @Override
    public List<ProxyKey> list() {
        return current().keys();
    }

    @Override
    public boolean revoke(String id) {
        Objects.requireNonNull(id, "id");
        boolean[] found = {false};
        update(keys -> {
            List<ProxyKey> updated = new ArrayList<>(keys.size());
            for (ProxyKey key : keys) {
                if (key.id().equals(id)) {
                    found[0] = true;
                    updated.add(key.withEnabled(false));
                } else {
                    updated.add(key);
                }
            }
            return found[0] ? updated : null;
        });
        return found[0];
    }

    /** The keys as of the file's current version, re-reading it when it changed or the copy is a second old. */
    private Snapshot current() {
        Snapshot known = snapshot;
        if (known.version() != null && System.nanoTime() - known.checkedAt() < RECHECK_NANOS) {
            // Checked a moment ago: no file-system call on the gateway's hot path.
            return known;
        }
        Object version = version();
        if (known.isCurrent(version)) {
            snapshot = known.checkedNow();
            return snapshot;
        }
        synchronized (this) {
            known = snapshot;
            if (!known.isCurrent(version)) {
                known = read(version);
                snapshot = known;
            }
            return known;
        }
    }

    /** Applies {@code change} to the latest keys under the cross-process lock; a null result means no change. */
    private void update(Function<List<ProxyKey>, List<ProxyKey>> change) {
        jvmLock.lock();
        try {
            Files.createDirectories(lockFile.getParent());
            try (FileChannel channel =
                    FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                channel.lock(); // released when the channel closes
                Snapshot latest = read(version());
                List<ProxyKey> updated = change.apply(latest.keys());
                if (updated != null) {
                    AtomicFiles.writeOwnerOnly(file, serialize(updated));
                }
                Object version = version();
                synchronized (this) {
                    snapshot = read(version);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not update the key file " + file, e);
        } finally {
            jvmLock.unlock();
        }
    }

    /** The file's identity, modification time and size; null when it does not exist. */
    private Object version() {
        try {
            BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
            return List.of(
                    Objects.requireNonNullElse(attributes.fileKey(), ""),
                    attributes.lastModifiedTime(),
                    attributes.size());
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException("could not read the key file " + file, e);
        }
    }

    /** Reads the file (read after {@code version} was taken, so it is at least that new). */
    private Snapshot read(Object version) {
        if (version == null) {
            return Snapshot.EMPTY;
        }
        byte[] json;
        try {
            json = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return Snapshot.EMPTY;
        } catch (IOException e) {
            throw new UncheckedIOException("could not read the key file " + file, e);
        }
        return Snapshot.of(parse(json), version);
    }

    private List<ProxyKey> parse(byte[] json) {
        try {
            JsonNode root = mapper.readTree(json);
            int formatVersion = root.path("version").asInt(-1);
            if (formatVersion != FORMAT_VERSION) {
                throw new IllegalStateException("the key file " + file + " has format version " + formatVersion
                        + ", expected " + FORMAT_VERSION);
            }
            List<ProxyKey> keys = new ArrayList<>();
            for (JsonNode node : root.path("keys")) {
                keys.add(toKey(node));
            }
            return keys;
        } catch (IOException | RuntimeException e) {
            if (e instanceof IllegalStateException state) {
                throw state;
            }
            throw new IllegalStateException("the key file " + file + " is not valid: " + e.getMessage(), e);
        }
    }

    private static ProxyKey toKey(JsonNode node) {
        JsonNode defaults = node.path("defaults");
        return new ProxyKey(
                text(node, "id"),
                text(node, "keyHash"),
                text(node, "name"),
                text(node, "environment"),
                text(node, "owner"),
                new Attribution(
                        text(defaults, "feature"),
                        text(defaults, "department"),
                        text(defaults, "team"),
                        text(defaults, "environment"),
                        text(defaults, "session"),
                        text(defaults, "user"),
                        text(defaults, "run")),
                node.path("enabled").asBoolean(false),
                Instant.parse(Objects.requireNonNull(text(node, "createdAt"), "createdAt")));
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }

    private byte[] serialize(List<ProxyKey> keys) throws IOException {
        ObjectNode root = mapper.createObjectNode();
        root.put("version", FORMAT_VERSION);
        ArrayNode array = root.putArray("keys");
        keys.stream().sorted(CREATION_ORDER).forEach(key -> {
            ObjectNode node = array.addObject();
            node.put("id", key.id());
            node.put("keyHash", key.keyHash());
            node.put("name", key.name());
            node.put("environment", key.environment());
            if (key.owner() != null) {
                node.put("owner", key.owner());
            }
            ObjectNode defaults = node.putObject("defaults");
            key.defaults().asMap().forEach(defaults::put);
            node.put("enabled", key.enabled());
            node.put("createdAt", key.createdAt().toString());
        });
        return mapper.writeValueAsBytes(root);
    }

    private record Snapshot(
            List<ProxyKey> keys,
            Map<String, ProxyKey> byHash,
            Map<String, ProxyKey> byId,
            Object version,
            long readAt,
            long checkedAt) {
        static final Snapshot EMPTY = new Snapshot(List.of(), Map.of(), Map.of(), null, Long.MIN_VALUE, 0);

        /** This snapshot, confirmed current just now. */
        Snapshot checkedNow() {
            return new Snapshot(keys, byHash, byId, version, readAt, System.nanoTime());
        }

        /**
         * True when the file still has this version. Two quick rewrites can leave identity, time and size unchanged
         * (inode reuse, coarse timestamps), so a copy older than a second is re-read anyway.
         */
        boolean isCurrent(Object currentVersion) {
            return Objects.equals(version, currentVersion)
                    && (version == null || System.nanoTime() - readAt < MAX_SNAPSHOT_AGE_NANOS);
        }

        static Snapshot of(List<ProxyKey> keys, Object version) {
            List<ProxyKey> sorted = keys.stream().sorted(CREATION_ORDER).toList();
            Map<String, ProxyKey> byHash = new HashMap<>();
            Map<String, ProxyKey> byId = new HashMap<>();
            for (ProxyKey key : sorted) {
                byHash.put(key.keyHash(), key);
                byId.put(key.id(), key);
            }
            long now = System.nanoTime();
            return new Snapshot(sorted, Map.copyOf(byHash), Map.copyOf(byId), version, now, now);
        }
    }
}
