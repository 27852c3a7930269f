package dev.spendgate.function.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.ServerSetupTest;
import dev.spendgate.aws.s3.S3ObjectStore;
import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.budget.AlertSink;
import dev.spendgate.domain.pricing.ModelPrice;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.usage.UsageLayout;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageRecordCodec;
import dev.spendgate.report.email.SmtpMailTransport;
import dev.spendgate.testing.aws.LocalS3;
import dev.spendgate.testing.logging.CapturedLog;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The scheduled report function against s3proxy and a real SMTP server. */
class ReportRunnerHandlerIT {
    @RegisterExtension
    static GreenMailExtension mail = new GreenMailExtension(ServerSetupTest.SMTP);

    static final ObjectMapper JSON = new ObjectMapper();
    S3ObjectStore store;
    BigDecimal total = BigDecimal.ZERO;

    @BeforeEach
    void writeUsage() throws Exception {
        LocalS3 s3 = LocalS3.shared();
        store = new S3ObjectStore(s3.client(), s3.createUniqueBucket("reports"));
        PricingCatalog catalog = PricingCatalog.bundled();
        ModelPrice price = catalog.find("anthropic", "claude-sonnet-4-5").orElseThrow();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Instant t = Instant.parse("2026-11-14T09:00:00Z");
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
            for (int i = 0; i < 40; i++) {
                TokenUsage tokens = TokenUsage.anthropic(500 + i, 1000, 200, 0, 80 + i);
                BigDecimal cost = price.cost(tokens);
                total = total.add(cost);
                UsageRecordCodec.write(
                        UsageRecord.builder()
                                .requestId("r-" + i)
                                .tsStart(t.plusSeconds(i))
                                .tsEnd(t.plusSeconds(i + 1))
                                .attribution(new Attribution(
                                        "assistant", i % 4 == 0 ? null : "sales", null, "prod", null, null, null))
                                .provider("anthropic")
                                .modelServed("claude-sonnet-4-5-20250929")
                                .statusCode(200)
                                .tokens(tokens)
                                .costUsd(cost)
                                .pricingStatus(UsageRecord.PricingStatus.PRICED)
                                .usageSource(UsageRecord.UsageSource.PROVIDER)
                                .build(),
                        gz);
            }
        }
        store.put(UsageLayout.hourPrefix(t) + "part-1.ndjson.gz", bytes.toByteArray());
        store.put("config/chargeback.json", """
                {"suspense": {"gl_account": "6999", "cost_centre": "SUSP"},
                 "rules": [{"department": "sales", "gl_account": "6400", "cost_centre": "CC-400"}]}""".getBytes());
    }

    ReportRunnerHandler handler() {
        return handler("config/chargeback.json");
    }

    ReportRunnerHandler handler(String rulesKey) {
        ReportRunnerConfig config = ReportRunnerConfig.fromEnv(Map.of(
                "SPENDGATE_USAGE_BUCKET", "unused-in-test",
                "SPENDGATE_CHARGEBACK_RULES_KEY", rulesKey,
                "SPENDGATE_REPORT_EMAIL_TO", "cfo@example.test",
                "SPENDGATE_REPORT_EMAIL_FROM", "reports@spendgate.test"));
        return new ReportRunnerHandler(
                store,
                config,
                null,
                List::of,
                SmtpMailTransport.create(
                        new SmtpMailTransport.Settings("127.0.0.1", ServerSetupTest.SMTP.getPort(), null, null, false)),
                key -> "https://example.test/" + key,
                Clock.fixed(Instant.parse("2026-12-01T06:00:00Z"), ZoneOffset.UTC));
    }

    static Map<String, Object> event(String name) throws Exception {
        try (InputStream in = ReportRunnerHandlerIT.class.getResourceAsStream("/events/" + name)) {
            return JSON.readValue(in, new TypeReference<>() {});
        }
    }

    /**
     * {@code force_email} read with {@code Boolean.parseBoolean}: an operator's {@code "yes"} or {@code 1} was false, the
     * run answered {@code already_sent} and finance did not get the email asked for. Now refused naming the field,
     * before anything is sent; {@code true} still forces.
     */
    @Test
    void forceEmailNeitherTrueNorFalse_isRefusedNamingTheField() throws Exception {
        handler().handleRequest(event("scheduled-monthly.json"), null);
        for (Object value : List.of("yes", 1)) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> handler()
                            .handleRequest(
                                    new java.util.HashMap<>(Map.of("month", "2026-11", "force_email", value)), null))
                    .as(String.valueOf(value))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("force_email");
        }
        assertThat(mail.getReceivedMessages()).hasSize(1);

        assertThat(handler()
                        .handleRequest(
                                new java.util.HashMap<>(Map.of("month", "2026-11", "force_email", "TRUE")), null))
                .containsEntry("email", "sent");
        assertThat(mail.getReceivedMessages()).hasSize(2);
    }

    @Test
    void rulesUploadedAfterTheInstanceStarted_areUsedByTheNextRun() throws Exception {
        ReportRunnerHandler handler = handler("config/uploaded-later.json");
        store.put("config/uploaded-later.json", """
                {"suspense": {"gl_account": "6999", "cost_centre": "SUSP"},
                 "rules": [{"department": "sales", "gl_account": "6401", "cost_centre": "CC-401"}]}""".getBytes());

        handler.handleRequest(event("scheduled-monthly.json"), null);

        assertThat(new String(store.get("reports/2026-11/chargeback.csv").orElseThrow()))
                .contains(",6401,CC-401,direct,");
    }

    @Test
    void rulesObjectNotUploadedYet_reportStillRunsWithEverythingInSuspense() throws Exception {
        ReportRunnerHandler handler = handler("config/not-uploaded.json");
        AtomicReference<Map<String, Object>> run = new AtomicReference<>();
        CapturedLog log =
                CapturedLog.during(() -> run.set(handler.handleRequest(event("scheduled-monthly.json"), null)));
        Map<String, Object> result = run.get();

        assertThat(result).containsEntry("month", "2026-11");
        JsonNode missing = log.single("report.rules_missing");
        assertThat(CapturedLog.hasCommonShape(missing)).isTrue();
        assertThat(missing.get("level").asText()).isEqualTo("WARN");
        assertThat(missing.get("rules_key").asText()).isEqualTo("config/not-uploaded.json");
        JsonNode written = log.single("report.written");
        assertThat(CapturedLog.hasCommonShape(written)).isTrue();
        assertThat(written.get("service").asText()).isEqualTo("report-runner");
        assertThat(written.get("duration_ms").isIntegralNumber()).isTrue();
        assertThat(written.get("month").asText()).isEqualTo("2026-11");
        assertThat(written.get("total_usd").decimalValue()).isEqualByComparingTo((String) result.get("total_usd"));
        assertThat(written.get("calls").asLong()).isEqualTo(((Number) result.get("calls")).longValue());
        String chargeback =
                new String(store.get("reports/2026-11/chargeback.csv").orElseThrow());
        assertThat(chargeback).doesNotContain(",direct,").contains(",suspense,");
    }

    @Test
    void scheduledEvent_onThe1st_reportsThePreviousMonthIntoS3AndEmailsOnce() throws Exception {
        Map<String, Object> first = handler().handleRequest(event("scheduled-monthly.json"), null);

        assertThat(first).containsEntry("month", "2026-11").containsEntry("email", "sent");
        assertThat(new BigDecimal((String) first.get("total_usd"))).isEqualByComparingTo(total);
        assertThat(store.list("reports/2026-11/"))
                .contains(
                        "reports/2026-11/focus-1.1.csv",
                        "reports/2026-11/chargeback.csv",
                        "reports/2026-11/board-report.pdf",
                        "reports/2026-11/email-sent.json");
        String chargeback =
                new String(store.get("reports/2026-11/chargeback.csv").orElseThrow());
        assertThat(chargeback).contains(",6400,CC-400,direct,").contains(",6999,SUSP,suspense,unattributed");
        byte[] focus = store.get("reports/2026-11/focus-1.1.csv").orElseThrow();

        Map<String, Object> second = handler().handleRequest(event("scheduled-monthly.json"), null);
        assertThat(second).containsEntry("email", "already_sent");
        assertThat(mail.getReceivedMessages()).hasSize(1);
        assertThat(store.get("reports/2026-11/focus-1.1.csv").orElseThrow()).isEqualTo(focus);

        Map<String, Object> forced = handler().handleRequest(event("rerun-month-forced.json"), null);
        assertThat(forced).containsEntry("email", "sent");
        assertThat(mail.getReceivedMessages()).hasSize(2);
    }

    @Test
    void damagedUsageObject_reportStillWrittenAndTheAlertTopicToldWithTheCounts() throws Exception {
        store.put(
                UsageLayout.hourPrefix(Instant.parse("2026-11-14T10:00:00Z")) + "part-2.ndjson.gz",
                "not gzip".getBytes());
        List<AlertSink.Notice> notices = new java.util.ArrayList<>();
        ReportRunnerConfig config = ReportRunnerConfig.fromEnv(Map.of("SPENDGATE_USAGE_BUCKET", "unused-in-test"));
        ReportRunnerHandler handler = new ReportRunnerHandler(
                store,
                config,
                null,
                List::of,
                null,
                key -> key,
                Clock.fixed(Instant.parse("2026-12-01T06:00:00Z"), ZoneOffset.UTC),
                new AlertSink() {
                    @Override
                    public void send(dev.spendgate.domain.budget.BudgetAlert alert) {
                        throw new AssertionError("no budget alert expected");
                    }

                    @Override
                    public void send(Notice notice) {
                        notices.add(notice);
                    }
                });

        AtomicReference<Map<String, Object>> run = new AtomicReference<>();
        CapturedLog log =
                CapturedLog.during(() -> run.set(handler.handleRequest(event("scheduled-monthly.json"), null)));
        Map<String, Object> result = run.get();

        assertThat(result).containsEntry("strict_ok", false);
        JsonNode quality = log.single("report.data_quality");
        assertThat(quality.get("level").asText()).isEqualTo("WARN");
        assertThat(quality.get("damaged_objects").asLong()).isEqualTo(1);
        assertThat(quality.get("message").asText()).contains("2 objects read, 1 damaged");
        assertThat(new BigDecimal((String) result.get("total_usd"))).isEqualByComparingTo(total);
        assertThat(notices).singleElement().satisfies(n -> {
            assertThat(n.subject()).isEqualTo("Spendgate report 2026-11: damaged or quarantined usage");
            assertThat(n.message()).contains("2 objects read, 1 damaged").contains("reports/2026-11/data-quality.json");
            assertThat(n.attributes()).containsEntry("damaged_objects", "1");
        });
        assertThat(new String(store.get("reports/2026-11/data-quality.json").orElseThrow()))
                .contains("\"damaged\" : 1");
    }
}
