package dev.spendgate.domain.usage;

import dev.spendgate.domain.store.ObjectStore;
import dev.spendgate.domain.store.ObjectStoreException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;

/** A fake object store that can be switched off to simulate an outage. */
class InMemoryObjectStore implements ObjectStore {
    final ConcurrentSkipListMap<String, byte[]> objects = new ConcurrentSkipListMap<>();
    volatile boolean down;
    int puts;

    @Override
    public void put(String key, byte[] content) {
        if (down) {
            throw new ObjectStoreException("store is down", null);
        }
        puts++;
        objects.put(key, content.clone());
    }

    @Override
    public Optional<byte[]> get(String key) {
        return Optional.ofNullable(objects.get(key));
    }

    @Override
    public List<String> list(String prefix) {
        return objects.keySet().stream().filter(k -> k.startsWith(prefix)).toList();
    }
}
