package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.domain.budget.BudgetPeriod;
import dev.spendgate.domain.budget.BudgetPolicy;
import dev.spendgate.domain.budget.BudgetPolicy.Mode;
import dev.spendgate.domain.budget.BudgetScope;
import dev.spendgate.domain.budget.BudgetState;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.testing.upstream.FakeBatchUpstream;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Review: batch result lines the gateway records unpriced (README "Batch APIs": a line whose input is no count is
 * recorded "unpriced, cost unknown, not zero"; an unreadable line likewise) and the creator's budgets. The provider
 * billed those requests. On the live path an unpriced call "keeps its reservation as spend" ({@code Record.actual}:
 * its budgets keep the worst case), so a budget never admits money already spent; a batch's admission reserved
 * nothing that stays, and its unpriced lines add $0, so an enforced budget goes on admitting as if they were free.
 * Runs the real local gateway in front of {@link FakeBatchUpstream}.
 */
class BatchUnpricedLinesReviewIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BOUNDARY = "----spendgate-review-boundary";

    @TempDir
    Path dir;

    FakeBatchUpstream batches;
    GatewayFixture gw;

    @AfterEach
    void stop() {
        if (gw != null) {
            gw.close();
        }
        if (batches != null) {
            batches.close();
        }
    }

    private static String line(String customId) {
        return "{\"custom_id\":\"" + customId + "\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":"
                + "{\"model\":\"gpt-5-mini\",\"max_completion_tokens\":500,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Classify ticket " + customId + ".\"}]}}\n";
    }

    @Test
    void openAiBatch_linesWithoutAnInputCount_stillCountAgainstTheBudget() throws Exception {
        batches = FakeBatchUpstream.start();
        gw = GatewayFixture.embedded(
                dir,
                Map.of(
                        "SPENDGATE_OPENAI_BASE_URL", batches.openAiBaseUrl(),
                        "SPENDGATE_ANTHROPIC_BASE_URL", batches.anthropicBaseUrl()),
                Clock.systemUTC());
        BudgetPolicy policy = new BudgetPolicy(
                BudgetScope.parse("feature:ticket-triage"),
                BudgetPeriod.MONTHLY,
                new BigDecimal("5"),
                Mode.BLOCK,
                null,
                null,
                null);
        gw.runtime.budgetStores().policies().put(policy);

        String body = "--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n"
                + "--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"in.jsonl\"\r\n"
                + "Content-Type: application/jsonl\r\n\r\n" + line("t-1") + line("t-2") + "\r\n--" + BOUNDARY
                + "--\r\n";
        HttpResponse<String> file = gw.send(HttpRequest.newBuilder(URI.create(gw.server.baseUrl() + "/v1/files"))
                .header("Authorization", "Bearer " + gw.secret)
                .header("Content-Type", "multipart/form-data; boundary=" + BOUNDARY)
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)));
        assertThat(file.statusCode()).as(file.body()).isEqualTo(200);
        HttpResponse<String> created = gw.send(gw.post(
                        "/v1/batches",
                        "{\"input_file_id\":\""
                                + JSON.readTree(file.body()).get("id").asText()
                                + "\",\"endpoint\":\"/v1/chat/completions\",\"completion_window\":\"24h\"}")
                .header("X-Cost-Feature", "ticket-triage"));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
        String batchId = JSON.readTree(created.body()).get("id").asText();

        // both requests ran and were billed; OpenAI's output gives no input count (-1: no count), 400 output tokens
        batches.completeOpenAi(batchId, -1, 0, 400);
        JsonNode done =
                JSON.readTree(gw.send(HttpRequest.newBuilder(URI.create(gw.server.baseUrl() + "/v1/batches/" + batchId))
                                .header("Authorization", "Bearer " + gw.secret)
                                .GET())
                        .body());
        HttpResponse<String> output = gw.send(HttpRequest.newBuilder(URI.create(gw.server.baseUrl() + "/v1/files/"
                        + done.get("output_file_id").asText() + "/content"))
                .header("Authorization", "Bearer " + gw.secret)
                .GET());
        assertThat(output.statusCode()).isEqualTo(200);

        List<UsageRecord> records = gw.awaitRecords(2).stream()
                .filter(r -> batchId.equals(r.billing().batchId()))
                .toList();
        assertThat(records).hasSize(2).allSatisfy(r -> {
            assertThat(r.pricingStatus()).isEqualTo(UsageRecord.PricingStatus.UNPRICED);
            assertThat(r.costUsd()).isNull();
        });

        BigDecimal spent = gw.runtime
                .budgetStores()
                .ledger()
                .state(policy.shardKey("ticket-triage", Instant.now(), 0))
                .map(BudgetState::spent)
                .orElse(BigDecimal.ZERO);
        // at least the 2 x 400 output tokens OpenAI counted, at gpt-5-mini's batch $1.00 per 1M: $0.0008 (a live
        // unpriced call keeps its whole worst case: 500 output tokens and its input, each)
        assertThat(spent)
                .as("the feature's monthly spend after two billed requests were recorded")
                .isGreaterThanOrEqualTo(new BigDecimal("0.0008"));
    }
}
