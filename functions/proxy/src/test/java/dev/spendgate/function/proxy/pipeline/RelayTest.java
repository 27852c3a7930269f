package dev.spendgate.function.proxy.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.function.proxy.upstream.UpstreamClient;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The relay against a real HTTP upstream on 127.0.0.1. */
class RelayTest {
    private static final String CHAT =
            "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    private static final String ANSWER = "{\"id\":\"c1\",\"model\":\"gpt-4o-mini\",\"choices\":[],"
            + "\"usage\":{\"prompt_tokens\":1000000,\"completion_tokens\":0,\"total_tokens\":1000000}}";

    @TempDir
    Path dir;

    HttpServer upstream;
    final Map<String, String> seenHeaders = new ConcurrentHashMap<>();
    final Relay relay = new Relay(new UpstreamClient(Duration.ofSeconds(2), Duration.ofSeconds(5)));
    final Price price = new Price(
            PricingCatalog.bundled(),
            new dev.spendgate.function.proxy.budget.CostEstimator(PricingCatalog.bundled(), 4096));
    final List<String> events = new ArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        upstream = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        upstream.createContext("/chat/completions", exchange -> {
            exchange.getRequestHeaders().forEach((k, v) -> seenHeaders.put(k.toLowerCase(), v.get(0)));
            exchange.getRequestBody().readAllBytes();
            boolean cut = exchange.getRequestHeaders().containsKey("X-Test-Cut");
            if (cut) {
                exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
                exchange.sendResponseHeaders(200, 0);
                OutputStream out = exchange.getResponseBody();
                out.write("data: {\"choices\":[{\"delta\":{\"content\":\"Hel".getBytes(StandardCharsets.UTF_8));
                out.flush();
                exchange.close(); // ends mid-event
                return;
            }
            byte[] body = ANSWER.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        upstream.start();
    }

    @AfterEach
    void tearDown() {
        upstream.stop(0);
    }

    private CallContext ready(String baseUrl, String... headers) {
        String[] all = new String[headers.length + 2];
        all[0] = "Authorization";
        all[1] = "Bearer " + Calls.SECRET;
        System.arraycopy(headers, 0, all, 2, headers.length);
        CallContext ctx = Calls.post("/v1/chat/completions", CHAT, all);
        ctx = new Authenticate(Calls.keys(dir)).apply(ctx).context();
        ctx = new Validate(Calls.router(baseUrl), 65_536).apply(ctx).context();
        ctx = ctx.with(b -> b.modelForwarded = b.modelRequested);
        return new Rewrite().apply(ctx).context();
    }

    private Exchange exchange(RecordingSink sink, CallContext ctx) {
        return Exchange.of(
                sink,
                (c, tracked) -> {
                    events.add("concluded");
                    CallContext done = tracked == null ? c : price.apply(c, tracked);
                    return new Exchange.Concluded(done, Optional.empty());
                },
                ctx);
    }

    private String base() {
        return "http://127.0.0.1:" + upstream.getAddress().getPort();
    }

    @Test
    void relay_wholeAnswer_concludesBeforeTheAnswerStartsAndSendsTheCost() {
        CallContext ctx = ready(base(), "X-Cost-Team", "search");
        RecordingSink sink = new RecordingSink(events);

        Step step = relay.relay(ctx, exchange(sink, ctx));

        assertThat(step.refused()).isFalse();
        assertThat(events).containsExactly("concluded", "start", "end");
        assertThat(sink.status).isEqualTo(200);
        assertThat(sink.text()).isEqualTo(ANSWER);
        assertThat(new java.math.BigDecimal(sink.headers.first(Relay.COST_HEADER)))
                .isEqualByComparingTo("0.15");
        assertThat(sink.headers.first(Relay.REQUEST_ID_HEADER)).isEqualTo("req-1");
        assertThat(seenHeaders).containsEntry("authorization", "Bearer sk-test");
        assertThat(seenHeaders).doesNotContainKey("x-cost-team");
    }

    @Test
    void relay_streamCutMidEvent_recordsTruncatedBeforeAbortingTheClient() {
        CallContext ctx = ready(base(), "X-Test-Cut", "1");
        RecordingSink sink = new RecordingSink(events);
        Exchange exchange = exchange(sink, ctx);

        Step step = relay.relay(ctx, exchange);

        assertThat(events).containsExactly("start", "concluded", "abort");
        assertThat(step.context().errorType()).isEqualTo("upstream_truncated");
        assertThat(exchange.latest().errorType()).isEqualTo("upstream_truncated");
    }

    @Test
    void relay_upstreamUnreachable_refuses502WithNothingSent() throws IOException {
        int closedPort;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        CallContext ctx = ready("http://127.0.0.1:" + closedPort);
        RecordingSink sink = new RecordingSink(events);

        Step step = relay.relay(ctx, exchange(sink, ctx));

        assertThat(step.refusal().status()).isEqualTo(502);
        assertThat(step.refusal().errorType()).isEqualTo("upstream_unreachable");
        assertThat(events).isEmpty();
    }
}
