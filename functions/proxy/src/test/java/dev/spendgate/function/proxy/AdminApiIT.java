package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.domain.usage.UsageRecord;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdminApiIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOKEN = "adm-4f1c2b9e";

    @TempDir
    Path dir;

    GatewayFixture gw;

    @AfterEach
    void stop() {
        gw.close();
    }

    private HttpRequest.Builder admin(String path) {
        return HttpRequest.newBuilder(URI.create(gw.server.baseUrl() + path))
                .header("Authorization", "Bearer " + TOKEN);
    }

    @Test
    void putListStatusDelete_manageBudgetsOverHttp() throws Exception {
        gw = GatewayFixture.embedded(dir, Map.of("SPENDGATE_ADMIN_TOKEN", TOKEN));

        HttpResponse<String> put = gw.send(admin("/admin/budgets")
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString("{\"scope\":\"feature:chatbot\",\"period\":\"monthly\","
                        + "\"limit_usd\":\"500\",\"mode\":\"block\",\"alert_at\":[80,100]}")));
        assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
        assertThat(JSON.readTree(put.body()).get("on_store_error").asText()).isEqualTo("fail_closed");

        gw.send(gw.post(
                        "/v1/chat/completions",
                        "{\"model\":\"gpt-4o\",\"max_tokens\":50,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")
                .header("X-Cost-Feature", "chatbot"));

        JsonNode list = JSON.readTree(gw.send(admin("/admin/budgets").GET()).body());
        assertThat(list.at("/budgets/0/id").asText()).isEqualTo("feature:chatbot/monthly");
        JsonNode status = JSON.readTree(
                        gw.send(admin("/admin/budgets/status").GET()).body())
                .at("/budgets/0");
        assertThat(status.get("spent_usd").asText()).isNotEqualTo("0");
        assertThat(status.get("in_flight_usd").decimalValue()).isEqualByComparingTo("0");
        assertThat(status.get("remaining_usd").decimalValue())
                .isEqualByComparingTo(status.get("limit_usd")
                        .decimalValue()
                        .subtract(status.get("spent_usd").decimalValue()));

        HttpResponse<String> deleted = gw.send(
                admin("/admin/budgets?scope=feature:chatbot&period=monthly").DELETE());
        assertThat(deleted.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(gw.send(admin("/admin/budgets").GET()).body()).get("budgets"))
                .isEmpty();
        assertThat(gw.send(admin("/admin/budgets?scope=feature:chatbot&period=monthly")
                                .DELETE())
                        .statusCode())
                .isEqualTo(404);
    }

    @Test
    void keysId_getOrPost_is405SayingToUseDelete() throws Exception {
        // a script reading one key (GET /admin/keys/ID) must hear the method is wrong, not that the path is unknown
        gw = GatewayFixture.embedded(dir, Map.of("SPENDGATE_ADMIN_TOKEN", TOKEN));
        String id = JSON.readTree(gw.send(admin("/admin/keys")
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(
                                        "{\"name\":\"support-bot\",\"environment\":\"prod\"}")))
                        .body())
                .get("id")
                .asText();

        for (HttpRequest.Builder wrong : new HttpRequest.Builder[] {
            admin("/admin/keys/" + id).GET(), admin("/admin/keys/" + id).POST(HttpRequest.BodyPublishers.noBody())
        }) {
            HttpResponse<String> r = gw.send(wrong);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(405);
            assertThat(JSON.readTree(r.body()).at("/error/param").asText()).isEqualTo("method");
            assertThat(JSON.readTree(r.body()).at("/error/message").asText()).contains("DELETE");
        }
        assertThat(JSON.readTree(gw.send(admin("/admin/keys").GET()).body())
                        .at("/keys/0/enabled")
                        .asBoolean())
                .isTrue();
    }

    @Test
    void put_badField_is400NamingIt() throws Exception {
        gw = GatewayFixture.embedded(dir, Map.of("SPENDGATE_ADMIN_TOKEN", TOKEN));

        HttpResponse<String> response = gw.send(
                admin("/admin/budgets")
                        .PUT(
                                HttpRequest.BodyPublishers.ofString(
                                        "{\"scope\":\"feature:chatbot\",\"period\":\"weekly\",\"limit_usd\":\"5\",\"mode\":\"block\"}")));

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(response.body()).at("/error/param").asText()).isEqualTo("period");
    }

    @Test
    void wrongOrMissingToken_is401AndChangesNothing() {
        gw = GatewayFixture.embedded(dir, Map.of("SPENDGATE_ADMIN_TOKEN", TOKEN));

        HttpResponse<String> response =
                gw.send(HttpRequest.newBuilder(URI.create(gw.server.baseUrl() + "/admin/budgets"))
                        .header("Authorization", "Bearer " + gw.secret)
                        .PUT(HttpRequest.BodyPublishers.ofString(
                                "{\"scope\":\"global\",\"period\":\"daily\",\"limit_usd\":\"0\",\"mode\":\"block\"}")));

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(gw.runtime.budgetStores().policies().list()).isEmpty();
    }

    @Test
    void noAdminTokenConfigured_adminApiIsOff() {
        gw = GatewayFixture.embedded(dir);

        HttpResponse<String> response = gw.send(admin("/admin/budgets").GET());

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(response.body()).contains("SPENDGATE_ADMIN_TOKEN");
    }

    @Test
    void keys_createAnswerCarryingTheSecret_isNotStoredByCaches() throws Exception {
        gw = GatewayFixture.embedded(dir, Map.of("SPENDGATE_ADMIN_TOKEN", TOKEN));

        HttpResponse<String> created = gw.send(admin("/admin/keys")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"cache-check\",\"environment\":\"prod\"}")));

        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        assertThat(JSON.readTree(created.body()).get("secret").asText()).startsWith("sg-");
        assertThat(created.headers().allValues("Cache-Control")).containsExactly("no-store");
        assertThat(gw.send(admin("/admin/keys").GET()).headers().allValues("Cache-Control"))
                .containsExactly("no-store");
    }

    @Test
    void errorAnswers_areNotStoredByCachesEither() throws Exception {
        gw = GatewayFixture.embedded(dir, Map.of("SPENDGATE_ADMIN_TOKEN", TOKEN));

        HttpResponse<String> invalid = gw.send(
                admin("/admin/budgets")
                        .header("Content-Type", "application/json")
                        .PUT(
                                HttpRequest.BodyPublishers.ofString(
                                        "{\"scope\":\"feature:search\",\"period\":\"daily\",\"limit_usd\":\"-1\",\"mode\":\"block\"}")));
        HttpResponse<String> wrongToken =
                gw.send(HttpRequest.newBuilder(URI.create(gw.server.baseUrl() + "/admin/keys"))
                        .header("Authorization", "Bearer not-the-token")
                        .GET());

        assertThat(invalid.statusCode()).as(invalid.body()).isEqualTo(400);
        assertThat(invalid.headers().allValues("Cache-Control")).containsExactly("no-store");
        assertThat(wrongToken.statusCode()).isEqualTo(401);
        assertThat(wrongToken.headers().allValues("Cache-Control")).containsExactly("no-store");
    }

    @Test
    void keys_createUseListRevoke_overHttp() throws Exception {
        gw = GatewayFixture.embedded(dir, Map.of("SPENDGATE_ADMIN_TOKEN", TOKEN));

        HttpResponse<String> created = gw.send(admin("/admin/keys")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"support-bot\",\"environment\":\"prod\","
                        + "\"feature\":\"support\",\"department\":\"cx\"}")));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        JsonNode key = JSON.readTree(created.body());
        String secret = key.get("secret").asText();
        String id = key.get("id").asText();
        assertThat(secret).startsWith("sg-");

        String chat = "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        HttpResponse<String> call =
                gw.send(gw.post("/v1/chat/completions", chat).setHeader("Authorization", "Bearer " + secret));
        assertThat(call.statusCode()).as(call.body()).isEqualTo(200);
        UsageRecord record =
                gw.record(call.headers().firstValue("X-Spendgate-Request-Id").orElseThrow());
        assertThat(record.keyId()).isEqualTo(id);
        assertThat(record.attribution().feature()).isEqualTo("support");
        assertThat(record.attribution().department()).isEqualTo("cx");

        String listed = gw.send(admin("/admin/keys").GET()).body();
        assertThat(listed).contains(id).contains("support-bot").doesNotContain(secret);
        assertThat(Files.readString(dir.resolve("keys.json"))).doesNotContain(secret);

        HttpResponse<String> revoked = gw.send(admin("/admin/keys/" + id).DELETE());
        assertThat(revoked.statusCode()).as(revoked.body()).isEqualTo(200);
        // the local gateway reads its key file directly: refused at once
        assertThat(JSON.readTree(revoked.body())
                        .path("refused_everywhere_within_seconds")
                        .asLong(-1))
                .isZero();
        assertThat(gw.send(gw.post("/v1/chat/completions", chat).setHeader("Authorization", "Bearer " + secret))
                        .statusCode())
                .isEqualTo(401);
        assertThat(gw.send(admin("/admin/keys/no-such-key").DELETE()).statusCode())
                .isEqualTo(404);
    }

    @Test
    void keys_createWithBadEnvironment_is400NamingTheFieldAndCreatesNothing() throws Exception {
        gw = GatewayFixture.embedded(dir, Map.of("SPENDGATE_ADMIN_TOKEN", TOKEN));
        int before = JSON.readTree(gw.send(admin("/admin/keys").GET()).body())
                .get("keys")
                .size();

        HttpResponse<String> response = gw.send(admin("/admin/keys")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"x\",\"environment\":\"prod env!\"}")));

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(response.body()).at("/error/param").asText()).isEqualTo("environment");
        assertThat(JSON.readTree(gw.send(admin("/admin/keys").GET()).body()).get("keys"))
                .hasSize(before);
    }

    @Test
    void keys_createWithALineBreakInTheName_is400NamingItAndCreatesNothing() throws Exception {
        // as `keys create` refuses it: a line break would split the row of `keys list` a script reads
        gw = GatewayFixture.embedded(dir, Map.of("SPENDGATE_ADMIN_TOKEN", TOKEN));
        int before = JSON.readTree(gw.send(admin("/admin/keys").GET()).body())
                .get("keys")
                .size();

        HttpResponse<String> response = gw.send(admin("/admin/keys")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"name\":\"support\\nkey_forged active\",\"environment\":\"prod\"}")));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        assertThat(JSON.readTree(response.body()).at("/error/param").asText()).isEqualTo("name");
        assertThat(JSON.readTree(gw.send(admin("/admin/keys").GET()).body()).get("keys"))
                .hasSize(before);
    }

    @Test
    void keys_createWithADepartmentThatIsNotAString_is400NamingItAndCreatesNothing() throws Exception {
        // a number or an object would be stored as its text ("42", "{...}"): no department's budget would follow it
        gw = GatewayFixture.embedded(dir, Map.of("SPENDGATE_ADMIN_TOKEN", TOKEN));
        int before = JSON.readTree(gw.send(admin("/admin/keys").GET()).body())
                .get("keys")
                .size();

        HttpResponse<String> response = gw.send(admin("/admin/keys")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"name\":\"eng-bot\",\"environment\":\"prod\",\"department\":42}")));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        assertThat(JSON.readTree(response.body()).at("/error/param").asText()).isEqualTo("department");
        assertThat(JSON.readTree(gw.send(admin("/admin/keys").GET()).body()).get("keys"))
                .hasSize(before);
    }
}
