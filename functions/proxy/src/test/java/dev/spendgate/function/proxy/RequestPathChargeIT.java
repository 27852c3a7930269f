package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.spendgate.domain.budget.BudgetPeriod;
import dev.spendgate.domain.budget.BudgetPolicy;
import dev.spendgate.domain.budget.BudgetPolicy.Mode;
import dev.spendgate.domain.budget.BudgetScope;
import dev.spendgate.domain.budget.BudgetState;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.testing.upstream.Behavior;
import java.io.InputStream;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A call the provider answered is charged: what the provider billed for it reaches the call's record and its budget,
 * whatever happened to the answer on its way to the client.
 */
class RequestPathChargeIT {
    @TempDir
    Path dir;

    private GatewayFixture gw;

    @AfterEach
    void stop() {
        if (gw != null) {
            gw.close();
        }
    }

    private BudgetPolicy budget(String feature, String limit) {
        BudgetPolicy policy = new BudgetPolicy(
                BudgetScope.parse("feature:" + feature),
                BudgetPeriod.MONTHLY,
                new BigDecimal(limit),
                Mode.BLOCK,
                null,
                null,
                null);
        gw.runtime.budgetStores().policies().put(policy);
        return policy;
    }

    private BudgetState item(BudgetPolicy policy, String feature) {
        return gw.runtime
                .budgetStores()
                .ledger()
                .state(policy.itemKey(feature, Instant.now()))
                .orElse(BudgetState.EMPTY);
    }

    @Test
    void wholeAnswerCutAfterItsHead_providerBilledIt_budgetAndRecordStillCarryACost() {
        gw = GatewayFixture.embedded(dir);
        BudgetPolicy policy = budget("chatbot", "10");
        // a 200 answer whose body the provider's connection drops half way: the completion was generated (and billed)
        // before its first byte left, as a non-streamed answer always is
        gw.upstream.enqueue(Behavior.defaults().withInputTokens(4000).withTruncateAfterPieces(1));

        HttpResponse<String> response = gw.send(gw.post(
                        "/v1/chat/completions",
                        "{\"model\":\"gpt-4o\",\"max_tokens\":1000,"
                                + "\"messages\":[{\"role\":\"user\",\"content\":\"Summarise the ticket.\"}]}")
                .header("X-Cost-Feature", "chatbot"));

        assertThat(gw.upstream.requestCount()).isEqualTo(1);
        UsageRecord r = gw.record(
                response.headers().firstValue(Gateway.REQUEST_ID_HEADER).orElseThrow());
        assertThat(r.errorType()).isEqualTo("upstream_truncated");
        BudgetState state = item(policy, "chatbot");
        // gpt-4o: 4000 input tokens x $2.50 per 1M alone is $0.01 the provider billed; today the reservation is
        // released and the record is NOT_BILLABLE with no cost, as if the provider had never answered
        assertThat(state.spent().add(state.reserved())).isGreaterThan(BigDecimal.ZERO);
        assertThat(r.pricingStatus()).isNotEqualTo(UsageRecord.PricingStatus.NOT_BILLABLE);
    }

    @Test
    void wholeAnswerSlowerThanTheUpstreamTimeout_requestWasDelivered_reservationIsNotReleasedAsUnreachable() {
        gw = GatewayFixture.embedded(dir, Map.of("SPENDGATE_UPSTREAM_TIMEOUT_SECONDS", "1"));
        BudgetPolicy policy = budget("chatbot", "10");
        // the provider has the request and is generating (and will bill) it; it answers after the gateway gave up
        gw.upstream.enqueue(Behavior.defaults().withInputTokens(4000).withFirstByteDelay(Duration.ofSeconds(3)));

        HttpResponse<String> response = gw.send(gw.post(
                        "/v1/chat/completions",
                        "{\"model\":\"gpt-4o\",\"max_tokens\":1000,"
                                + "\"messages\":[{\"role\":\"user\",\"content\":\"Summarise the ticket.\"}]}")
                .header("X-Cost-Feature", "chatbot"));

        assertThat(response.statusCode()).isEqualTo(502);
        assertThat(gw.upstream.requestCount()).isEqualTo(1);
        UsageRecord r = gw.record(
                response.headers().firstValue(Gateway.REQUEST_ID_HEADER).orElseThrow());
        // today: "Spendgate could not reach provider 'openai'", recorded upstream_unreachable, NOT_BILLABLE, and the
        // worst case released, though the provider received the call and bills it
        BudgetState state = item(policy, "chatbot");
        assertThat(state.spent().add(state.reserved())).isGreaterThan(BigDecimal.ZERO);
        assertThat(r.errorType()).isNotEqualTo("upstream_unreachable");
    }

    @Test
    void reasoningModelStream_clientLeavesAfterTheFirstVisibleTokens_recordCarriesTheReasoningAlreadyBilled()
            throws Exception {
        gw = GatewayFixture.embedded(dir);
        BudgetPolicy policy = budget("agent", "10");
        // o4-mini reasons 8,000 tokens before its first visible token: those are generated, and billed, by the time
        // the client sees any text; then 400 visible pieces 50 ms apart, of which the client reads only the start
        gw.upstream.enqueue(Behavior.defaults()
                .withInputTokens(500)
                .withReasoningTokens(8000)
                .withPieceCount(400)
                .withPieceDelay(Duration.ofMillis(50)));

        HttpResponse<InputStream> response = gw.http.send(
                gw.post(
                                "/v1/chat/completions",
                                "{\"model\":\"o4-mini\",\"max_completion_tokens\":20000,\"stream\":true,"
                                        + "\"stream_options\":{\"include_usage\":true},"
                                        + "\"messages\":[{\"role\":\"user\",\"content\":\"Plan the migration.\"}]}")
                        .header("X-Cost-Feature", "agent")
                        .build(),
                HttpResponse.BodyHandlers.ofInputStream());
        String requestId =
                response.headers().firstValue(Gateway.REQUEST_ID_HEADER).orElseThrow();
        try (InputStream body = response.body()) {
            body.readNBytes(200);
        }

        UsageRecord r = gw.record(requestId);
        assertThat(r.errorType()).isEqualTo("client_disconnected");
        // today: a handful of output tokens counted from the visible text ($0.0006 for 500 input at $1.10 and a few
        // output at $4.40 per 1M), against at least 8,000 output tokens ($0.0352) the provider billed
        assertThat(r.tokens().outputTokens()).isGreaterThanOrEqualTo(8000);
        assertThat(item(policy, "agent").spent()).isGreaterThanOrEqualTo(new BigDecimal("0.0352"));
    }

    @Test
    void backgroundResponse_answeredQueuedWithoutUsage_isNotSettledAtThePromptAlone() throws Exception {
        // OpenAI's Responses API with background: true answers at once, status queued and usage null; the model runs
        // (and is billed) afterwards, and its result is fetched with GET /v1/responses/{id}, which the gateway does
        // not serve
        AtomicInteger calls = new AtomicInteger();
        HttpServer openAi = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        openAi.createContext("/v1/responses", exchange -> {
            calls.incrementAndGet();
            exchange.getRequestBody().readAllBytes();
            byte[] queued = ("{\"id\":\"resp_bg1\",\"object\":\"response\",\"created_at\":1796437383,"
                            + "\"status\":\"queued\",\"background\":true,\"error\":null,\"model\":\"gpt-4o\","
                            + "\"max_output_tokens\":2000,\"output\":[],\"usage\":null}")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, queued.length);
            exchange.getResponseBody().write(queued);
            exchange.close();
        });
        openAi.start();
        try {
            gw = GatewayFixture.embedded(
                    dir,
                    Map.of(
                            "SPENDGATE_OPENAI_BASE_URL",
                            "http://127.0.0.1:" + openAi.getAddress().getPort() + "/v1"));
            BudgetPolicy policy = budget("research", "10");

            HttpResponse<String> response = gw.send(gw.post(
                            "/v1/responses",
                            "{\"model\":\"gpt-4o\",\"background\":true,\"max_output_tokens\":2000,"
                                    + "\"input\":\"Write the quarterly report.\"}")
                    .header("X-Cost-Feature", "research"));

            UsageRecord r = gw.record(
                    response.headers().firstValue(Gateway.REQUEST_ID_HEADER).orElseThrow());
            if (calls.get() == 0) {
                // refusing background mode until its result can be priced is a fix too
                assertThat(response.statusCode()).isEqualTo(400);
                assertThat(response.body()).contains("background");
            } else {
                // today: settled at an estimate of the prompt alone ($0.00003), the reservation of the 2,000
                // output tokens ($0.02 at $10 per 1M) given back while the provider runs and bills the call
                BudgetState state = item(policy, "research");
                assertThat(state.spent().add(state.reserved())).isGreaterThanOrEqualTo(new BigDecimal("0.02"));
                assertThat(r.usageSource()).isNotEqualTo(UsageRecord.UsageSource.ESTIMATED);
            }
        } finally {
            openAi.stop(0);
        }
    }

    @Test
    void streamWithToolDefinitions_clientLeavesEarly_estimatedInputCountsTheToolsTheProviderBilled() throws Exception {
        gw = GatewayFixture.embedded(dir);
        // 40 function definitions (18 KB of JSON, thousands of tokens) the provider bills as input with the one short
        // message
        StringBuilder tools = new StringBuilder("[");
        for (int i = 0; i < 40; i++) {
            tools.append(i == 0 ? "" : ",")
                    .append("{\"type\":\"function\",\"function\":{\"name\":\"lookup_")
                    .append(i)
                    .append("\",\"description\":\"")
                    .append(("Looks up record " + i + " in the ledger and returns its balance, owner and history. ")
                            .repeat(4))
                    .append("\",\"parameters\":{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"string\"}}}}}");
        }
        tools.append("]");
        gw.upstream.enqueue(
                Behavior.defaults().withInputTokens(3500).withPieceCount(400).withPieceDelay(Duration.ofMillis(50)));

        HttpResponse<InputStream> response = gw.http.send(
                gw.post(
                                "/v1/chat/completions",
                                "{\"model\":\"gpt-4o\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
                                        + "\"tools\":" + tools
                                        + ",\"messages\":[{\"role\":\"user\",\"content\":\"Balance of 7?\"}]}")
                        .build(),
                HttpResponse.BodyHandlers.ofInputStream());
        String requestId =
                response.headers().firstValue(Gateway.REQUEST_ID_HEADER).orElseThrow();
        try (InputStream body = response.body()) {
            body.readNBytes(200);
        }

        UsageRecord r = gw.record(requestId);
        assertThat(r.errorType()).isEqualTo("client_disconnected");
        assertThat(r.usageSource()).isEqualTo(UsageRecord.UsageSource.ESTIMATED);
        // today: only the message text is counted (a dozen tokens); the budget's own worst case counts the tools
        assertThat(r.tokens().inputTokens()).isGreaterThanOrEqualTo(2000);
    }
}
