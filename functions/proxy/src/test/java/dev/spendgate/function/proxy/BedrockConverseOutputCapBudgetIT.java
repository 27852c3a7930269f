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
 * Converse's {@code inferenceConfig.maxTokens} is optional; without it Bedrock lets the model answer up to its
 * maximum output, 128,000 tokens for Claude Opus 4.6 (platform.claude.com, models/opus-4-6). The worst case a budget
 * reserves must be that maximum, or a budget admits a call that costs several times what is left of it.
 */
class BedrockConverseOutputCapBudgetIT {
    private static final String OPUS_4_6 = "global.anthropic.claude-opus-4-6-v1";
    private static final BigDecimal LIMIT = new BigDecimal("1.00");

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
    void converse_opus46WithoutMaxTokens_budgetNeverSpentPastItsLimit() {
        gw.runtime
                .budgetStores()
                .policies()
                .put(new BudgetPolicy(
                        BudgetScope.parse("feature:report-writer"),
                        BudgetPeriod.MONTHLY,
                        LIMIT,
                        BudgetPolicy.Mode.BLOCK,
                        null,
                        null,
                        null));
        // a long report: 100,000 output tokens, within Opus 4.6's 128,000
        bedrock.setDefaultReply(BedrockReply.defaults().withUsage(20, 100_000, 0, 0, 0));

        HttpResponse<String> response = gw.send(gw.post(
                        "/model/" + OPUS_4_6 + "/converse",
                        "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"Write the quarterly cost report.\"}]}]}")
                .header("X-Cost-Feature", "report-writer"));

        if (response.statusCode() == 429) {
            return; // refused: the worst case counted the model's whole output
        }
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        UsageRecord record = gw.record(
                response.headers().firstValue(Gateway.REQUEST_ID_HEADER).orElseThrow());
        // 20 x $5 + 100,000 x $25 per 1M (global profile) = $2.5001
        assertThat(record.costUsd())
                .as("admitted by a $%s budget with nothing spent yet, so it may cost at most that", LIMIT)
                .isLessThanOrEqualTo(LIMIT);
    }
}
