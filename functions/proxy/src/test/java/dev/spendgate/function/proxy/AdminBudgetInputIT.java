package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Budget policy input the admin API must refuse with a 400 naming the field, changing nothing. */
class AdminBudgetInputIT {
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
                .header("Authorization", "Bearer " + TOKEN)
                .header("Content-Type", "application/json");
    }

    private HttpResponse<String> put(String body) {
        return gw.send(admin("/admin/budgets").PUT(HttpRequest.BodyPublishers.ofString(body)));
    }

    @Test
    void put_alertAtAsTheCliSpellsIt_is400NamingAlertAt_notABudgetWithoutAlerts() throws Exception {
        gw = GatewayFixture.embedded(dir, Map.of("SPENDGATE_ADMIN_TOKEN", TOKEN));

        HttpResponse<String> response = put("{\"scope\":\"feature:chatbot\",\"period\":\"monthly\","
                + "\"limit_usd\":\"500\",\"mode\":\"block\",\"alert_at\":\"50,80,100\"}");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        assertThat(JSON.readTree(response.body()).at("/error/param").asText()).isEqualTo("alert_at");
        assertThat(gw.runtime.budgetStores().policies().list()).isEmpty();
    }

    @Test
    void put_misspelledField_is400NamingIt_notTheDefaultInForce() throws Exception {
        gw = GatewayFixture.embedded(dir, Map.of("SPENDGATE_ADMIN_TOKEN", TOKEN));

        HttpResponse<String> response = put("{\"scope\":\"feature:chatbot\",\"period\":\"monthly\","
                + "\"limit_usd\":\"500\",\"mode\":\"block\",\"alerts_at\":[50]}");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        assertThat(JSON.readTree(response.body()).at("/error/param").asText()).isEqualTo("alerts_at");
        assertThat(JSON.readTree(response.body()).at("/error/message").asText()).contains("alert_at");
        assertThat(gw.runtime.budgetStores().policies().list()).isEmpty();
    }

    /** A script reads a budget, changes one field and sends it back whole: every field GET writes is taken. */
    @Test
    void put_budgetAsGetReturnsIt_isAccepted() throws Exception {
        gw = GatewayFixture.embedded(dir, Map.of("SPENDGATE_ADMIN_TOKEN", TOKEN));
        assertThat(put("{\"scope\":\"feature:chatbot\",\"period\":\"monthly\",\"limit_usd\":\"500\","
                                + "\"mode\":\"block\"}")
                        .statusCode())
                .isEqualTo(200);
        HttpResponse<String> resharded = put("{\"scope\":\"feature:chatbot\",\"period\":\"monthly\","
                + "\"limit_usd\":\"500\",\"mode\":\"block\",\"shards\":4}");
        assertThat(resharded.statusCode()).as(resharded.body()).isEqualTo(200);

        com.fasterxml.jackson.databind.node.ObjectNode stored = (com.fasterxml.jackson.databind.node.ObjectNode)
                JSON.readTree(gw.send(admin("/admin/budgets").GET()).body()).at("/budgets/0");
        stored.put("limit_usd", "600");
        HttpResponse<String> back = put(JSON.writeValueAsString(stored));

        assertThat(stored.has("shards_from"))
                .as("a resharded budget carries its read-only fields: %s", stored)
                .isTrue();
        assertThat(back.statusCode()).as(back.body()).isEqualTo(200);
        assertThat(gw.runtime.budgetStores().policies().list()).singleElement().satisfies(p -> assertThat(p.limitUsd())
                .isEqualByComparingTo("600"));
    }

    @Test
    void put_fractionalAlertOrShards_is400NotTruncated() throws Exception {
        gw = GatewayFixture.embedded(dir, Map.of("SPENDGATE_ADMIN_TOKEN", TOKEN));

        HttpResponse<String> alert = put("{\"scope\":\"feature:chatbot\",\"period\":\"monthly\","
                + "\"limit_usd\":\"500\",\"mode\":\"block\",\"alert_at\":[80.9]}");
        HttpResponse<String> shards = put("{\"scope\":\"feature:chatbot\",\"period\":\"monthly\","
                + "\"limit_usd\":\"500\",\"mode\":\"block\",\"shards\":2.5}");

        assertThat(alert.statusCode()).as(alert.body()).isEqualTo(400);
        assertThat(JSON.readTree(alert.body()).at("/error/param").asText()).isEqualTo("alert_at");
        assertThat(shards.statusCode()).as(shards.body()).isEqualTo(400);
        assertThat(JSON.readTree(shards.body()).at("/error/param").asText()).isEqualTo("shards");
        assertThat(gw.runtime.budgetStores().policies().list()).isEmpty();
    }

    @Test
    void put_hugeLimit_is400NamingLimitUsd() throws Exception {
        gw = GatewayFixture.embedded(dir, Map.of("SPENDGATE_ADMIN_TOKEN", TOKEN));

        HttpResponse<String> response = put(
                "{\"scope\":\"global\",\"period\":\"monthly\"," + "\"limit_usd\":\"1e2147483647\",\"mode\":\"block\"}");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        assertThat(JSON.readTree(response.body()).at("/error/param").asText()).isEqualTo("limit_usd");
        assertThat(gw.runtime.budgetStores().policies().list()).isEmpty();
    }

    @Test
    void put_limitGivenTwice_is400NamingLimitUsd_notTheLastOneSilently() throws Exception {
        gw = GatewayFixture.embedded(dir, Map.of("SPENDGATE_ADMIN_TOKEN", TOKEN));

        HttpResponse<String> response = put("{\"scope\":\"global\",\"period\":\"monthly\",\"limit_usd\":\"50\","
                + "\"mode\":\"block\",\"limit_usd\":\"50000\"}");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        assertThat(JSON.readTree(response.body()).at("/error/param").asText()).isEqualTo("limit_usd");
        assertThat(gw.runtime.budgetStores().policies().list()).isEmpty();
    }

    @Test
    void put_alertThresholdOutOfRange_is400NamingAlertAt_notLimitUsd() throws Exception {
        gw = GatewayFixture.embedded(dir, Map.of("SPENDGATE_ADMIN_TOKEN", TOKEN));

        HttpResponse<String> response = put("{\"scope\":\"global\",\"period\":\"monthly\",\"limit_usd\":\"50\","
                + "\"mode\":\"block\",\"alert_at\":[0,80]}");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        assertThat(JSON.readTree(response.body()).at("/error/param").asText()).isEqualTo("alert_at");
        assertThat(gw.runtime.budgetStores().policies().list()).isEmpty();
    }

    @Test
    void delete_badPeriod_is400NamingPeriod() throws Exception {
        gw = GatewayFixture.embedded(dir, Map.of("SPENDGATE_ADMIN_TOKEN", TOKEN));

        HttpResponse<String> response = gw.send(
                admin("/admin/budgets?scope=feature:chatbot&period=weekly").DELETE());

        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        assertThat(JSON.readTree(response.body()).at("/error/param").asText()).isEqualTo("period");
    }

    @Test
    void delete_scopeGivenTwice_is400NamingScopeAndDeletesNothing() throws Exception {
        gw = GatewayFixture.embedded(dir, Map.of("SPENDGATE_ADMIN_TOKEN", TOKEN));
        for (String scope : new String[] {"feature:chatbot", "feature:search"}) {
            assertThat(put("{\"scope\":\"" + scope + "\",\"period\":\"monthly\",\"limit_usd\":\"50\","
                                    + "\"mode\":\"block\"}")
                            .statusCode())
                    .isEqualTo(200);
        }

        HttpResponse<String> response =
                gw.send(admin("/admin/budgets?scope=feature:chatbot&scope=feature:search&period=monthly")
                        .DELETE());

        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        assertThat(JSON.readTree(response.body()).at("/error/param").asText()).isEqualTo("scope");
        assertThat(gw.runtime.budgetStores().policies().list()).hasSize(2);
    }
}
