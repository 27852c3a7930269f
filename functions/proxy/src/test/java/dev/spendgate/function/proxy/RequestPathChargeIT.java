package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.budget.BudgetPeriod;
import dev.spendgate.domain.budget.BudgetPolicy;
import dev.spendgate.domain.budget.BudgetPolicy.Mode;
import dev.spendgate.domain.budget.BudgetScope;
import dev.spendgate.domain.budget.BudgetState;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.testing.upstream.Behavior;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A call the provider answered is charged: what the provider billed for it reaches the call's record and its budget,
 * whatever happened to the answer on its way to the client.
 */
class RequestPathChargeIT {
    @TempDir
    Path dir;

    private GatewayFixture gw;

    @AfterEach
    void stop() {
        if (gw != null) {
            gw.close();
        }
    }

    private BudgetPolicy budget(String feature, String limit) {
        BudgetPolicy policy = new BudgetPolicy(
                BudgetScope.parse("feature:" + feature),
                BudgetPeriod.MONTHLY,
                new BigDecimal(limit),
                Mode.BLOCK,
                null,
                null,
                null);
        gw.runtime.budgetStores().policies().put(policy);
        return policy;
    }

    private BudgetState item(BudgetPolicy policy, String feature) {
        return gw.runtime
                .budgetStores()
                .ledger()
                .state(policy.itemKey(feature, Instant.now()))
                .orElse(BudgetState.EMPTY);
    }

    @Test
    void wholeAnswerCutAfterItsHead_providerBilledIt_budgetAndRecordStillCarryACost() {
        gw = GatewayFixture.embedded(dir);
        BudgetPolicy policy = budget("chatbot", "10");
        // a 200 answer whose body the provider's connection drops half way: the completion was generated (and billed)
        // before its first byte left, as a non-streamed answer always is
        gw.upstream.enqueue(Behavior.defaults().withInputTokens(4000).withTruncateAfterPieces(1));

        HttpResponse<String> response = gw.send(gw.post(
                        "/v1/chat/completions",
                        "{\"model\":\"gpt-4o\",\"max_tokens\":1000,"
                                + "\"messages\":[{\"role\":\"user\",\"content\":\"Summarise the ticket.\"}]}")
                .header("X-Cost-Feature", "chatbot"));

        assertThat(gw.upstream.requestCount()).isEqualTo(1);
        UsageRecord r = gw.record(
                response.headers().firstValue(Gateway.REQUEST_ID_HEADER).orElseThrow());
        assertThat(r.errorType()).isEqualTo("upstream_truncated");
        BudgetState state = item(policy, "chatbot");
        // gpt-4o: 4000 input tokens x $2.50 per 1M alone is $0.01 the provider billed; today the reservation is
        // released and the record is NOT_BILLABLE with no cost, as if the provider had never answered
        assertThat(state.spent().add(state.reserved())).isGreaterThan(BigDecimal.ZERO);
        assertThat(r.pricingStatus()).isNotEqualTo(UsageRecord.PricingStatus.NOT_BILLABLE);
    }

    @Test
    void wholeAnswerSlowerThanTheUpstreamTimeout_requestWasDelivered_reservationIsNotReleasedAsUnreachable() {
        gw = GatewayFixture.embedded(dir, Map.of("SPENDGATE_UPSTREAM_TIMEOUT_SECONDS", "1"));
        BudgetPolicy policy = budget("chatbot", "10");
        // the provider has the request and is generating (and will bill) it; it answers after the gateway gave up
        gw.upstream.enqueue(Behavior.defaults().withInputTokens(4000).withFirstByteDelay(Duration.ofSeconds(3)));

        HttpResponse<String> response = gw.send(gw.post(
                        "/v1/chat/completions",
                        "{\"model\":\"gpt-4o\",\"max_tokens\":1000,"
                                + "\"messages\":[{\"role\":\"user\",\"content\":\"Summarise the ticket.\"}]}")
                .header("X-Cost-Feature", "chatbot"));

        assertThat(response.statusCode()).isEqualTo(502);
        assertThat(gw.upstream.requestCount()).isEqualTo(1);
        UsageRecord r = gw.record(
                response.headers().firstValue(Gateway.REQUEST_ID_HEADER).orElseThrow());
        // today: "Spendgate could not reach provider 'openai'", recorded upstream_unreachable, NOT_BILLABLE, and the
        // worst case released, though the provider received the call and bills it
        BudgetState state = item(policy, "chatbot");
        assertThat(state.spent().add(state.reserved())).isGreaterThan(BigDecimal.ZERO);
        assertThat(r.errorType()).isNotEqualTo("upstream_unreachable");
    }
}
