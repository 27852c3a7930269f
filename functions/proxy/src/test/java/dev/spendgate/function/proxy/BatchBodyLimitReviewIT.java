package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.testing.upstream.FakeBatchUpstream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Review: a nightly batch's input is larger than the gateway accepts. README "Batch APIs": "Uploads are bounded by
 * SPENDGATE_MAX_BODY_BYTES like any body"; "Bad input": bodies over {@code SPENDGATE_MAX_BODY_BYTES} get 413 (10 MB
 * by default, while OpenAI takes batch files of up to 200 MB and Anthropic Message Batches of up to 256 MB, so teams
 * meet it). The server hands the batch API the first {@code SPENDGATE_MAX_BODY_BYTES + 1} bytes, and the batch API
 * never checks the size: an upload is refused 400 "The multipart body is cut short." naming {@code file}, a Message
 * Batch 400 "The body must be a JSON object.", both sending the team to look for a fault in their client's encoding.
 * Here the limit is 64 KB.
 */
class BatchBodyLimitReviewIT {
    private static final String BOUNDARY = "----spendgate-review-boundary";
    private static final int LIMIT = 64 * 1024;

    @TempDir
    Path dir;

    FakeBatchUpstream batches;
    GatewayFixture gw;

    @BeforeEach
    void start() {
        batches = FakeBatchUpstream.start();
        gw = GatewayFixture.embedded(
                dir,
                Map.of(
                        "SPENDGATE_OPENAI_BASE_URL", batches.openAiBaseUrl(),
                        "SPENDGATE_ANTHROPIC_BASE_URL", batches.anthropicBaseUrl(),
                        "SPENDGATE_MAX_BODY_BYTES", String.valueOf(LIMIT)),
                Clock.systemUTC());
    }

    @AfterEach
    void stop() {
        gw.close();
        batches.close();
    }

    @Test
    void openAiUpload_overTheBodyLimit_is413() throws Exception {
        StringBuilder jsonl = new StringBuilder();
        for (int i = 0; jsonl.length() <= LIMIT; i++) {
            jsonl.append("{\"custom_id\":\"t-")
                    .append(i)
                    .append("\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{\"model\":")
                    .append("\"gpt-5-mini\",\"max_completion_tokens\":50,\"messages\":[{\"role\":\"user\",")
                    .append("\"content\":\"Tag ticket ")
                    .append(i)
                    .append(".\"}]}}\n");
        }
        String body = "--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n"
                + "--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"in.jsonl\"\r\n"
                + "Content-Type: application/jsonl\r\n\r\n" + jsonl + "\r\n--" + BOUNDARY + "--\r\n";

        HttpResponse<String> file = gw.send(HttpRequest.newBuilder(URI.create(gw.server.baseUrl() + "/v1/files"))
                .header("Authorization", "Bearer " + gw.secret)
                .header("Content-Type", "multipart/form-data; boundary=" + BOUNDARY)
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)));

        assertThat(file.statusCode()).as(file.body()).isEqualTo(413);
        assertThat(file.body()).contains(String.valueOf(LIMIT));
    }

    @Test
    void anthropicBatch_overTheBodyLimit_is413() throws Exception {
        StringBuilder requests = new StringBuilder("{\"requests\":[");
        for (int i = 0; requests.length() <= LIMIT; i++) {
            requests.append(i == 0 ? "" : ",")
                    .append("{\"custom_id\":\"doc-")
                    .append(i)
                    .append("\",\"params\":{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":256,")
                    .append("\"messages\":[{\"role\":\"user\",\"content\":\"Summarise document ")
                    .append(i)
                    .append(".\"}]}}");
        }
        requests.append("]}");

        HttpResponse<String> created =
                gw.send(HttpRequest.newBuilder(URI.create(gw.server.baseUrl() + "/v1/messages/batches"))
                        .header("x-api-key", gw.secret)
                        .header("anthropic-version", "2023-06-01")
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(requests.toString())));

        assertThat(created.statusCode()).as(created.body()).isEqualTo(413);
        assertThat(created.body()).contains(String.valueOf(LIMIT));
    }
}
