package dev.spendgate.function.proxy.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.spendgate.domain.budget.BudgetEnforcer;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.usage.UsageLogWriter;
import dev.spendgate.embedded.FileSystemObjectStore;
import dev.spendgate.embedded.FileSystemUsageSpool;
import dev.spendgate.function.proxy.Gateway;
import dev.spendgate.function.proxy.budget.BudgetGate;
import dev.spendgate.function.proxy.budget.BudgetStores;
import dev.spendgate.function.proxy.budget.CostEstimator;
import dev.spendgate.function.proxy.budget.DegradationChains;
import dev.spendgate.function.proxy.budget.LogAlertSink;
import dev.spendgate.function.proxy.http.Headers;
import dev.spendgate.function.proxy.local.LocalGatewayRuntime;
import dev.spendgate.function.proxy.upstream.UpstreamClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Spendgate itself fails after the provider answered: the provider generated (and bills) the call, so its record must
 * not say {@code not_billable}, which would give its budget reservation back.
 */
class GatewayFailureTest {
    private static final String CHAT =
            "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    private static final String ANSWER = "{\"id\":\"c1\",\"model\":\"gpt-4o-mini\",\"choices\":[],"
            + "\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":30,\"total_tokens\":42}}";

    @TempDir
    Path dir;

    HttpServer upstream;
    BudgetGate gate;
    UsageLogWriter usageLog;

    @BeforeEach
    void setUp() throws IOException {
        upstream = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        upstream.createContext("/chat/completions", exchange -> {
            exchange.getRequestBody().readAllBytes();
            byte[] body = ANSWER.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        upstream.start();
        Clock clock = Clock.systemUTC();
        BudgetStores stores = LocalGatewayRuntime.budgets(dir.resolve("budgets"), new LogAlertSink());
        gate = new BudgetGate(
                new BudgetEnforcer(
                        stores.policies(),
                        stores.ledger(),
                        stores.marker(),
                        stores.alerts(),
                        stores.journal(),
                        Duration.ofMinutes(15),
                        clock),
                new CostEstimator(PricingCatalog.bundled(), 4096),
                DegradationChains.parse(null),
                stores.counter(),
                0,
                0,
                clock);
        usageLog = UsageLogWriter.create(
                new FileSystemObjectStore(dir.resolve("store")),
                new FileSystemUsageSpool(dir.resolve("spool")),
                clock,
                100);
    }

    @AfterEach
    void tearDown() {
        gate.close();
        upstream.stop(0);
    }

    @Test
    void handle_gatewayFailsAfterThe2xxAnswer_recordedUnpricedNotNotBillable() {
        ResponseTap broken = new ResponseTap() {
            @Override
            public void headers(CallContext ctx, Headers back) {
                throw new IllegalStateException("a bug after the provider answered");
            }
        };
        Gateway gateway = new Gateway(
                Gateway.standardStages(
                        Calls.keys(dir),
                        Calls.router("http://127.0.0.1:" + upstream.getAddress().getPort()),
                        usageLog,
                        Clock.systemUTC(),
                        65_536,
                        gate),
                new Relay(new UpstreamClient(Duration.ofSeconds(2), Duration.ofSeconds(5)), broken),
                new Price(PricingCatalog.bundled(), new CostEstimator(PricingCatalog.bundled(), 4096)),
                new Record(gate, usageLog, PricingCatalog.bundled()),
                65_536,
                usageLog,
                Clock.systemUTC());
        RecordingSink sink = new RecordingSink();

        gateway.handle(
                Calls.post("/v1/chat/completions", CHAT, "Authorization", "Bearer " + Calls.SECRET)
                        .request(),
                sink);
        assertThat(usageLog.flush()).isEqualTo(1);

        assertThat(sink.status).isEqualTo(500);
        List<String> records = records();
        assertThat(records).hasSize(1);
        // the provider ran the call: its worst case stays spent (unpriced), not given back (not_billable)
        assertThat(records.get(0)).contains("\"pricing_status\":\"unpriced\"").contains("gateway_error");
    }

    private List<String> records() {
        try (Stream<Path> files = Files.walk(dir.resolve("store"))) {
            return files.filter(f -> f.toString().endsWith(".gz"))
                    .flatMap(f -> {
                        try (InputStream in = new GZIPInputStream(Files.newInputStream(f))) {
                            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList().stream();
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    })
                    .filter(line -> !line.isBlank())
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
