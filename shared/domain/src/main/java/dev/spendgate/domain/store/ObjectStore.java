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
}
