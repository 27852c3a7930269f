package dev.spendgate.domain.waste;

import dev.spendgate.domain.budget.BudgetPolicy;
import dev.spendgate.domain.budget.BudgetPolicyStore;
import dev.spendgate.domain.keys.KeyStore;
import dev.spendgate.domain.keys.ProxyKey;
import dev.spendgate.domain.store.ObjectStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** In-memory fakes of the stores a simulation writes to. */
final class MemoryStores {
    private MemoryStores() {}

    static final class Objects implements ObjectStore {
        final TreeMap<String, byte[]> objects = new TreeMap<>();
        /** Keys read whole ({@link #get}) and as streams ({@link #open}), from any thread. */
        final java.util.Set<String> got = java.util.concurrent.ConcurrentHashMap.newKeySet();

        final java.util.Set<String> opened = java.util.concurrent.ConcurrentHashMap.newKeySet();

        @Override
        public void put(String key, byte[] content) {
            objects.put(key, content.clone());
        }

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
            return new ArrayList<>(
                    objects.subMap(prefix, prefix + Character.MAX_VALUE).keySet());
        }

        @Override
        public List<Listed> listWithSizes(String prefix) {
            return objects.subMap(prefix, prefix + Character.MAX_VALUE).entrySet().stream()
                    .map(e -> new Listed(e.getKey(), e.getValue().length))
                    .toList();
        }
    }

    static final class Keys implements KeyStore {
        final Map<String, ProxyKey> keys = new TreeMap<>();

        @Override
        public void create(ProxyKey key) {
            if (keys.putIfAbsent(key.id(), key) != null) {
                throw new IllegalStateException("exists");
            }
        }

        @Override
        public Optional<ProxyKey> findByHash(String keyHash) {
            return keys.values().stream()
                    .filter(k -> k.keyHash().equals(keyHash))
                    .findFirst();
        }

        @Override
        public Optional<ProxyKey> findById(String id) {
            return Optional.ofNullable(keys.get(id));
        }

        @Override
        public List<ProxyKey> list() {
            return List.copyOf(keys.values());
        }

        @Override
        public boolean revoke(String id) {
            return keys.computeIfPresent(id, (k, v) -> v.withEnabled(false)) != null;
        }
    }

    static final class Policies implements BudgetPolicyStore {
        final Map<String, BudgetPolicy> policies = new TreeMap<>();

        @Override
        public void put(BudgetPolicy policy) {
            policies.put(policy.id(), policy);
        }

        @Override
        public Optional<BudgetPolicy> find(String id) {
            return Optional.ofNullable(policies.get(id));
        }

        @Override
        public List<BudgetPolicy> list() {
            return List.copyOf(policies.values());
        }

        @Override
        public boolean delete(String id) {
            return policies.remove(id) != null;
        }
    }
}
