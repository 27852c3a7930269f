package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Session 28 review of the admin API's key and budget routes: odd input and keys that govern nothing. */
class AdminKeysReviewIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOKEN = "adm-4f1c2b9e-7d3a-41f0-9c55-2be8e61a0f3d";

    @TempDir
    Path dir;

    GatewayFixture gw;

    @AfterEach
    void stop() {
        gw.close();
    }

    private HttpRequest.Builder admin(String path) {
        return HttpRequest.newBuilder(URI.create(gw.server.baseUrl() + path))
                .header("Authorization", "Bearer " + TOKEN)
                .header("Content-Type", "application/json");
    }

    private HttpResponse<String> createKey(String body) {
        return gw.send(admin("/admin/keys").POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    private int keyCount() throws Exception {
        return JSON.readTree(gw.send(admin("/admin/keys").GET()).body())
                .get("keys")
                .size();
    }

    @Test
    void put_twoBudgetsInOneBody_is400AndStoresNeither() throws Exception {
        // a script that pipes two budget files into one PUT (cat a.json b.json | curl -d @-) must hear that the body
        // is not one JSON object: the model routes, /v1/outcomes and the batch routes all refuse content after it
        gw = GatewayFixture.embedded(dir, Map.of("SPENDGATE_ADMIN_TOKEN", TOKEN));

        HttpResponse<String> put = gw.send(admin("/admin/budgets")
                .PUT(HttpRequest.BodyPublishers.ofString(
                        "{\"scope\":\"feature:chatbot\",\"period\":\"monthly\",\"limit_usd\":\"500\",\"mode\":\"block\"}\n"
                                + "{\"scope\":\"feature:search\",\"period\":\"monthly\",\"limit_usd\":\"50\","
                                + "\"mode\":\"block\"}")));

        assertThat(put.statusCode()).as(put.body()).isEqualTo(400);
        assertThat(JSON.readTree(put.body()).at("/error/param").asText()).isEqualTo("body");
        assertThat(gw.runtime.budgetStores().policies().list()).isEmpty();
    }

    @Test
    void put_keyBudgetOnARevokedKey_is400NamingTheScope() throws Exception {
        // README: "a budget on a revoked key governs nothing"; a key: scope that governs nothing is refused
        gw = GatewayFixture.embedded(dir, Map.of("SPENDGATE_ADMIN_TOKEN", TOKEN));
        HttpResponse<String> created = createKey("{\"name\":\"support-bot\",\"environment\":\"prod\"}");
        String oldId = JSON.readTree(created.body()).get("id").asText();
        assertThat(gw.send(admin("/admin/keys/" + oldId).DELETE()).statusCode()).isEqualTo(200);
        String newId = JSON.readTree(createKey("{\"name\":\"support-bot\",\"environment\":\"prod\"}")
                        .body())
                .get("id")
                .asText();

        HttpResponse<String> put = gw.send(admin("/admin/budgets")
                .PUT(HttpRequest.BodyPublishers.ofString("{\"scope\":\"key:" + oldId
                        + "\",\"period\":\"monthly\",\"limit_usd\":\"5\",\"mode\":\"block\"}")));

        assertThat(put.statusCode()).as(put.body()).isEqualTo(400);
        JsonNode error = JSON.readTree(put.body()).get("error");
        assertThat(error.get("param").asText()).isEqualTo("scope");
        assertThat(error.get("message").asText()).contains("key:" + newId);
        assertThat(gw.runtime.budgetStores().policies().list()).isEmpty();
    }

    @Test
    void put_bodyOverTheLimit_is413NotInvalidJson() throws Exception {
        // the model routes answer 413 naming SPENDGATE_MAX_BODY_BYTES; the admin API gets the body cut at the limit
        gw = GatewayFixture.embedded(dir, Map.of("SPENDGATE_ADMIN_TOKEN", TOKEN, "SPENDGATE_MAX_BODY_BYTES", "1024"));
        String valid =
                "{\"scope\":\"feature:chatbot\",\"period\":\"monthly\",\"limit_usd\":\"500\",\"mode\":\"block\"}";
        String padded = valid.replace("}", " ".repeat(2000) + "}");
        assertThat(JSON.readTree(padded).get("limit_usd").asText()).isEqualTo("500");

        HttpResponse<String> put = gw.send(admin("/admin/budgets").PUT(HttpRequest.BodyPublishers.ofString(padded)));

        assertThat(put.statusCode()).as(put.body()).isEqualTo(413);
        assertThat(put.body()).contains("SPENDGATE_MAX_BODY_BYTES").doesNotContain("not valid JSON");
    }

    @Test
    void keys_createWithANameOfOneHundredEmoji_isStored() throws Exception {
        // "a name of 1-128 characters": 100 characters outside the BMP are 200 UTF-16 units, still 100 characters
        gw = GatewayFixture.embedded(dir, Map.of("SPENDGATE_ADMIN_TOKEN", TOKEN));
        String name = "\uD83D\uDD11".repeat(100);
        assertThat(name.codePointCount(0, name.length())).isEqualTo(100);

        HttpResponse<String> created = createKey("{\"name\":\"" + name + "\",\"environment\":\"prod\"}");

        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        assertThat(JSON.readTree(created.body()).get("name").asText()).isEqualTo(name);
    }

    @Test
    void keys_createWithANameOfIdeographicSpace_is400NamingTheName() throws Exception {
        gw = GatewayFixture.embedded(dir, Map.of("SPENDGATE_ADMIN_TOKEN", TOKEN));
        int before = keyCount();

        HttpResponse<String> created = createKey("{\"name\":\"\u3000\",\"environment\":\"prod\"}");

        assertThat(created.statusCode()).as(created.body()).isEqualTo(400);
        assertThat(JSON.readTree(created.body()).at("/error/param").asText()).isEqualTo("name");
        assertThat(keyCount()).isEqualTo(before);
    }
}
