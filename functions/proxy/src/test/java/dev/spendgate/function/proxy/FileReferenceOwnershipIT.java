package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.keys.ProxyKeys;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.testing.upstream.FakeBatchUpstream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A call naming a provider file is checked as {@code POST /v1/batches} checks its {@code input_file_id}: the key's own
 * upload and a file the gateway never saw go through; another key's upload is 404, recorded, never forwarded.
 */
class FileReferenceOwnershipIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BOUNDARY = "----spendgate-file-boundary";

    @TempDir
    Path dir;

    private String supportSecret;
    private String fileId;

    /** Team support's key uploads a PDF through the gateway (its key owns the file). */
    @BeforeEach
    void supportUploadsAFile() throws Exception {
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
            supportSecret = support.secret;
        }
    }

    @Test
    void chatFilePart_anotherKeysUpload_is404RecordedAndNotForwarded() throws Exception {
        try (GatewayFixture gw = GatewayFixture.embedded(dir)) {
            String growth = ProxyKeys.newSecret();
            gw.newKey(growth, "growth-prod", new Attribution("assistant", "growth", null, "prod", null, null, null));
            int before = gw.upstream.requestCount();

            HttpResponse<String> answer = gw.send(chat(gw, growth, fileId));

            assertThat(gw.upstream.requestCount() - before).as(answer.body()).isZero();
            assertThat(answer.statusCode()).isEqualTo(404);
            JsonNode error = JSON.readTree(answer.body()).get("error");
            assertThat(error.get("message").asText())
                    .isEqualTo("No file found with id '" + fileId + "' for this Spendgate key.");
            assertThat(error.get("param").asText()).isEqualTo("messages[0].content[0].file.file_id");
            UsageRecord record = gw.record(
                    answer.headers().firstValue(Gateway.REQUEST_ID_HEADER).orElseThrow());
            assertThat(record.statusCode()).isEqualTo(404);
            assertThat(record.errorType()).isEqualTo("file_not_found");
        }
    }

    @Test
    void responsesInputFile_theUploadersOwnFile_isForwarded() {
        try (GatewayFixture gw = GatewayFixture.embedded(dir)) {
            int before = gw.upstream.requestCount();

            HttpResponse<String> answer = gw.send(responses(gw, supportSecret, fileId));

            assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
            assertThat(gw.upstream.requestCount() - before).isEqualTo(1);
        }
    }

    @Test
    void responsesInputFile_aFileTheGatewayNeverSaw_isForwardedAsBatchesTakeIt() {
        try (GatewayFixture gw = GatewayFixture.embedded(dir)) {
            int before = gw.upstream.requestCount();

            HttpResponse<String> answer = gw.send(responses(gw, gw.secret, "file-uploadedAtTheProviderDirectly"));

            assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
            assertThat(gw.upstream.requestCount() - before).isEqualTo(1);
        }
    }

    @Test
    void moreFileIdsThanTheGatewayChecksInACall_is400NamingTheField() throws Exception {
        try (GatewayFixture gw = GatewayFixture.embedded(dir)) {
            StringBuilder parts = new StringBuilder();
            for (int i = 0; i <= 100; i++) {
                parts.append(i == 0 ? "" : ",")
                        .append("{\"type\":\"input_file\",\"file_id\":\"file-")
                        .append(i)
                        .append("\"}");
            }
            int before = gw.upstream.requestCount();

            HttpResponse<String> answer = gw.send(gw.post(
                    "/v1/responses",
                    "{\"model\":\"gpt-4o-mini\",\"input\":[{\"role\":\"user\",\"content\":[" + parts + "]}]}"));

            assertThat(answer.statusCode()).as(answer.body()).isEqualTo(400);
            assertThat(JSON.readTree(answer.body()).at("/error/param").asText()).isEqualTo("file_id");
            assertThat(gw.upstream.requestCount() - before).isZero();
        }
    }

    private static HttpRequest.Builder chat(GatewayFixture gw, String secret, String file) {
        return HttpRequest.newBuilder(URI.create(gw.server.baseUrl() + "/v1/chat/completions"))
                .header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + secret)
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\","
                        + "\"content\":[{\"type\":\"file\",\"file\":{\"file_id\":\"" + file + "\"}},"
                        + "{\"type\":\"text\",\"text\":\"Quote this document in full.\"}]}]}"));
    }

    private static HttpRequest.Builder responses(GatewayFixture gw, String secret, String file) {
        return HttpRequest.newBuilder(URI.create(gw.server.baseUrl() + "/v1/responses"))
                .header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + secret)
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"gpt-4o-mini\",\"input\":[{\"role\":\"user\","
                        + "\"content\":[{\"type\":\"input_file\",\"file_id\":\"" + file + "\"},"
                        + "{\"type\":\"input_text\",\"text\":\"Summarise this document.\"}]}]}"));
    }
}
