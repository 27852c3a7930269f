package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

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

    private UsageRecord single() {
        List<UsageRecord> records = gw.awaitRecords(1);
        assertThat(records).hasSize(1);
        return records.get(0);
    }
}
