package dev.spendgate.function.proxy.budget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.budget.AlertSink;
import dev.spendgate.domain.budget.BudgetAlert;
import dev.spendgate.domain.budget.BudgetEnforcer;
import dev.spendgate.domain.budget.BudgetPeriod;
import dev.spendgate.domain.budget.BudgetPolicy;
import dev.spendgate.domain.budget.BudgetScope;
import dev.spendgate.domain.budget.BudgetState;
import dev.spendgate.domain.budget.ReservationJournal;
import dev.spendgate.embedded.FileKeyStore;
import dev.spendgate.embedded.FileSystemObjectStore;
import dev.spendgate.embedded.FileSystemUsageSpool;
import dev.spendgate.embedded.FileUsageJournal;
import dev.spendgate.function.proxy.GatewayRuntime;
import dev.spendgate.function.proxy.ProxyConfig;
import dev.spendgate.function.proxy.local.LocalGatewayRuntime;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A local gateway that stopped with a call in flight (admitted, forwarded, never settled) starts again: the call's
 * worst case is charged as spent, and the alert sink hears of it, with the amount, from the configured threshold
 * ({@code SPENDGATE_WORST_CASE_ALERT_USD}).
 */
class WorstCaseChargeAlertIT {
    private static final Attribution AGENT = new Attribution("agent", "research", null, "prod", null, null, null);

    @TempDir
    Path dir;

    final List<AlertSink.Notice> notices = new CopyOnWriteArrayList<>();
    final AlertSink recording = new AlertSink() {
        @Override
        public void send(BudgetAlert alert) {}

        @Override
        public void send(Notice notice) {
            notices.add(notice);
        }
    };
    final BudgetPolicy policy = new BudgetPolicy(
            BudgetScope.parse("feature:agent"),
            BudgetPeriod.MONTHLY,
            BigDecimal.ONE,
            BudgetPolicy.Mode.BLOCK,
            null,
            null,
            null);

    /** A gateway admits a call that names itself, then stops before it settles. */
    private void callLeftInFlight(String requestId, String worstCase) {
        BudgetStores stores = LocalGatewayRuntime.budgets(dir, new LogAlertSink());
        stores.policies().put(policy);
        try (BudgetEnforcer enforcer = new BudgetEnforcer(
                stores.policies(),
                stores.ledger(),
                stores.marker(),
                stores.alerts(),
                stores.journal(),
                Duration.ofMinutes(15),
                Clock.systemUTC())) {
            ReservationJournal.Call call = new ReservationJournal.Call(
                    requestId,
                    Instant.now(),
                    "key_1",
                    AGENT,
                    "openai",
                    null,
                    "chat.completions",
                    "gpt-4o",
                    "gpt-4o",
                    false);
            enforcer.reserve(call, m -> Optional.of(new BigDecimal(worstCase)), m -> List.of());
        }
        stores.close();
    }

    private GatewayRuntime restart(Map<String, String> env) {
        BudgetStores stores = LocalGatewayRuntime.budgets(dir, recording);
        Clock clock = Clock.systemUTC();
        return GatewayRuntime.create(
                ProxyConfig.fromEnv(env),
                new FileKeyStore(dir.resolve("keys.json")),
                new FileSystemObjectStore(dir),
                new FileSystemUsageSpool(dir.resolve("spool")),
                new FileUsageJournal(dir.resolve("journal").resolve("usage"), clock, false),
                stores,
                clock,
                null);
    }

    private BudgetState spentOn(GatewayRuntime runtime) {
        return runtime.budgetStores()
                .ledger()
                .state(policy.itemKey("agent", Instant.now()))
                .orElseThrow();
    }

    @Test
    void chargeCallsOfPreviousProcess_callInFlight_chargedAndAlertedWithTheAmount() {
        callLeftInFlight("req-killed", "0.25");

        try (GatewayRuntime runtime = restart(Map.of())) {
            BudgetEnforcer.Swept swept = runtime.chargeCallsOfPreviousProcess();

            assertThat(swept.charged()).isEqualTo(1);
            assertThat(swept.chargedUsd()).isEqualByComparingTo("0.25");
            assertThat(spentOn(runtime).spent()).isEqualByComparingTo("0.25");
            assertThat(spentOn(runtime).reserved()).isZero();
        }
        assertThat(notices).singleElement().satisfies(n -> {
            assertThat(n.subject()).contains("1 unsettled calls").contains("$0.25");
            assertThat(n.message()).contains("worst case").contains("$0.25");
            assertThat(n.attributes())
                    .containsEntry("kind", "worst_case_charged")
                    .containsEntry("charged_calls", "1")
                    .containsEntry("worst_case_usd", "0.25")
                    .containsEntry("threshold_usd", "0");
        });

        try (GatewayRuntime again = restart(Map.of())) {
            assertThat(again.chargeCallsOfPreviousProcess().charged())
                    .as("a second start")
                    .isZero();
            assertThat(spentOn(again).spent()).isEqualByComparingTo("0.25");
        }
        assertThat(notices).hasSize(1);
    }

    @Test
    void chargeCallsOfPreviousProcess_belowTheThreshold_chargedWithoutAlert() {
        callLeftInFlight("req-killed", "0.25");

        try (GatewayRuntime runtime = restart(Map.of("SPENDGATE_WORST_CASE_ALERT_USD", "0.30"))) {
            assertThat(runtime.chargeCallsOfPreviousProcess().charged()).isEqualTo(1);
            assertThat(spentOn(runtime).spent()).isEqualByComparingTo("0.25");
        }
        assertThat(notices).isEmpty();
    }

    @Test
    void chargeCallsOfPreviousProcess_alertOff_noAlert() {
        callLeftInFlight("req-killed", "0.75");

        try (GatewayRuntime runtime = restart(Map.of("SPENDGATE_WORST_CASE_ALERT_USD", "off"))) {
            assertThat(runtime.chargeCallsOfPreviousProcess().chargedUsd()).isEqualByComparingTo("0.75");
        }
        assertThat(notices).isEmpty();
    }

    @Test
    void fromEnv_worstCaseAlertNotAnAmount_namesTheVariable() {
        assertThatThrownBy(() -> ProxyConfig.fromEnv(Map.of("SPENDGATE_WORST_CASE_ALERT_USD", "-1")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("SPENDGATE_WORST_CASE_ALERT_USD");
    }
}
