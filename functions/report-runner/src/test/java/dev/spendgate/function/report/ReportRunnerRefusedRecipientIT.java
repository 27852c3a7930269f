package dev.spendgate.function.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.aws.s3.S3ObjectStore;
import dev.spendgate.domain.budget.AlertSink;
import dev.spendgate.report.email.SmtpMailTransport;
import dev.spendgate.testing.aws.LocalS3;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The report function's answer and alert when the relay refuses one recipient and takes the message for the other. */
class ReportRunnerRefusedRecipientIT {
    @Test
    void oneRecipientRefused_resultAndAlertNameIt() throws IOException {
        LocalS3 s3 = LocalS3.shared();
        S3ObjectStore store = new S3ObjectStore(s3.client(), s3.createUniqueBucket("refused"));
        List<AlertSink.Notice> notices = new CopyOnWriteArrayList<>();
        AlertSink topic = new AlertSink() {
            @Override
            public void send(dev.spendgate.domain.budget.BudgetAlert alert) {}

            @Override
            public void send(Notice notice) {
                notices.add(notice);
            }
        };
        try (ReportRunnerEmailDeliveryReviewIT.Relay relay =
                new ReportRunnerEmailDeliveryReviewIT.Relay(Set.of("left@example.test"), 0)) {
            ReportRunnerHandler handler = new ReportRunnerHandler(
                    store,
                    ReportRunnerConfig.fromEnv(Map.of(
                            "SPENDGATE_USAGE_BUCKET", "unused-in-test",
                            "SPENDGATE_REPORT_EMAIL_TO", "cfo@example.test,left@example.test",
                            "SPENDGATE_REPORT_EMAIL_FROM", "reports@spendgate.test")),
                    null,
                    List::of,
                    SmtpMailTransport.create(
                            new SmtpMailTransport.Settings("127.0.0.1", relay.port(), null, null, false)),
                    key -> "https://example.test/" + key,
                    Clock.fixed(Instant.parse("2026-12-01T06:00:00Z"), ZoneOffset.UTC),
                    topic);

            Map<String, Object> out = handler.handleRequest(new HashMap<>(), null);

            assertThat(out).containsEntry("email", "sent").containsEntry("email_refused", List.of("left@example.test"));
            assertThat(notices)
                    .filteredOn(n -> n.subject().contains("email refused"))
                    .singleElement()
                    .satisfies(n -> assertThat(n.message()).contains("left@example.test"));
            assertThat(relay.accepted).containsExactly(List.of("cfo@example.test"));
        }
    }
}
