package dev.spendgate.function.proxy.budget;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.budget.AlertOutbox;
import dev.spendgate.domain.budget.AlertSink;
import dev.spendgate.domain.budget.BudgetAlert;
import dev.spendgate.domain.budget.BudgetPolicy;
import dev.spendgate.embedded.FileAlertOutbox;
import dev.spendgate.embedded.FileOnceMarker;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * README "Budgets": each threshold alerts once per period, and a gateway killed as an alert fires still sends it. An
 * alert is held in the outbox before its once-marker is written; what a killed gateway left held is settled at the
 * next start: sent when the marker is unset or the held alert's own, dropped when another's, and forgotten when its
 * delivery had already kept its own entry.
 */
class HeldAlertsTest {
    private static final String KEY = "alert#budget#feature:chatbot#monthly#2026-12#80#limit-500#policy-p1";
    private static final Instant EXPIRES = Instant.now().plus(Duration.ofDays(30));
    private static final AlertOutbox.Waiting WAITING = new AlertOutbox.Waiting(KEY, EXPIRES);
    private static final BudgetAlert ALERT = new BudgetAlert(
            "p1",
            "chatbot",
            "2026-12",
            80,
            new BigDecimal("500"),
            new BigDecimal("400.12"),
            BudgetPolicy.Mode.BLOCK,
            Instant.parse("2026-12-05T10:00:00Z"));

    @TempDir
    Path dir;

    private FileAlertOutbox outbox() {
        return new FileAlertOutbox(dir.resolve("alerts-outbox"));
    }

    private FileOnceMarker marker() {
        return new FileOnceMarker(dir.resolve("alerts.json"));
    }

    @Test
    void killedBeforeTheMarkerWasWritten_nextStartSendsItAndMarksIt() {
        outbox().keep(ALERT, null, WAITING); // held, then killed

        AlertOutboxTest.Up webhook = new AlertOutboxTest.Up();
        int sent = new HeldAlerts(webhook, outbox(), marker()).settleLeftOver(Duration.ZERO);

        assertThat(sent).isEqualTo(1);
        assertThat(webhook.received).containsExactly(ALERT);
        assertThat(marker().markOnce(KEY, EXPIRES)).as("marked: not sent again").isFalse();
        assertThat(outbox().olderThan(Duration.ZERO)).isEmpty();
    }

    @Test
    void killedAfterItsMarkerWasWritten_nextStartSendsIt() {
        String held = outbox().keep(ALERT, null, WAITING);
        assertThat(marker().markOnce(KEY, EXPIRES, held)).isTrue(); // then killed

        AlertOutboxTest.Up webhook = new AlertOutboxTest.Up();
        new HeldAlerts(webhook, outbox(), marker()).settleLeftOver(Duration.ZERO);

        assertThat(webhook.received).containsExactly(ALERT);
        assertThat(outbox().olderThan(Duration.ZERO)).isEmpty();
    }

    @Test
    void anotherInstanceWroteTheMarker_heldAlertIsDroppedNotSent() {
        String held = outbox().keep(ALERT, null, WAITING);
        assertThat(marker().markOnce(KEY, EXPIRES, "another-instance's-hold")).isTrue();
        assertThat(marker().markOnce(KEY, EXPIRES, held)).isFalse(); // this one lost, then was killed

        AlertOutboxTest.Up webhook = new AlertOutboxTest.Up();
        int sent = new HeldAlerts(webhook, outbox(), marker()).settleLeftOver(Duration.ZERO);

        assertThat(sent).isZero();
        assertThat(webhook.received).as("the other instance sends it").isEmpty();
        assertThat(outbox().olderThan(Duration.ZERO)).isEmpty();
    }

    @Test
    void killedAfterTheDeliveryKeptItsOwnEntry_alertIsSentOnce() {
        String held = outbox().keep(ALERT, null, WAITING);
        marker().markOnce(KEY, EXPIRES, held);
        outbox().keep(ALERT, null); // BackgroundAlertSink.send kept it; killed before the held entry was removed

        AlertOutboxTest.Up webhook = new AlertOutboxTest.Up();
        HeldAlerts restarted =
                new HeldAlerts(new BackgroundAlertSink(webhook, outbox(), List.of(Duration.ZERO)), outbox(), marker());
        restarted.settleLeftOver(Duration.ZERO);
        BackgroundAlertSink background = HeldAlerts.background(restarted).orElseThrow();
        background.resendLeftOver(Duration.ZERO);
        assertThat(background.awaitIdle(Duration.ofSeconds(10))).isTrue();

        assertThat(webhook.received).containsExactly(ALERT);
        assertThat(outbox().olderThan(Duration.ZERO)).isEmpty();
    }

    @Test
    void held_sentOrDropped_leavesNothingHeld() {
        AlertOutboxTest.Up webhook = new AlertOutboxTest.Up();
        HeldAlerts alerts = new HeldAlerts(webhook, outbox(), marker());

        AlertSink.Held first = alerts.hold(ALERT, null, WAITING);
        assertThat(outbox().olderThan(Duration.ZERO))
                .as("held on disk before the marker is asked")
                .singleElement()
                .satisfies(kept -> assertThat(kept.waitingOn()).isEqualTo(WAITING));
        assertThat(marker().markOnce(KEY, EXPIRES, first.owner())).isTrue();
        first.send();
        AlertSink.Held second = alerts.hold(ALERT, null, WAITING);
        assertThat(marker().markOnce(KEY, EXPIRES, second.owner())).isFalse();
        second.drop();

        assertThat(webhook.received).containsExactly(ALERT);
        assertThat(outbox().olderThan(Duration.ZERO)).isEmpty();
    }
}
