package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageRecord.PricingStatus;
import dev.spendgate.domain.usage.UsageRecord.UsageSource;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * An upstream that codes its answer though asked for {@code identity}: deflate is decoded (the client gets the JSON,
 * the call its provider usage); a coding Spendgate does not decode reaches the client as sent, with its
 * {@code Content-Encoding}, and its call is recorded as one whose usage could not be read.
 */
class ContentCodingsIT {
    private static final String JSON =
            "{\"id\":\"c1\",\"object\":\"chat.completion\",\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,"
                    + "\"message\":{\"role\":\"assistant\",\"content\":\"Hello\"},\"finish_reason\":\"stop\"}],"
                    + "\"usage\":{\"prompt_tokens\":41,\"completion_tokens\":6,\"total_tokens\":47}}";

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

    private HttpResponse<byte[]> call(String coding, byte[] body) throws Exception {
        upstream = new ScriptedUpstream(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: " + coding
                        + "\r\nContent-Length: " + body.length + "\r\n\r\n",
                List.of(body));
        gw = GatewayFixture.embedded(dir, Map.of("SPENDGATE_OPENAI_BASE_URL", upstream.base() + "/v1"));
        return gw.http.send(
                gw.post(
                                "/v1/chat/completions",
                                "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}")
                        .build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    @Test
    @Timeout(30)
    void deflatedAnswer_decodedAndProviderUsageRecorded() throws Exception {
        ByteArrayOutputStream coded = new ByteArrayOutputStream();
        try (DeflaterOutputStream out = new DeflaterOutputStream(coded, new Deflater())) {
            out.write(JSON.getBytes(StandardCharsets.UTF_8));
        }

        HttpResponse<byte[]> response = call("deflate", coded.toByteArray());

        assertThat(response.headers().firstValue("content-encoding")).isEmpty();
        assertThat(new String(response.body(), StandardCharsets.UTF_8)).isEqualTo(JSON);
        UsageRecord r = gw.record(
                response.headers().firstValue(Gateway.REQUEST_ID_HEADER).orElseThrow());
        assertThat(r.usageSource()).isEqualTo(UsageSource.PROVIDER);
        assertThat(r.tokens().inputTokens()).isEqualTo(41);
        assertThat(r.pricingStatus()).isEqualTo(PricingStatus.PRICED);
    }

    @Test
    @Timeout(30)
    void answerInACodingNotDecoded_relayedWithItsCodingAndRecordedUnreadable() throws Exception {
        byte[] coded = {0x1b, 0x2a, 0x00, 0x11, 0x7f, 0x55, 0x03}; // stands for a Brotli body: relayed untouched

        HttpResponse<byte[]> response = call("br", coded);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-encoding")).hasValue("br");
        assertThat(response.body()).isEqualTo(coded);
        UsageRecord r = gw.record(
                response.headers().firstValue(Gateway.REQUEST_ID_HEADER).orElseThrow());
        assertThat(r.errorType()).isEqualTo("usage_unreadable");
        assertThat(r.pricingStatus()).as("cost unknown, not zero").isEqualTo(PricingStatus.UNPRICED);
        assertThat(r.costUsd()).isNull();
    }
}
