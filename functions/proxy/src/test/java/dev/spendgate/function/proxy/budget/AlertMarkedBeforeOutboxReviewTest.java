package dev.spendgate.function.proxy.budget;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.budget.AlertSink;
import dev.spendgate.domain.budget.BudgetAlert;
import dev.spendgate.domain.budget.BudgetDecision;
import dev.spendgate.domain.budget.BudgetEnforcer;
import dev.spendgate.domain.budget.BudgetPeriod;
import dev.spendgate.domain.budget.BudgetPolicy;
import dev.spendgate.domain.budget.BudgetScope;
import dev.spendgate.domain.budget.ReservationJournal;
import dev.spendgate.embedded.FileAlertOutbox;
import dev.spendgate.function.proxy.local.LocalGatewayRuntime;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local gateway killed (SIGKILL) while a budget alert is on its way to the outbox. The once-marker
 * ({@code budgets/alerts.json}) is written to disk before the alert is kept in {@code alerts-outbox/}: killed between
 * the two, the restarted gateway finds the alert marked as sent and nothing in the outbox, so it is never sent. README
 * "Budgets": each threshold alerts once per period; commit 3f5a577f "keep webhook deliveries in an outbox through a
 * restart". The kill is taken as a copy of the data directory at that moment (as {@link
 * FullDiskSettlementRestartTest} does): what was on disk is what the next start has.
 */
class AlertMarkedBeforeOutboxReviewTest {
    private static final Attribution AGENT = new Attribution("agent", "research", null, "prod", null, null, null);

    @TempDir
    Path running;

    @TempDir
    Path afterKill;

    @Test
    void killedBetweenMarkerAndOutbox_restartedGatewayStillSendsTheAlert() throws Exception {
        BudgetPolicy policy = new BudgetPolicy(
                BudgetScope.parse("feature:agent"),
                BudgetPeriod.MONTHLY,
                BigDecimal.ONE,
                BudgetPolicy.Mode.BLOCK,
                List.of(80),
                null,
                null);
        // the running gateway's sink: the outbox under the data directory, the webhook behind it
        AlertOutboxTest.Up webhook = new AlertOutboxTest.Up();
        BackgroundAlertSink outboxed = new BackgroundAlertSink(
                webhook, new FileAlertOutbox(running.resolve("alerts-outbox")), List.of(Duration.ofHours(1)));
        boolean[] killed = {false};
        AlertSink killedOnTheWay = new AlertSink() {
            @Override
            public void send(BudgetAlert alert) {
                kill();
                outboxed.send(alert);
            }

            @Override
            public void send(Notice notice) {
                kill();
                outboxed.send(notice);
            }

            private void kill() {
                if (!killed[0]) {
                    killed[0] = true;
                    copy(running, afterKill); // kill -9 here: the marker is written, the outbox not yet
                }
            }
        };
        BudgetStores stores = LocalGatewayRuntime.budgets(running, killedOnTheWay);
        stores.policies().put(policy);
        BudgetEnforcer enforcer = enforcer(stores);
        BudgetDecision call =
                enforcer.reserve(call("req-crossing"), m -> Optional.of(new BigDecimal("0.90")), m -> List.of());
        assertThat(call.outcome()).isEqualTo(BudgetDecision.Outcome.ALLOW);
        enforcer.settle(call, new BigDecimal("0.85")); // $0.85 of $1.00: the 80 % threshold is crossed
        assertThat(killed[0]).as("the alert was due").isTrue();
        enforcer.close();
        stores.close();

        // the next start on what the kill left: left-over alerts are resent, then calls go on
        AlertOutboxTest.Up webhookAfter = new AlertOutboxTest.Up();
        BackgroundAlertSink restartedSink = new BackgroundAlertSink(
                webhookAfter, new FileAlertOutbox(afterKill.resolve("alerts-outbox")), List.of(Duration.ZERO));
        BudgetStores next = LocalGatewayRuntime.budgets(afterKill, restartedSink);
        BudgetEnforcer nextEnforcer = enforcer(next);
        try {
            restartedSink.resendLeftOver(Duration.ZERO);
            nextEnforcer.sweepAll(open -> {});
            BudgetDecision later =
                    nextEnforcer.reserve(call("req-later"), m -> Optional.of(new BigDecimal("0.10")), m -> List.of());
            assertThat(later.outcome()).isEqualTo(BudgetDecision.Outcome.ALLOW);
            nextEnforcer.settle(later, new BigDecimal("0.01"));
            assertThat(restartedSink.awaitIdle(Duration.ofSeconds(10))).isTrue();

            assertThat(webhookAfter.received)
                    .as("the 80 % alert of feature:agent, crossed by the call the gateway was killed settling:"
                            + " marked as sent in budgets/alerts.json, but never in the outbox, never delivered")
                    .hasSize(1);
        } finally {
            nextEnforcer.close();
            next.close();
        }
    }

    private static void copy(Path from, Path to) {
        try (java.util.stream.Stream<Path> files = Files.walk(from)) {
            for (Path p : files.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else if (!p.getFileName().toString().endsWith(".lock")) {
                    Files.copy(p, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static BudgetEnforcer enforcer(BudgetStores stores) {
        return new BudgetEnforcer(
                stores.policies(),
                stores.ledger(),
                stores.marker(),
                stores.alerts(),
                stores.journal(),
                Duration.ofMinutes(15),
                Clock.systemUTC());
    }

    private static ReservationJournal.Call call(String requestId) {
        return new ReservationJournal.Call(
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
    }
}
