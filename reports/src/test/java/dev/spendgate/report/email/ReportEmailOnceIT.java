package dev.spendgate.report.email;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.ServerSetupTest;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.report.MailTransport;
import dev.spendgate.domain.report.MonthlyUsage;
import dev.spendgate.domain.report.MonthlyUsageSource;
import dev.spendgate.domain.store.ObjectStore;
import dev.spendgate.domain.store.ObjectStoreException;
import dev.spendgate.report.MonthlyReport;
import java.time.Clock;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Finance gets each month's report exactly once: not twice on a retry or a doubled delivery, not never. */
class ReportEmailOnceIT {
    @RegisterExtension
    static GreenMailExtension mail = new GreenMailExtension(ServerSetupTest.SMTP);

    static final YearMonth NOVEMBER = YearMonth.of(2026, 11);
    static final Instant REPORT_RUN = Instant.parse("2026-12-01T06:00:00Z");

    final Store out = new Store();

    static MonthlyReport.Email email() {
        return new MonthlyReport.Email(
                "reports@spendgate.test",
                List.of("cfo@example.test"),
                10_000_000,
                SmtpMailTransport.create(
                        new SmtpMailTransport.Settings("127.0.0.1", ServerSetupTest.SMTP.getPort(), null, null, false)),
                key -> "https://files.example.test/" + key);
    }

    MonthlyReport.Result run(Store data, Instant at) {
        MonthlyUsageSource empty = (m, s, r, tap) -> MonthlyUsage.of(m);
        return MonthlyReport.create(
                        new MonthlyReport.Settings(
                                PricingCatalog.bundled(), PricingCatalog.bundled(), null, null, null),
                        Clock.fixed(at, ZoneOffset.UTC))
                .run(NOVEMBER, empty, data, out, "reports/2026-11/", email(), false);
    }

    /**
     * A mid-month preview (the README documents running-month reports with a forecast) sends the partial month and
     * writes the month's sent marker, so the scheduled run on the 1st sends nothing: finance never gets the complete
     * month.
     */
    @Test
    void runningMonthPreview_doesNotStopTheCompleteMonthsEmail() {
        Store data = new Store();
        run(data, Instant.parse("2026-11-15T09:00:00Z"));
        assertThat(mail.getReceivedMessages()).hasSize(1);

        MonthlyReport.Result scheduled = run(data, REPORT_RUN);

        assertThat(scheduled.email()).isEqualTo(MonthlyReport.EmailStatus.SENT);
        assertThat(mail.getReceivedMessages()).hasSize(2);
    }

    /**
     * The email goes, then writing {@code email-sent.json} fails once (an S3 500): the run throws, Lambda retries the
     * asynchronous invocation, and the retry finds no marker and emails finance a second time.
     */
    @Test
    void markerWriteFailsAfterTheSend_retryDoesNotSendASecondEmail() {
        AtomicBoolean failed = new AtomicBoolean();
        Store data = new Store() {
            @Override
            public void put(String key, byte[] content) {
                if (key.endsWith(MonthlyReport.SENT_MARKER) && failed.compareAndSet(false, true)) {
                    throw new ObjectStoreException("S3 PutObject: 500 InternalError", null);
                }
                super.put(key, content);
            }
        };
        try {
            run(data, REPORT_RUN);
        } catch (RuntimeException e) {
            // the invocation failed: Lambda retries it (ScheduledJobs.onFailure, retryAttempts 2)
            run(data, REPORT_RUN.plusSeconds(60));
        }

        assertThat(failed).isTrue();
        assertThat(mail.getReceivedMessages()).hasSize(1);
    }

    /**
     * EventBridge Scheduler and Lambda's asynchronous invocation deliver at least once: two invocations of the same
     * month that overlap both find no marker and both send.
     */
    @Test
    void twoOverlappingInvocations_sendOneEmail() throws Exception {
        CyclicBarrier bothChecked = new CyclicBarrier(2);
        Store data = new Store() {
            @Override
            public Optional<byte[]> get(String key) {
                Optional<byte[]> found = super.get(key);
                if (key.endsWith(MonthlyReport.SENT_MARKER)) {
                    try {
                        // both invocations have looked before either sends (a fixed run may not wait here)
                        bothChecked.await(5, TimeUnit.SECONDS);
                    } catch (Exception e) {
                        // timed out: only one invocation looked
                    }
                }
                return found;
            }
        };
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<?> a = pool.submit(() -> run(data, REPORT_RUN));
            Future<?> b = pool.submit(() -> run(data, REPORT_RUN));
            for (Future<?> f : List.of(a, b)) {
                try {
                    f.get(60, TimeUnit.SECONDS);
                } catch (java.util.concurrent.ExecutionException e) {
                    // a run that lost the claim may fail; what counts is what finance received
                }
            }
        } finally {
            pool.shutdownNow();
        }

        assertThat(mail.getReceivedMessages()).hasSize(1);
    }

    /** The mail service refuses the first send: the run fails, gives its claim back, and the retry sends. */
    @Test
    void sendFails_retrySendsTheEmail() {
        Store data = new Store();
        MonthlyReport.Email real = email();
        AtomicBoolean refused = new AtomicBoolean();
        MonthlyReport.Email flaky = new MonthlyReport.Email(
                real.from(),
                real.to(),
                real.maxAttachmentBytes(),
                (from, to, mime) -> {
                    if (refused.compareAndSet(false, true)) {
                        throw new MailTransport.MailException("421 try again later", null);
                    }
                    return real.transport().send(from, to, mime);
                },
                real.linkFor());
        MonthlyUsageSource empty = (m, s, r, tap) -> MonthlyUsage.of(m);
        MonthlyReport report = MonthlyReport.create(
                new MonthlyReport.Settings(PricingCatalog.bundled(), PricingCatalog.bundled(), null, null, null),
                Clock.fixed(REPORT_RUN, ZoneOffset.UTC));

        assertThatThrownBy(() -> report.run(NOVEMBER, empty, data, out, "reports/2026-11/", flaky, false))
                .isInstanceOf(MailTransport.MailException.class);
        MonthlyReport.Result retry = report.run(NOVEMBER, empty, data, out, "reports/2026-11/", flaky, false);

        assertThat(retry.email()).isEqualTo(MonthlyReport.EmailStatus.SENT);
        assertThat(mail.getReceivedMessages()).hasSize(1);
    }

    static class Store implements ObjectStore {
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

        @Override
        public void delete(String key) {
            objects.remove(key);
        }
    }
}
