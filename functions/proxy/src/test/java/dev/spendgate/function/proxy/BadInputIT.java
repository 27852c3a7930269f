package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.domain.usage.UsageRecord;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BadInputIT {
    private static final ObjectMapper JSON = new ObjectMapper();

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
    void malformedJson_is400NamingTheBodyAndLeavesARecord() throws Exception {
        HttpResponse<String> response = gw.send(gw.post("/v1/chat/completions", "{\"model\": \"gpt-4o\", "));

        assertThat(response.statusCode()).isEqualTo(400);
        JsonNode error = JSON.readTree(response.body()).get("error");
        assertThat(error.get("param").asText()).isEqualTo("body");
        assertThat(error.get("message").asText()).contains("not valid JSON");
        assertRecorded(response, 400);
        assertThat(gw.upstream.requestCount()).isZero();
    }

    @Test
    void secondJsonDocumentAfterTheObject_is400NamingTheBodyAndNothingIsForwarded() throws Exception {
        // the gateway reads (validates, reserves for, records) only the first object; the provider gets all the bytes
        HttpResponse<String> response = gw.send(gw.post(
                "/v1/chat/completions",
                "{\"model\":\"gpt-4o-mini\",\"max_tokens\":1,\"messages\":[]}"
                        + "{\"model\":\"o3\",\"max_completion_tokens\":100000,\"messages\":[]}"));

        assertThat(gw.upstream.requestCount()).isZero();
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(response.body()).at("/error/param").asText()).isEqualTo("body");
        assertRecorded(response, 400);
    }

    @Test
    void modelGivenTwice_is400NamingModelAndNothingIsForwarded() throws Exception {
        // the gateway would price one model while a provider whose parser keeps the first one serves the other
        HttpResponse<String> response = gw.send(gw.post(
                "/v1/chat/completions",
                "{\"model\":\"o3\",\"max_completion_tokens\":100000,\"model\":\"gpt-4o-mini\",\"messages\":[]}"));

        assertThat(gw.upstream.requestCount()).isZero();
        assertThat(response.statusCode()).isEqualTo(400);
        JsonNode error = JSON.readTree(response.body()).get("error");
        assertThat(error.get("param").asText()).isEqualTo("model");
        assertThat(error.get("message").asText()).contains("'model' twice");
        assertRecorded(response, 400);
    }

    @Test
    void missingModel_is400NamingModel() throws Exception {
        HttpResponse<String> response = gw.send(gw.post("/v1/chat/completions", "{\"messages\":[]}"));

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(response.body()).at("/error/param").asText()).isEqualTo("model");
        assertRecorded(response, 400);
    }

    @Test
    void modelWithARightToLeftOverride_is400NamingModelAndNothingIsForwarded() throws Exception {
        // recorded, the name would show the rest of its `usage` row (its figures) in another order in a terminal
        HttpResponse<String> response = gw.send(gw.post(
                "/v1/chat/completions", "{\"model\":\"gpt-4o\\u202E  00.0  1  \",\"max_tokens\":1,\"messages\":[]}"));

        assertThat(gw.upstream.requestCount()).isZero();
        assertThat(response.statusCode()).isEqualTo(400);
        JsonNode error = JSON.readTree(response.body()).get("error");
        assertThat(error.get("param").asText()).isEqualTo("model");
        assertThat(error.get("message").asText()).contains("bidirectional formatting characters");
        assertRecorded(response, 400);
        assertThat(gw.record(response.headers()
                                .firstValue(Gateway.REQUEST_ID_HEADER)
                                .orElseThrow())
                        .modelRequested())
                .as("the refused name is not kept")
                .isNull();
    }

    @Test
    void nonBooleanStream_is400NamingStream() throws Exception {
        HttpResponse<String> response =
                gw.send(gw.post("/v1/chat/completions", "{\"model\":\"gpt-4o\",\"stream\":\"yes\",\"messages\":[]}"));

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(response.body()).at("/error/param").asText()).isEqualTo("stream");
    }

    @Test
    void wrongContentType_is415() throws Exception {
        HttpResponse<String> response =
                gw.send(gw.post("/v1/chat/completions", "{}").setHeader("Content-Type", "text/plain"));

        assertThat(response.statusCode()).isEqualTo(415);
        assertThat(JSON.readTree(response.body()).at("/error/param").asText()).isEqualTo("content-type");
        assertRecorded(response, 415);
    }

    @Test
    void oversizedBody_is413() throws Exception {
        String big =
                "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"" + "x".repeat(70_000) + "\"}]}";

        HttpResponse<String> response = gw.send(gw.post("/v1/chat/completions", big));

        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(JSON.readTree(response.body()).at("/error/param").asText()).isEqualTo("body");
        assertThat(gw.upstream.requestCount()).isZero();
    }

    @Test
    void unknownPath_is404InOpenAiShape() throws Exception {
        HttpResponse<String> response = gw.send(gw.post("/v1/completions/legacy", "{}"));

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(response.body()).at("/error/message").asText()).contains("/v1/chat/completions");
    }

    @Test
    void anthropicRouteError_usesAnthropicErrorShape() throws Exception {
        HttpResponse<String> response = gw.send(HttpRequest.newBuilder(URI.create(gw.server.baseUrl() + "/v1/messages"))
                .header("Content-Type", "application/json")
                .header("x-api-key", gw.secret)
                .POST(HttpRequest.BodyPublishers.ofString("[1,2]")));

        assertThat(response.statusCode()).isEqualTo(400);
        JsonNode body = JSON.readTree(response.body());
        assertThat(body.get("type").asText()).isEqualTo("error");
        assertThat(body.at("/error/type").asText()).isEqualTo("invalid_request_error");
    }

    @Test
    void getOnAnEndpoint_is405WithAllowHeader() {
        HttpResponse<String> response =
                gw.send(HttpRequest.newBuilder(URI.create(gw.server.baseUrl() + "/v1/chat/completions"))
                        .header("Authorization", "Bearer " + gw.secret)
                        .GET());

        assertThat(response.statusCode()).isEqualTo(405);
        assertThat(response.headers().firstValue("allow")).hasValue("POST");
    }

    @Test
    void unreachableUpstream_is502AndTheCallIsRecorded() throws Exception {
        gw.close();
        try (GatewayFixture down = GatewayFixture.embedded(
                dir.resolve("down"), Map.of("SPENDGATE_OPENAI_BASE_URL", "http://127.0.0.1:9/v1"))) {
            HttpResponse<String> response =
                    down.send(down.post("/v1/chat/completions", "{\"model\":\"gpt-4o\",\"messages\":[]}"));

            assertThat(response.statusCode()).isEqualTo(502);
            assertThat(response.body()).doesNotContain("sk-fake-openai").doesNotContain("Exception");
            UsageRecord r = down.record(
                    response.headers().firstValue(Gateway.REQUEST_ID_HEADER).orElseThrow());
            assertThat(r.errorType()).isEqualTo("upstream_unreachable");
        }
        gw = GatewayFixture.embedded(dir.resolve("again"));
    }

    private void assertRecorded(HttpResponse<String> response, int status) {
        UsageRecord r = gw.record(
                response.headers().firstValue(Gateway.REQUEST_ID_HEADER).orElseThrow());
        assertThat(r.statusCode()).isEqualTo(status);
        assertThat(r.pricingStatus()).isEqualTo(UsageRecord.PricingStatus.NOT_BILLABLE);
    }
}
