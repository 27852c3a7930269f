package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.budget.BudgetPeriod;
import dev.spendgate.domain.budget.BudgetPolicy;
import dev.spendgate.domain.budget.BudgetPolicy.Mode;
import dev.spendgate.domain.budget.BudgetScope;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageRecord.PricingStatus;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * R26F-4: the providers' free endpoints are relayed as any call is (key, attribution, the provider's key added, the
 * client's removed) and recorded {@code not_billable} with no cost, reserving no budget: a feature whose budget is
 * spent can still count its tokens and screen its input.
 */
class FreeEndpointsIT {
    @TempDir
    Path dir;

    private ScriptedUpstream upstream;
    private GatewayFixture gw;

    @AfterEach
    void stop() throws IOException {
        if (gw != null) {
            gw.close();
        }
        if (upstream != null) {
            upstream.close();
        }
    }

    private void answering(String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        upstream = new ScriptedUpstream(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n",
                List.of(body));
    }

    /** A block budget on the feature that no billed call fits in. */
    private void spentBudget() {
        gw.runtime
                .budgetStores()
                .policies()
                .put(new BudgetPolicy(
                        BudgetScope.parse("feature:assistant"),
                        BudgetPeriod.MONTHLY,
                        new BigDecimal("0.000001"),
                        Mode.BLOCK,
                        null,
                        null,
                        null));
    }

    @Test
    @Timeout(60)
    void countTokens_relayedWithTheProvidersKey_recordedNotBillable_despiteASpentBudget() throws Exception {
        answering("{\"input_tokens\":14}");
        gw = GatewayFixture.embedded(dir, Map.of("SPENDGATE_ANTHROPIC_BASE_URL", upstream.base()));
        spentBudget();

        HttpResponse<String> response = gw.send(gw.post(
                        "/v1/messages/count_tokens",
                        "{\"model\":\"claude-sonnet-4-5\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}")
                .header("X-Cost-Feature", "assistant"));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("{\"input_tokens\":14}");
        String head = upstream.requestHead();
        assertThat(head).startsWith("POST /v1/messages/count_tokens HTTP/1.1");
        assertThat(head.toLowerCase(java.util.Locale.ROOT))
                .contains("x-api-key: sk-ant-fake")
                .contains("anthropic-version: 2023-06-01")
                .doesNotContain("x-cost-feature");
        assertThat(head).doesNotContain(gw.secret);
        UsageRecord r = gw.record(
                response.headers().firstValue(Gateway.REQUEST_ID_HEADER).orElseThrow());
        assertThat(r.endpoint()).isEqualTo("messages.count_tokens");
        assertThat(r.pricingStatus()).isEqualTo(PricingStatus.NOT_BILLABLE);
        assertThat(r.costUsd()).isNull();
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.errorType()).isNull();
        assertThat(r.attribution().feature()).isEqualTo("assistant");
        assertThat(r.keyId()).isEqualTo(gw.key.id());
        assertThat(r.modelRequested()).isEqualTo("claude-sonnet-4-5");
    }

    @Test
    @Timeout(60)
    void responsesInputTokens_relayedAndRecordedNotBillable() throws Exception {
        answering("{\"object\":\"response.input_tokens\",\"input_tokens\":11}");
        gw = GatewayFixture.embedded(dir, Map.of("SPENDGATE_OPENAI_BASE_URL", upstream.base() + "/v1"));
        spentBudget();

        HttpResponse<String> response = gw.send(
                gw.post("/v1/responses/input_tokens", "{\"model\":\"gpt-5\",\"input\":\"Why did the bill double?\"}")
                        .header("X-Cost-Feature", "assistant"));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(upstream.requestHead()).startsWith("POST /v1/responses/input_tokens HTTP/1.1");
        UsageRecord r = gw.record(
                response.headers().firstValue(Gateway.REQUEST_ID_HEADER).orElseThrow());
        assertThat(r.endpoint()).isEqualTo("responses.input_tokens");
        assertThat(r.pricingStatus()).isEqualTo(PricingStatus.NOT_BILLABLE);
        assertThat(r.costUsd()).isNull();
    }

    /** A moderation names no model when it takes OpenAI's default, {@code omni-moderation-latest}. */
    @Test
    @Timeout(60)
    void moderationWithoutAModel_relayedAsSentAndRecordedUnderTheDefaultModel() throws Exception {
        answering("{\"id\":\"modr-1\",\"model\":\"omni-moderation-latest\",\"results\":[{\"flagged\":false}]}");
        gw = GatewayFixture.embedded(dir, Map.of("SPENDGATE_OPENAI_BASE_URL", upstream.base() + "/v1"));

        HttpResponse<String> response =
                gw.send(gw.post("/v1/moderations", "{\"input\":\"I want to return my order.\"}"));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(upstream.requestHead())
                .startsWith("POST /v1/moderations HTTP/1.1")
                .contains("Bearer sk-fake-openai");
        UsageRecord r = gw.record(
                response.headers().firstValue(Gateway.REQUEST_ID_HEADER).orElseThrow());
        assertThat(r.endpoint()).isEqualTo("moderations");
        assertThat(r.modelRequested()).isEqualTo("omni-moderation-latest");
        assertThat(r.pricingStatus()).isEqualTo(PricingStatus.NOT_BILLABLE);
        assertThat(r.costUsd()).isNull();
    }

    @Test
    @Timeout(60)
    void countTokens_withoutAModel_is400NamingIt() throws Exception {
        answering("{\"input_tokens\":14}");
        gw = GatewayFixture.embedded(dir, Map.of("SPENDGATE_ANTHROPIC_BASE_URL", upstream.base()));

        HttpResponse<String> response = gw.send(
                gw.post("/v1/messages/count_tokens", "{\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}"));

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).contains("model");
    }
}
