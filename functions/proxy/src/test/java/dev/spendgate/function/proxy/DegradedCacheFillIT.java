package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.budget.BudgetPeriod;
import dev.spendgate.domain.budget.BudgetPolicy;
import dev.spendgate.domain.budget.BudgetPolicy.Mode;
import dev.spendgate.domain.budget.BudgetScope;
import dev.spendgate.domain.usage.UsageRecord;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A response cache on a feature whose department has a degrade budget: an answer a degrade budget moved to the
 * cheaper model is that model's answer, not the answer to the model the client asked for.
 */
class DegradedCacheFillIT {
    @TempDir
    Path dir;

    private GatewayFixture gw;

    @AfterEach
    void stop() {
        if (gw != null) {
            gw.close();
        }
    }

    @Test
    void cache_answerOfADegradedCall_isNotServedToTheSameRequestOnceTheBudgetHasRoom() throws Exception {
        Files.createDirectories(dir.resolve("policy"));
        Files.writeString(
                dir.resolve("policy/gateway-policy.json"),
                "{\"cache\": [{\"feature\": \"faq\", \"mode\": \"exact\", \"ttl_seconds\": 3600}]}");
        gw = GatewayFixture.optimized(dir, Clock.systemUTC(), Map.of("SPENDGATE_DEGRADE_CHAINS", "gpt-4o>gpt-4o-mini"));
        budget("0.005"); // short for gpt-4o's worst case ($0.01): the call goes to gpt-4o-mini
        String body = "{\"model\":\"gpt-4o\",\"temperature\":0,\"max_tokens\":1000,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"What is the refund window?\"}]}";

        HttpResponse<String> degraded = call(body);
        awaitAnswerKept();
        budget("100"); // the department has room again: gpt-4o is what it asked for and can now pay for
        HttpResponse<String> next = call(body);

        assertThat(degraded.headers().firstValue(Gateway.DEGRADED_HEADER)).hasValue("gpt-4o -> gpt-4o-mini");
        UsageRecord nextRecord =
                gw.record(next.headers().firstValue(Gateway.REQUEST_ID_HEADER).orElseThrow());
        // served from the cache: gpt-4o-mini's answer, X-Spendgate-Cache: hit, no call to gpt-4o
        assertThat(next.headers().firstValue("X-Spendgate-Cache")).hasValue("miss");
        assertThat(nextRecord.modelServed()).isEqualTo("gpt-4o");
        assertThat(gw.upstream.lastRequest().bodyJson().get("model").asText()).isEqualTo("gpt-4o");
    }

    private HttpResponse<String> call(String body) {
        return gw.send(gw.post("/v1/chat/completions", body)
                .header("X-Cost-Feature", "faq")
                .header("X-Cost-Department", "engineering"));
    }

    private void budget(String limit) {
        gw.runtime
                .budgetStores()
                .policies()
                .put(new BudgetPolicy(
                        BudgetScope.parse("department:engineering"),
                        BudgetPeriod.MONTHLY,
                        new BigDecimal(limit),
                        Mode.DEGRADE,
                        null,
                        null,
                        null));
    }

    /** The gateway keeps an answer after it has left: wait for it as a later caller would. */
    private void awaitAnswerKept() throws Exception {
        Path answers = dir.resolve("cache").resolve("answers");
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (Files.isDirectory(answers)) {
                try (var files = Files.walk(answers)) {
                    if (files.anyMatch(f -> f.toString().endsWith(".json"))) {
                        return;
                    }
                }
            }
            Thread.sleep(5);
        }
        throw new AssertionError("no answer was kept within 10 s");
    }
}
