package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.budget.BudgetPeriod;
import dev.spendgate.domain.budget.BudgetPolicy;
import dev.spendgate.domain.budget.BudgetPolicy.Mode;
import dev.spendgate.domain.budget.BudgetScope;
import dev.spendgate.domain.budget.BudgetState;
import dev.spendgate.domain.keys.ProxyKeys;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.testing.upstream.FakeBatchUpstream;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Review of the batch lifecycle beyond the happy path: batches that end expired or cancelled, failed requests that
 * OpenAI writes to the batch's error file, and the budget period batch results are charged to. Runs the real local
 * gateway in front of {@link FakeBatchUpstream}.
 */
class BatchLifecycleReviewIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BOUNDARY = "----spendgate-review-boundary";

    @TempDir
    Path dir;

    FakeBatchUpstream batches;
    GatewayFixture gw;

    private void start(Clock clock) {
        batches = FakeBatchUpstream.start();
        gw = GatewayFixture.embedded(
                dir,
                Map.of(
                        "SPENDGATE_OPENAI_BASE_URL", batches.openAiBaseUrl(),
                        "SPENDGATE_ANTHROPIC_BASE_URL", batches.anthropicBaseUrl()),
                clock);
    }

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

    private String openAiBatch(String jsonl, String feature) throws Exception {
        String body = "--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n"
                + "--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"in.jsonl\"\r\n"
                + "Content-Type: application/jsonl\r\n\r\n" + jsonl + "\r\n--" + BOUNDARY + "--\r\n";
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
                .header("X-Cost-Feature", feature));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
        return JSON.readTree(created.body()).get("id").asText();
    }

    private HttpResponse<String> get(String path) {
        return gw.send(HttpRequest.newBuilder(URI.create(gw.server.baseUrl() + path))
                .header("Authorization", "Bearer " + gw.secret)
                .GET());
    }

    private List<UsageRecord> batchRecords(String batchId, int expected) {
        return gw.awaitRecords(expected).stream()
                .filter(r -> batchId.equals(r.billing().batchId()))
                .toList();
    }

    private BigDecimal spent(BudgetPolicy policy, String value, Instant at) {
        return gw.runtime
                .budgetStores()
                .ledger()
                .state(policy.shardKey(value, at, 0))
                .map(BudgetState::spent)
                .orElse(BigDecimal.ZERO);
    }

    private BudgetPolicy monthly(String feature) {
        BudgetPolicy policy = new BudgetPolicy(
                BudgetScope.parse("feature:" + feature),
                BudgetPeriod.MONTHLY,
                new BigDecimal("5"),
                Mode.BLOCK,
                null,
                null,
                null);
        gw.runtime.budgetStores().policies().put(policy);
        return policy;
    }

    /**
     * OpenAI (platform.openai.com/docs/guides/batch, "Batch expiration"): a batch that does not finish in its window
     * is {@code expired}; the responses of its completed requests are in the batch's output file and "you will be
     * charged for tokens consumed from any completed requests". The SDK's retrieve-then-download through the gateway
     * must record and charge them like a completed batch's.
     */
    @Test
    void openAiBatchExpired_completedRequestsInItsOutputFile_areRecordedAndCharged() throws Exception {
        start(Clock.systemUTC());
        BudgetPolicy policy = monthly("ticket-triage");
        String batchId = openAiBatch(line("t-1") + line("t-2") + line("t-3"), "ticket-triage");

        // two of three requests ran before the 24 h window closed: 10,000 input (2,000 cached), 1,000 output each
        batches.endOpenAi(batchId, "expired", 2, 10_000, 2_000, 1_000);
        JsonNode expired = JSON.readTree(get("/v1/batches/" + batchId).body());
        assertThat(expired.get("status").asText()).isEqualTo("expired");
        HttpResponse<String> output =
                get("/v1/files/" + expired.get("output_file_id").asText() + "/content");
        assertThat(output.statusCode()).isEqualTo(200);
        assertThat(output.body().lines()).hasSize(2);

        // gpt-5-mini batch: 8,000 x $0.125 + 2,000 x $0.0125 + 1,000 x $1.00 per 1M = $0.002025 per request
        List<UsageRecord> records = batchRecords(batchId, 2);
        assertThat(records)
                .as("usage records of the expired batch's completed requests")
                .filteredOn(r -> r.costUsd() != null)
                .extracting(UsageRecord::requestId)
                .containsExactlyInAnyOrder(batchId + "/t-1", batchId + "/t-2");
        assertThat(records).filteredOn(r -> r.costUsd() != null).allSatisfy(r -> assertThat(r.costUsd())
                .isEqualByComparingTo("0.002025"));
        assertThat(spent(policy, "ticket-triage", Instant.now())).isEqualByComparingTo("0.00405");
    }

    /**
     * OpenAI (platform.openai.com/docs/api-reference/batch/cancel): a cancelled batch's requests that completed before
     * the cancel are in its output file and billed. Cancelling through the gateway then downloading must record them.
     */
    @Test
    void openAiBatchCancelled_partialResults_areRecordedAndCharged() throws Exception {
        start(Clock.systemUTC());
        BudgetPolicy policy = monthly("ticket-triage");
        String batchId = openAiBatch(line("t-1") + line("t-2") + line("t-3") + line("t-4"), "ticket-triage");
        HttpResponse<String> cancel = gw.send(gw.post("/v1/batches/" + batchId + "/cancel", ""));
        assertThat(cancel.statusCode()).as(cancel.body()).isEqualTo(200);

        batches.endOpenAi(batchId, "cancelled", 1, 10_000, 2_000, 1_000);
        JsonNode cancelled = JSON.readTree(get("/v1/batches/" + batchId).body());
        assertThat(cancelled.get("status").asText()).isEqualTo("cancelled");
        get("/v1/files/" + cancelled.get("output_file_id").asText() + "/content");

        List<UsageRecord> records = batchRecords(batchId, 1);
        assertThat(records)
                .as("usage record of the cancelled batch's one completed request")
                .filteredOn(r -> r.costUsd() != null)
                .singleElement()
                .satisfies(r -> {
                    assertThat(r.requestId()).isEqualTo(batchId + "/t-1");
                    assertThat(r.costUsd()).isEqualByComparingTo("0.002025");
                });
        assertThat(spent(policy, "ticket-triage", Instant.now())).isEqualByComparingTo("0.002025");
    }

    /**
     * README "Batch APIs": "failed, errored, canceled and expired lines are recorded with their error and no cost".
     * OpenAI writes a batch's failed requests to its error file ({@code error_file_id}, "the outputs of requests with
     * errors"), not to the output file; fetching it through the gateway must record them.
     */
    @Test
    void openAiBatch_failedRequestsInTheErrorFile_areRecordedWithTheirErrorAndNoCost() throws Exception {
        start(Clock.systemUTC());
        String batchId = openAiBatch(line("t-1") + line("fail-2"), "ticket-triage");

        batches.endOpenAi(batchId, "completed", 2, 10_000, 0, 1_000);
        JsonNode done = JSON.readTree(get("/v1/batches/" + batchId).body());
        assertThat(done.get("status").asText()).isEqualTo("completed");
        get("/v1/files/" + done.get("output_file_id").asText() + "/content");
        HttpResponse<String> errors =
                get("/v1/files/" + done.get("error_file_id").asText() + "/content");
        assertThat(errors.body()).contains("fail-2");

        List<UsageRecord> records = batchRecords(batchId, 2);
        assertThat(records).extracting(UsageRecord::requestId).contains(batchId + "/t-1");
        assertThat(records)
                .as("the failed request's record")
                .filteredOn(r -> r.requestId().equals(batchId + "/fail-2"))
                .singleElement()
                .satisfies(r -> {
                    assertThat(r.statusCode()).isEqualTo(400);
                    assertThat(r.costUsd()).isNull();
                    assertThat(r.errorType()).isNotNull();
                });
    }

    /**
     * README "Batch APIs", Budgets: "When the results are recorded their actual cost is added to the creator's
     * budgets as spend ..., in the period in which they are fetched." A Message Batch created on 30 November at 23:30
     * UTC whose results are fetched on 1 December must count against December's monthly budget, which otherwise
     * admits that spend again.
     */
    @Test
    void anthropicBatch_resultsFetchedInTheNextMonth_countAgainstThatMonthsBudget() throws Exception {
        BudgetSweepIT.MutableClock clock = new BudgetSweepIT.MutableClock(Instant.parse("2026-11-30T23:30:00Z"));
        start(clock);
        BudgetPolicy policy = monthly("nightly-summaries");
        String requests = "{\"requests\":[{\"custom_id\":\"doc-1\",\"params\":{\"model\":\"claude-sonnet-4-5\","
                + "\"max_tokens\":1024,\"messages\":[{\"role\":\"user\",\"content\":\"Summarise doc 1\"}]}}]}";
        HttpResponse<String> created =
                gw.send(HttpRequest.newBuilder(URI.create(gw.server.baseUrl() + "/v1/messages/batches"))
                        .header("x-api-key", gw.secret)
                        .header("anthropic-version", "2023-06-01")
                        .header("Content-Type", "application/json")
                        .header("X-Cost-Feature", "nightly-summaries")
                        .POST(HttpRequest.BodyPublishers.ofString(requests)));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
        String batchId = JSON.readTree(created.body()).get("id").asText();

        clock.advance(Duration.ofHours(2)); // 2026-12-01T01:30Z: the batch ended, its results are fetched
        batches.completeAnthropic(batchId, 20_000, 5_000, 2_000);
        HttpResponse<String> results = gw.send(
                HttpRequest.newBuilder(URI.create(gw.server.baseUrl() + "/v1/messages/batches/" + batchId + "/results"))
                        .header("x-api-key", gw.secret)
                        .header("anthropic-version", "2023-06-01")
                        .GET());
        assertThat(results.statusCode()).isEqualTo(200);

        // claude-sonnet-4-5 batch: 20,000 x $1.50 + 5,000 x $0.15 + 2,000 x $7.50 per 1M = $0.04575
        Instant december = Instant.parse("2026-12-01T01:30:00Z");
        Instant november = Instant.parse("2026-11-30T23:30:00Z");
        assertThat(spent(policy, "nightly-summaries", december))
                .as("December's spend after the results were fetched on 1 December")
                .isEqualByComparingTo("0.04575");
        assertThat(spent(policy, "nightly-summaries", november)).isEqualByComparingTo("0");
    }

    /**
     * Batches and files are stored at the provider under the gateway's one provider key, so the gateway is the only
     * thing between teams: a Spendgate key of another team must not read a batch's results (another team's prompts
     * and completions), as it cannot read another team's model calls. Expected: 404 for a batch or file the caller's
     * key did not create.
     */
    @Test
    void batchResults_anotherTeamsKey_cannotReadThem() throws Exception {
        start(Clock.systemUTC());
        String batchId = openAiBatch(line("t-1"), "ticket-triage");
        batches.endOpenAi(batchId, "completed", 1, 1_000, 0, 100);
        String output = JSON.readTree(get("/v1/batches/" + batchId).body())
                .get("output_file_id")
                .asText();
        String otherSecret = ProxyKeys.newSecret();
        gw.newKey(otherSecret, "growth-prod", new Attribution(null, null, "growth", "prod", null, null, null));

        HttpResponse<String> content =
                gw.send(HttpRequest.newBuilder(URI.create(gw.server.baseUrl() + "/v1/files/" + output + "/content"))
                        .header("Authorization", "Bearer " + otherSecret)
                        .GET());
        HttpResponse<String> batch =
                gw.send(HttpRequest.newBuilder(URI.create(gw.server.baseUrl() + "/v1/batches/" + batchId))
                        .header("Authorization", "Bearer " + otherSecret)
                        .GET());

        assertThat(content.statusCode())
                .as("another team's key fetching this batch's output: " + content.body())
                .isEqualTo(404);
        assertThat(content.body()).doesNotContain("t-1");
        assertThat(batch.statusCode()).isEqualTo(404);
    }
}
