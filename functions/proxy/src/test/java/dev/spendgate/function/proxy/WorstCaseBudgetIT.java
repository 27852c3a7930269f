package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.domain.budget.BudgetPeriod;
import dev.spendgate.domain.budget.BudgetPolicy;
import dev.spendgate.domain.budget.BudgetPolicy.Mode;
import dev.spendgate.domain.budget.BudgetScope;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageRecord.PricingStatus;
import dev.spendgate.testing.upstream.Behavior;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Block budgets against calls whose cost the old estimate missed (n choices, a large tools array, images, no output
 * cap), odd numbers that must be a 400 rather than a store error, and authenticated calls to a wrong path.
 */
class WorstCaseBudgetIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    GatewayFixture gw;

    @BeforeEach
    void start() {
        gw = GatewayFixture.embedded(dir, Map.of("SPENDGATE_MAX_BODY_BYTES", "4000000"));
    }

    @AfterEach
    void stop() {
        gw.close();
    }

    private void blockBudget(String limit) {
        gw.runtime
                .budgetStores()
                .policies()
                .put(new BudgetPolicy(
                        BudgetScope.parse("global"),
                        BudgetPeriod.DAILY,
                        new BigDecimal(limit),
                        Mode.BLOCK,
                        null,
                        null,
                        null));
    }

    @Test
    void nChoices_outputReservedTimesN_soACallThatCouldBlowTheBudgetIsRefused() throws Exception {
        // gpt-4o-mini: 1000 output tokens x $0.60/M = $0.0006 per choice; 50 choices = $0.03 > $0.01
        blockBudget("0.01");
        HttpResponse<String> fifty = gw.send(gw.post(
                "/v1/chat/completions",
                "{\"model\":\"gpt-4o-mini\",\"max_tokens\":1000,\"n\":50,"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"Name a colour.\"}]}"));
        HttpResponse<String> one = gw.send(gw.post(
                "/v1/chat/completions",
                "{\"model\":\"gpt-4o-mini\",\"max_tokens\":1000,\"n\":1,"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"Name a colour.\"}]}"));

        assertThat(fifty.statusCode()).isEqualTo(429);
        assertThat(one.statusCode()).isEqualTo(200);
    }

    @Test
    void largeToolsArray_countedAsInput_callOverTheBudgetIsRefused() throws Exception {
        // 2,000 tool definitions (~300k tokens of schema) on gpt-4o at $2.50/M: about $0.75, over a $0.10 budget
        StringBuilder tools = new StringBuilder("[");
        for (int i = 0; i < 2_000; i++) {
            tools.append(i == 0 ? "" : ",")
                    .append("{\"type\":\"function\",\"function\":{\"name\":\"lookup_order_")
                    .append(i)
                    .append("\",\"description\":\"Looks up an order by its identifier and returns its status,"
                            + " carrier, tracking number and expected delivery date.\",\"parameters\":{\"type\":"
                            + "\"object\",\"properties\":{\"order_id\":{\"type\":\"string\"}}}}}");
        }
        tools.append(']');
        blockBudget("0.10");

        HttpResponse<String> response = gw.send(gw.post(
                "/v1/chat/completions",
                "{\"model\":\"gpt-4o\",\"max_tokens\":10,\"tools\":" + tools
                        + ",\"messages\":[{\"role\":\"user\",\"content\":\"Where is my order?\"}]}"));

        assertThat(response.statusCode()).isEqualTo(429);
        assertThat(gw.upstream.requests()).isEmpty();
    }

    @Test
    void imagesCountedByTheProviderBound_manyImagesOverTheBudgetAreRefused() throws Exception {
        // 20 Claude images x 1,600 tokens x 1 (media is not scaled) at $3/M = $0.096 > $0.05
        String image = "{\"type\":\"image\",\"source\":{\"type\":\"base64\",\"media_type\":\"image/png\",\"data\":\""
                + "iVBORw0KGgo".repeat(40) + "\"}}";
        StringBuilder content = new StringBuilder("[");
        for (int i = 0; i < 20; i++) {
            content.append(image).append(',');
        }
        content.append("{\"type\":\"text\",\"text\":\"Which receipt is the largest?\"}]");
        blockBudget("0.05");

        HttpResponse<String> response = gw.send(gw.post(
                        "/v1/messages",
                        "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":100,\"messages\":[{\"role\":\"user\","
                                + "\"content\":" + content + "}]}")
                .header("anthropic-version", "2023-06-01"));

        assertThat(response.statusCode()).isEqualTo(429);
    }

    @Test
    void noOutputCap_reservesTheModelsMaximumOutput() throws Exception {
        // gpt-4o answers at most 16,384 tokens: $0.16384 at $10/M, over a $0.10 budget; with a cap it fits
        blockBudget("0.10");
        HttpResponse<String> uncapped = gw.send(gw.post(
                "/v1/chat/completions",
                "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}"));
        HttpResponse<String> capped = gw.send(gw.post(
                "/v1/chat/completions",
                "{\"model\":\"gpt-4o\",\"max_tokens\":500,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}"));

        assertThat(uncapped.statusCode()).isEqualTo(429);
        assertThat(capped.statusCode()).isEqualTo(200);
    }

    @Test
    void negativeMaxTokensUnderABlockBudget_is400NamingTheField_notAStoreError() throws Exception {
        blockBudget("1.00");
        for (String bad : new String[] {"-5", "2.5", "\"many\"", "0"}) {
            HttpResponse<String> response = gw.send(gw.post(
                    "/v1/chat/completions",
                    "{\"model\":\"gpt-4o\",\"max_tokens\":" + bad
                            + ",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}"));
            assertThat(response.statusCode()).as("max_tokens " + bad).isEqualTo(400);
            assertThat(JSON.readTree(response.body())
                            .path("error")
                            .path("param")
                            .asText())
                    .isEqualTo("max_tokens");
        }
        HttpResponse<String> badN = gw.send(gw.post(
                "/v1/chat/completions",
                "{\"model\":\"gpt-4o\",\"n\":-1,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}"));
        assertThat(badN.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(badN.body()).path("error").path("param").asText())
                .isEqualTo("n");
        assertThat(gw.upstream.requests()).isEmpty();
    }

    @Test
    void hugeModelName_is400_andNotKeptInTheRecord() throws Exception {
        String model = "x".repeat(5_000);
        HttpResponse<String> response = gw.send(gw.post(
                "/v1/chat/completions",
                "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}"));

        assertThat(response.statusCode()).isEqualTo(400);
        JsonNode error = JSON.readTree(response.body()).path("error");
        assertThat(error.path("param").asText()).isEqualTo("model");
        UsageRecord record = gw.record(
                response.headers().firstValue(Gateway.REQUEST_ID_HEADER).orElseThrow());
        assertThat(record.modelRequested()).isNull();
    }

    @Test
    void authenticatedCallToAnUnknownPathOrWrongMethod_leavesOneNotBillableRecord() throws Exception {
        HttpResponse<String> notFound = gw.send(gw.post("/v1/completions/legacy", "{}"));
        HttpResponse<String> wrongMethod = gw.send(gw.post("/v1/chat/completions", "{}")
                .method("PUT", java.net.http.HttpRequest.BodyPublishers.ofString("{}")));

        assertThat(notFound.statusCode()).isEqualTo(404);
        assertThat(wrongMethod.statusCode()).isEqualTo(405);
        for (HttpResponse<String> response : java.util.List.of(notFound, wrongMethod)) {
            UsageRecord record = gw.record(
                    response.headers().firstValue(Gateway.REQUEST_ID_HEADER).orElseThrow());
            assertThat(record.statusCode()).isEqualTo(response.statusCode());
            assertThat(record.pricingStatus()).isEqualTo(PricingStatus.NOT_BILLABLE);
            assertThat(record.costUsd()).isNull();
        }
    }

    @Test
    void unknownPathWithoutAKey_leavesNoRecord() throws Exception {
        HttpResponse<String> response =
                gw.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(gw.server.baseUrl() + "/v1/nowhere"))
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{}")));

        assertThat(response.statusCode()).isEqualTo(404);
        gw.upstream.setDefaultBehavior(Behavior.defaults());
        HttpResponse<String> real = gw.send(gw.post(
                "/v1/chat/completions",
                "{\"model\":\"gpt-4o\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}"));
        assertThat(gw.awaitRecords(1))
                .extracting(UsageRecord::requestId)
                .containsExactly(
                        real.headers().firstValue(Gateway.REQUEST_ID_HEADER).orElseThrow());
    }
}
