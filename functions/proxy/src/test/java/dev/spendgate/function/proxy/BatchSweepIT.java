package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.domain.budget.BudgetPeriod;
import dev.spendgate.domain.budget.BudgetPolicy;
import dev.spendgate.domain.budget.BudgetPolicy.Mode;
import dev.spendgate.domain.budget.BudgetScope;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.function.proxy.batch.BatchApi;
import dev.spendgate.testing.upstream.FakeBatchUpstream;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A batch the provider ran and billed, whose creator never fetched the results through the gateway (the job that
 * submitted it died, its key was revoked, it downloaded from the provider directly). Before, such a batch was never
 * recorded nor charged: only a fetch through the gateway recorded results. The gateway's sweep now collects them.
 */
class BatchSweepIT {
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

    private static String line(String customId) {
        return "{\"custom_id\":\"" + customId + "\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":"
                + "{\"model\":\"gpt-5-mini\",\"max_completion_tokens\":500,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Classify ticket " + customId + ".\"}]}}\n";
    }

    private String openAiBatch(String jsonl) throws Exception {
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
                .header("X-Cost-Feature", "ticket-triage"));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
        return JSON.readTree(created.body()).get("id").asText();
    }

    private List<UsageRecord> batchRecords() {
        return gw.records().stream().filter(r -> r.billing().batchId() != null).toList();
    }

    @Test
    void openAiBatch_endedAndNeverFetched_sweepRecordsAndChargesItOnce() throws Exception {
        BudgetPolicy policy = new BudgetPolicy(
                BudgetScope.parse("feature:ticket-triage"),
                BudgetPeriod.MONTHLY,
                new BigDecimal("5"),
                Mode.BLOCK,
                null,
                null,
                null);
        gw.runtime.budgetStores().policies().put(policy);
        String batchId = openAiBatch(line("t-1") + line("t-2") + line("fail-3"));

        BatchApi.Swept running = gw.runtime.batches().sweepEnded();
        assertThat(running.batchesEnded()).isZero();
        assertThat(batchRecords()).isEmpty();

        // 10,000 input tokens (2,000 cached) and 1,000 output per request: $0.002025 each at gpt-5-mini batch rates
        batches.completeOpenAi(batchId, 10_000, 2_000, 1_000);
        BatchApi.Swept first = gw.runtime.batches().sweepEnded();
        BatchApi.Swept second = gw.runtime.batches().sweepEnded();

        assertThat(first).isEqualTo(new BatchApi.Swept(1, 1, 3));
        assertThat(second).isEqualTo(new BatchApi.Swept(0, 0, 0));
        List<UsageRecord> records = batchRecords(); // fails on a repeated request id
        assertThat(records)
                .extracting(UsageRecord::requestId)
                .containsExactlyInAnyOrder(batchId + "/t-1", batchId + "/t-2", batchId + "/fail-3");
        assertThat(records).allSatisfy(r -> {
            assertThat(r.keyId()).isEqualTo(gw.key.id());
            assertThat(r.attribution().feature()).isEqualTo("ticket-triage");
        });
        assertThat(records.stream()
                        .map(UsageRecord::costUsd)
                        .filter(c -> c != null)
                        .reduce(BigDecimal.ZERO, BigDecimal::add))
                .isEqualByComparingTo("0.00405");
        assertThat(gw.runtime
                        .budgetStores()
                        .ledger()
                        .state(policy.shardKey("ticket-triage", Instant.now(), 0))
                        .orElseThrow()
                        .spent())
                .isEqualByComparingTo("0.00405");

        // the creator fetching the results afterwards adds nothing
        JsonNode done =
                JSON.readTree(gw.send(HttpRequest.newBuilder(URI.create(gw.server.baseUrl() + "/v1/batches/" + batchId))
                                .header("Authorization", "Bearer " + gw.secret)
                                .GET())
                        .body());
        HttpResponse<String> fetched = gw.send(HttpRequest.newBuilder(URI.create(gw.server.baseUrl() + "/v1/files/"
                        + done.get("output_file_id").asText() + "/content"))
                .header("Authorization", "Bearer " + gw.secret)
                .GET());
        assertThat(fetched.statusCode()).isEqualTo(200);
        assertThat(batchRecords()).hasSize(3);
    }

    @Test
    void anthropicBatch_endedAndNeverFetched_sweepRecordsIt() throws Exception {
        String requests = "{\"requests\":["
                + "{\"custom_id\":\"doc-1\",\"params\":{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":1024,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Summarise doc 1\"}]}},"
                + "{\"custom_id\":\"doc-2\",\"params\":{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":1024,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Summarise doc 2\"}]}}]}";
        HttpResponse<String> created =
                gw.send(HttpRequest.newBuilder(URI.create(gw.server.baseUrl() + "/v1/messages/batches"))
                        .header("x-api-key", gw.secret)
                        .header("anthropic-version", "2023-06-01")
                        .header("Content-Type", "application/json")
                        .header("X-Cost-Team", "support")
                        .POST(HttpRequest.BodyPublishers.ofString(requests)));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
        String batchId = JSON.readTree(created.body()).get("id").asText();

        // 20,000 input tokens, 5,000 read from cache, 2,000 output: $0.04575 each at claude-sonnet-4-5 batch rates
        batches.completeAnthropic(batchId, 20_000, 5_000, 2_000);
        BatchApi.Swept swept = gw.runtime.batches().sweepEnded();

        assertThat(swept).isEqualTo(new BatchApi.Swept(1, 1, 2));
        assertThat(batchRecords()).hasSize(2).allSatisfy(r -> {
            assertThat(r.billing().batchId()).isEqualTo(batchId);
            assertThat(r.attribution().team()).isEqualTo("support");
            assertThat(r.costUsd()).isEqualByComparingTo("0.04575");
        });
    }

    @Test
    void providerDown_batchLeftForTheNextSweep() throws Exception {
        String batchId = openAiBatch(line("t-1"));
        batches.completeOpenAi(batchId, 10_000, 2_000, 1_000);
        batches.failNext(1); // the provider's outage: 500 to the sweep's first request

        BatchApi.Swept down = gw.runtime.batches().sweepEnded();
        BatchApi.Swept back = gw.runtime.batches().sweepEnded();

        assertThat(down).isEqualTo(new BatchApi.Swept(1, 0, 0));
        assertThat(back).isEqualTo(new BatchApi.Swept(1, 1, 1));
        assertThat(batchRecords()).singleElement().satisfies(r -> assertThat(r.requestId())
                .isEqualTo(batchId + "/t-1"));
    }

    @Test
    void batchGoneAtTheProvider_askedOnceThenLeftAlone() throws Exception {
        String batchId = openAiBatch(line("t-1"));
        batches.forgetOpenAi(batchId);

        BatchApi.Swept gone = gw.runtime.batches().sweepEnded();
        BatchApi.Swept after = gw.runtime.batches().sweepEnded();

        assertThat(gone).isEqualTo(new BatchApi.Swept(1, 0, 0));
        assertThat(after).isEqualTo(new BatchApi.Swept(0, 0, 0));
    }
}
