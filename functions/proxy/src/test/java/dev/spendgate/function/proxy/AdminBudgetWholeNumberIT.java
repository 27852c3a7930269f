package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A whole number written with a decimal point ({@code 80.0}, {@code 2.0}) is what Python's {@code json.dumps} writes
 * for a float: the admin API took it until today (80, 2 shards) and must still take it; only a fraction (80.9, 2.5)
 * is refused.
 */
class AdminBudgetWholeNumberIT {
    private static final String TOKEN = "adm-4f1c2b9e";

    @TempDir
    Path dir;

    GatewayFixture gw;

    @AfterEach
    void stop() {
        gw.close();
    }

    @Test
    void put_wholeNumbersWithADecimalPoint_storedAsTheWholeNumbers() {
        gw = GatewayFixture.embedded(dir, Map.of("SPENDGATE_ADMIN_TOKEN", TOKEN));

        HttpResponse<String> response = gw.send(HttpRequest.newBuilder(
                        URI.create(gw.server.baseUrl() + "/admin/budgets"))
                .header("Authorization", "Bearer " + TOKEN)
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString("{\"scope\":\"feature:chatbot\",\"period\":\"monthly\","
                        + "\"limit_usd\":\"500\",\"mode\":\"block\",\"alert_at\":[50.0,80.0,100.0],\"shards\":2.0}")));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(gw.runtime.budgetStores().policies().list()).singleElement().satisfies(p -> {
            assertThat(p.alertAt()).isEqualTo(List.of(50, 80, 100));
            assertThat(p.shards()).isEqualTo(2);
        });
    }
}
