package dev.spendgate.function.proxy.budget;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.budget.AlertSink;
import dev.spendgate.domain.budget.BudgetAlert;
import dev.spendgate.domain.budget.BudgetPolicy;
import dev.spendgate.embedded.FileAlertOutbox;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * README "Budgets", alerts: the once-marker decides an alert is sent once; the outbox keeps that one send through a
 * gateway killed while the webhook was failing, so the operator still gets it when the gateway runs again.
 */
class AlertOutboxTest {
    private static final BudgetAlert ALERT = new BudgetAlert(
            "feature:chatbot/monthly",
            "chatbot",
            "2026-12",
            80,
            new BigDecimal("500"),
            new BigDecimal("400.12"),
            BudgetPolicy.Mode.BLOCK,
            Instant.parse("2026-12-05T10:00:00Z"));

    @TempDir
    Path dir;

    /** A webhook that is down: every delivery fails. */
    static final class Down implements AlertSink {
        @Override
        public void send(BudgetAlert alert) {
            throw new IllegalStateException("webhook answered 503");
        }

        @Override
        public void send(Notice notice) {
            throw new IllegalStateException("webhook answered 503");
        }
    }

    /** A webhook that is up: what it received. */
    static final class Up implements AlertSink {
        final List<Object> received = new CopyOnWriteArrayList<>();

        @Override
        public void send(BudgetAlert alert) {
            received.add(alert);
        }

        @Override
        public void send(Notice notice) {
            received.add(notice);
        }
    }

    @Test
    void gatewayKilledWhileTheWebhookFails_nextStartSendsTheAlertOnce() {
        FileAlertOutbox outbox = new FileAlertOutbox(dir);
        AlertSink.Notice notice =
                new AlertSink.Notice("Top waste findings 2026-12-04", "3 findings", Map.of("kind", "waste"));
        // retries an hour apart: the process is "killed" (abandoned) while they are pending
        BackgroundAlertSink dying = new BackgroundAlertSink(new Down(), outbox, List.of(Duration.ofHours(1)));
        dying.send(ALERT);
        dying.send(notice);
        assertThat(dying.resendLeftOver(Duration.ZERO))
                .as("its own deliveries are not sent twice")
                .isZero();

        Up webhook = new Up();
        BackgroundAlertSink restarted = new BackgroundAlertSink(webhook, outbox, List.of(Duration.ZERO));
        assertThat(restarted.resendLeftOver(Duration.ZERO)).isEqualTo(2);
        assertThat(restarted.awaitIdle(Duration.ofSeconds(10))).isTrue();

        assertThat(webhook.received).containsExactly(ALERT, notice);
        assertThat(outbox.olderThan(Duration.ZERO)).as("delivered, forgotten").isEmpty();
        assertThat(new BackgroundAlertSink(new Up(), outbox).resendLeftOver(Duration.ZERO))
                .isZero();
    }

    @Test
    void deliveredAlert_leavesNothingInTheOutbox() {
        FileAlertOutbox outbox = new FileAlertOutbox(dir);
        Up webhook = new Up();
        BackgroundAlertSink sink = new BackgroundAlertSink(webhook, outbox);

        sink.send(ALERT);

        assertThat(sink.awaitIdle(Duration.ofSeconds(10))).isTrue();
        assertThat(webhook.received).containsExactly(ALERT);
        assertThat(outbox.olderThan(Duration.ZERO)).isEmpty();
    }

    @Test
    void keptRecentlyByAnotherProcess_notSentUntilItIsOldEnough() {
        FileAlertOutbox outbox = new FileAlertOutbox(dir);
        new BackgroundAlertSink(new Down(), outbox, List.of(Duration.ofHours(1))).send(ALERT);

        BackgroundAlertSink other = new BackgroundAlertSink(new Up(), outbox);

        assertThat(other.resendLeftOver(Duration.ofMinutes(5)))
                .as("a delivery another running gateway may still be retrying")
                .isZero();
    }

    @Test
    void damagedOutboxFile_setAsideNotSent() throws Exception {
        FileAlertOutbox outbox = new FileAlertOutbox(dir);
        Files.writeString(dir.resolve("1764928800000-x.json"), "{\"version\":1,\"since\":\"2026-12-05T");

        assertThat(outbox.olderThan(Duration.ZERO)).isEmpty();
        assertThat(dir.resolve("1764928800000-x.json.damaged")).exists();
    }
}
