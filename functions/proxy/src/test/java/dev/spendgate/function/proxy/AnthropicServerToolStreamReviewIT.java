package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.usage.UsageRecord;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Streamed Messages calls that use Anthropic's server-side web search tool, through the gateway, with the bytes
 * Anthropic sends (docs.anthropic.com/en/docs/agents-and-tools/tool-use/web-search-tool, "Streaming": each search is a
 * {@code server_tool_use} block named {@code web_search} followed by a {@code web_search_tool_result} block; the
 * cumulative {@code usage} of {@code message_delta} counts the searches and every input token of all the sampling
 * iterations). Anthropic bills each search $10 per 1,000 on top of the tokens, and a request above 200,000 input
 * tokens on claude-sonnet-4-5 at $6 / $22.50 for the whole request (docs.anthropic.com/en/docs/about-claude/pricing,
 * "Web search tool", "Long context pricing").
 */
class AnthropicServerToolStreamReviewIT {
    private static final String SSE_HEAD = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\n"
            + "Transfer-Encoding: chunked\r\n\r\n";
    private static final String REQUEST = """
            {"model":"claude-sonnet-4-5","max_tokens":1024,"stream":true,\
            "messages":[{"role":"user","content":"What changed in the EU AI Act this week?"}],\
            "tools":[{"type":"web_search_20250305","name":"web_search","max_uses":2}]}""";

    @TempDir
    Path dir;

    private ScriptedUpstream upstream;
    private GatewayFixture gw;

    @AfterEach
    void stop() throws IOException {
        if (gw != null) {
            gw.close();
        }
        if (upstream != null) {
            upstream.close();
        }
    }

    private static byte[] event(String name, String data) {
        return ScriptedUpstream.chunk("event: " + name + "\ndata: " + data + "\n\n");
    }

    private static List<byte[]> searchesThenText(int inputTokens) {
        return List.of(
                event("message_start", """
                        {"type":"message_start","message":{"id":"msg_01","type":"message","role":"assistant",\
                        "model":"claude-sonnet-4-5-20250929","content":[],"stop_reason":null,"stop_sequence":null,\
                        "usage":{"input_tokens":%d,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,\
                        "output_tokens":3,"service_tier":"standard"}}}""".formatted(inputTokens)),
                event("content_block_start", """
                        {"type":"content_block_start","index":0,"content_block":{"type":"server_tool_use",\
                        "id":"srvtoolu_01","name":"web_search","input":{}}}"""),
                event("content_block_delta", """
                        {"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta",\
                        "partial_json":"{\\"query\\":\\"EU AI Act news this week\\"}"}}"""),
                event("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}"),
                event("content_block_start", """
                        {"type":"content_block_start","index":1,"content_block":{"type":"web_search_tool_result",\
                        "tool_use_id":"srvtoolu_01","content":[{"type":"web_search_result","title":"AI Act",\
                        "url":"https://example.eu/ai-act","encrypted_content":"EqgfCioI","page_age":null}]}}"""),
                event("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":1}"),
                event("content_block_start", """
                        {"type":"content_block_start","index":2,"content_block":{"type":"server_tool_use",\
                        "id":"srvtoolu_02","name":"web_search","input":{}}}"""),
                event("content_block_delta", """
                        {"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta",\
                        "partial_json":"{\\"query\\":\\"AI Act delegated acts December\\"}"}}"""),
                event("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":2}"),
                event("content_block_start", """
                        {"type":"content_block_start","index":3,"content_block":{"type":"web_search_tool_result",\
                        "tool_use_id":"srvtoolu_02","content":[{"type":"web_search_result","title":"Delegated acts",\
                        "url":"https://example.eu/delegated","encrypted_content":"EpQBCioI","page_age":null}]}}"""),
                event("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":3}"),
                event("content_block_start", """
                        {"type":"content_block_start","index":4,"content_block":{"type":"text","text":""}}"""),
                event("content_block_delta", """
                        {"type":"content_block_delta","index":4,"delta":{"type":"text_delta",\
                        "text":"This week the Commission published two delegated acts under the AI Act."}}"""));
    }

    /**
     * The provider's stream ends after both searches ran, before {@code message_delta} (the README's "the provider's
     * stream ends early"): the call is recorded estimated. The two searches were run and Anthropic bills them ($0.02);
     * the README has a cut stream's record keep "provider figures where they arrived" and a call that searched carry
     * the searches' fee in {@code cost_usd}, as the gateway already does for an OpenAI Responses stream cut after its
     * {@code web_search_call} items were done.
     */
    @Test
    @Timeout(30)
    void streamEndingAfterTwoWebSearches_isRecordedWithTheirFee() throws Exception {
        List<byte[]> pieces = new java.util.ArrayList<>(searchesThenText(1_000));
        pieces.add(ScriptedUpstream.LAST_CHUNK); // ends cleanly, without message_delta and message_stop
        upstream = new ScriptedUpstream(SSE_HEAD, pieces);
        gw = GatewayFixture.embedded(dir, Map.of("SPENDGATE_ANTHROPIC_BASE_URL", upstream.base()));

        HttpResponse<String> response = gw.send(gw.post("/v1/messages", REQUEST));

        assertThat(response.statusCode()).isEqualTo(200);
        UsageRecord r = gw.record(
                response.headers().firstValue(Gateway.REQUEST_ID_HEADER).orElseThrow());
        assertThat(r.usageSource()).isEqualTo(UsageRecord.UsageSource.ESTIMATED);
        assertThat(r.tokens().webSearches())
                .as("the searches the stream showed run (recorded %s)", r.tokens())
                .isEqualTo(2);
        BigDecimal tokens = PricingCatalog.bundled()
                .find("anthropic", "claude-sonnet-4-5")
                .orElseThrow()
                .cost(r.tokens().withWebSearches(0));
        assertThat(r.costUsd().subtract(tokens))
                .as("2 searches x $10 / 1,000 on top of the tokens")
                .isEqualByComparingTo("0.02");
    }

    /**
     * The searches' results are input of the next sampling iteration: {@code message_start} said 150,000 input
     * tokens, the final cumulative {@code message_delta} 210,000, so the request was above 200,000 and is billed at
     * the long-context rates: 210,000 x $6 + 500 x $22.50 per 1M = $1.27125, plus 2 searches x $0.01 = $1.29125.
     */
    @Test
    @Timeout(30)
    void longContextReachedOnlyInTheFinalDelta_isBilledAtTheLongContextRates() throws Exception {
        List<byte[]> pieces = new java.util.ArrayList<>(searchesThenText(150_000));
        pieces.add(event("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":4}"));
        pieces.add(event("message_delta", """
                {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},\
                "usage":{"input_tokens":210000,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,\
                "output_tokens":500,"server_tool_use":{"web_search_requests":2}}}"""));
        pieces.add(event("message_stop", "{\"type\":\"message_stop\"}"));
        pieces.add(ScriptedUpstream.LAST_CHUNK);
        upstream = new ScriptedUpstream(SSE_HEAD, pieces);
        gw = GatewayFixture.embedded(dir, Map.of("SPENDGATE_ANTHROPIC_BASE_URL", upstream.base()));

        HttpResponse<String> response = gw.send(gw.post("/v1/messages", REQUEST));

        assertThat(response.statusCode()).isEqualTo(200);
        UsageRecord r = gw.record(
                response.headers().firstValue(Gateway.REQUEST_ID_HEADER).orElseThrow());
        assertThat(r.usageSource()).isEqualTo(UsageRecord.UsageSource.PROVIDER);
        assertThat(r.tokens().inputTokens()).isEqualTo(210_000);
        assertThat(r.costUsd()).isEqualByComparingTo("1.29125");
    }
}
