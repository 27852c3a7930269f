package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.domain.budget.BudgetPeriod;
import dev.spendgate.domain.budget.BudgetPolicy;
import dev.spendgate.domain.budget.BudgetPolicy.Mode;
import dev.spendgate.domain.budget.BudgetScope;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.testing.upstream.FakeBatchUpstream;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
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
class BatchSweepReviewIT {
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

    /**
     * A client fetch whose budget charge fails leaves the results unmarked, so the next fetch charges them ("the next
     * fetch will"). The sweep must do the same: a batch whose charge failed is not a batch whose results are in.
     * Here the charge fails because policies.json was hand-edited with a misspelt field while the gateway ran (README:
     * calls get 503 until it is fixed); once it is fixed, the next sweep must charge the batch's $0.00405.
     */
    @Test
    void sweepWhoseBudgetChargeFailed_chargesAtTheNextSweep() throws Exception {
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
        batches.completeOpenAi(batchId, 10_000, 2_000, 1_000);

        Path file = dir.resolve("budgets").resolve("policies.json");
        String good = Files.readString(file);
        Files.writeString(file, good.replace("\"onStoreError\"", "\"onStoreEror\""));
        awaitPoliciesRefused(); // the running gateway has read the broken file (calls now get 503)
        assertThat(gw.runtime.batches().sweepEnded().recordsAdded()).isEqualTo(3); // recorded, not charged
        Files.writeString(file, good); // fixed
        assertThat(gw.runtime.budgetStores().policies().list()).hasSize(1);

        gw.runtime.batches().sweepEnded();

        assertThat(gw.runtime
                        .budgetStores()
                        .ledger()
                        .state(policy.shardKey("ticket-triage", Instant.now(), 0))
                        .map(s -> s.spent())
                        .orElse(BigDecimal.ZERO))
                .as("the batch's results are in the usage log; its spend must reach the budget")
                .isEqualByComparingTo("0.00405");
    }

    private void awaitPoliciesRefused() throws InterruptedException {
        for (int i = 0; i < 500; i++) {
            try {
                gw.runtime.budgetStores().policies().list();
            } catch (IllegalStateException e) {
                return;
            }
            Thread.sleep(10);
        }
        throw new AssertionError("the misspelt policies.json was never read");
    }
}
