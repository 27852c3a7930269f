package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The policy checks that need the gateway's providers and prices, where the policy changes while the gateway runs:
 * {@code PUT /admin/policy} (400 naming the field, nothing stored) and a re-read file (the policy in force stays).
 */
class PolicyTargetsIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String GOOD = """
            {"allowed_moves": {"openai": ["gpt-4o>gpt-4o-mini"]},
             "routes": [{"id": "triage-mini", "from": "gpt-4o", "to": "gpt-4o-mini", "feature": "triage"}]}
            """;
    private static final String TYPO = GOOD.replace("gpt-4o-mini", "gpt-4o-mnii");

    @TempDir
    Path dir;

    private final RoutingAndCachingIT.MutableClock clock = new RoutingAndCachingIT.MutableClock(Instant.now());
    private GatewayFixture gw;

    @AfterEach
    void stop() {
        if (gw != null) {
            gw.close();
        }
    }

    private void start(String policy, Map<String, String> env) throws Exception {
        Files.createDirectories(dir.resolve("policy"));
        Files.writeString(dir.resolve("policy/gateway-policy.json"), policy);
        java.util.Map<String, String> all = new java.util.HashMap<>(env);
        all.put("SPENDGATE_ADMIN_TOKEN", "admin-secret");
        gw = GatewayFixture.optimized(dir, clock, all);
    }

    private HttpResponse<String> put(String body) {
        return gw.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(gw.server.baseUrl() + "/admin/policy"))
                .header("Authorization", "Bearer admin-secret")
                .header("Content-Type", "application/json")
                .PUT(java.net.http.HttpRequest.BodyPublishers.ofString(body)));
    }

    private HttpResponse<String> triage() {
        return gw.send(gw.post(
                        "/v1/chat/completions",
                        "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"Classify: printer\"}]}")
                .header("X-Cost-Feature", "triage"));
    }

    @Test
    void adminPut_routeToAnUnpricedModel_is400NamingTheRouteAndNothingIsStored() throws Exception {
        start(GOOD, Map.of());

        HttpResponse<String> refused = put(TYPO);
        clock.advance(Duration.ofSeconds(2));

        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(refused.body()).at("/error/param").asText()).isEqualTo("routes[0].to");
        assertThat(JSON.readTree(refused.body()).at("/error/message").asText()).contains("gpt-4o-mnii");
        assertThat(Files.readString(dir.resolve("policy/gateway-policy.json"))).doesNotContain("gpt-4o-mnii");
        assertThat(triage().headers().firstValue("X-Spendgate-Routed"))
                .hasValue("gpt-4o -> gpt-4o-mini (rule triage-mini)");
    }

    @Test
    void adminPut_routeToAnotherConfiguredProvidersModel_is400NamingTheRoute() throws Exception {
        Path providers = dir.resolve("providers.json");
        Files.writeString(
                providers,
                "[{\"name\":\"mistral\",\"format\":\"openai\",\"base_url\":\"http://127.0.0.1:9/v1\","
                        + "\"api_key_env\":\"MISTRAL_API_KEY\",\"models\":[\"mistral-*\"]}]");
        Path prices = dir.resolve("prices.json");
        Files.writeString(
                prices,
                "{\"models\":[{\"provider\":\"mistral\",\"model\":\"mistral-large-latest\","
                        + "\"input\":\"2.00\",\"output\":\"6.00\"}]}");
        start(
                GOOD,
                Map.of(
                        "SPENDGATE_PROVIDERS_FILE", providers.toString(),
                        "MISTRAL_API_KEY", "sk-mistral-key",
                        "SPENDGATE_PRICING_OVERRIDES", prices.toString()));

        HttpResponse<String> refused = put(GOOD.replace("gpt-4o-mini", "mistral-large-latest"));

        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(refused.body()).at("/error/param").asText()).isEqualTo("routes[0].to");
        assertThat(JSON.readTree(refused.body()).at("/error/message").asText())
                .contains("provider 'openai'")
                .contains("provider 'mistral'");
    }

    @Test
    void adminPut_twoPoliciesInOneBody_is400AndNothingIsStored() throws Exception {
        // two documents piped into one PUT: storing the first and dropping the second would be a policy nobody sent
        start(GOOD, Map.of());

        HttpResponse<String> refused = put("{\"routes\": []}\n" + GOOD);
        clock.advance(Duration.ofSeconds(2));

        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(400);
        assertThat(JSON.readTree(refused.body()).at("/error/message").asText()).contains("single JSON object");
        assertThat(Files.readString(dir.resolve("policy/gateway-policy.json"))).contains("triage-mini");
        assertThat(triage().headers().firstValue("X-Spendgate-Routed"))
                .hasValue("gpt-4o -> gpt-4o-mini (rule triage-mini)");
    }

    @Test
    void reRead_aFileRoutingToAnUnpricedModel_keepsThePolicyInForce() throws Exception {
        start(GOOD, Map.of());

        Files.writeString(dir.resolve("policy/gateway-policy.json"), TYPO);
        clock.advance(Duration.ofSeconds(2)); // the gateway re-reads the file at most once a second
        HttpResponse<String> r = triage();

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("X-Spendgate-Routed")).hasValue("gpt-4o -> gpt-4o-mini (rule triage-mini)");
        assertThat(gw.upstream.requests())
                .singleElement()
                .satisfies(q -> assertThat(q.bodyJson().path("model").asText()).isEqualTo("gpt-4o-mini"));
    }
}
