package dev.spendgate.report;

import dev.spendgate.domain.store.ObjectStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;

/** An object store in memory, for tests. */
class MapObjectStore implements ObjectStore {
    final ConcurrentSkipListMap<String, byte[]> objects = new ConcurrentSkipListMap<>();

    @Override
    public void put(String key, byte[] content) {
        objects.put(key, content.clone());
    }

    @Override
    public Optional<byte[]> get(String key) {
        return Optional.ofNullable(objects.get(key)).map(byte[]::clone);
    }

    @Override
    public List<String> list(String prefix) {
        List<String> keys = new ArrayList<>();
        for (String k : objects.tailMap(prefix, true).keySet()) {
            if (!k.startsWith(prefix)) {
                break;
            }
            keys.add(k);
        }
        return keys;
    }
}
