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

    /** Keys read whole ({@link #get}) and as streams ({@link #open}), from any thread. */
    final java.util.Set<String> got = java.util.concurrent.ConcurrentHashMap.newKeySet();

    final java.util.Set<String> opened = java.util.concurrent.ConcurrentHashMap.newKeySet();

    @Override
    public Optional<byte[]> get(String key) {
        got.add(key);
        return Optional.ofNullable(objects.get(key));
    }

    @Override
    public Optional<java.io.InputStream> open(String key) {
        opened.add(key);
        return Optional.ofNullable(objects.get(key)).map(java.io.ByteArrayInputStream::new);
    }

    @Override
    public List<String> list(String prefix) {
        return objects.keySet().stream().filter(k -> k.startsWith(prefix)).toList();
    }

    @Override
    public List<Listed> listWithSizes(String prefix) {
        return objects.entrySet().stream()
                .filter(e -> e.getKey().startsWith(prefix))
                .map(e -> new Listed(e.getKey(), e.getValue().length))
                .toList();
    }
}
