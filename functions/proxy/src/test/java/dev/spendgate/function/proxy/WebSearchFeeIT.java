package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.testing.upstream.Behavior;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Messages call with Anthropic's server-side web search tool, through the gateway: Anthropic bills each search at
 * $10 per 1,000 on top of the tokens (docs.anthropic.com pricing, "Web search tool") and reports them in
 * {@code usage.server_tool_use.web_search_requests} (the fake upstream runs the tool's {@code max_uses} searches).
 * claude-sonnet-4-5 tokens: $3 / $15 per 1M.
 */
class WebSearchFeeIT {
    private static final String REQUEST = """
            {"model":"claude-sonnet-4-5","max_tokens":1024,%s\
            "messages":[{"role":"user","content":"What changed in the EU AI Act this week?"}],\
            "tools":[{"type":"web_search_20250305","name":"web_search","max_uses":3}]}""";

    @TempDir
    Path dir;

    GatewayFixture gw;

    @BeforeEach
    void start() {
        gw = GatewayFixture.embedded(dir);
    }

    @AfterEach
    void stop() {
        gw.close();
    }

    @Test
    void messagesCall_withThreeWebSearches_isRecordedWithTheSearchFee() throws Exception {
        gw.upstream.enqueue(Behavior.defaults().withInputTokens(1_000).withPieceCount(200));

        HttpResponse<String> answer = gw.http.send(
                gw.post("/v1/messages", REQUEST.formatted("")).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.body()).contains("\"web_search_requests\":3");
        UsageRecord r = single();
        // 1,000 x $3 + 200 x $15 per 1M = $0.006, plus 3 searches x $0.01
        assertThat(r.costUsd()).isEqualByComparingTo(new BigDecimal("0.036"));
        assertThat(r.tokens().webSearches()).as("the record's web_searches").isEqualTo(3);
    }

    @Test
    void streamedMessagesCall_withThreeWebSearches_isRecordedWithTheSearchFee() throws Exception {
        gw.upstream.enqueue(Behavior.defaults().withInputTokens(1_000).withPieceCount(200));

        HttpResponse<String> answer = gw.http.send(
                gw.post("/v1/messages", REQUEST.formatted("\"stream\":true,")).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.body()).contains("\"web_search_requests\":3");
        UsageRecord r = single();
        assertThat(r.stream()).isTrue();
        assertThat(r.costUsd()).isEqualByComparingTo(new BigDecimal("0.036"));
        assertThat(r.tokens().webSearches()).as("the record's web_searches").isEqualTo(3);
    }

    /**
     * OpenAI's older {@code web_search_preview} tool costs $25 per 1,000 calls on the non-reasoning models (gpt-4o,
     * gpt-4.1) and $10 on the reasoning ones; the {@code web_search} tool $10 everywhere (platform.openai.com/docs/
     * pricing, "Built-in tools"). The fake upstream answers a web-search tool with max_tool_calls web_search_call
     * items.
     */
    @Test
    void responsesCalls_withTwoSearches_payTheFeeOfTheToolAndModel() throws Exception {
        String request = """
                {"model":"%s","input":"What changed in the EU AI Act this week?","max_tool_calls":2,%s\
                "tools":[{"type":"%s"}]}""";
        String[][] cases = {
            {"gpt-4o", "web_search_preview", "", "0.05"},
            {"gpt-4o", "web_search_preview", "\"stream\":true,", "0.05"},
            {"gpt-4.1-mini", "web_search_preview_2025_03_11", "", "0.05"},
            {"gpt-4o", "web_search", "", "0.02"},
            {"gpt-5", "web_search_preview", "", "0.02"}
        };
        List<String> ids = new java.util.ArrayList<>();
        for (String[] c : cases) {
            gw.upstream.enqueue(Behavior.defaults().withInputTokens(1_000).withPieceCount(20));

            HttpResponse<String> answer = gw.http.send(
                    gw.post("/v1/responses", request.formatted(c[0], c[2], c[1]))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());

            assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
            ids.add(answer.headers().firstValue("X-Spendgate-Request-Id").orElseThrow());
        }
        List<UsageRecord> records = gw.awaitRecords(cases.length);
        PricingCatalog catalog = PricingCatalog.bundled();
        for (int i = 0; i < cases.length; i++) {
            String[] c = cases[i];
            String id = ids.get(i);
            UsageRecord r = records.stream()
                    .filter(x -> x.requestId().equals(id))
                    .findFirst()
                    .orElseThrow();
            String as = String.join(" ", c);
            assertThat(r.tokens().webSearches()).as(as).isEqualTo(2);
            BigDecimal tokens =
                    catalog.find("openai", c[0]).orElseThrow().cost(r.tokens().withWebSearches(0));
            assertThat(r.costUsd().subtract(tokens)).as(as).isEqualByComparingTo(c[3]);
            assertThat(r.tokens().previewWebSearches()).as(as).isEqualTo(c[1].startsWith("web_search_preview") ? 2 : 0);
        }
    }

    private UsageRecord single() {
        List<UsageRecord> records = gw.awaitRecords(1);
        assertThat(records).hasSize(1);
        return records.get(0);
    }
}
