package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.budget.BudgetPeriod;
import dev.spendgate.domain.budget.BudgetPolicy;
import dev.spendgate.domain.budget.BudgetPolicy.Mode;
import dev.spendgate.domain.budget.BudgetScope;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.testing.upstream.BedrockReply;
import dev.spendgate.testing.upstream.FakeBedrockRuntime;
import java.math.BigDecimal;
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
 * Review of automatic prompt caching with a degrade budget (session 26, rev26d). README: "On Bedrock only models
 * Bedrock caches are marked ..., with "ttl": "1h" only for Claude 4.5 and later ... (other models get no mark where the
 * hour cache would be needed)"; {@code BedrockPromptCacheMarksTest}: Bedrock "answers a cachePoint it does not support
 * with a ValidationException". The mark is decided before admission for the model the call asks for; a degrade budget
 * then moves the call to a cheaper model and the marked body goes with it, so Claude 3.5 Haiku is sent the hour cache
 * decided for Claude Sonnet 4.5.
 */
class DegradedPromptCacheMarkReviewIT {
    private static final String SONNET_4_5 = "anthropic.claude-sonnet-4-5-20250929-v1:0";
    private static final String HAIKU_3_5 = "anthropic.claude-3-5-haiku-20241022-v1:0";
    private static final String SYSTEM =
            "You answer questions about Acme's knowledge base and cite its articles. ".repeat(250);

    @TempDir
    Path dir;

    private final RoutingAndCachingIT.MutableClock clock =
            new RoutingAndCachingIT.MutableClock(Instant.parse("2026-12-06T09:00:00Z"));
    private FakeBedrockRuntime bedrock;
    private GatewayFixture gw;

    @AfterEach
    void stop() {
        if (gw != null) {
            gw.close();
        }
        if (bedrock != null) {
            bedrock.close();
        }
    }

    private void budget(BigDecimal limit) {
        gw.runtime
                .budgetStores()
                .policies()
                .put(new BudgetPolicy(
                        BudgetScope.parse("feature:kb"), BudgetPeriod.MONTHLY, limit, Mode.DEGRADE, null, null, null));
    }

    private HttpResponse<String> converse(String question) {
        String body = "{\"system\":[{\"text\":\"" + SYSTEM + "\"}],\"messages\":[{\"role\":\"user\",\"content\":"
                + "[{\"text\":\"" + question + "\"}]}],\"inferenceConfig\":{\"maxTokens\":200}}";
        return gw.send(gw.post("/model/" + SONNET_4_5 + "/converse", body).header("X-Cost-Feature", "kb"));
    }

    @Test
    void degradedToAModelWithoutTheHourCache_isNotSentTheHourCachePoint() throws Exception {
        Files.createDirectories(dir.resolve("policy"));
        Files.writeString(dir.resolve("policy/gateway-policy.json"), """
                {"prompt_caching": [{"feature": "kb", "min_prefix_tokens": 1024}]}
                """);
        bedrock = FakeBedrockRuntime.start();
        bedrock.setDefaultReply(BedrockReply.defaults().withUsage(100, 10, 0, 0, 0));
        gw = GatewayFixture.optimized(
                dir,
                clock,
                Map.of(
                        "SPENDGATE_BEDROCK_BASE_URL", bedrock.baseUri().toString(),
                        "SPENDGATE_BEDROCK_REGION", FakeBedrockRuntime.REGION,
                        "AWS_ACCESS_KEY_ID", FakeBedrockRuntime.ACCESS_KEY_ID,
                        "AWS_SECRET_ACCESS_KEY", FakeBedrockRuntime.SECRET_ACCESS_KEY,
                        "SPENDGATE_DEGRADE_CHAINS", SONNET_4_5 + ">" + HAIKU_3_5));
        budget(new BigDecimal("100"));

        HttpResponse<String> first = converse("Which article covers refunds?");
        assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
        UsageRecord firstRecord =
                gw.record(first.headers().firstValue(Gateway.REQUEST_ID_HEADER).orElseThrow());
        // ten minutes later the same prefix again: the hour cache. The budget now affords Haiku 3.5, not Sonnet 4.5
        clock.advance(Duration.ofMinutes(10));
        budget(firstRecord.costUsd().add(new BigDecimal("0.012")));

        HttpResponse<String> second = converse("Which article covers invoices?");

        assertThat(second.headers().firstValue(Gateway.DEGRADED_HEADER)).hasValue(SONNET_4_5 + " -> " + HAIKU_3_5);
        var forwarded = bedrock.lastRequest();
        assertThat(forwarded.path()).contains(HAIKU_3_5.replace(":", "%3A"));
        assertThat(forwarded.bodyString())
                .as("Bedrock keeps no hour cache for Claude 3.5 Haiku and refuses the cachePoint")
                .doesNotContain("\"ttl\":\"1h\"");
        assertThat(gw.record(second.headers()
                                .firstValue(Gateway.REQUEST_ID_HEADER)
                                .orElseThrow())
                        .optimization()
                        .promptCache())
                .as("the record says no prompt-cache mark was sent")
                .isNull();
    }

    /** The 5-minute cache, which Claude 3.5 Haiku has on Bedrock: the degraded call keeps its mark. */
    @Test
    void degradedToAModelWithTheFiveMinuteCache_keepsTheMark() throws Exception {
        Files.createDirectories(dir.resolve("policy"));
        Files.writeString(dir.resolve("policy/gateway-policy.json"), """
                {"prompt_caching": [{"feature": "kb", "min_prefix_tokens": 1024}]}
                """);
        bedrock = FakeBedrockRuntime.start();
        bedrock.setDefaultReply(BedrockReply.defaults().withUsage(100, 10, 0, 0, 0));
        gw = GatewayFixture.optimized(
                dir,
                clock,
                Map.of(
                        "SPENDGATE_BEDROCK_BASE_URL", bedrock.baseUri().toString(),
                        "SPENDGATE_BEDROCK_REGION", FakeBedrockRuntime.REGION,
                        "AWS_ACCESS_KEY_ID", FakeBedrockRuntime.ACCESS_KEY_ID,
                        "AWS_SECRET_ACCESS_KEY", FakeBedrockRuntime.SECRET_ACCESS_KEY,
                        "SPENDGATE_DEGRADE_CHAINS", SONNET_4_5 + ">" + HAIKU_3_5));
        budget(new BigDecimal("100"));

        HttpResponse<String> first = converse("Which article covers refunds?");
        assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
        UsageRecord firstRecord =
                gw.record(first.headers().firstValue(Gateway.REQUEST_ID_HEADER).orElseThrow());
        clock.advance(Duration.ofMinutes(2));
        budget(firstRecord.costUsd().add(new BigDecimal("0.012")));

        HttpResponse<String> second = converse("Which article covers invoices?");

        assertThat(second.headers().firstValue(Gateway.DEGRADED_HEADER)).hasValue(SONNET_4_5 + " -> " + HAIKU_3_5);
        var forwarded = bedrock.lastRequest();
        assertThat(forwarded.path()).contains(HAIKU_3_5.replace(":", "%3A"));
        assertThat(forwarded.bodyString()).contains("\"cachePoint\"").doesNotContain("\"ttl\"");
        assertThat(gw.record(second.headers()
                                .firstValue(Gateway.REQUEST_ID_HEADER)
                                .orElseThrow())
                        .optimization()
                        .promptCache())
                .isEqualTo("5m");
    }
}
