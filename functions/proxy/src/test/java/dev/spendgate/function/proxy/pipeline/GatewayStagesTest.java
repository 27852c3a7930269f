package dev.spendgate.function.proxy.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The gateway as a composition: a stage inserted into the standard list can refuse or answer the call itself. */
class GatewayStagesTest {
    private static final String CHAT =
            "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    @TempDir
    Path dir;

    BudgetGate gate;
    UsageLogWriter usageLog;

    @BeforeEach
    void setUp() {
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
                new FileSystemObjectStore(dir), new FileSystemUsageSpool(dir.resolve("spool")), clock, 100);
    }

    @AfterEach
    void tearDown() {
        gate.close();
    }

    /** The standard stages with {@code extra} inserted before Admit; the provider is a closed port. */
    private Gateway gateway(Stage extra) {
        List<Stage> stages = new ArrayList<>(Gateway.standardStages(
                Calls.keys(dir), Calls.router("http://127.0.0.1:9"), usageLog, Clock.systemUTC(), 65_536, gate));
        stages.add(3, extra);
        return new Gateway(
                stages,
                new Relay(new UpstreamClient(Duration.ofMillis(200), Duration.ofMillis(200))),
                new Price(
                        PricingCatalog.bundled(),
                        new dev.spendgate.function.proxy.budget.CostEstimator(PricingCatalog.bundled(), 4096)),
                new Record(gate, usageLog, PricingCatalog.bundled()),
                65_536,
                usageLog,
                Clock.systemUTC());
    }

    private RecordingSink call(Gateway gateway) {
        RecordingSink sink = new RecordingSink();
        CallContext ctx = Calls.post("/v1/chat/completions", CHAT, "Authorization", "Bearer " + Calls.SECRET);
        gateway.handle(ctx.request(), sink);
        return sink;
    }

    @Test
    void handle_stageAnswers_sendsItsAnswerWithRequestIdAndRecordsTheCall() {
        byte[] cached = "{\"cached\":true}".getBytes(StandardCharsets.UTF_8);
        Gateway gateway = gateway(ctx ->
                Step.answer(ctx, new Answer(200, new Headers().set("Content-Type", "application/json"), cached)));

        RecordingSink sink = call(gateway);

        assertThat(sink.status).isEqualTo(200);
        assertThat(sink.text()).isEqualTo("{\"cached\":true}");
        assertThat(sink.headers.first(Gateway.REQUEST_ID_HEADER)).isNotBlank();
        assertThat(sink.events).containsExactly("start", "end");
        assertThat(usageLog.flush()).isEqualTo(1);
    }

    @Test
    void handle_stageRefuses_rendersTheRefusalOnceAndRecordsTheCall() {
        Gateway gateway = gateway(ctx -> Step.refuse(ctx, Refusal.of(400, "invalid_request_error", "No.", "model")));

        RecordingSink sink = call(gateway);

        assertThat(sink.status).isEqualTo(400);
        assertThat(sink.text()).contains("\"param\":\"model\"");
        assertThat(usageLog.flush()).isEqualTo(1);
    }

    @Test
    void handle_stageThrows_answers500AndStillRecordsTheCall() {
        Gateway gateway = gateway(ctx -> {
            throw new IllegalStateException("boom");
        });

        RecordingSink sink = call(gateway);

        assertThat(sink.status).isEqualTo(500);
        assertThat(sink.text()).doesNotContain("boom");
        assertThat(usageLog.flush()).isEqualTo(1);
    }
}
