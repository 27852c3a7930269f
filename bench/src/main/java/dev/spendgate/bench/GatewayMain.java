package dev.spendgate.bench;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.budget.BudgetPeriod;
import dev.spendgate.domain.budget.BudgetPolicy;
import dev.spendgate.domain.budget.BudgetScope;
import dev.spendgate.domain.keys.ProxyKey;
import dev.spendgate.domain.keys.ProxyKeys;
import dev.spendgate.function.proxy.GatewayRuntime;
import dev.spendgate.function.proxy.ProxyConfig;
import dev.spendgate.function.proxy.local.LocalGatewayRuntime;
import dev.spendgate.function.proxy.local.LocalGatewayServer;
import dev.spendgate.function.proxy.local.ServerLimits;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Instant;

/**
 * The gateway as the benchmark's child process: {@code GatewayMain DATA_DIR KEY_SECRET}, configured from the
 * environment like {@code ./spendgate local}, with keys, attribution, pricing and the usage log all on. Prints
 * {@code PORT n} once listening.
 */
public final class GatewayMain {
    private GatewayMain() {}

    public static void main(String[] args) throws Exception {
        Path dataDir = Path.of(args[0]);
        ProxyConfig config = ProxyConfig.fromEnv(System.getenv());
        String cache = System.getenv().getOrDefault("SPENDGATE_BENCH_CACHE", "off");
        if (!cache.equals("off")) {
            // hit: every call after the first is answered from the cache; miss: every call looks up and misses (an
            // answer larger than 1 byte is never kept), so the lookup's cost is all that changes
            java.nio.file.Files.createDirectories(dataDir.resolve("policy"));
            java.nio.file.Files.writeString(
                    dataDir.resolve("policy").resolve("gateway-policy.json"),
                    "{\"cache\": [{\"feature\": \"chatbot\", \"mode\": \"exact\", \"ttl_seconds\": 86400"
                            + (cache.equals("miss") ? ", \"max_entry_bytes\": 1" : "")
                            + "}]}");
        }
        GatewayRuntime runtime = LocalGatewayRuntime.create(config, dataDir);
        ProxyKey key = new ProxyKey(
                ProxyKeys.newId(),
                ProxyKeys.hash(args[1]),
                "bench",
                "bench",
                null,
                new Attribution(null, null, null, "bench", null, null, null),
                true,
                Instant.now());
        dev.spendgate.embedded.FileKeyStore keys =
                new dev.spendgate.embedded.FileKeyStore(dataDir.resolve("keys.json"));
        keys.create(key);
        if ("true".equals(System.getenv("SPENDGATE_BENCH_BUDGETS"))) {
            // The three budgets of issue 13 apply to every bench call: a global monthly block, a daily block per
            // feature and a monthly alert per department (reservations on the first two, spend on all three).
            put(runtime, "global", BudgetPeriod.MONTHLY, BudgetPolicy.Mode.BLOCK);
            put(runtime, "feature:*", BudgetPeriod.DAILY, BudgetPolicy.Mode.BLOCK);
            put(runtime, "department:*", BudgetPeriod.MONTHLY, BudgetPolicy.Mode.ALERT);
        }
        // the same server set-up as ./spendgate local, limits from the SPENDGATE_* environment
        LocalGatewayServer server =
                LocalGatewayServer.start(runtime, "127.0.0.1", 0, ServerLimits.fromEnv(System.getenv()));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.stop(1);
            runtime.close();
        }));
        System.out.println("PORT " + server.port());
        System.out.flush();
        startHiccupMeter();
        String slowExchangeMs = System.getenv("SPENDGATE_BENCH_SLOW_EXCHANGE_MS");
        if (slowExchangeMs != null) {
            // the harness lines these up with when its upstream answered (GatewayOverhead --trace-exchanges)
            long slow = Long.parseLong(slowExchangeMs) * 1_000_000L;
            dev.spendgate.function.proxy.upstream.UpstreamClient.timeExchanges((port, reused, began, written, head) -> {
                if (head - began >= slow) {
                    System.out.println("EXCHANGE " + port + " " + reused + " " + began + " " + written + " " + head);
                    System.out.flush();
                }
            });
            // a quarter of the threshold, so the harness finds most of its slowest calls' stages
            dev.spendgate.function.proxy.http.CallStages.time(new StageLog(slow / 4));
        }
        Thread.currentThread().join();
    }

    /**
     * The gateway's stage stamps of each call ({@code CallStages}), printed as {@code STAGES CALL PREV t0 .. t11} (the
     * stages' nanoTime in {@code CallStages.Stage} order, 0 when not reached; {@code PREV} when the same connection's
     * previous answer was written, 0 if none) for each call that took {@code slow} or more from that previous answer
     * (or from Jetty's first byte, when that answer is over a second old) to its own answer's write: a wait before
     * Jetty read the request counts too.
     */
    static final class StageLog implements dev.spendgate.function.proxy.http.CallStages.Stamps {
        private static final int STAGES = dev.spendgate.function.proxy.http.CallStages.Stage.values().length;
        private final long slow;
        private final java.util.concurrent.ConcurrentHashMap<String, long[]> calls =
                new java.util.concurrent.ConcurrentHashMap<>();
        private final ThreadLocal<long[]> current = new ThreadLocal<>();
        private final java.util.concurrent.atomic.AtomicLongArray lastWritten =
                new java.util.concurrent.atomic.AtomicLongArray(10_000);

        StageLog(long slowNanos) {
            this.slow = slowNanos;
        }

        @Override
        public void stamp(String call, dev.spendgate.function.proxy.http.CallStages.Stage stage, long nanos) {
            long[] t;
            if (call == null) {
                t = current.get();
                if (t == null) {
                    return;
                }
            } else {
                t = calls.computeIfAbsent(call, c -> new long[STAGES]);
                if (stage == dev.spendgate.function.proxy.http.CallStages.Stage.CALL) {
                    current.set(t);
                }
            }
            t[stage.ordinal()] = nanos;
            if (stage == dev.spendgate.function.proxy.http.CallStages.Stage.WRITTEN) {
                calls.remove(call);
                written(call, t);
            }
        }

        private void written(String call, long[] t) {
            int dash = call.indexOf('-');
            int conn = dash > 0 ? Integer.parseInt(call.substring(0, dash)) : 0;
            long prev = lastWritten.getAndSet(conn % 10_000, t[STAGES - 1]);
            long from = from(prev, t[0]);
            if (t[STAGES - 1] - from >= slow) {
                StringBuilder line =
                        new StringBuilder("STAGES ").append(call).append(' ').append(prev);
                for (long s : t) {
                    line.append(' ').append(s);
                }
                System.out.println(line);
                System.out.flush();
            }
        }
    }

    /** Where a call's time at the gateway starts: its connection's previous answer, unless that is over 1 s old. */
    static long from(long previousWritten, long begin) {
        return previousWritten != 0 && begin - previousWritten < 1_000_000_000L ? previousWritten : begin;
    }

    /**
     * A platform thread that sleeps 5 ms at a time and prints {@code HICCUP <epoch ms> <late ms>} when it wakes more
     * than 10 ms late: the whole process stopped (a safepoint, the host taking the CPU) rather than calls waiting on
     * something inside it. GatewayOverhead matches these with the stalls it sees.
     */
    private static void startHiccupMeter() {
        Thread meter = new Thread(() -> {
            while (true) {
                long before = System.nanoTime();
                long wall = System.currentTimeMillis();
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    return;
                }
                long late = System.nanoTime() - before - 5_000_000L;
                if (late > 10_000_000L) {
                    System.out.println("HICCUP " + wall + " " + late / 1_000_000L);
                    System.out.flush();
                }
            }
        });
        meter.setDaemon(true);
        meter.setName("hiccup-meter");
        meter.start();
    }

    private static void put(GatewayRuntime runtime, String scope, BudgetPeriod period, BudgetPolicy.Mode mode) {
        runtime.budgetStores()
                .policies()
                .put(new BudgetPolicy(
                        BudgetScope.parse(scope), period, new BigDecimal("1000000000"), mode, null, null, null));
    }
}
