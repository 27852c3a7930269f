package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.testing.upstream.FakeBedrockRuntime;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Review of what the response cache keeps (session 28, rev28e): README "A miss is forwarded and its successful, priced
 * answer is kept ... (not ... one a content filter or the model's refusal classifier stopped ...: Bedrock Converse
 * {@code stopReason} {@code guardrail_intervened} or {@code content_filtered})". Bedrock Converse has two more stop
 * reasons that say the answer is no answer: {@code malformed_model_output} and {@code malformed_tool_use} (AWS,
 * "Complete request schema / Response structure highlights", Amazon Nova user guide: {@code stopReason} "end_turn" |
 * "content_filtered" | "max_tokens" | "malformed_model_output" | "malformed_tool_use"). The app's remedy is to retry;
 * kept, the broken answer is what every retry gets for the rule's TTL. The fill happens before the call is recorded,
 * so once the record is there the answer would have been kept.
 */
class CacheMalformedAnswerReviewIT {
    private static final String NOVA_PRO = "amazon.nova-pro-v1:0";

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

    private boolean kept() throws IOException {
        Path answers = dir.resolve("cache").resolve("answers");
        if (!Files.isDirectory(answers)) {
            return false;
        }
        try (var files = Files.walk(answers)) {
            return files.anyMatch(f -> f.getFileName().toString().endsWith(".json")
                    && !f.getFileName().toString().startsWith(".tmp-"));
        }
    }

    /**
     * An order bot on Nova Pro asks for a tool call; Bedrock answers 200 with {@code stopReason: "malformed_tool_use"}
     * (the model's tool call could not be parsed) and bills the tokens. The app retries the same request, as it
     * should: the cache has kept the broken answer, so the retry is a hit and never reaches the model.
     */
    @Test
    @Timeout(60)
    void converseAnswerStoppedAsMalformedToolUse_isNotKept() throws Exception {
        byte[] body = ("{\"output\":{\"message\":{\"role\":\"assistant\",\"content\":[{\"text\":\"<thinking>I will"
                        + " look the order up.</thinking>\"}]}},\"stopReason\":\"malformed_tool_use\","
                        + "\"usage\":{\"inputTokens\":412,\"outputTokens\":23,\"totalTokens\":435},"
                        + "\"metrics\":{\"latencyMs\":640}}")
                .getBytes(StandardCharsets.UTF_8);
        upstream = new ScriptedUpstream(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n",
                List.of(body));
        Files.createDirectories(dir.resolve("policy"));
        Files.writeString(dir.resolve("policy/gateway-policy.json"), """
                {"cache": [{"feature": "orders", "mode": "exact", "ttl_seconds": 600}]}
                """);
        gw = GatewayFixture.optimized(
                dir,
                new RoutingAndCachingIT.MutableClock(Instant.now()),
                Map.of(
                        "SPENDGATE_BEDROCK_BASE_URL", upstream.base(),
                        "SPENDGATE_BEDROCK_REGION", FakeBedrockRuntime.REGION,
                        "AWS_ACCESS_KEY_ID", FakeBedrockRuntime.ACCESS_KEY_ID,
                        "AWS_SECRET_ACCESS_KEY", FakeBedrockRuntime.SECRET_ACCESS_KEY));

        HttpResponse<String> response = gw.send(gw.post(
                        "/model/" + NOVA_PRO + "/converse",
                        "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"Where is my order A-1041?\"}]}],"
                                + "\"inferenceConfig\":{\"temperature\":0,\"maxTokens\":512},"
                                + "\"toolConfig\":{\"tools\":[{\"toolSpec\":{\"name\":\"get_order_status\","
                                + "\"inputSchema\":{\"json\":{\"type\":\"object\",\"properties\":{\"order_id\":"
                                + "{\"type\":\"string\"}},\"required\":[\"order_id\"]}}}}]}}")
                .header("X-Cost-Feature", "orders"));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.headers().firstValue("X-Spendgate-Cache")).hasValue("miss");
        UsageRecord r = gw.record(
                response.headers().firstValue(Gateway.REQUEST_ID_HEADER).orElseThrow());
        assertThat(r.costUsd()).as("billed, so priced: a fill was possible").isNotNull();
        assertThat(kept())
                .as("the malformed answer is not kept for the app's retries")
                .isFalse();
    }
}
