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
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The batch APIs through the real local gateway in front of {@link FakeBatchUpstream}: the creator's attribution is
 * carried to the results, each result line is recorded once at batch rates, budgets admit a batch by its worst case.
 */
class BatchApiIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BOUNDARY = "----spendgate-test-boundary";

    @TempDir
    Path dir;

    FakeBatchUpstream batches;
    GatewayFixture gw;

    @BeforeEach
    void start() {
        batches = FakeBatchUpstream.start();
        gw = GatewayFixture.embedded(
                dir,
                Map.of(
                        "SPENDGATE_OPENAI_BASE_URL", batches.openAiBaseUrl(),
                        "SPENDGATE_ANTHROPIC_BASE_URL", batches.anthropicBaseUrl()));
    }

    @AfterEach
    void stop() {
        gw.close();
        batches.close();
    }

    private static String line(String customId, String model, int maxTokens) {
        return "{\"custom_id\":\"" + customId + "\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":"
                + "{\"model\":\"" + model + "\",\"max_completion_tokens\":" + maxTokens
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"Classify ticket " + customId + ".\"}]}}\n";
    }

    private HttpResponse<String> upload(String jsonl) {
        String body = "--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n"
                + "--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"in.jsonl\"\r\n"
                + "Content-Type: application/jsonl\r\n\r\n" + jsonl + "\r\n--" + BOUNDARY + "--\r\n";
        return gw.send(HttpRequest.newBuilder(URI.create(gw.server.baseUrl() + "/v1/files"))
                .header("Authorization", "Bearer " + gw.secret)
                .header("Content-Type", "multipart/form-data; boundary=" + BOUNDARY)
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)));
    }

    private HttpResponse<String> get(String path) {
        return gw.send(HttpRequest.newBuilder(URI.create(gw.server.baseUrl() + path))
                .header("Authorization", "Bearer " + gw.secret)
                .GET());
    }

    private HttpResponse<String> anthropic(String method, String path, String body) {
        return gw.send(HttpRequest.newBuilder(URI.create(gw.server.baseUrl() + path))
                .header("x-api-key", gw.secret)
                .header("anthropic-version", "2023-06-01")
                .header("Content-Type", "application/json")
                .header("X-Cost-Feature", "nightly-summaries")
                .header("X-Cost-Team", "support")
                .method(
                        method,
                        body == null
                                ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofString(body)));
    }

    private List<UsageRecord> batchRecords(int expected) {
        return gw.awaitRecords(expected).stream()
                .filter(r -> r.billing().batchId() != null)
                .sorted(Comparator.comparing(UsageRecord::requestId))
                .toList();
    }

    @Test
    void openAiBatch_resultsFetchedTwice_recordedOnceAtBatchRatesForTheCreator() throws Exception {
        String jsonl = line("t-1", "gpt-5-mini", 500)
                + line("t-2", "gpt-5-mini", 500)
                + line("t-3", "gpt-5-mini", 500)
                + line("fail-4", "gpt-5-mini", 500);
        HttpResponse<String> file = upload(jsonl);
        assertThat(file.statusCode()).as(file.body()).isEqualTo(200);
        String fileId = JSON.readTree(file.body()).get("id").asText();

        HttpResponse<String> created = gw.send(gw.post(
                        "/v1/batches",
                        "{\"input_file_id\":\"" + fileId
                                + "\",\"endpoint\":\"/v1/chat/completions\",\"completion_window\":\"24h\"}")
                .header("X-Cost-Feature", "ticket-triage")
                .header("X-Cost-Department", "support")
                .header("X-Cost-Session", "nightly-42"));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
        String batchId = JSON.readTree(created.body()).get("id").asText();
        assertThat(JSON.readTree(get("/v1/batches/" + batchId).body())
                        .get("status")
                        .asText())
                .isEqualTo("validating");

        // 10,000 input tokens (2,000 cached) and 1,000 output tokens per request
        batches.completeOpenAi(batchId, 10_000, 2_000, 1_000);
        JsonNode done = JSON.readTree(get("/v1/batches/" + batchId).body());
        assertThat(done.get("status").asText()).isEqualTo("completed");
        String outputFileId = done.get("output_file_id").asText();
        HttpResponse<String> first = get("/v1/files/" + outputFileId + "/content");
        HttpResponse<String> second = get("/v1/files/" + outputFileId + "/content");

        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(second.body()).isEqualTo(first.body());
        assertThat(first.body().lines()).hasSize(4);
        assertThat(batches.resultFetches()).isEqualTo(2);
        List<UsageRecord> records = batchRecords(4); // GatewayFixture.records() fails on duplicate request ids
        assertThat(records).hasSize(4);
        assertThat(records).allSatisfy(r -> {
            assertThat(r.billing().batchId()).isEqualTo(batchId);
            assertThat(r.keyId()).isEqualTo(gw.key.id());
            assertThat(r.attribution().feature()).isEqualTo("ticket-triage");
            assertThat(r.attribution().department()).isEqualTo("support");
            assertThat(r.attribution().session()).isEqualTo("nightly-42");
            assertThat(r.attribution().environment()).isEqualTo("prod"); // the key's default
            assertThat(r.billing().serviceTierServed()).isEqualTo("batch");
        });
        // gpt-5-mini batch (openai.com/api/pricing): 8,000 x $0.125 + 2,000 cached x $0.0125 + 1,000 x $1.00 per 1M
        // = $0.001 + $0.000025 + $0.001 = $0.002025 per request
        assertThat(records.subList(1, 4))
                .extracting(UsageRecord::requestId)
                .containsExactly(batchId + "/t-1", batchId + "/t-2", batchId + "/t-3");
        assertThat(records.subList(1, 4))
                .allSatisfy(r -> assertThat(r.costUsd()).isEqualByComparingTo("0.002025"));
        UsageRecord failed = records.get(0);
        assertThat(failed.requestId()).isEqualTo(batchId + "/fail-4");
        assertThat(failed.statusCode()).isEqualTo(400);
        assertThat(failed.costUsd()).isNull();
        BigDecimal total = records.stream()
                .map(UsageRecord::costUsd)
                .filter(c -> c != null)
                .reduce(BigDecimal.ZERO, BigDecimal::add);
        assertThat(total).isEqualByComparingTo("0.006075");
    }

    @Test
    void anthropicBatch_resultsFetchedTwiceViaResultsUrl_recordedOnceAtBatchRates() throws Exception {
        String requests = "{\"requests\":["
                + "{\"custom_id\":\"doc-1\",\"params\":{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":1024,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Summarise doc 1\"}]}},"
                + "{\"custom_id\":\"doc-2\",\"params\":{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":1024,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Summarise doc 2\"}]}},"
                + "{\"custom_id\":\"fail-3\",\"params\":{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":1024,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Summarise doc 3\"}]}}]}";
        HttpResponse<String> created = anthropic("POST", "/v1/messages/batches", requests);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
        String batchId = JSON.readTree(created.body()).get("id").asText();

        // 20,000 input tokens, 5,000 read from cache, 2,000 output per request
        batches.completeAnthropic(batchId, 20_000, 5_000, 2_000);
        JsonNode ended = JSON.readTree(
                anthropic("GET", "/v1/messages/batches/" + batchId, null).body());
        assertThat(ended.get("processing_status").asText()).isEqualTo("ended");
        String resultsUrl = ended.get("results_url").asText();
        assertThat(resultsUrl).startsWith(gw.server.baseUrl()).endsWith("/v1/messages/batches/" + batchId + "/results");
        HttpResponse<String> first = anthropic("GET", URI.create(resultsUrl).getPath(), null);
        HttpResponse<String> second = anthropic("GET", URI.create(resultsUrl).getPath(), null);
        JsonNode listed =
                JSON.readTree(anthropic("GET", "/v1/messages/batches", null).body());

        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(second.body()).isEqualTo(first.body());
        assertThat(listed.get("data").get(0).get("results_url").asText()).isEqualTo(resultsUrl);
        List<UsageRecord> records = batchRecords(3);
        assertThat(records).hasSize(3);
        assertThat(records).allSatisfy(r -> {
            assertThat(r.billing().batchId()).isEqualTo(batchId);
            assertThat(r.attribution().feature()).isEqualTo("nightly-summaries");
            assertThat(r.attribution().team()).isEqualTo("support");
            assertThat(r.provider()).isEqualTo("anthropic");
        });
        // claude-sonnet-4-5 batch (docs.anthropic.com pricing, batch 50%): 20,000 x $1.50 + 5,000 cache reads x
        // $0.15 + 2,000 x $7.50 per 1M = $0.03 + $0.00075 + $0.015 = $0.04575 per request
        assertThat(records).filteredOn(r -> r.costUsd() != null).hasSize(2).allSatisfy(r -> assertThat(r.costUsd())
                .isEqualByComparingTo("0.04575"));
        assertThat(records)
                .filteredOn(r -> r.requestId().endsWith("/fail-3"))
                .singleElement()
                .satisfies(r -> assertThat(r.errorType()).isEqualTo("batch_errored"));
    }

    @Test
    void anthropicBatch_worstCaseOverBudget_is429AndNothingIsCreated() throws Exception {
        gw.runtime
                .budgetStores()
                .policies()
                .put(new BudgetPolicy(
                        BudgetScope.parse("feature:nightly-summaries"),
                        BudgetPeriod.MONTHLY,
                        new BigDecimal("0.05"),
                        Mode.BLOCK,
                        null,
                        null,
                        null));
        // worst case: 2 requests x 4,096 output tokens x $7.50 per 1M (batch) = $0.06144 plus input: over $0.05
        String requests = "{\"requests\":["
                + "{\"custom_id\":\"a\",\"params\":{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":4096,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Summarise\"}]}},"
                + "{\"custom_id\":\"b\",\"params\":{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":4096,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Summarise\"}]}}]}";

        HttpResponse<String> refused = anthropic("POST", "/v1/messages/batches", requests);
        String oneRequest = requests.substring(0, requests.indexOf(",{\"custom_id\":\"b\"")) + "]}";
        HttpResponse<String> admitted = anthropic("POST", "/v1/messages/batches", oneRequest);

        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(429);
        assertThat(JSON.readTree(refused.body()).at("/error/type").asText()).isEqualTo("budget_exceeded");
        assertThat(refused.body()).contains("worst case of $");
        assertThat(admitted.statusCode()).as(admitted.body()).isEqualTo(200);
        JsonNode list =
                JSON.readTree(anthropic("GET", "/v1/messages/batches", null).body());
        assertThat(list.get("data")).hasSize(1);
    }

    @Test
    void openAiBatch_resultsChargeTheCreatorsBudget() throws Exception {
        BudgetPolicy policy = new BudgetPolicy(
                BudgetScope.parse("feature:ticket-triage"),
                BudgetPeriod.MONTHLY,
                new BigDecimal("5"),
                Mode.BLOCK,
                null,
                null,
                null);
        gw.runtime.budgetStores().policies().put(policy);
        String fileId = JSON.readTree(upload(line("t-1", "gpt-5-mini", 500)).body())
                .get("id")
                .asText();
        String batchId = JSON.readTree(gw.send(gw.post(
                                        "/v1/batches",
                                        "{\"input_file_id\":\"" + fileId
                                                + "\",\"endpoint\":\"/v1/chat/completions\",\"completion_window\":\"24h\"}")
                                .header("X-Cost-Feature", "ticket-triage"))
                        .body())
                .get("id")
                .asText();
        batches.completeOpenAi(batchId, 10_000, 2_000, 1_000);
        String output = JSON.readTree(get("/v1/batches").body())
                .at("/data/0/output_file_id")
                .asText();

        get("/v1/files/" + output + "/content");
        get("/v1/files/" + output + "/content");

        BudgetState state = gw.runtime
                .budgetStores()
                .ledger()
                .state(policy.shardKey("ticket-triage", Instant.now(), 0))
                .orElseThrow();
        assertThat(state.spent()).isEqualByComparingTo("0.002025");
        assertThat(state.reserved()).isEqualByComparingTo("0");
    }

    @Test
    void secondJsonDocumentAfterTheBody_is400AndNothingIsCreated() throws Exception {
        // the worst case would be reserved for the first document while the provider got all the bytes
        String one = "{\"requests\":[{\"custom_id\":\"a\",\"params\":{\"model\":\"claude-sonnet-4-5\","
                + "\"max_tokens\":1,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}}]}";
        HttpResponse<String> twoDocuments = anthropic(
                "POST", "/v1/messages/batches", one + one.replace("\"max_tokens\":1,", "\"max_tokens\":64000,"));
        HttpResponse<String> twoOnALine = upload(line("t-1", "gpt-5-mini", 10).strip() + line("t-2", "gpt-5", 100000));

        assertThat(twoDocuments.statusCode()).as(twoDocuments.body()).isEqualTo(400);
        assertThat(JSON.readTree(twoDocuments.body()).at("/error/param").asText())
                .isEqualTo("body");
        assertThat(JSON.readTree(anthropic("GET", "/v1/messages/batches", null).body())
                        .get("data"))
                .isEmpty();
        assertThat(twoOnALine.statusCode()).as(twoOnALine.body()).isEqualTo(400);
        assertThat(JSON.readTree(twoOnALine.body()).at("/error/message").asText())
                .contains("Line 1");
    }

    @Test
    void batchRoutes_badInputOrNoKey_clearErrorNamingTheField() throws Exception {
        HttpResponse<String> noKey = gw.send(HttpRequest.newBuilder(URI.create(gw.server.baseUrl() + "/v1/batches"))
                .GET());
        HttpResponse<String> badLine = upload(line("t-1", "gpt-5-mini", 10) + "{not json\n");
        HttpResponse<String> badHeader = gw.send(
                gw.post("/v1/batches", "{\"input_file_id\":\"file-1\"}").header("X-Cost-Feature", "has spaces"));
        HttpResponse<String> noRequests = anthropic("POST", "/v1/messages/batches", "{\"requests\":[]}");

        assertThat(noKey.statusCode()).isEqualTo(401);
        assertThat(badLine.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(badLine.body()).at("/error/param").asText()).isEqualTo("file");
        assertThat(JSON.readTree(badLine.body()).at("/error/message").asText()).contains("Line 2");
        assertThat(badHeader.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(badHeader.body()).at("/error/param").asText()).isEqualTo("X-Cost-Feature");
        assertThat(noRequests.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(noRequests.body()).at("/error/type").asText()).isEqualTo("invalid_request_error");
        assertThat(batches.resultFetches()).isZero();
    }

    /**
     * Batches and files sit at the provider under the gateway's one key: another team's Spendgate key lists none of
     * them, cannot start a batch from the team's uploaded file, nor cancel its batch.
     */
    @Test
    void batchesAndFiles_anotherTeamsKey_listsNoneAndCannotUseThem() throws Exception {
        String fileId = JSON.readTree(upload(line("t-1", "gpt-5-mini", 10)).body())
                .get("id")
                .asText();
        HttpResponse<String> created = gw.send(gw.post(
                "/v1/batches",
                "{\"input_file_id\":\"" + fileId
                        + "\",\"endpoint\":\"/v1/chat/completions\",\"completion_window\":\"24h\"}"));
        String batchId = JSON.readTree(created.body()).get("id").asText();
        String other = ProxyKeys.newSecret();
        gw.newKey(other, "growth-prod", new Attribution(null, null, "growth", "prod", null, null, null));

        HttpResponse<String> theirBatches =
                gw.send(HttpRequest.newBuilder(URI.create(gw.server.baseUrl() + "/v1/batches"))
                        .header("Authorization", "Bearer " + other)
                        .GET());
        HttpResponse<String> theirFiles = gw.send(HttpRequest.newBuilder(URI.create(gw.server.baseUrl() + "/v1/files"))
                .header("Authorization", "Bearer " + other)
                .GET());
        HttpResponse<String> reuse = gw.send(HttpRequest.newBuilder(URI.create(gw.server.baseUrl() + "/v1/batches"))
                .header("Authorization", "Bearer " + other)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"input_file_id\":\"" + fileId
                        + "\",\"endpoint\":\"/v1/chat/completions\",\"completion_window\":\"24h\"}")));
        HttpResponse<String> cancel =
                gw.send(HttpRequest.newBuilder(URI.create(gw.server.baseUrl() + "/v1/batches/" + batchId + "/cancel"))
                        .header("Authorization", "Bearer " + other)
                        .POST(HttpRequest.BodyPublishers.noBody()));

        assertThat(JSON.readTree(get("/v1/batches").body()).get("data"))
                .extracting(b -> b.get("id").asText())
                .containsExactly(batchId);
        assertThat(theirBatches.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(theirBatches.body()).get("data")).isEmpty();
        assertThat(JSON.readTree(theirFiles.body()).get("data")).isEmpty();
        assertThat(reuse.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(reuse.body()).at("/error/param").asText()).isEqualTo("input_file_id");
        assertThat(cancel.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(get("/v1/batches/" + batchId).body())
                        .get("status")
                        .asText())
                .isNotEqualTo("cancelling");
    }
}
