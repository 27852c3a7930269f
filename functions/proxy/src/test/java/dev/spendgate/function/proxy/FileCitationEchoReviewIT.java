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
 * A Responses conversation kept by the client sends the previous turn's output back as input. When that turn used
 * {@code file_search} over a shared vector store, its {@code output_text} carries {@code file_citation} annotations
 * naming the store's files: ids the provider returned to this very key, which make the model read nothing. Before
 * {@code CheckFileReferences} the second turn went through like the first; it must still.
 */
class FileCitationEchoReviewIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BOUNDARY = "----spendgate-file-boundary";

    @TempDir
    Path dir;

    @Test
    void secondTurn_echoingAFileCitationOfASharedKnowledgeBaseFile_isForwarded() throws Exception {
        String kbFile;
        // the knowledge-base ingestion key uploads the handbook through the gateway (it owns the file), to be
        // attached to the shared vector store every assistant searches
        try (FakeBatchUpstream openAiFiles = FakeBatchUpstream.start();
                GatewayFixture ingest = GatewayFixture.embedded(
                        dir, Map.of("SPENDGATE_OPENAI_BASE_URL", openAiFiles.openAiBaseUrl()))) {
            String body = "--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nassistants\r\n"
                    + "--" + BOUNDARY
                    + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"handbook.pdf\"\r\n"
                    + "Content-Type: application/pdf\r\n\r\n%PDF-1.4 refunds within 30 days\r\n--" + BOUNDARY
                    + "--\r\n";
            HttpResponse<String> uploaded =
                    ingest.send(HttpRequest.newBuilder(URI.create(ingest.server.baseUrl() + "/v1/files"))
                            .header("Authorization", "Bearer " + ingest.secret)
                            .header("Content-Type", "multipart/form-data; boundary=" + BOUNDARY)
                            .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)));
            assertThat(uploaded.statusCode()).as(uploaded.body()).isEqualTo(200);
            kbFile = JSON.readTree(uploaded.body()).get("id").asText();
        }

        try (GatewayFixture gw = GatewayFixture.embedded(dir)) {
            String support = ProxyKeys.newSecret();
            gw.newKey(support, "support-bot", new Attribution("assistant", "support", null, "prod", null, null, null));
            int before = gw.upstream.requestCount();

            // turn 2: turn 1's output message (with its citation) echoed back, as the Responses docs show
            String input = "[{\"role\":\"user\",\"content\":[{\"type\":\"input_text\",\"text\":\"What is the refund"
                    + " window?\"}]},"
                    + "{\"type\":\"message\",\"id\":\"msg_1\",\"role\":\"assistant\",\"status\":\"completed\","
                    + "\"content\":[{\"type\":\"output_text\",\"text\":\"Refunds are accepted within 30 days.\","
                    + "\"annotations\":[{\"type\":\"file_citation\",\"index\":36,\"file_id\":\"" + kbFile + "\","
                    + "\"filename\":\"handbook.pdf\"}]}]},"
                    + "{\"role\":\"user\",\"content\":[{\"type\":\"input_text\",\"text\":\"And for annual plans?\"}]}]";
            HttpResponse<String> answer =
                    gw.send(HttpRequest.newBuilder(URI.create(gw.server.baseUrl() + "/v1/responses"))
                            .header("Content-Type", "application/json")
                            .header("Authorization", "Bearer " + support)
                            .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"gpt-4o-mini\",\"tools\":[{\"type\":"
                                    + "\"file_search\",\"vector_store_ids\":[\"vs_handbook\"]}],\"input\":" + input
                                    + "}")));

            assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
            assertThat(gw.upstream.requestCount() - before).isEqualTo(1);
        }
    }

    @Test
    void longConversation_echoingMoreThanAHundredCitedFiles_isForwarded() {
        try (GatewayFixture gw = GatewayFixture.embedded(dir)) {
            // 34 turns of a support chat over a large knowledge base, each answer citing three of its files (files
            // uploaded at the provider, which the gateway never saw)
            StringBuilder input = new StringBuilder("[");
            int file = 0;
            for (int turn = 0; turn < 34; turn++) {
                input.append(turn == 0 ? "" : ",")
                        .append("{\"role\":\"user\",\"content\":[{\"type\":\"input_text\",\"text\":\"Question ")
                        .append(turn)
                        .append("\"}]},{\"type\":\"message\",\"id\":\"msg_")
                        .append(turn)
                        .append("\",\"role\":\"assistant\",\"status\":\"completed\",\"content\":[{\"type\":")
                        .append("\"output_text\",\"text\":\"Answer.\",\"annotations\":[");
                for (int c = 0; c < 3; c++) {
                    input.append(c == 0 ? "" : ",")
                            .append("{\"type\":\"file_citation\",\"index\":6,\"file_id\":\"file-kb")
                            .append(file++)
                            .append("\",\"filename\":\"article.md\"}");
                }
                input.append("]}]}");
            }
            input.append(",{\"role\":\"user\",\"content\":[{\"type\":\"input_text\",\"text\":\"Thanks, one")
                    .append(" more thing?\"}]}]");
            int before = gw.upstream.requestCount();

            HttpResponse<String> answer = gw.send(gw.post(
                    "/v1/responses",
                    "{\"model\":\"gpt-4o-mini\",\"tools\":[{\"type\":\"file_search\",\"vector_store_ids\":"
                            + "[\"vs_kb\"]}],\"input\":" + input + "}"));

            assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
            assertThat(gw.upstream.requestCount() - before).isEqualTo(1);
        }
    }
}
