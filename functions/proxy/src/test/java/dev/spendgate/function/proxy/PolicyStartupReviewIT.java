package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Review of fix23d2 (b7ee6129): a policy that started yesterday's gateway must start today's. This one routes
 * gpt-4o to gpt-4o-mini (priced) and lists, in an allowed_moves chain no route uses, a model the catalog does not price.
 * On main the gateway starts and routes; with the new start-up check it does not start at all. On AWS the same check
 * runs at the Lambda's init (StreamingBootstrap.main: Runtime.InitError), for a policy stored in DynamoDB by an earlier
 * PUT /admin/policy: every call fails, /admin/policy included, until the item is edited by hand.
 */
class PolicyStartupReviewIT {
    private static final String STORED_YESTERDAY = """
            {"allowed_moves": {"openai": ["gpt-4o>gpt-4o-mini>gpt-4o-mini-legacy"]},
             "routes": [{"id": "triage-mini", "from": "gpt-4o", "to": "gpt-4o-mini", "feature": "triage"}]}
            """;

    @TempDir
    Path dir;

    private GatewayFixture gw;

    @AfterEach
    void stop() {
        if (gw != null) {
            gw.close();
        }
    }

    @Test
    void policyWithAnUnusedUnpricedModelInAnAllowedChain_stillStartsTheGatewayAndRoutes() throws Exception {
        Files.createDirectories(dir.resolve("policy"));
        Files.writeString(dir.resolve("policy/gateway-policy.json"), STORED_YESTERDAY);
        gw = GatewayFixture.optimized(
                dir, new RoutingAndCachingIT.MutableClock(Instant.now()), Map.of("SPENDGATE_ADMIN_TOKEN", "a"));

        HttpResponse<String> r = gw.send(gw.post(
                        "/v1/chat/completions",
                        "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"Classify: printer\"}]}")
                .header("X-Cost-Feature", "triage"));

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("X-Spendgate-Routed")).hasValue("gpt-4o -> gpt-4o-mini (rule triage-mini)");
    }
}
