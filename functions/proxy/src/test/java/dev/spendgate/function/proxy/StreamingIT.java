package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageRecord.UsageSource;
import dev.spendgate.testing.upstream.Behavior;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StreamingIT {
    private static final String STREAMED_CHAT = """
            {"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"Count slowly to ten."}]}""";

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
    void dribblingUpstream_firstEventReachesClientLongBeforeTheLast() throws Exception {
        gw.upstream.enqueue(Behavior.defaults().withPieceCount(10).withPieceDelay(Duration.ofMillis(150)));

        long start = System.nanoTime();
        HttpResponse<InputStream> response = gw.http.send(
                gw.post("/v1/chat/completions", STREAMED_CHAT).build(), HttpResponse.BodyHandlers.ofInputStream());
        List<Long> eventMillis = new ArrayList<>();
        try (BufferedReader lines =
                new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                if (line.startsWith("data:")) {
                    eventMillis.add((System.nanoTime() - start) / 1_000_000);
                }
            }
        }

        assertThat(eventMillis).hasSizeGreaterThanOrEqualTo(12);
        long first = eventMillis.get(0);
        long last = eventMillis.get(eventMillis.size() - 1);
        // The upstream needs about 10 x 150 ms for the whole stream; a buffering proxy would deliver all at the end.
        assertThat(last).isGreaterThanOrEqualTo(1300);
        assertThat(last - first).isGreaterThanOrEqualTo(1000);
    }

    @Test
    void upstreamCutsStream_clientSeesAnErrorAndCallIsRecordedWithEstimatedTokens() throws Exception {
        gw.upstream.enqueue(
                Behavior.defaults().withInputTokens(700).withPieceCount(20).withTruncateAfterPieces(5));

        GatewayFixture.CutResponse response = gw.sendExpectingCut(gw.post("/v1/chat/completions", STREAMED_CHAT));

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.body()).contains("word0").doesNotContain("[DONE]");
        // the HTTP response is cut too (no terminating chunk), so an SDK raises instead of returning a short answer
        assertThat(response.error()).isNotNull();
        UsageRecord r = gw.record(response.requestId());
        assertThat(r.usageSource()).isEqualTo(UsageSource.ESTIMATED);
        assertThat(r.errorType()).isEqualTo("upstream_truncated");
        // "word0 " .. "word4 " counted with o200k_base: a handful of tokens, never zero
        assertThat(r.tokens().outputTokens()).isBetween(5L, 20L);
        assertThat(r.tokens().inputTokens()).isPositive();
        assertThat(r.costUsd()).isPositive();
    }

    @Test
    void clientDisconnectsMidStream_callIsStillRecordedExactlyOnce() throws Exception {
        // 400 pieces 50 ms apart: 20 s of answer, so a test JVM stalled for seconds on a loaded machine still leaves
        // mid-stream (with 40 pieces, a 2 s stall let the whole answer through and the record said PROVIDER)
        gw.upstream.enqueue(Behavior.defaults().withPieceCount(400).withPieceDelay(Duration.ofMillis(50)));

        HttpResponse<InputStream> response = gw.http.send(
                gw.post("/v1/chat/completions", STREAMED_CHAT).build(), HttpResponse.BodyHandlers.ofInputStream());
        String requestId =
                response.headers().firstValue(Gateway.REQUEST_ID_HEADER).orElseThrow();
        try (InputStream body = response.body()) {
            // past the role-only first chunk: the client has been served the first piece of content when it leaves
            java.io.ByteArrayOutputStream seen = new java.io.ByteArrayOutputStream();
            while (seen.toString(java.nio.charset.StandardCharsets.UTF_8).split("\n\n", -1).length < 3) {
                int b = body.read();
                assertThat(b).isNotNegative();
                seen.write(b);
            }
        }

        UsageRecord r = gw.record(requestId);
        assertThat(r.usageSource()).isEqualTo(UsageSource.ESTIMATED);
        assertThat(r.errorType()).isEqualTo("client_disconnected");
        // what was served before the client left, estimated: well under the 400-piece answer (several tokens a piece)
        assertThat(r.tokens().outputTokens()).isPositive().isLessThan(400);
        assertThat(gw.records())
                .filteredOn(x -> x.requestId().equals(requestId))
                .hasSize(1);
    }
}
