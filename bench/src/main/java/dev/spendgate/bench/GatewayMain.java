package dev.spendgate.bench;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.budget.BudgetPeriod;
import dev.spendgate.domain.budget.BudgetPolicy;
import dev.spendgate.domain.budget.BudgetScope;
import dev.spendgate.domain.keys.ProxyKey;
import dev.spendgate.domain.keys.ProxyKeys;
import dev.spendgate.function.proxy.GatewayRuntime;
import dev.spendgate.function.proxy.ProxyConfig;
import dev.spendgate.function.proxy.local.LocalGatewayServer;
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
        GatewayRuntime runtime = GatewayRuntime.local(config, dataDir);
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
            // Three budgets apply to every bench call: a reservation, a settlement and a journal entry for each.
            for (String scope : new String[] {"global", "feature:chatbot", "department:engineering"}) {
                runtime.budgetStores()
                        .policies()
                        .put(new BudgetPolicy(
                                BudgetScope.parse(scope),
                                BudgetPeriod.MONTHLY,
                                new BigDecimal("1000000000"),
                                BudgetPolicy.Mode.BLOCK,
                                null,
                                null,
                                null));
            }
        }
        LocalGatewayServer server = LocalGatewayServer.start(runtime.gateway(), "127.0.0.1", 0, 256);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.stop(1);
            runtime.close();
        }));
        System.out.println("PORT " + server.port());
        System.out.flush();
        Thread.currentThread().join();
    }
}
