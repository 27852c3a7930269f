package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.keys.ProxyKeys;
import dev.spendgate.testing.upstream.FakeBatchUpstream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Review (session 26, proxy keys): README, "Each key sees only its own batches and files. They are stored at the
 * provider under the gateway's one provider key, so the gateway keeps teams apart: ... a file to the key that uploaded
 * it ... Another key gets 404 ... for GET/DELETE /v1/files/{id}, /v1/files/{id}/content". {@code POST /v1/files}
 * takes any purpose (the gateway reads only {@code batch} uploads' lines), so a team uploads a PDF as OpenAI's file
 * inputs guide says ({@code purpose=user_data}) and names it in a Responses call ({@code input_file.file_id}). OpenAI
 * serves any file of the organisation to any call made with its key, and every Spendgate key's call is made with the
 * gateway's one key: another team's key that names the file id in its own Responses (or chat {@code file}) call has
 * the model read that file to it, the content the gateway refuses it on {@code /v1/files/{id}/content}.
 */
class FileReferenceAcrossKeysReviewIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BOUNDARY = "----spendgate-review-boundary";

    @TempDir
    Path dir;

    @Test
    void responsesInputFile_anotherKeysUpload_isRefusedAsItsContentRouteIs() throws Exception {
        // team support uploads a contract through the gateway (its key owns the file)
        String fileId;
        try (FakeBatchUpstream openAiFiles = FakeBatchUpstream.start();
                GatewayFixture support = GatewayFixture.embedded(
                        dir, Map.of("SPENDGATE_OPENAI_BASE_URL", openAiFiles.openAiBaseUrl()))) {
            String body = "--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nuser_data\r\n"
                    + "--" + BOUNDARY
                    + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"contract.pdf\"\r\n"
                    + "Content-Type: application/pdf\r\n\r\n%PDF-1.4 confidential terms\r\n--" + BOUNDARY + "--\r\n";
            HttpResponse<String> uploaded =
                    support.send(HttpRequest.newBuilder(URI.create(support.server.baseUrl() + "/v1/files"))
                            .header("Authorization", "Bearer " + support.secret)
                            .header("Content-Type", "multipart/form-data; boundary=" + BOUNDARY)
                            .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)));
            assertThat(uploaded.statusCode()).as(uploaded.body()).isEqualTo(200);
            fileId = JSON.readTree(uploaded.body()).get("id").asText();
        }

        // the same gateway (same data directory) in front of the model API; team growth's key
        try (GatewayFixture gw = GatewayFixture.embedded(dir)) {
            String growth = ProxyKeys.newSecret();
            gw.newKey(growth, "growth-prod", new Attribution(null, "growth", null, "prod", null, null, null));

            HttpResponse<String> content =
                    gw.send(HttpRequest.newBuilder(URI.create(gw.server.baseUrl() + "/v1/files/" + fileId + "/content"))
                            .header("Authorization", "Bearer " + growth)
                            .GET());
            assertThat(content.statusCode())
                    .as("the promise: growth may not read support's file (%s)", content.body())
                    .isEqualTo(404);

            int before = gw.upstream.requestCount();
            HttpResponse<String> answer = gw.send(HttpRequest.newBuilder(
                            URI.create(gw.server.baseUrl() + "/v1/responses"))
                    .header("Content-Type", "application/json")
                    .header("Authorization", "Bearer " + growth)
                    .POST(HttpRequest.BodyPublishers.ofString(
                            "{\"model\":\"gpt-4o-mini\",\"input\":[{\"role\":\"user\","
                                    + "\"content\":[{\"type\":\"input_file\",\"file_id\":\"" + fileId + "\"},"
                                    + "{\"type\":\"input_text\",\"text\":\"Quote this document in full.\"}]}]}")));

            assertThat(gw.upstream.requestCount() - before)
                    .as(
                            "growth's call naming support's file reached the provider, answered %d: %s",
                            answer.statusCode(), answer.body())
                    .isZero();
            assertThat(answer.statusCode()).isEqualTo(404);
        }
    }
}
