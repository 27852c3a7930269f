package dev.spendgate.function.proxy.lambda;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.budget.ReservationJournal.OpenReservation;
import dev.spendgate.domain.usage.UsageJournal;
import dev.spendgate.domain.usage.UsageSink;
import dev.spendgate.domain.usage.UsageSpool;
import dev.spendgate.embedded.FileKeyStore;
import dev.spendgate.embedded.FileSystemObjectStore;
import dev.spendgate.function.proxy.GatewayRuntime;
import dev.spendgate.function.proxy.ProxyConfig;
import dev.spendgate.function.proxy.budget.BudgetStores;
import dev.spendgate.function.proxy.budget.LogAlertSink;
import dev.spendgate.function.proxy.local.LocalGatewayRuntime;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Lambda's work after an invocation: a spool that cannot be read does not stop the reservation sweep. */
class AfterInvocationSweepTest {
    @TempDir
    Path dir;

    @Test
    void afterInvocation_spoolUnreadable_stillSweepsOrphanedReservations() {
        UsageSpool unreadable = new UsageSpool() {
            @Override
            public void spill(SpooledBatch batch) {
                throw new IllegalStateException("spool table unreachable");
            }

            @Override
            public List<SpooledBatch> pending(int max) {
                throw new IllegalStateException("spool table unreachable");
            }

            @Override
            public void remove(String objectKey) {
                throw new IllegalStateException("spool table unreachable");
            }
        };
        BudgetStores budgets = LocalGatewayRuntime.budgets(dir.resolve("budgets"), new LogAlertSink());
        // an entry whose reservations were never confirmed, expired an hour ago: the sweep removes it
        budgets.journal()
                .open(new OpenReservation(
                        "orphan", List.of(), BigDecimal.ZERO, Instant.now().minusSeconds(3600), false));
        ProxyConfig config = ProxyConfig.fromEnv(Map.of("OPENAI_API_KEY", "sk-test"));
        try (GatewayRuntime runtime = GatewayRuntime.create(
                config,
                new FileKeyStore(dir.resolve("keys.json")),
                new FileSystemObjectStore(dir.resolve("data")),
                (UsageSink) (key, gzip) -> UsageSink.Refused.NONE,
                unreadable,
                UsageJournal.NONE,
                budgets,
                Clock.systemUTC(),
                null)) {
            runtime.afterInvocation(Duration.ofSeconds(30));

            assertThat(budgets.journal().expired(Instant.now(), 10))
                    .as("the orphaned entry after an invocation whose spool drain failed")
                    .isEmpty();
        }
    }
}
