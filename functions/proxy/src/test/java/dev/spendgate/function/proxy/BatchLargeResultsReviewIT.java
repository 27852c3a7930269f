package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.testing.upstream.FakeBatchUpstream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Review: a nightly OpenAI batch's output file is large (OpenAI allows 50,000 requests a batch; each output line carries
 * its whole answer, so output files run to hundreds of MB). README "Limits", memory of large bodies: "A provider's
 * non-streamed answer over 64 KB takes from the same pool as it is read: one larger than the pool can give ... fails
 * that call with 502, its worst case kept as spent, instead of the process" ({@code LargeAnswerIT} for model calls).
 * The batch API reads a results download whole outside that pool (then copies it as a String and its lines to record
 * it), so a file larger than the pool is held anyway: with {@code SPENDGATE_BODY_MEMORY_BYTES} at 1 MB, a 1.5 MB
 * output file is relayed whole. A file of a few hundred MB, fetched by a client or by the 10-minute sweep, takes the
 * heap every live call needs.
 */
class BatchLargeResultsReviewIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BOUNDARY = "----spendgate-review-boundary";
    private static final long POOL = 1024 * 1024;

    @TempDir
    Path dir;

    FakeBatchUpstream batches;
    GatewayFixture gw;

    @AfterEach
    void stop() {
        if (gw != null) {
            gw.close();
        }
        if (batches != null) {
            batches.close();
        }
    }

    @Test
    void outputFileLargerThanTheBodyMemoryPool_isNotHeldWholeOutsideIt() throws Exception {
        batches = FakeBatchUpstream.start();
        gw = GatewayFixture.embedded(
                dir,
                Map.of(
                        "SPENDGATE_OPENAI_BASE_URL", batches.openAiBaseUrl(),
                        "SPENDGATE_ANTHROPIC_BASE_URL", batches.anthropicBaseUrl(),
                        "SPENDGATE_MAX_BODY_BYTES", Long.toString(2 * POOL),
                        "SPENDGATE_BODY_MEMORY_BYTES", Long.toString(POOL)),
                Clock.systemUTC());
        StringBuilder jsonl = new StringBuilder();
        for (int i = 0; i < 3_000; i++) {
            jsonl.append("{\"custom_id\":\"t-")
                    .append(i)
                    .append("\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{\"model\":")
                    .append("\"gpt-5-mini\",\"max_completion_tokens\":50,\"messages\":[{\"role\":\"user\",")
                    .append("\"content\":\"Tag ticket ")
                    .append(i)
                    .append(".\"}]}}\n");
        }
        assertThat(jsonl.length()).as("the upload fits the pool").isLessThan((int) POOL);
        String body = "--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n"
                + "--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"in.jsonl\"\r\n"
                + "Content-Type: application/jsonl\r\n\r\n" + jsonl + "\r\n--" + BOUNDARY + "--\r\n";
        HttpResponse<String> file = gw.send(HttpRequest.newBuilder(URI.create(gw.server.baseUrl() + "/v1/files"))
                .header("Authorization", "Bearer " + gw.secret)
                .header("Content-Type", "multipart/form-data; boundary=" + BOUNDARY)
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)));
        assertThat(file.statusCode()).as(file.body()).isEqualTo(200);
        HttpResponse<String> created = gw.send(gw.post(
                        "/v1/batches",
                        "{\"input_file_id\":\""
                                + JSON.readTree(file.body()).get("id").asText()
                                + "\",\"endpoint\":\"/v1/chat/completions\",\"completion_window\":\"24h\"}")
                .header("X-Cost-Feature", "ticket-tagging"));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
        String batchId = JSON.readTree(created.body()).get("id").asText();
        batches.completeOpenAi(batchId, 1_000, 0, 20);
        JsonNode done =
                JSON.readTree(gw.send(HttpRequest.newBuilder(URI.create(gw.server.baseUrl() + "/v1/batches/" + batchId))
                                .header("Authorization", "Bearer " + gw.secret)
                                .GET())
                        .body());

        HttpResponse<String> output = gw.send(HttpRequest.newBuilder(URI.create(gw.server.baseUrl() + "/v1/files/"
                        + done.get("output_file_id").asText() + "/content"))
                .header("Authorization", "Bearer " + gw.secret)
                .GET());

        // as for any provider answer over the pool: that call fails with 502 naming the setting, not the process
        assertThat(output.body().length())
                .as("bytes of the output file the gateway held and relayed, with a %d-byte pool", POOL)
                .isLessThan((int) POOL);
        assertThat(output.statusCode()).isEqualTo(502);
        assertThat(output.body()).contains("SPENDGATE_BODY_MEMORY_BYTES");
        // the call gave back what it held (once its answer is written: the client may read it a moment before the
        // server's thread returns the lease), and the sweep fails that batch alone, leaving it for the next round
        assertThat(inUseOnceSettled(gw)).isZero();
        assertThat(gw.runtime.batches().sweepEnded())
                .isEqualTo(new dev.spendgate.function.proxy.batch.BatchApi.Swept(1, 0, 0));
        assertThat(gw.runtime.gateway().bodyMemory().inUse()).isZero();
    }

    /** The pool's bytes in use once nothing holds them any more, or what is still held after 10 s. */
    private static long inUseOnceSettled(GatewayFixture gw) throws InterruptedException {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        long inUse = gw.runtime.gateway().bodyMemory().inUse();
        while (inUse != 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
            inUse = gw.runtime.gateway().bodyMemory().inUse();
        }
        return inUse;
    }
}
