package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.testing.upstream.FakeBatchUpstream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A batch line's output cap and {@code n} are not checked as a call's are ({@code RequestLimits}): a negative
 * {@code max_completion_tokens} or {@code max_tokens} reaches {@code TokenUsage}'s non-negative check, and an
 * {@code n} of 10^15 overflows {@code Math.multiplyExact} in the worst case, each a 500 "Spendgate failed on this batch
 * call" where the README promises a 400 naming the field ("Output caps and n must be whole numbers ...: anything else
 * is a 400 naming the field", "Bad input"; for batch files "a 400 naming {@code file} and the line").
 */
class BatchLineCapsReviewIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BOUNDARY = "----spendgate-test-boundary";

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
                        "SPENDGATE_ANTHROPIC_BASE_URL", batches.anthropicBaseUrl()));
    }

    @AfterEach
    void stop() {
        gw.close();
        batches.close();
    }

    private static String line(String customId, String model, int maxTokens) {
        return "{\"custom_id\":\"" + customId + "\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":"
                + "{\"model\":\"" + model + "\",\"max_completion_tokens\":" + maxTokens
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"Classify ticket " + customId + ".\"}]}}\n";
    }

    private HttpResponse<String> upload(String jsonl) {
        String body = "--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n"
                + "--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"in.jsonl\"\r\n"
                + "Content-Type: application/jsonl\r\n\r\n" + jsonl + "\r\n--" + BOUNDARY + "--\r\n";
        return gw.send(HttpRequest.newBuilder(URI.create(gw.server.baseUrl() + "/v1/files"))
                .header("Authorization", "Bearer " + gw.secret)
                .header("Content-Type", "multipart/form-data; boundary=" + BOUNDARY)
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)));
    }

    private HttpResponse<String> get(String path) {
        return gw.send(HttpRequest.newBuilder(URI.create(gw.server.baseUrl() + path))
                .header("Authorization", "Bearer " + gw.secret)
                .GET());
    }

    private HttpResponse<String> anthropic(String method, String path, String body) {
        return gw.send(HttpRequest.newBuilder(URI.create(gw.server.baseUrl() + path))
                .header("x-api-key", gw.secret)
                .header("anthropic-version", "2023-06-01")
                .header("Content-Type", "application/json")
                .header("X-Cost-Feature", "nightly-summaries")
                .header("X-Cost-Team", "support")
                .method(
                        method,
                        body == null
                                ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofString(body)));
    }

    private List<UsageRecord> batchRecords(int expected) {
        return gw.awaitRecords(expected).stream()
                .filter(r -> r.billing().batchId() != null)
                .sorted(Comparator.comparing(UsageRecord::requestId))
                .toList();
    }

    private static String chatLine(String extra) {
        return "{\"custom_id\":\"t-1\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":"
                + "{\"model\":\"gpt-5-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]," + extra + "}}\n";
    }

    @Test
    void batchInputs_negativeCapOrHugeN_are400NamingTheFieldNot500() throws Exception {
        HttpResponse<String> negativeCap =
                upload(line("t-0", "gpt-5-mini", 10) + chatLine("\"max_completion_tokens\":-5"));
        HttpResponse<String> hugeN = upload(chatLine("\"n\":1000000000000000"));
        HttpResponse<String> anthropicNegative = anthropic(
                "POST",
                "/v1/messages/batches",
                "{\"requests\":[{\"custom_id\":\"a\",\"params\":{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":-5,"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}}]}");

        assertThat(negativeCap.statusCode()).as(negativeCap.body()).isEqualTo(400);
        assertThat(JSON.readTree(negativeCap.body()).at("/error/param").asText())
                .isEqualTo("file");
        assertThat(JSON.readTree(negativeCap.body()).at("/error/message").asText())
                .contains("Line 2")
                .contains("max_completion_tokens");
        assertThat(hugeN.statusCode()).as(hugeN.body()).isEqualTo(400);
        assertThat(JSON.readTree(hugeN.body()).at("/error/message").asText()).contains("n");
        assertThat(anthropicNegative.statusCode()).as(anthropicNegative.body()).isEqualTo(400);
        assertThat(JSON.readTree(anthropicNegative.body()).at("/error/type").asText())
                .isEqualTo("invalid_request_error");
        assertThat(anthropicNegative.body()).contains("max_tokens");
    }
}
