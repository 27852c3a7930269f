package dev.spendgate.report.email;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.ServerSetupTest;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.report.MonthlyUsage;
import dev.spendgate.domain.report.MonthlyUsageSource;
import dev.spendgate.domain.store.ObjectStore;
import dev.spendgate.report.MonthlyReport;
import jakarta.mail.Multipart;
import jakarta.mail.Part;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayOutputStream;
import java.time.Clock;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The report email through a real SMTP server (GreenMail): attachments, links when too large, once per month. */
class ReportEmailIT {
    @RegisterExtension
    static GreenMailExtension mail = new GreenMailExtension(ServerSetupTest.SMTP);

    static final YearMonth MONTH = YearMonth.of(2026, 11);

    final Store out = new Store();
    final Store data = new Store();

    MonthlyReport.Email email(long maxBytes) {
        return new MonthlyReport.Email(
                "reports@spendgate.test",
                List.of("cfo@example.test", "finops@example.test"),
                maxBytes,
                SmtpMailTransport.create(
                        new SmtpMailTransport.Settings("127.0.0.1", ServerSetupTest.SMTP.getPort(), null, null, false)),
                key -> "https://files.example.test/" + key);
    }

    MonthlyReport.Result run(MonthlyReport.Email email, boolean force) {
        MonthlyUsageSource empty = (m, s, r, tap) -> MonthlyUsage.of(m);
        return MonthlyReport.create(
                        new MonthlyReport.Settings(
                                PricingCatalog.bundled(), PricingCatalog.bundled(), null, null, null),
                        Clock.fixed(Instant.parse("2026-12-01T06:00:00Z"), ZoneOffset.UTC))
                .run(MONTH, empty, data, out, "reports/2026-11/", email, force);
    }

    @Test
    void run_withRecipients_sendsPdfCsvsAndJsonFilesAsAttachmentsToEveryone() throws Exception {
        MonthlyReport.Result result = run(email(10_000_000), false);

        assertThat(result.email()).isEqualTo(MonthlyReport.EmailStatus.SENT);
        MimeMessage[] received = mail.getReceivedMessages();
        assertThat(received).hasSize(2);
        MimeMessage m = received[0];
        assertThat(m.getSubject()).isEqualTo("AI spend report November 2026: no usage data");
        List<String> names = new ArrayList<>();
        List<byte[]> contents = new ArrayList<>();
        Multipart parts = (Multipart) m.getContent();
        for (int i = 0; i < parts.getCount(); i++) {
            Part p = parts.getBodyPart(i);
            if (p.getFileName() != null) {
                names.add(p.getFileName());
                ByteArrayOutputStream b = new ByteArrayOutputStream();
                p.getInputStream().transferTo(b);
                contents.add(b.toByteArray());
            }
        }
        assertThat(names)
                .containsExactly(
                        "board-report.pdf",
                        "focus-1.1.csv",
                        "chargeback.csv",
                        "data-quality.json",
                        "focus-metadata.json");
        assertThat(contents.get(0)).startsWith("%PDF".getBytes());
        for (int i = 1; i < names.size(); i++) {
            assertThat(contents.get(i))
                    .as(names.get(i))
                    .isEqualTo(out.get("reports/2026-11/" + names.get(i)).orElseThrow());
        }
        JsonNode quality = new ObjectMapper().readTree(contents.get(3));
        assertThat(quality.path("month").asText()).isEqualTo("2026-11");
        assertThat(quality.path("has_data").asBoolean()).isFalse();
        assertThat(new ObjectMapper()
                        .readTree(contents.get(4))
                        .path("FocusVersion")
                        .asText())
                .isEqualTo("1.1");
    }

    @Test
    void run_again_sendsNoSecondEmailUnlessForced() {
        run(email(10_000_000), false);
        MonthlyReport.Result again = run(email(10_000_000), false);
        assertThat(again.email()).isEqualTo(MonthlyReport.EmailStatus.ALREADY_SENT);
        assertThat(mail.getReceivedMessages()).hasSize(2);

        assertThat(data.get("reports/2026-11/email-sent.json")).isPresent();
        Store otherDirectory = new Store();
        MonthlyReport.Result elsewhere = MonthlyReport.create(
                        new MonthlyReport.Settings(
                                PricingCatalog.bundled(), PricingCatalog.bundled(), null, null, null),
                        Clock.fixed(Instant.parse("2026-12-01T06:00:00Z"), ZoneOffset.UTC))
                .run(MONTH, (m, s, r, tap) -> MonthlyUsage.of(m), data, otherDirectory, "", email(10_000_000), false);
        assertThat(elsewhere.email()).isEqualTo(MonthlyReport.EmailStatus.ALREADY_SENT);
        assertThat(mail.getReceivedMessages()).hasSize(2);

        MonthlyReport.Result forced = run(email(10_000_000), true);
        assertThat(forced.email()).isEqualTo(MonthlyReport.EmailStatus.SENT);
        assertThat(mail.getReceivedMessages()).hasSize(4);
    }

    @Test
    void run_afterARunThatDiedBetweenItsClaimAndTheSend_failsNamingTheForce_thenForcedSends() {
        // a run claimed the complete month's email, then its Lambda timed out before the SMTP send
        data.put(
                MonthlyReport.claimKey(MONTH, dev.spendgate.domain.report.DataQuality.MonthState.COMPLETE),
                "{\"month\":\"2026-11\",\"month_state\":\"complete\",\"claimed_at\":\"2026-12-01T06:00:02Z\"}\n"
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8));

        Throwable retry = org.assertj.core.api.Assertions.catchThrowable(() -> run(email(10_000_000), false));

        assertThat(retry)
                .as("a retry that quietly reports ALREADY_SENT leaves finance without the email, unnoticed")
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("email-claim-complete.json")
                .hasMessageContaining("forced");
        assertThat(mail.getReceivedMessages()).isEmpty();

        MonthlyReport.Result forced = run(email(10_000_000), true);
        assertThat(forced.email()).isEqualTo(MonthlyReport.EmailStatus.SENT);
        assertThat(mail.getReceivedMessages()).hasSize(2);
    }

    @Test
    void run_filesLargerThanTheLimit_sendsLinksInsteadOfAttachments() throws Exception {
        MonthlyReport.Result result = run(email(1_000), false);

        assertThat(result.emailUsedLinks()).isTrue();
        MimeMessage m = mail.getReceivedMessages()[0];
        Multipart parts = (Multipart) m.getContent();
        assertThat(parts.getCount()).isEqualTo(1);
        String body = (String) parts.getBodyPart(0).getContent();
        assertThat(body)
                .contains("too large to attach")
                .contains("https://files.example.test/reports/2026-11/board-report.pdf")
                .contains("https://files.example.test/reports/2026-11/focus-1.1.csv");
    }

    static final class Store implements ObjectStore {
        final ConcurrentSkipListMap<String, byte[]> objects = new ConcurrentSkipListMap<>();

        @Override
        public void put(String key, byte[] content) {
            objects.put(key, content.clone());
        }

        @Override
        public Optional<byte[]> get(String key) {
            return Optional.ofNullable(objects.get(key));
        }

        @Override
        public List<String> list(String prefix) {
            return objects.keySet().stream().filter(k -> k.startsWith(prefix)).toList();
        }
    }
}
