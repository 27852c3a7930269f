package dev.spendgate.function.proxy;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.keys.KeyStore;
import dev.spendgate.domain.keys.ProxyKey;
import dev.spendgate.domain.keys.ProxyKeys;
import dev.spendgate.domain.store.ObjectStore;
import dev.spendgate.domain.usage.UsageLogReader;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageSpool;
import dev.spendgate.embedded.FileKeyStore;
import dev.spendgate.embedded.FileSystemObjectStore;
import dev.spendgate.embedded.FileSystemUsageSpool;
import dev.spendgate.function.proxy.budget.BudgetStores;
import dev.spendgate.function.proxy.local.LocalGatewayRuntime;
import dev.spendgate.function.proxy.local.LocalGatewayServer;
import dev.spendgate.function.proxy.local.ServerLimits;
import dev.spendgate.testing.upstream.FakeLlmUpstream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A real gateway on a local port in front of a real fake upstream, with embedded storage in a temp directory (or
 * the stores a test passes). Every test talks HTTP to it like a client would.
 */
final class GatewayFixture implements AutoCloseable {
    final FakeLlmUpstream upstream;
    final GatewayRuntime runtime;
    final LocalGatewayServer server;
    final KeyStore keys;
    final ObjectStore store;
    final String secret;
    final ProxyKey key;
    final HttpClient http =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private GatewayFixture(
            FakeLlmUpstream upstream,
            KeyStore keys,
            ObjectStore store,
            UsageSpool spool,
            Function<ProxyConfig, BudgetStores> budgets,
            Clock clock,
            Map<String, String> env) {
        this(upstream, keys, store, spool, budgets, clock, env, null);
    }

    private GatewayFixture(
            FakeLlmUpstream upstream,
            KeyStore keys,
            ObjectStore store,
            UsageSpool spool,
            Function<ProxyConfig, BudgetStores> budgets,
            Clock clock,
            Map<String, String> env,
            Path optimizationsDir) {
        this(
                upstream,
                keys,
                store,
                spool,
                budgets,
                clock,
                env,
                optimizationsDir,
                dev.spendgate.domain.usage.UsageJournal.NONE);
    }

    private GatewayFixture(
            FakeLlmUpstream upstream,
            KeyStore keys,
            ObjectStore store,
            UsageSpool spool,
            Function<ProxyConfig, BudgetStores> budgets,
            Clock clock,
            Map<String, String> env,
            Path optimizationsDir,
            dev.spendgate.domain.usage.UsageJournal journal) {
        this.upstream = upstream;
        this.keys = keys;
        this.store = store;
        Map<String, String> all = new HashMap<>();
        all.put("OPENAI_API_KEY", "sk-fake-openai");
        all.put("ANTHROPIC_API_KEY", "sk-ant-fake");
        all.put("SPENDGATE_OPENAI_BASE_URL", upstream.openAiBaseUrl());
        all.put("SPENDGATE_ANTHROPIC_BASE_URL", upstream.anthropicBaseUrl());
        all.put("SPENDGATE_MAX_BODY_BYTES", "65536");
        all.putAll(env);
        ProxyConfig config = ProxyConfig.fromEnv(all);
        this.runtime = optimizationsDir == null
                ? GatewayRuntime.create(config, keys, store, spool, budgets.apply(config), clock, null)
                : GatewayRuntime.create(
                        config,
                        keys,
                        store,
                        spool,
                        journal,
                        budgets.apply(config),
                        LocalGatewayRuntime.optimizations(
                                optimizationsDir, clock, dev.spendgate.function.proxy.local.CacheLimits.fromEnv(all)),
                        clock,
                        null);
        try {
            this.server = LocalGatewayServer.start(runtime, "127.0.0.1", 0, ServerLimits.defaults());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.secret = ProxyKeys.newSecret();
        this.key = newKey(secret, "chatbot-prod", new Attribution(null, null, null, "prod", null, null, null));
    }

    static GatewayFixture embedded(Path dir) {
        return embedded(dir, Map.of());
    }

    static GatewayFixture embedded(Path dir, Map<String, String> env) {
        return embedded(dir, env, Clock.systemUTC());
    }

    static GatewayFixture embedded(Path dir, Map<String, String> env, Clock clock) {
        return new GatewayFixture(
                FakeLlmUpstream.start(),
                new FileKeyStore(dir.resolve("keys.json")),
                new FileSystemObjectStore(dir),
                new FileSystemUsageSpool(dir.resolve("spool")),
                config -> LocalGatewayRuntime.budgets(dir, GatewayRuntime.alertSink(config)),
                clock,
                env);
    }

    /** As {@link #embedded(Path)}, with the gateway policy and response cache of {@code dir} (as local runs). */
    static GatewayFixture optimized(Path dir, Clock clock) {
        return optimized(dir, clock, Map.of());
    }

    static GatewayFixture optimized(Path dir, Clock clock, Map<String, String> env) {
        return new GatewayFixture(
                FakeLlmUpstream.start(),
                new FileKeyStore(dir.resolve("keys.json")),
                new FileSystemObjectStore(dir),
                new FileSystemUsageSpool(dir.resolve("spool")),
                config -> LocalGatewayRuntime.budgets(dir, GatewayRuntime.alertSink(config)),
                clock,
                env,
                dir);
    }

    /** As {@link #optimized(Path, Clock, Map)}, journaling each record in {@code journal} as the local gateway does. */
    static GatewayFixture optimized(
            Path dir, Clock clock, Map<String, String> env, dev.spendgate.domain.usage.UsageJournal journal) {
        return new GatewayFixture(
                FakeLlmUpstream.start(),
                new FileKeyStore(dir.resolve("keys.json")),
                new FileSystemObjectStore(dir),
                new FileSystemUsageSpool(dir.resolve("spool")),
                config -> LocalGatewayRuntime.budgets(dir, GatewayRuntime.alertSink(config)),
                clock,
                env,
                dir,
                journal);
    }

    static GatewayFixture with(
            KeyStore keys, ObjectStore store, UsageSpool spool, BudgetStores budgets, Map<String, String> env) {
        return new GatewayFixture(
                FakeLlmUpstream.start(), keys, store, spool, config -> budgets, Clock.systemUTC(), env);
    }

    ProxyKey newKey(String keySecret, String name, Attribution defaults) {
        ProxyKey k = new ProxyKey(
                ProxyKeys.newId(),
                ProxyKeys.hash(keySecret),
                name,
                "prod",
                "team@example.com",
                defaults,
                true,
                Instant.now().truncatedTo(ChronoUnit.SECONDS));
        keys.create(k);
        return k;
    }

    String openAiBase() {
        return server.baseUrl() + "/v1";
    }

    HttpRequest.Builder post(String path, String body) {
        return HttpRequest.newBuilder(URI.create(server.baseUrl() + path))
                .header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + secret)
                .POST(HttpRequest.BodyPublishers.ofString(body));
    }

    /** A streamed answer the gateway ended as failed: its status, request id, the bytes before the cut, the error. */
    record CutResponse(int status, String requestId, String body, IOException error) {}

    /** Sends a call whose stream the upstream cuts; reads the answer until the client sees the cut (or its end). */
    CutResponse sendExpectingCut(HttpRequest.Builder request) throws InterruptedException {
        HttpResponse<java.io.InputStream> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        java.io.ByteArrayOutputStream seen = new java.io.ByteArrayOutputStream();
        IOException error = null;
        try (java.io.InputStream body = response.body()) {
            body.transferTo(seen);
        } catch (IOException e) {
            error = e;
        }
        return new CutResponse(
                response.statusCode(),
                response.headers().firstValue(Gateway.REQUEST_ID_HEADER).orElseThrow(),
                seen.toString(java.nio.charset.StandardCharsets.UTF_8),
                error);
    }

    HttpResponse<String> send(HttpRequest.Builder request) {
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Flushes the gateway's buffer and reads back every record of the last day. */
    List<UsageRecord> records() {
        runtime.usageLog().flush();
        List<UsageRecord> out = new ArrayList<>();
        Instant now = Instant.now();
        UsageLogReader.ReadStats stats = UsageLogReader.create(store)
                .read(now.minus(1, ChronoUnit.DAYS), now.plus(1, ChronoUnit.HOURS), out::add);
        if (stats.malformedLines() + stats.unreadableObjects() + stats.duplicates() > 0) {
            throw new AssertionError("usage log has damaged or duplicate records: " + stats);
        }
        return out;
    }

    /**
     * The record of one call. The gateway writes it after the last byte reaches the client, so it may land a moment
     * after the client has its answer: wait up to ten seconds.
     */
    UsageRecord record(String requestId) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (true) {
            for (UsageRecord r : records()) {
                if (r.requestId().equals(requestId)) {
                    return r;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no usage record for request " + requestId);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    /** Waits until {@code count} records are in the log, then returns them all. */
    List<UsageRecord> awaitRecords(int count) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        List<UsageRecord> all = records();
        while (all.size() < count && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
            all = records();
        }
        return all;
    }

    @Override
    public void close() {
        server.stop(0);
        runtime.close();
        upstream.close();
    }
}
