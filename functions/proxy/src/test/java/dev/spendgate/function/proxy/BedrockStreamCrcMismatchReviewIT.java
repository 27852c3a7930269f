package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.testing.upstream.FakeBedrockRuntime;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An event-stream frame whose message CRC does not match (its prelude, and so its length, intact) is one bad event,
 * not the end of the stream: the frames after it, the {@code metadata} event with Bedrock's token counts among them,
 * arrive whole and check out. Bedrock bills those counts ("A price is the one the provider billed"); the record
 * should carry them rather than an estimate from the text seen before the bad frame.
 */
class BedrockStreamCrcMismatchReviewIT {
    private static final String HAIKU_45 = "global.anthropic.claude-haiku-4-5-20251001-v1:0";

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
                out.write(event("messageStart", "{\"role\":\"assistant\"}"));
                out.write(delta("The bill "));
                byte[] bad = delta("doubled ");
                bad[bad.length - 6] ^= 0x01; // a payload byte: the message CRC fails, the prelude CRC holds
                out.write(bad);
                for (int i = 0; i < 40; i++) {
                    out.write(delta("because the prompt cache kept missing on every retried call. "));
                }
                out.write(event("contentBlockStop", "{\"contentBlockIndex\":0}"));
                out.write(event("messageStop", "{\"stopReason\":\"end_turn\"}"));
                out.write(event(
                        "metadata",
                        "{\"usage\":{\"inputTokens\":1200,\"outputTokens\":800,\"totalTokens\":2000},"
                                + "\"metrics\":{\"latencyMs\":900}}"));
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
    void converseStream_oneFrameFailsItsCrc_recordKeepsBedrocksCountsFromTheIntactMetadata() throws Exception {
        GatewayFixture.CutResponse response = gw.sendExpectingCut(gw.post(
                "/model/" + HAIKU_45 + "/converse-stream",
                "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"Why did the bill double?\"}]}]}"));

        assertThat(response.status()).isEqualTo(200);
        UsageRecord record = gw.record(response.requestId());
        assertThat(record.tokens().outputTokens())
                .as(
                        "Bedrock's count in the intact metadata event (record: %s, source %s, error %s)",
                        record.tokens(), record.usageSource(), record.errorType())
                .isEqualTo(800);
        assertThat(record.tokens().inputTokens()).isEqualTo(1200);
        assertThat(record.usageSource()).isEqualTo(UsageRecord.UsageSource.PROVIDER);
        // global Haiku 4.5: 1,200 x $1.00 + 800 x $5.00 per million
        assertThat(record.costUsd()).isEqualByComparingTo("0.0052");
    }

    private static byte[] delta(String text) {
        return event("contentBlockDelta", "{\"contentBlockIndex\":0,\"delta\":{\"text\":\"" + text + "\"}}");
    }

    private static byte[] event(String type, String json) {
        return FakeBedrockRuntime.frame(type, json.getBytes(StandardCharsets.UTF_8));
    }
}
