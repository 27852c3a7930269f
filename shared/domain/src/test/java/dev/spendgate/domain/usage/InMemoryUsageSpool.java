package dev.spendgate.domain.usage;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

final class InMemoryUsageSpool implements UsageSpool {
    final Map<String, SpooledBatch> batches = new LinkedHashMap<>();
    boolean down;

    @Override
    public synchronized void spill(SpooledBatch batch) {
        if (down) {
            throw new IllegalStateException("spool is down");
        }
        batches.put(batch.objectKey(), batch);
    }

    @Override
    public synchronized List<SpooledBatch> pending(int max) {
        return new ArrayList<>(batches.values()).subList(0, Math.min(max, batches.size()));
    }

    @Override
    public synchronized void remove(String objectKey) {
        batches.remove(objectKey);
    }
}
