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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuthAndAttributionIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CHAT =
            "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

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

    private HttpRequest.Builder unauthenticated() {
        return HttpRequest.newBuilder(URI.create(gw.server.baseUrl() + "/v1/chat/completions"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(CHAT));
    }

    @Test
    void missingKey_is401InOpenAiShapeAndNothingIsForwarded() throws Exception {
        HttpResponse<String> response = gw.send(unauthenticated());

        assertThat(response.statusCode()).isEqualTo(401);
        JsonNode error = JSON.readTree(response.body()).get("error");
        assertThat(error.get("type").asText()).isEqualTo("authentication_error");
        assertThat(error.get("message").asText()).contains("Spendgate key");
        assertThat(gw.upstream.requestCount()).isZero();
    }

    @Test
    void unknownKey_is401AndProviderKeyNeverAppears() {
        HttpResponse<String> response =
                gw.send(unauthenticated().header("Authorization", "Bearer " + ProxyKeys.newSecret()));

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.body()).doesNotContain("sk-fake-openai");
        assertThat(response.headers().map().toString()).doesNotContain("sk-fake-openai");
        assertThat(gw.upstream.requestCount()).isZero();
    }

    @Test
    void revokedKey_is401WithRevocationMessage() {
        gw.keys.revoke(gw.key.id());

        HttpResponse<String> response = gw.send(gw.post("/v1/chat/completions", CHAT));

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.body()).contains("revoked");
        assertThat(gw.upstream.requestCount()).isZero();
    }

    @Test
    void xApiKeyHeader_authenticatesOpenAiRoutesToo() {
        HttpResponse<String> response = gw.send(unauthenticated().header("x-api-key", gw.secret));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(gw.upstream.lastRequest().header("x-api-key")).isNull();
    }

    @Test
    void attributionHeaders_overrideKeyDefaultsWhichFillTheGaps() throws Exception {
        String secret = ProxyKeys.newSecret();
        gw.newKey(secret, "batch", new Attribution("summaries", "support", "tier1", "staging", null, null, null));

        HttpResponse<String> response = gw.send(unauthenticated()
                .header("Authorization", "Bearer " + secret)
                .header("X-Cost-Feature", "ticket-triage")
                .header("X-Cost-Session", "sess-9")
                .header("X-Cost-User", "u-17")
                .header("X-Cost-Run", "run-2026-11-28"));

        UsageRecord r = gw.record(
                response.headers().firstValue(Gateway.REQUEST_ID_HEADER).orElseThrow());
        assertThat(r.attribution())
                .isEqualTo(new Attribution(
                        "ticket-triage", "support", "tier1", "staging", "sess-9", "u-17", "run-2026-11-28"));
        assertThat(r.attribution().isAttributed()).isTrue();
    }

    @Test
    void noFeatureOrDepartment_isForwardedAndRecordedUnattributed() throws Exception {
        HttpResponse<String> response = gw.send(gw.post("/v1/chat/completions", CHAT));

        assertThat(response.statusCode()).isEqualTo(200);
        UsageRecord r = gw.record(
                response.headers().firstValue(Gateway.REQUEST_ID_HEADER).orElseThrow());
        assertThat(r.attribution().isAttributed()).isFalse();
        assertThat(r.costUsd()).isPositive();
    }

    @Test
    void invalidAttributionValue_is400NamingTheHeaderAndNothingIsForwarded() throws Exception {
        HttpResponse<String> response =
                gw.send(gw.post("/v1/chat/completions", CHAT).header("X-Cost-Department", "eng ineering;drop"));

        assertThat(response.statusCode()).isEqualTo(400);
        JsonNode error = JSON.readTree(response.body()).get("error");
        assertThat(error.get("param").asText()).isEqualTo("X-Cost-Department");
        assertThat(error.get("message").asText()).contains("X-Cost-Department");
        assertThat(gw.upstream.requestCount()).isZero();
        UsageRecord r = gw.record(
                response.headers().firstValue(Gateway.REQUEST_ID_HEADER).orElseThrow());
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.costUsd()).isNull();
    }

    @Test
    void overlongAttributionValue_is400() {
        HttpResponse<String> response =
                gw.send(gw.post("/v1/chat/completions", CHAT).header("X-Cost-Feature", "f".repeat(129)));

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).contains("X-Cost-Feature");
    }
}
