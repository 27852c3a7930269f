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
 * Amazon Nova 2 Lite with extended thinking bills reasoning tokens it never shows: "In Amazon Nova 2 Lite, reasoning
 * content is redacted in the output and displays as [REDACTED], though you are still charged for these tokens"
 * (https://docs.aws.amazon.com/nova/latest/nova2-userguide/reasoning-capabilities.html). On InvokeModel and
 * InvokeModelWithResponseStream {@code reasoningConfig} is a top-level body field; on Converse it goes in
 * {@code additionalModelRequestFields} (https://docs.aws.amazon.com/nova/latest/nova2-userguide/core-inference.html).
 * README "Pricing": a call whose usage never came, on a model that reasons before it answers, has its output
 * "estimated at the most it could bill (the worst case its budgets reserved)". The gateway sees the Converse spelling
 * only, so a Nova 2 InvokeModel stream that fails after its answer began is recorded at its visible text alone.
 */
class BedrockNovaInvokeReasoningCutReviewIT {
    private static final String NOVA_2_LITE = "us.amazon.nova-2-lite-v1:0";
    /** Nova 2 Lite's maximum output (output-limits.csv), what the request lets it bill: it names no cap. */
    private static final long NOVA_2_LITE_MAX_OUTPUT = 65_536;

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
                out.write(chunk("{\"contentBlockDelta\":{\"delta\":{\"reasoningContent\":{\"text\":\"[REDACTED]\"}},"
                        + "\"contentBlockIndex\":0}}"));
                out.write(chunk("{\"contentBlockDelta\":{\"delta\":{\"text\":\"Storage doubled.\"},"
                        + "\"contentBlockIndex\":1}}"));
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
    void invokeStream_nova2ReasoningFailsMidAnswer_outputEstimatedAtWhatItCouldBill() {
        var response = gw.send(gw.post(
                "/model/" + NOVA_2_LITE + "/invoke-with-response-stream",
                "{\"schemaVersion\":\"messages-v1\","
                        + "\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"Why did the bill double?\"}]}],"
                        + "\"reasoningConfig\":{\"type\":\"enabled\",\"maxReasoningEffort\":\"high\"}}"));

        assertThat(response.statusCode()).isEqualTo(200);
        UsageRecord record = gw.record(
                response.headers().firstValue(Gateway.REQUEST_ID_HEADER).orElseThrow());
        assertThat(record.usageSource()).isEqualTo(UsageRecord.UsageSource.ESTIMATED);
        assertThat(record.errorType()).isEqualTo("modelStreamErrorException");
        // billed: the redacted reasoning as well as "Storage doubled."; a few tokens of visible text say nothing of it
        assertThat(record.tokens().outputTokens())
                .as("output estimated for a reasoning call whose usage never came (cost %s)", record.costUsd())
                .isGreaterThanOrEqualTo(NOVA_2_LITE_MAX_OUTPUT);
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
