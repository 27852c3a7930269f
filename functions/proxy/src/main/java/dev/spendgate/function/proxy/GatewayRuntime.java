package dev.spendgate.function.proxy;

import dev.spendgate.domain.keys.KeyStore;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.store.ObjectStore;
import dev.spendgate.domain.usage.UsageLogWriter;
import dev.spendgate.domain.usage.UsageSpool;
import dev.spendgate.embedded.FileKeyStore;
import dev.spendgate.embedded.FileSystemObjectStore;
import dev.spendgate.embedded.FileSystemUsageSpool;
import dev.spendgate.function.proxy.upstream.ProviderRouter;
import dev.spendgate.function.proxy.upstream.UpstreamClient;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A wired gateway and what keeps its usage log moving: a periodic flush, and delivery of spooled batches once the
 * store is back. Closing it flushes everything.
 */
public final class GatewayRuntime implements AutoCloseable {
    private static final Duration SPOOL_DRAIN_INTERVAL = Duration.ofSeconds(15);

    private final Gateway gateway;
    private final UsageLogWriter usageLog;
    private final ScheduledExecutorService scheduler;

    private GatewayRuntime(Gateway gateway, UsageLogWriter usageLog, Duration flushInterval) {
        this.gateway = gateway;
        this.usageLog = usageLog;
        if (flushInterval == null) {
            this.scheduler = null;
        } else {
            this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "spendgate-usage-flush");
                t.setDaemon(true);
                return t;
            });
            scheduler.scheduleWithFixedDelay(
                    this::flushQuietly, flushInterval.toMillis(), flushInterval.toMillis(), TimeUnit.MILLISECONDS);
            scheduler.scheduleWithFixedDelay(
                    this::drainQuietly,
                    SPOOL_DRAIN_INTERVAL.toMillis(),
                    SPOOL_DRAIN_INTERVAL.toMillis(),
                    TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Wires a gateway from its parts. With a {@code flushInterval} the log is flushed in the background (a long
     * running server); without one the caller flushes (a Lambda, after each invocation).
     */
    public static GatewayRuntime create(
            ProxyConfig config,
            KeyStore keys,
            ObjectStore store,
            UsageSpool spool,
            Clock clock,
            Duration flushInterval) {
        PricingCatalog pricing = PricingCatalog.bundled();
        if (config.pricingOverrides() != null) {
            pricing = pricing.withOverrides(config.pricingOverrides());
        }
        UsageLogWriter usageLog = UsageLogWriter.create(store, spool, clock, config.flushMaxRecords());
        usageLog.setListener(new LoggingFlushListener());
        Gateway gateway = new Gateway(
                keys,
                new ProviderRouter(config.providers()),
                pricing,
                usageLog,
                new UpstreamClient(Duration.ofSeconds(10), config.upstreamTimeout()),
                clock,
                config.maxBodyBytes());
        return new GatewayRuntime(gateway, usageLog, flushInterval);
    }

    /** The embedded set-up of {@code ./spendgate local}: keys, usage log and spool under {@code dataDir}. */
    public static GatewayRuntime local(ProxyConfig config, Path dataDir) {
        return create(
                config,
                new FileKeyStore(dataDir.resolve("keys.json")),
                new FileSystemObjectStore(dataDir),
                new FileSystemUsageSpool(dataDir.resolve("spool")),
                Clock.systemUTC(),
                config.flushInterval());
    }

    public Gateway gateway() {
        return gateway;
    }

    public UsageLogWriter usageLog() {
        return usageLog;
    }

    /** Stops background work and writes every buffered record (to the store, or the spool if it is down). */
    @Override
    public void close() {
        if (scheduler != null) {
            scheduler.shutdown();
            try {
                scheduler.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        usageLog.flush();
        drainQuietly();
    }

    private void flushQuietly() {
        try {
            usageLog.flush();
        } catch (RuntimeException e) {
            Log.error(null, "usage log flush failed", e);
        }
    }

    private void drainQuietly() {
        try {
            usageLog.drainSpool();
        } catch (RuntimeException e) {
            Log.error(null, "usage spool drain failed", e);
        }
    }

    private static final class LoggingFlushListener implements UsageLogWriter.FlushListener {
        @Override
        public void storeFailed(String objectKey, RuntimeException cause) {
            Log.warn(
                    null,
                    "usage store unreachable for " + objectKey + " ("
                            + cause.getClass().getSimpleName() + "); batch goes to the spool");
        }

        @Override
        public void spilled(String objectKey, int records) {
            Log.warn(null, records + " usage records spooled as " + objectKey + " until the store is back");
        }

        @Override
        public void spoolFailed(String objectKey, RuntimeException cause) {
            Log.error(null, "usage spool failed too; keeping " + objectKey + " in memory and retrying", cause);
        }

        @Override
        public void delivered(String objectKey, int records, boolean fromSpool) {
            if (fromSpool) {
                Log.info(null, "delivered spooled usage batch " + objectKey + " (" + records + " records)");
            }
        }
    }
}
