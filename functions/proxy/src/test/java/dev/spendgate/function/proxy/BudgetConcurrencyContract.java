package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.budget.BudgetPeriod;
import dev.spendgate.domain.budget.BudgetPolicy;
import dev.spendgate.domain.budget.BudgetScope;
import dev.spendgate.domain.budget.BudgetState;
import dev.spendgate.domain.budget.BudgetStatus;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.testing.upstream.Behavior;
import java.math.BigDecimal;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The budget proof: 200 simultaneous calls, half of them streamed, at one $1.00 hard budget. Settled spend never
 * exceeds the limit, nothing stays reserved, and every call leaves exactly one usage record. Run once per ledger: the
 * embedded one of {@code ./spendgate local} and DynamoDB (dynalite, the same wire protocol as AWS).
 *
 * <p>Estimation-error bound: each call's worst-case estimate (o1, max_tokens 150: about $0.0092) is above its actual
 * cost (60 input and 120 output tokens: $0.0081), so the bound is zero: settled spend must stay within $1.00.
 */
abstract class BudgetConcurrencyContract {
    private static final BigDecimal LIMIT = new BigDecimal("1.00");
    private static final int CALLS = 200;

    @TempDir
    Path dir;

    GatewayFixture gw;

    abstract GatewayFixture start(Path dir);

    /** Ledger items the budget is split over (see the README's scale note). */
    int shards() {
        return 1;
    }

    @AfterEach
    void stop() {
        gw.close();
    }

    @Test
    void twoHundredSimultaneousCalls_settleWithinTheLimitLeakNothingAndLeaveOneRecordEach() throws Exception {
        gw = start(dir);
        BudgetPolicy policy = new BudgetPolicy(
                BudgetScope.parse("feature:agent"),
                BudgetPeriod.MONTHLY,
                LIMIT,
                BudgetPolicy.Mode.BLOCK,
                null,
                null,
                null,
                shards());
        gw.runtime.budgetStores().policies().put(policy);
        gw.upstream.setDefaultBehavior(Behavior.defaults().withInputTokens(60).withPieceCount(120));

        List<HttpRequest> requests = new ArrayList<>();
        for (int i = 0; i < CALLS; i++) {
            String stream = i % 2 == 0 ? "\"stream\":true," : "";
            requests.add(gw.post(
                            "/v1/chat/completions",
                            "{\"model\":\"o1\"," + stream
                                    + "\"max_tokens\":150,\"messages\":[{\"role\":\"user\",\"content\":\"Plan step " + i
                                    + "\"}]}")
                    .header("X-Cost-Feature", "agent")
                    .build());
        }
        List<CompletableFuture<HttpResponse<String>>> futures = new ArrayList<>();
        for (HttpRequest request : requests) {
            futures.add(gw.http.sendAsync(request, HttpResponse.BodyHandlers.ofString()));
        }
        List<HttpResponse<String>> responses = new ArrayList<>();
        for (CompletableFuture<HttpResponse<String>> f : futures) {
            responses.add(f.join());
        }

        Set<String> allowed = new HashSet<>();
        int refused = 0;
        for (HttpResponse<String> r : responses) {
            String id = r.headers().firstValue(Gateway.REQUEST_ID_HEADER).orElseThrow();
            if (r.statusCode() == 200) {
                allowed.add(id);
            } else {
                assertThat(r.statusCode()).as(r.body()).isEqualTo(429);
                refused++;
            }
        }
        assertThat(allowed).hasSizeGreaterThan(50);
        assertThat(refused).isPositive();
        assertThat(gw.upstream.requestCount()).isEqualTo(allowed.size());

        List<UsageRecord> records = gw.awaitRecords(CALLS);
        assertThat(records).hasSize(CALLS);
        assertThat(records.stream().map(UsageRecord::requestId).distinct()).hasSize(CALLS);
        BigDecimal recordedSpend = records.stream()
                .filter(r -> allowed.contains(r.requestId()))
                .map(UsageRecord::costUsd)
                .reduce(BigDecimal.ZERO, BigDecimal::add);

        BudgetState state = awaitSettled(policy);
        assertThat(state.reserved()).isEqualByComparingTo("0");
        assertThat(state.spent()).isEqualByComparingTo(recordedSpend);
        assertThat(state.spent()).isLessThanOrEqualTo(LIMIT);
        assertThat(state.committed()).isEqualByComparingTo(state.spent());
        System.out.printf(
                "%s: %d calls admitted, %d refused, settled $%s of $%s, reserved $%s%n",
                getClass().getSimpleName(),
                allowed.size(),
                refused,
                state.spent().toPlainString(),
                LIMIT.toPlainString(),
                state.reserved().toPlainString());
    }

    /** Settlement runs after each response has left; wait until no reservation is open. */
    private BudgetState awaitSettled(BudgetPolicy policy) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        BudgetState state = total(policy);
        while (state.reserved().signum() != 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
            state = total(policy);
        }
        return state;
    }

    /** The budget's counters summed over its shards. */
    private BudgetState total(BudgetPolicy policy) {
        BudgetStatus status =
                BudgetStatus.ofPolicy(policy, gw.runtime.budgetStores().ledger(), Instant.now());
        return new BudgetState(
                status.spentUsd(), status.inFlightUsd(), policy.limitUsd().subtract(status.remainingUsd()));
    }
}
