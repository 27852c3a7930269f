package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageRecord.UsageSource;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.math.BigDecimal;
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
 * A Bedrock stream that served content and then ended with an exception event ({@code modelStreamErrorException}, a
 * member of both ConverseStream's and InvokeModelWithResponseStream's response union) is billed for what it served:
 * it is estimated, and its record names the exception Bedrock ended it with rather than a bare {@code usage_missing},
 * so a reader can tell a model failure mid-answer from a provider that never reports usage.
 */
class BedrockStreamExceptionAfterContentIT {
    private static final String SONNET_4 = "anthropic.claude-sonnet-4-20250514-v1:0";

    @TempDir
    Path dir;

    HttpServer bedrock;
    GatewayFixture gw;

    @BeforeEach
    void start() throws Exception {
        bedrock = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        bedrock.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            boolean invoke = exchange.getRequestURI().getRawPath().endsWith("/invoke-with-response-stream");
            exchange.getResponseHeaders().set("Content-Type", "application/vnd.amazon.eventstream");
            exchange.sendResponseHeaders(200, 0);
            try (OutputStream out = exchange.getResponseBody()) {
                if (invoke) {
                    out.write(chunk("{\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\","
                            + "\"role\":\"assistant\",\"model\":\"claude-sonnet-4-20250514\",\"content\":[],"
                            + "\"usage\":{\"input_tokens\":1000,\"output_tokens\":1}}}"));
                    out.write(chunk("{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":"
                            + "\"text_delta\",\"text\":\"Traffic doubled because the cache\"}}"));
                } else {
                    out.write(event("messageStart", "{\"role\":\"assistant\"}"));
                    out.write(event(
                            "contentBlockDelta",
                            "{\"contentBlockIndex\":0,\"delta\":{\"text\":\"Traffic doubled because the cache\"}}"));
                }
                out.write(exceptionFrame("modelStreamErrorException", "The model stream failed."));
            }
        });
        bedrock.start();
        gw = GatewayFixture.embedded(
                dir,
                Map.of(
                        "SPENDGATE_BEDROCK_BASE_URL",
                        "http://127.0.0.1:" + bedrock.getAddress().getPort(),
                        "SPENDGATE_BEDROCK_REGION",
                        "us-east-1",
                        "AWS_ACCESS_KEY_ID",
                        "AKIDFAKEBEDROCK00001",
                        "AWS_SECRET_ACCESS_KEY",
                        "fake-bedrock-secret-access-key-0000000001"));
    }

    @AfterEach
    void stop() {
        gw.close();
        bedrock.stop(0);
    }

    @Test
    void converseStream_exceptionAfterContent_estimatedAndNamed() {
        UsageRecord record = call(
                "converse-stream",
                "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"Why did the bill double?\"}]}]}");

        assertThat(record.usageSource()).isEqualTo(UsageSource.ESTIMATED);
        assertThat(record.costUsd()).isGreaterThan(BigDecimal.ZERO);
        assertThat(record.errorType()).isEqualTo("modelStreamErrorException");
    }

    @Test
    void invokeStream_exceptionAfterContent_estimatedAndNamed() {
        UsageRecord record = call(
                "invoke-with-response-stream",
                "{\"anthropic_version\":\"bedrock-2023-05-31\",\"max_tokens\":300,"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"Why did the bill double?\"}]}");

        assertThat(record.usageSource()).isEqualTo(UsageSource.ESTIMATED);
        assertThat(record.tokens().inputTokens())
                .as("the input Bedrock reported")
                .isEqualTo(1000);
        assertThat(record.costUsd()).isGreaterThan(BigDecimal.ZERO);
        assertThat(record.errorType()).isEqualTo("modelStreamErrorException");
    }

    private UsageRecord call(String operation, String body) {
        var response = gw.send(gw.post("/model/" + SONNET_4 + "/" + operation, body));
        assertThat(response.statusCode()).isEqualTo(200);
        return gw.record(
                response.headers().firstValue(Gateway.REQUEST_ID_HEADER).orElseThrow());
    }

    private static byte[] chunk(String inner) {
        String bytes = Base64.getEncoder().encodeToString(inner.getBytes(StandardCharsets.UTF_8));
        return event("chunk", "{\"bytes\":\"" + bytes + "\"}");
    }

    private static byte[] event(String type, String payload) {
        Map<String, HeaderValue> headers = new LinkedHashMap<>();
        headers.put(":event-type", HeaderValue.fromString(type));
        headers.put(":content-type", HeaderValue.fromString("application/json"));
        headers.put(":message-type", HeaderValue.fromString("event"));
        return encode(headers, payload);
    }

    private static byte[] exceptionFrame(String type, String message) {
        Map<String, HeaderValue> headers = new LinkedHashMap<>();
        headers.put(":exception-type", HeaderValue.fromString(type));
        headers.put(":content-type", HeaderValue.fromString("application/json"));
        headers.put(":message-type", HeaderValue.fromString("exception"));
        return encode(headers, "{\"message\":\"" + message + "\"}");
    }

    private static byte[] encode(Map<String, HeaderValue> headers, String payload) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new Message(headers, payload.getBytes(StandardCharsets.UTF_8)).encode(out);
        return out.toByteArray();
    }
}
