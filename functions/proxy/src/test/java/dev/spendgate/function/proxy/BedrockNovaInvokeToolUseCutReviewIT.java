package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.testing.upstream.FakeBedrockRuntime;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.eventstream.HeaderValue;
import software.amazon.awssdk.eventstream.Message;

/**
 * Amazon Nova streams a tool call's arguments on InvokeModelWithResponseStream as {@code contentBlockDelta} chunks
 * whose delta is {@code {"toolUse": {"input": "..."}}} (docs.aws.amazon.com/nova/latest/userguide/complete-response-schema.html
 * and tool-use); those argument tokens are output Bedrock bills. README "Bedrock runtime routes": cut-stream estimates work
 * as on the other routes, and ConverseStream counts {@code delta.toolUse.input} (ConverseUsageTracker). A Nova
 * InvokeModel stream cut after a long tool call, before its metrics chunk, is recorded without the tool call's output.
 */
class BedrockNovaInvokeToolUseCutReviewIT {
    private static final String NOVA_PRO = "us.amazon.nova-pro-v1:0";
    /** The arguments of the tool call the model streamed before the stream failed: about 3,000 tokens of JSON. */
    private static final String ARGUMENTS = "{\\\"rows\\\":["
            + "{\\\"sku\\\":\\\"A-1042\\\",\\\"qty\\\":17,\\\"note\\\":\\\"reorder next week\\\"},".repeat(150) + "]}";

    @TempDir
    Path dir;

    HttpServer bedrock;
    GatewayFixture gw;

    @BeforeEach
    void start() throws Exception {
        bedrock = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        bedrock.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            exchange.getResponseHeaders().set("Content-Type", "application/vnd.amazon.eventstream");
            exchange.sendResponseHeaders(200, 0);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(chunk("{\"messageStart\":{\"role\":\"assistant\"}}"));
                out.write(chunk("{\"contentBlockStart\":{\"start\":{\"toolUse\":{\"toolUseId\":\"t1\","
                        + "\"name\":\"record_stock\"}},\"contentBlockIndex\":0}}"));
                out.write(chunk("{\"contentBlockDelta\":{\"delta\":{\"toolUse\":{\"input\":\"" + ARGUMENTS
                        + "\"}},\"contentBlockIndex\":0}}"));
                out.write(exceptionFrame("modelStreamErrorException", "The stream was interrupted."));
            }
        });
        bedrock.start();
        gw = GatewayFixture.embedded(
                dir,
                Map.of(
                        "SPENDGATE_BEDROCK_BASE_URL",
                                "http://127.0.0.1:" + bedrock.getAddress().getPort(),
                        "SPENDGATE_BEDROCK_REGION", FakeBedrockRuntime.REGION,
                        "AWS_ACCESS_KEY_ID", FakeBedrockRuntime.ACCESS_KEY_ID,
                        "AWS_SECRET_ACCESS_KEY", FakeBedrockRuntime.SECRET_ACCESS_KEY));
    }

    @AfterEach
    void stop() {
        gw.close();
        bedrock.stop(0);
    }

    @Test
    void invokeStream_novaToolCallCutBeforeMetrics_outputCountsTheStreamedArguments() {
        var response = gw.send(gw.post(
                "/model/" + NOVA_PRO + "/invoke-with-response-stream",
                "{\"schemaVersion\":\"messages-v1\",\"inferenceConfig\":{\"maxTokens\":5000},"
                        + "\"toolConfig\":{\"tools\":[{\"toolSpec\":{\"name\":\"record_stock\","
                        + "\"inputSchema\":{\"json\":{\"type\":\"object\"}}}}]},"
                        + "\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"Record the stock.\"}]}]}"));

        assertThat(response.statusCode()).isEqualTo(200);
        UsageRecord record = gw.record(
                response.headers().firstValue(Gateway.REQUEST_ID_HEADER).orElseThrow());
        assertThat(record.usageSource()).isEqualTo(UsageRecord.UsageSource.ESTIMATED);
        assertThat(record.errorType()).isEqualTo("modelStreamErrorException");
        // about 150 rows of JSON arguments were streamed and billed as output; the record must count them
        assertThat(record.tokens().outputTokens())
                .as("output estimated for a tool call cut mid-stream (cost %s)", record.costUsd())
                .isGreaterThanOrEqualTo(1_500);
    }

    private static byte[] chunk(String inner) {
        String bytes = Base64.getEncoder().encodeToString(inner.getBytes(StandardCharsets.UTF_8));
        return FakeBedrockRuntime.frame("chunk", ("{\"bytes\":\"" + bytes + "\"}").getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] exceptionFrame(String type, String message) {
        Map<String, HeaderValue> headers = new LinkedHashMap<>();
        headers.put(":exception-type", HeaderValue.fromString(type));
        headers.put(":content-type", HeaderValue.fromString("application/json"));
        headers.put(":message-type", HeaderValue.fromString("exception"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new Message(headers, ("{\"message\":\"" + message + "\"}").getBytes(StandardCharsets.UTF_8)).encode(out);
        return out.toByteArray();
    }
}
