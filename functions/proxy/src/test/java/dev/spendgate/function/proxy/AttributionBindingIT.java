package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.keys.ProxyKeys;
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

/**
 * A key's stored department and team bind (README, Attribution headers): a header naming another is refused 403 in
 * the route's error shape on every route, nothing forwarded; the same value, and a key without a stored one, pass.
 */
class AttributionBindingIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CHAT =
            "{\"model\":\"gpt-4o-mini\",\"max_tokens\":20,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";

    @TempDir
    Path dir;

    GatewayFixture gw;
    String eng;

    @BeforeEach
    void start() {
        gw = GatewayFixture.embedded(dir, Map.of());
        eng = ProxyKeys.newSecret();
        gw.newKey(eng, "eng-bot", new Attribution("eng-bot", "engineering", "platform", "prod", null, null, null));
    }

    @AfterEach
    void stop() {
        gw.close();
    }

    private HttpRequest.Builder postAs(String secret, String path, String body) {
        return HttpRequest.newBuilder(URI.create(gw.server.baseUrl() + path))
                .header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + secret)
                .POST(HttpRequest.BodyPublishers.ofString(body));
    }

    @Test
    void chat_departmentHeaderNamingAnother_is403NamingItRecordedUnderTheStoredDepartment() throws Exception {
        HttpResponse<String> claimed =
                gw.send(postAs(eng, "/v1/chat/completions", CHAT).header("X-Cost-Department", "legal"));

        assertThat(claimed.statusCode()).as(claimed.body()).isEqualTo(403);
        JsonNode error = JSON.readTree(claimed.body()).get("error");
        assertThat(error.get("param").asText()).isEqualTo("X-Cost-Department");
        assertThat(error.get("message").asText())
                .contains("bound to its department 'engineering'")
                .contains("a key without a stored department may set it per call");
        assertThat(gw.upstream.requestCount()).isZero();
        UsageRecord r = gw.record(
                claimed.headers().firstValue(Gateway.REQUEST_ID_HEADER).orElseThrow());
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(r.errorType()).isEqualTo("attribution_bound");
        assertThat(r.attribution().department()).isEqualTo("engineering");
        assertThat(r.costUsd()).isNull();
    }

    @Test
    void chat_teamHeaderNamingAnother_is403NamingIt() throws Exception {
        HttpResponse<String> claimed =
                gw.send(postAs(eng, "/v1/chat/completions", CHAT).header("X-Cost-Team", "growth"));

        assertThat(claimed.statusCode()).as(claimed.body()).isEqualTo(403);
        assertThat(JSON.readTree(claimed.body()).at("/error/param").asText()).isEqualTo("X-Cost-Team");
        assertThat(gw.upstream.requestCount()).isZero();
    }

    @Test
    void headersEqualToTheStoredValues_andOtherLabels_areServed() throws Exception {
        HttpResponse<String> same = gw.send(postAs(eng, "/v1/chat/completions", CHAT)
                .header("X-Cost-Department", "engineering")
                .header("X-Cost-Team", "platform")
                .header("X-Cost-Feature", "release-notes"));

        assertThat(same.statusCode()).as(same.body()).isEqualTo(200);
        UsageRecord r =
                gw.record(same.headers().firstValue(Gateway.REQUEST_ID_HEADER).orElseThrow());
        assertThat(r.attribution().feature())
                .as("feature stays an overridable default")
                .isEqualTo("release-notes");
    }

    @Test
    void keyWithoutAStoredDepartment_setsItPerCall() throws Exception {
        HttpResponse<String> set = gw.send(gw.post("/v1/chat/completions", CHAT).header("X-Cost-Department", "legal"));

        assertThat(set.statusCode()).as(set.body()).isEqualTo(200);
        UsageRecord r =
                gw.record(set.headers().firstValue(Gateway.REQUEST_ID_HEADER).orElseThrow());
        assertThat(r.attribution().department()).isEqualTo("legal");
    }

    @Test
    void everyRoute_departmentHeaderNamingAnother_is403AndNothingForwarded() throws Exception {
        Map<String, String> routes = Map.of(
                "/v1/responses", "{\"model\":\"gpt-4o-mini\",\"input\":\"Hi\"}",
                "/v1/embeddings", "{\"model\":\"text-embedding-3-small\",\"input\":\"Hi\"}",
                "/v1/messages",
                        "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":20,"
                                + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}",
                "/model/anthropic.claude-3-haiku-20240307-v1:0/converse",
                        "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"Hi\"}]}]}",
                "/v1/batches",
                        "{\"input_file_id\":\"file-1\",\"endpoint\":\"/v1/chat/completions\","
                                + "\"completion_window\":\"24h\"}");
        for (Map.Entry<String, String> route : routes.entrySet()) {
            HttpResponse<String> claimed =
                    gw.send(postAs(eng, route.getKey(), route.getValue()).header("X-Cost-Department", "legal"));

            assertThat(claimed.statusCode())
                    .as(route.getKey() + ": " + claimed.body())
                    .isEqualTo(403);
            assertThat(claimed.body()).as(route.getKey()).contains("X-Cost-Department");
            if (route.getKey().startsWith("/model/")) {
                assertThat(claimed.headers().firstValue("x-amzn-ErrorType"))
                        .hasValueSatisfying(v -> assertThat(v).startsWith("AccessDeniedException"));
            }
        }
        assertThat(gw.upstream.requestCount()).isZero();
    }
}
