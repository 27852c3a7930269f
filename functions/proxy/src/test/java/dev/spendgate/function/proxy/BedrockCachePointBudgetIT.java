package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.budget.BudgetPeriod;
import dev.spendgate.domain.budget.BudgetPolicy;
import dev.spendgate.domain.budget.BudgetScope;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.testing.upstream.BedrockReply;
import dev.spendgate.testing.upstream.FakeBedrockRuntime;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Converse request that marks its system prompt with a one-hour {@code cachePoint} makes Bedrock write the prompt
 * to the cache at the one-hour write price (twice the input price on Claude Sonnet 4.5). The worst case reserved
 * before forwarding must count those writes, as it does for an Anthropic body's {@code cache_control}; otherwise a
 * budget admits a call that costs more than what is left of it.
 */
class BedrockCachePointBudgetIT {
    private static final String SONNET_4_5 = "anthropic.claude-sonnet-4-5-20250929-v1:0";
    private static final BigDecimal LIMIT = new BigDecimal("0.011");

    @TempDir
    Path dir;

    FakeBedrockRuntime bedrock;
    GatewayFixture gw;

    @BeforeEach
    void start() {
        bedrock = FakeBedrockRuntime.start();
        gw = GatewayFixture.embedded(
                dir,
                Map.of(
                        "SPENDGATE_BEDROCK_BASE_URL", bedrock.baseUri().toString(),
                        "SPENDGATE_BEDROCK_REGION", FakeBedrockRuntime.REGION,
                        "AWS_ACCESS_KEY_ID", FakeBedrockRuntime.ACCESS_KEY_ID,
                        "AWS_SECRET_ACCESS_KEY", FakeBedrockRuntime.SECRET_ACCESS_KEY));
    }

    @AfterEach
    void stop() {
        gw.close();
        bedrock.close();
    }

    @Test
    void converse_oneHourCachePoint_budgetNeverSpentPastItsLimit() {
        gw.runtime
                .budgetStores()
                .policies()
                .put(new BudgetPolicy(
                        BudgetScope.parse("feature:cache-bot"),
                        BudgetPeriod.MONTHLY,
                        LIMIT,
                        BudgetPolicy.Mode.BLOCK,
                        null,
                        null,
                        null));
        // About 2,000 tokens of system prompt, all written to the one-hour cache: Bedrock reports them as cache
        // writes (counted no higher than Spendgate's own tokenizer counts them).
        String system = "policy ".repeat(2000);
        bedrock.setDefaultReply(BedrockReply.defaults().withUsage(10, 10, 0, 2000, 2000));
        String body =
                "{\"system\":[{\"text\":\"" + system + "\"},{\"cachePoint\":{\"type\":\"default\",\"ttl\":\"1h\"}}],"
                        + "\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"Hi\"}]}],"
                        + "\"inferenceConfig\":{\"maxTokens\":10}}";

        HttpResponse<String> response =
                gw.send(gw.post("/model/" + SONNET_4_5 + "/converse", body).header("X-Cost-Feature", "cache-bot"));

        if (response.statusCode() == 429) {
            return; // refused: the worst case counted the one-hour writes
        }
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        UsageRecord record = gw.record(
                response.headers().firstValue(Gateway.REQUEST_ID_HEADER).orElseThrow());
        // 10 x $3.30 + 2000 x $6.60 (one-hour writes) + 10 x $16.50 per 1M = $0.013398
        assertThat(record.costUsd())
                .as("admitted by a $%s budget with nothing spent yet, so it may cost at most that", LIMIT)
                .isLessThanOrEqualTo(LIMIT);
    }
}
