package dev.spendgate.embedded;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.keys.KeyStore;
import dev.spendgate.domain.keys.ProxyKey;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A {@link KeyStore} in one JSON file (hashes only, never secrets), shared safely by several processes: the
 * {@code ./spendgate local} server and the CLI's {@code keys create|revoke}.
 *
 * <p>Every change takes an exclusive lock on the sibling {@code <file>.lock}, re-reads the file, and atomically
 * replaces it (owner-only permissions); reads see another process's change within about a second, usually 100 ms
 * (see {@link SharedJsonFile}). Thread-safe.
 */
public final class FileKeyStore implements KeyStore {
    private static final int FORMAT_VERSION = 1;
    private static final Comparator<ProxyKey> CREATION_ORDER =
            Comparator.comparing(ProxyKey::createdAt).thenComparing(ProxyKey::id);

    private final SharedJsonFile<Keys> keys;

    /** A store in {@code file} (e.g. {@code .spendgate/keys.json}), created on the first key. */
    public FileKeyStore(Path file) {
        this.keys = new SharedJsonFile<>(Objects.requireNonNull(file, "file"), "key file", new Codec());
    }

    /** The JSON file holding the keys. */
    public Path file() {
        return keys.file();
    }

    @Override
    public void create(ProxyKey key) {
        Objects.requireNonNull(key, "key");
        keys.update(current -> {
            for (ProxyKey existing : current.list()) {
                if (existing.id().equals(key.id())) {
                    throw new IllegalStateException("a key with id " + key.id() + " already exists");
                }
                if (existing.keyHash().equals(key.keyHash())) {
                    throw new IllegalStateException(
                            "a key with the same secret already exists (id " + existing.id() + ")");
                }
            }
            List<ProxyKey> updated = new ArrayList<>(current.list());
            updated.add(key);
            return Keys.of(updated);
        });
    }

    @Override
    public Optional<ProxyKey> findByHash(String keyHash) {
        Objects.requireNonNull(keyHash, "keyHash");
        return Optional.ofNullable(keys.current().byHash().get(keyHash));
    }

    @Override
    public Optional<ProxyKey> findById(String id) {
        Objects.requireNonNull(id, "id");
        return Optional.ofNullable(keys.current().byId().get(id));
    }

    @Override
    public List<ProxyKey> list() {
        return keys.current().list();
    }

    @Override
    public boolean revoke(String id) {
        Objects.requireNonNull(id, "id");
        boolean[] found = {false};
        keys.update(current -> {
            List<ProxyKey> updated = new ArrayList<>(current.list().size());
            for (ProxyKey key : current.list()) {
                if (key.id().equals(id)) {
                    found[0] = true;
                    updated.add(key.withEnabled(false));
                } else {
                    updated.add(key);
                }
            }
            return found[0] ? Keys.of(updated) : null;
        });
        return found[0];
    }

    /** The keys in creation order, indexed by hash and by id. */
    private record Keys(List<ProxyKey> list, Map<String, ProxyKey> byHash, Map<String, ProxyKey> byId) {
        static Keys of(List<ProxyKey> keys) {
            List<ProxyKey> sorted = keys.stream().sorted(CREATION_ORDER).toList();
            Map<String, ProxyKey> byHash = new HashMap<>();
            Map<String, ProxyKey> byId = new HashMap<>();
            for (ProxyKey key : sorted) {
                byHash.put(key.keyHash(), key);
                byId.put(key.id(), key);
            }
            return new Keys(sorted, Map.copyOf(byHash), Map.copyOf(byId));
        }
    }

    /** {@code {"version": 1, "keys": [{"id", "keyHash", "name", "environment", "owner", "defaults", ...}]}}. */
    private static final class Codec implements SharedJsonFile.Codec<Keys> {
        @Override
        public Keys empty() {
            return Keys.of(List.of());
        }

        @Override
        public Keys parse(JsonNode root) throws IOException {
            int formatVersion = root.path("version").asInt(-1);
            if (formatVersion != FORMAT_VERSION) {
                throw new IOException("format version " + formatVersion + ", expected " + FORMAT_VERSION);
            }
            List<ProxyKey> keys = new ArrayList<>();
            for (JsonNode node : root.path("keys")) {
                keys.add(toKey(node));
            }
            return Keys.of(keys);
        }

        @Override
        public JsonNode serialize(Keys keys, ObjectMapper mapper) {
            ObjectNode root = mapper.createObjectNode();
            root.put("version", FORMAT_VERSION);
            ArrayNode array = root.putArray("keys");
            for (ProxyKey key : keys.list()) {
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
            }
            return root;
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
    }
}
