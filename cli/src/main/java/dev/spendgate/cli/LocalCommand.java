package dev.spendgate.cli;

import dev.spendgate.domain.pricing.CatalogFreshness;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.function.proxy.GatewayRuntime;
import dev.spendgate.function.proxy.ProxyConfig;
import dev.spendgate.function.proxy.SettingNames;
import dev.spendgate.function.proxy.local.LocalGatewayRuntime;
import dev.spendgate.function.proxy.local.LocalGatewayServer;
import dev.spendgate.function.proxy.local.ServerLimits;
import dev.spendgate.function.proxy.upstream.Provider;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code spendgate local}: the gateway on this machine, with embedded storage under the data directory. */
@Command(name = "local", description = "Run the gateway locally (embedded storage, no external services).")
final class LocalCommand implements Callable<Integer> {
    /** Below this an admin token is warned about at start: 24 hex characters are 96 bits. */
    static final int MIN_ADMIN_TOKEN_CHARS = 24;

    @Mixin
    SpendgateCli.DataDirOption dir;

    @Spec
    CommandSpec spec;

    @Option(
            names = "--port",
            defaultValue = "${env:SPENDGATE_PORT:-8787}",
            description = "Port to listen on (env SPENDGATE_PORT, default ${DEFAULT-VALUE}).")
    int port;

    @Option(
            names = "--host",
            defaultValue = "${env:SPENDGATE_HOST:-127.0.0.1}",
            description = "Address to bind (env SPENDGATE_HOST, default ${DEFAULT-VALUE}).")
    String host;

    @Option(
            names = "--threads",
            defaultValue = "${env:SPENDGATE_THREADS}",
            paramLabel = "N",
            description = "Ignored: each call runs on its own virtual thread (Java 21+). It sized the worker pool on"
                    + " Java 17-20; still accepted (env SPENDGATE_THREADS) so existing scripts start.")
    String threads;

    @Override
    public Integer call() throws Exception {
        Files.createDirectories(dir.dataDir);
        ProxyConfig config = ProxyConfig.fromEnv(System.getenv());
        GatewayRuntime runtime = LocalGatewayRuntime.create(
                config, dir.dataDir, dev.spendgate.function.proxy.local.CacheLimits.fromEnv(System.getenv()));
        runtime.console().useFindings(s -> new ConsoleFindings(s, AdvisorCommand.policyStore(dir)));
        LocalGatewayServer server =
                LocalGatewayServer.start(runtime, host, port, ServerLimits.fromEnv(System.getenv()));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            server.stop(5);
                            runtime.close();
                            stopped.countDown();
                        },
                        "spendgate-shutdown"));
        PrintWriter out = spec.commandLine().getOut();
        out.println("Spendgate listening on " + server.baseUrl() + " (data in " + dir.dataDir.toAbsolutePath() + ")");
        out.println("  server: " + server.engineDescription());
        if (threads != null) {
            spec.commandLine()
                    .getErr()
                    .println("spendgate: warning: --threads / SPENDGATE_THREADS (" + threads + ") is ignored: each"
                            + " call runs on its own virtual thread; SPENDGATE_MAX_CONNECTIONS bounds the load");
        }
        if (config.adminToken() != null && config.adminToken().length() < MIN_ADMIN_TOKEN_CHARS) {
            spec.commandLine()
                    .getErr()
                    .println("spendgate: warning: SPENDGATE_ADMIN_TOKEN has "
                            + config.adminToken().length()
                            + " characters: anyone who reaches this port from many addresses can guess a short one"
                            + " (10 tries a minute each); use " + MIN_ADMIN_TOKEN_CHARS
                            + " or more random characters, e.g. $(openssl rand -hex 24)");
        }
        SettingNames.warnings(System.getenv())
                .forEach(w -> spec.commandLine().getErr().println("spendgate: warning: " + w));
        for (Provider p : config.providers()) {
            out.println("  provider " + p.name() + " -> " + p.baseUrl() + credentialNote(p));
        }
        out.println("  OpenAI SDKs:    base URL " + server.baseUrl() + "/v1");
        out.println("  Anthropic SDKs: base URL " + server.baseUrl());
        if (KeysCommand.store(dir).list().isEmpty()) {
            out.println("  No proxy keys yet: ./spendgate keys create --name NAME --environment dev");
        }
        PricingCatalog catalog = PricingCatalog.bundled();
        CatalogFreshness.warning(catalog, LocalDate.now(ZoneOffset.UTC))
                .ifPresent(w -> spec.commandLine().getErr().println("spendgate: warning: " + w));
        out.println("Ctrl-C stops it; buffered usage records are flushed on the way out.");
        out.flush();
        stopped.await();
        return 0;
    }

    /** How the gateway will authenticate upstream, when that needs the user's attention. */
    private static String credentialNote(Provider p) {
        return switch (p.auth()) {
            case SIGV4 -> "  (signed with this machine's AWS credentials)";
            case NONE -> "";
            default -> p.apiKey() == null ? "  (no API key set)" : "";
        };
    }
}
