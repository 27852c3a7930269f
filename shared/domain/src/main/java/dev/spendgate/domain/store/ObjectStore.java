package dev.spendgate.domain.store;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.util.List;
import java.util.Optional;

/**
 * A flat store of immutable objects addressed by '/'-separated keys: S3 in AWS, a directory locally. Usage logs,
 * findings and reports live here.
 */
public interface ObjectStore {

    /** Writes the object, replacing any object with the same key. Throws {@link ObjectStoreException} on failure. */
    void put(String key, byte[] content);

    /**
     * Writes the object only if no object has the key, as one atomic step: of two callers racing on a key, exactly one
     * gets true. False (and nothing written) when the key exists. Throws {@link ObjectStoreException} on failure.
     * The content must be unique to the call (carry a run id): a store whose client resends a write whose answer was
     * lost finds the object already there, and tells its own write from another caller's by its bytes. This
     * default checks and writes under this instance's lock, so it is atomic only among callers of this one instance
     * (an in-memory store); adapters over shared storage override it with the storage's own conditional write.
     */
    default boolean putIfAbsent(String key, byte[] content) {
        synchronized (this) {
            if (get(key).isPresent()) {
                return false;
            }
            put(key, content);
            return true;
        }
    }

    /**
     * Removes the object; nothing happens when there is none. Throws {@link ObjectStoreException} on failure. This
     * default cannot delete ({@link UnsupportedOperationException}); adapters that can override it.
     */
    default void delete(String key) {
        throw new UnsupportedOperationException(getClass().getName() + " cannot delete objects");
    }

    /** The object's bytes, or empty when there is no object under the key. */
    Optional<byte[]> get(String key);

    /**
     * The object's bytes as a stream, read as they arrive rather than held whole, or empty when there is no object
     * under the key. The caller closes the stream (closing it early releases the connection without reading the
     * rest). Failing to open throws {@link ObjectStoreException}; failing part way through a read throws
     * {@link java.io.IOException} from the stream. One stream reads one version of the object, even when the key is
     * written meanwhile. This default reads the object whole through {@link #get}; adapters stream.
     */
    default Optional<InputStream> open(String key) {
        return get(key).map(ByteArrayInputStream::new);
    }

    /** Every key that starts with the prefix, in lexicographic order. */
    List<String> list(String prefix);

    /**
     * As {@link #list}, with each object's size in bytes as the listing gives it (S3's ListObjectsV2 carries it), so
     * a reader can budget what it holds before it fetches. This default knows no sizes ({@link Listed#UNKNOWN_SIZE});
     * adapters override it.
     */
    default List<Listed> listWithSizes(String prefix) {
        return list(prefix).stream()
                .map(key -> new Listed(key, Listed.UNKNOWN_SIZE))
                .toList();
    }

    /** A listed key and its object's size in bytes, or {@link #UNKNOWN_SIZE}. */
    record Listed(String key, long size) {
        public static final long UNKNOWN_SIZE = -1;

        public Listed {
            java.util.Objects.requireNonNull(key, "key");
            if (size < UNKNOWN_SIZE) {
                throw new IllegalArgumentException("size must be at least 0, or UNKNOWN_SIZE: " + size);
            }
        }
    }
}
