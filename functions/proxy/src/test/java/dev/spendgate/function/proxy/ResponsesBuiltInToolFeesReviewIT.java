package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.usage.UsageRecord;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * OpenAI's Responses API bills its built-in tools on top of the model's tokens (platform.openai.com/docs/pricing,
 * "Built-in tools"): file search "$2.50 / 1k tool calls" (Responses API only; one per {@code file_search_call} output
 * item), and Code Interpreter per container it creates ($0.03 for the default 1 GB container, more for 4 GB, 16 GB and
 * 64 GB), which a request with {@code "container": {"type": "auto"}} and no earlier turn creates. LiteLLM prices both
 * ({@code file_search_cost_per_1k_calls} 2.5, {@code code_interpreter_cost_per_session} 0.03). The call's
 * {@code usage} holds the model's tokens only. README "Pricing" sets the rule the gateway keeps for the web search and
 * {@code image_generation} tools: a call that ran a billed tool the catalog has no fee for is {@code unpriced}, "never
 * priced at its tokens alone".
 *
 * <p>gpt-5 tokens: 1,000 in x $1.25 + 100 out x $10 per 1M = $0.00225.
 */
class ResponsesBuiltInToolFeesReviewIT {
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

    private static final String USAGE = "\"usage\":{\"input_tokens\":1000,\"input_tokens_details\":"
            + "{\"cached_tokens\":0},\"output_tokens\":100,\"output_tokens_details\":{\"reasoning_tokens\":64},"
            + "\"total_tokens\":1100}";

    private UsageRecord call(String request, String output) {
        String answer = "{\"id\":\"resp_1\",\"object\":\"response\",\"created_at\":1796328465,\"status\":\"completed\","
                + "\"model\":\"gpt-5-2025-08-07\",\"service_tier\":\"default\",\"output\":" + output + ","
                + USAGE + "}";
        byte[] body = answer.getBytes(StandardCharsets.UTF_8);
        try {
            upstream = new ScriptedUpstream(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n",
                    List.of(body));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        gw = GatewayFixture.embedded(dir, Map.of("SPENDGATE_OPENAI_BASE_URL", upstream.base() + "/v1"));

        HttpResponse<String> response = gw.send(gw.post("/v1/responses", request));

        assertThat(response.statusCode()).isEqualTo(200);
        return gw.record(
                response.headers().firstValue(Gateway.REQUEST_ID_HEADER).orElseThrow());
    }

    private static final String MESSAGE = "{\"id\":\"msg_1\",\"type\":\"message\",\"status\":\"completed\","
            + "\"role\":\"assistant\",\"content\":[{\"type\":\"output_text\",\"text\":\"The refund policy allows"
            + " 30 days.\",\"annotations\":[]}]}";

    @Test
    @Timeout(60)
    void responsesCall_withTwoFileSearchCalls_isNotPricedAtItsTokensAlone() {
        UsageRecord r = call(
                """
                {"model":"gpt-5","input":"What is our refund policy?",\
                "tools":[{"type":"file_search","vector_store_ids":["vs_policies"]}]}""",
                "[{\"id\":\"fs_1\",\"type\":\"file_search_call\",\"status\":\"completed\",\"queries\":"
                        + "[\"refund policy\"],\"results\":null},{\"id\":\"fs_2\",\"type\":\"file_search_call\","
                        + "\"status\":\"completed\",\"queries\":[\"refund window days\"],\"results\":null},"
                        + MESSAGE + "]");

        // OpenAI bills $0.00225 of tokens + 2 x $0.0025 = $0.00725; on main the record says $0.00225
        assertThat(r.costUsd() == null || r.costUsd().compareTo(new BigDecimal("0.00725")) >= 0)
                .as("gpt-5 call with two file searches recorded at $%s (%s)", r.costUsd(), r.pricingStatus())
                .isTrue();
    }

    @Test
    @Timeout(60)
    void responsesCall_whoseCodeInterpreterCreatedAContainer_isNotPricedAtItsTokensAlone() {
        UsageRecord r = call(
                """
                {"model":"gpt-5","input":"Sum the numbers 1 to 100 with Python.",\
                "tools":[{"type":"code_interpreter","container":{"type":"auto"}}]}""",
                "[{\"id\":\"ci_1\",\"type\":\"code_interpreter_call\",\"status\":\"completed\",\"code\":"
                        + "\"print(sum(range(1, 101)))\",\"container_id\":\"cntr_68a1b2c3\",\"outputs\":null},"
                        + MESSAGE.replace("The refund policy allows 30 days.", "5050") + "]");

        // OpenAI bills $0.00225 of tokens + $0.03 for the 1 GB container = $0.03225; on main the record says $0.00225
        assertThat(r.costUsd() == null || r.costUsd().compareTo(new BigDecimal("0.03225")) >= 0)
                .as("gpt-5 call that ran code in a new container recorded at $%s (%s)", r.costUsd(), r.pricingStatus())
                .isTrue();
    }

    /**
     * A reasoning model's web search tool returns one {@code web_search_call} item per action: {@code search},
     * {@code open_page} (a page being opened) or {@code find_in_page} (a search within a page). OpenAI's web search
     * guide (platform.openai.com/docs/guides/tools-web-search, "Output and citations") says of them: "{@code search},
     * which represents a web search ... Search actions incur a tool call cost (see pricing)"; opening a page and
     * finding in it are not searches. Peers count billed calls the same way (only {@code action.type: "search"}).
     * Deep research models (o3-deep-research in the catalog) open many more pages than they search.
     */
    @Test
    @Timeout(60)
    void responsesCall_oneSearchThenPageActions_isBilledOneSearch() {
        UsageRecord r = call(
                """
                {"model":"gpt-5","input":"What does the EU AI Act say about general-purpose models?",\
                "tools":[{"type":"web_search"}]}""",
                "[{\"id\":\"ws_1\",\"type\":\"web_search_call\",\"status\":\"completed\",\"action\":"
                        + "{\"type\":\"search\",\"query\":\"EU AI Act general-purpose AI models\"}},"
                        + "{\"id\":\"ws_2\",\"type\":\"web_search_call\",\"status\":\"completed\",\"action\":"
                        + "{\"type\":\"open_page\",\"url\":\"https://artificialintelligenceact.eu/article/53/\"}},"
                        + "{\"id\":\"ws_3\",\"type\":\"web_search_call\",\"status\":\"completed\",\"action\":"
                        + "{\"type\":\"find_in_page\",\"url\":\"https://artificialintelligenceact.eu/article/53/\","
                        + "\"pattern\":\"systemic risk\"}},"
                        + MESSAGE.replace("The refund policy allows 30 days.", "Article 53 sets the obligations.")
                        + "]");

        // OpenAI bills $0.00225 of tokens + 1 search x $0.01 = $0.01225; on main the record says $0.03225 (3 searches)
        assertThat(r.tokens().webSearches()).as("billed web searches").isEqualTo(1);
        assertThat(r.costUsd()).isEqualByComparingTo("0.01225");
    }
}
