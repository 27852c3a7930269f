package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * README "Budgets", Admin API: "the fields a GET returns ... are taken and ignored, so a budget read can be sent back
 * changed". A budget whose time zone change waits for the period's end is listed with `previous_time_zone` (README:
 * "the zone in force then, `previous_time_zone` in the admin API's policy JSON"); a script that reads it and sends it
 * back with a lower limit must get the lower limit, not a 400.
 */
class AdminBudgetPendingZoneRoundTripReviewIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOKEN = "adm-7e2d9a41";

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
    void put_budgetReadWhileItsZoneChangeWaits_sentBackWithALowerLimit_isAccepted() throws Exception {
        gw = GatewayFixture.embedded(dir, Map.of("SPENDGATE_ADMIN_TOKEN", TOKEN));
        assertThat(put("{\"scope\":\"feature:chatbot\",\"period\":\"monthly\",\"limit_usd\":\"500\","
                                + "\"mode\":\"block\",\"time_zone\":\"UTC\"}")
                        .statusCode())
                .isEqualTo(200);
        HttpResponse<String> moved = put("{\"scope\":\"feature:chatbot\",\"period\":\"monthly\","
                + "\"limit_usd\":\"500\",\"mode\":\"block\",\"time_zone\":\"Asia/Tokyo\"}");
        assertThat(moved.statusCode()).as(moved.body()).isEqualTo(200);

        ObjectNode stored = (ObjectNode)
                JSON.readTree(gw.send(admin("/admin/budgets").GET()).body()).at("/budgets/0");
        assertThat(stored.has("previous_time_zone"))
                .as("the zone change waits for the month's end: %s", stored)
                .isTrue();
        stored.put("limit_usd", "200"); // the team cuts the chatbot's budget mid-month
        HttpResponse<String> back = put(JSON.writeValueAsString(stored));

        assertThat(back.statusCode()).as(back.body()).isEqualTo(200);
        assertThat(gw.runtime.budgetStores().policies().list()).singleElement().satisfies(p -> assertThat(p.limitUsd())
                .isEqualByComparingTo("200"));
    }
}
