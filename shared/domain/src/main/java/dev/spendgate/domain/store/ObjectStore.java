package dev.spendgate.domain.store;

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

    /** Every key that starts with the prefix, in lexicographic order. */
    List<String> list(String prefix);
}
