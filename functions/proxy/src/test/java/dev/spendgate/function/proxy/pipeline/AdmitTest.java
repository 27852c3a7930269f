package dev.spendgate.function.proxy.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.budget.BudgetEnforcer;
import dev.spendgate.domain.budget.BudgetPeriod;
import dev.spendgate.domain.budget.BudgetPolicy;
import dev.spendgate.domain.budget.BudgetScope;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.usage.UsageLogWriter;
import dev.spendgate.embedded.FileSystemObjectStore;
import dev.spendgate.embedded.FileSystemUsageSpool;
import dev.spendgate.function.proxy.budget.BudgetGate;
import dev.spendgate.function.proxy.budget.BudgetStores;
import dev.spendgate.function.proxy.budget.CostEstimator;
import dev.spendgate.function.proxy.budget.DegradationChains;
import dev.spendgate.function.proxy.budget.LogAlertSink;
import dev.spendgate.function.proxy.local.LocalGatewayRuntime;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdmitTest {
    private static final String CHAT =
            "{\"model\":\"gpt-4o\",\"max_tokens\":1000,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    @TempDir
    Path dir;

    BudgetStores stores;
    BudgetGate gate;
    UsageLogWriter usageLog;

    /** Real embedded budget stores under the temp directory, with {@code sessionPerMinute} as velocity breaker. */
    private Admit admit(long sessionPerMinute, String chains) {
        Clock clock = Clock.systemUTC();
        stores = LocalGatewayRuntime.budgets(dir.resolve("budgets"), new LogAlertSink());
        gate = new BudgetGate(
                new BudgetEnforcer(
                        stores.policies(),
                        stores.ledger(),
                        stores.marker(),
                        stores.alerts(),
                        stores.journal(),
                        Duration.ofMinutes(15),
                        clock),
                new CostEstimator(PricingCatalog.bundled(), 4096),
                DegradationChains.parse(chains),
                stores.counter(),
                sessionPerMinute,
                0,
                clock);
        return new Admit(gate, clock);
    }

    @BeforeEach
    void setUp() {
        usageLog = UsageLogWriter.create(
                new FileSystemObjectStore(dir), new FileSystemUsageSpool(dir.resolve("spool")), Clock.systemUTC(), 100);
    }

    @AfterEach
    void tearDown() {
        if (gate != null) {
            gate.close();
        }
    }

    private void budget(String scope, String limit, BudgetPolicy.Mode mode) {
        stores.policies()
                .put(new BudgetPolicy(
                        BudgetScope.parse(scope), BudgetPeriod.MONTHLY, new BigDecimal(limit), mode, null, null, null));
    }

    @Test
    void apply_noBudgets_admitsTheRequestedModel() {
        Step step = admit(0, null).apply(Calls.validChat(dir, CHAT));

        assertThat(step.refused()).isFalse();
        assertThat(step.context().modelForwarded()).isEqualTo("gpt-4o");
        assertThat(step.context().budget()).isNotNull();
    }

    @Test
    void apply_budgetTooSmallForTheWorstCase_refuses429NamingTheScope() {
        Admit admit = admit(0, null);
        budget("feature:chatbot", "0.000001", BudgetPolicy.Mode.BLOCK);

        Step step = admit.apply(Calls.validChat(dir, CHAT));

        assertThat(step.refusal().status()).isEqualTo(429);
        assertThat(step.refusal().type()).isEqualTo("budget_exceeded");
        assertThat(step.refusal().fields()).containsEntry("scope", "feature:chatbot");
        assertThat(step.refusal().headers()).containsKey("Retry-After");
    }

    @Test
    void apply_degradingBudget_forwardsTheCheaperModel() {
        Admit admit = admit(0, "gpt-4o>gpt-4o-mini");
        budget("feature:chatbot", "0.005", BudgetPolicy.Mode.DEGRADE);

        Step step = admit.apply(Calls.validChat(dir, CHAT));

        assertThat(step.refused()).isFalse();
        assertThat(step.context().degradedFrom()).isEqualTo("gpt-4o");
        assertThat(step.context().modelForwarded()).isEqualTo("gpt-4o-mini");
    }

    @Test
    void apply_sessionOverItsVelocity_refuses429WithRetryAfter() {
        Admit admit = admit(1, null);
        CallContext ctx = Calls.validChat(dir, CHAT)
                .with(b -> b.attribution = new dev.spendgate.domain.attribution.Attribution(
                        "chatbot", null, null, "prod", "s-1", null, null));

        assertThat(admit.apply(ctx).refused()).isFalse();
        Step second = admit.apply(ctx);

        assertThat(second.refusal().type()).isEqualTo("velocity_limit");
        assertThat(second.refusal().param()).isEqualTo("X-Cost-Session");
        assertThat(second.refusal().headers()).containsKey("Retry-After");
    }
}
