package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.spendgate.domain.usage.UsageRecord;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.eventstream.HeaderValue;
import software.amazon.awssdk.eventstream.Message;

/**
 * InvokeModelWithResponseStream's response stream is a union of {@code chunk} and exception members
 * ({@code throttlingException}, {@code modelStreamErrorException}, {@code serviceUnavailableException}, ...; Bedrock
 * API reference, ResponseStream). A stream whose only frame is {@code throttlingException} served nothing and is
 * billed nothing; the SDK raises ThrottlingException and retries. The README promises ConverseStream's rule for all
 * four routes ("budgets ... and cut-stream estimates work as on the other routes"), and ConverseStream records such a
 * call uncharged with its exception ({@code BedrockStreamExceptionIT}).
 */
class BedrockInvokeStreamExceptionReviewIT {
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
            exchange.getResponseHeaders().set("Content-Type", "application/vnd.amazon.eventstream");
            exchange.sendResponseHeaders(200, 0);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(exceptionFrame("throttlingException", "Too many tokens, please wait before trying again."));
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
    void invokeStream_throttlingExceptionBeforeAnyChunk_notCharged() {
        var response = gw.send(gw.post(
                "/model/" + SONNET_4 + "/invoke-with-response-stream",
                "{\"anthropic_version\":\"bedrock-2023-05-31\",\"max_tokens\":300,"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"Why did the bill double this month?\"}]}"));

        assertThat(response.statusCode()).isEqualTo(200);
        UsageRecord record = gw.record(
                response.headers().firstValue(Gateway.REQUEST_ID_HEADER).orElseThrow());
        assertThat(record.costUsd())
                .as(
                        "a call Bedrock throttled costs nothing (recorded %s, error %s, source %s)",
                        record.tokens(), record.errorType(), record.usageSource())
                .satisfiesAnyOf(cost -> assertThat(cost).isNull(), cost -> assertThat(cost)
                        .isEqualByComparingTo(BigDecimal.ZERO));
        assertThat(record.errorType()).isEqualTo("throttlingException");
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
