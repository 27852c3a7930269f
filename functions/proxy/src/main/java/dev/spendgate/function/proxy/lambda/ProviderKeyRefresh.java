package dev.spendgate.function.proxy.lambda;

import dev.spendgate.function.proxy.Log;
import dev.spendgate.function.proxy.upstream.ProviderRouter;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Re-reads the provider keys secret once {@code every} has passed, between invocations, so a key rotated in Secrets
 * Manager is used by warm instances within that time instead of when they are recycled. A read that fails keeps the
 * keys in use and is tried again after the same interval; what failed is logged, the secret never.
 */
public final class ProviderKeyRefresh implements Runnable {
    private final Supplier<Map<String, String>> read;
    private final ProviderRouter providers;
    private final long everyNanos;
    private final LongSupplier nanoTime;
    private long readAt; // guarded by reading: the nanoTime of the last read started
    /**
     * Claimed by the one worker that reads: on Lambda Managed Instances several invocations end at once, and while one
     * waits on Secrets Manager the others, whose keys in use stay valid, go on instead of queueing behind the read.
     */
    private final AtomicBoolean reading = new AtomicBoolean();

    /** {@code readAt}: the {@code nanoTime} of the read the keys in use came from (at start). */
    public ProviderKeyRefresh(
            Supplier<Map<String, String>> read,
            ProviderRouter providers,
            Duration every,
            LongSupplier nanoTime,
            long readAt) {
        this.read = Objects.requireNonNull(read, "read");
        this.providers = Objects.requireNonNull(providers, "providers");
        this.everyNanos = every.toNanos();
        this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
        this.readAt = readAt;
    }

    /** Re-reads the keys when due; returns at once when they are not, or another worker is reading them. */
    @Override
    public void run() {
        if (!reading.compareAndSet(false, true)) {
            return;
        }
        try {
            long now = nanoTime.getAsLong();
            if (now - readAt < everyNanos) {
                return;
            }
            readAt = now;
            Map<String, String> keys;
            try {
                keys = read.get();
            } catch (RuntimeException e) {
                // SecretsException messages name the secret and what is wrong, never its value
                Log.warn(null, "provider keys not re-read, the keys in use stay: " + e.getMessage());
                return;
            }
            providers.useKeys(keys);
        } finally {
            reading.set(false);
        }
    }
}
