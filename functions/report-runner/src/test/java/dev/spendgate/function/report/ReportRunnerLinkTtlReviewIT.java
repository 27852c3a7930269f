package dev.spendgate.function.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.ServerSetupTest;
import dev.spendgate.aws.AwsClients;
import dev.spendgate.aws.s3.S3ObjectStore;
import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.pricing.ModelPrice;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.usage.UsageLayout;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageRecordCodec;
import dev.spendgate.report.email.SmtpMailTransport;
import dev.spendgate.testing.aws.LocalS3;
import java.io.ByteArrayOutputStream;
import java.lang.reflect.Method;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.regions.Region;

/**
 * A month whose files are too large to attach goes out as presigned S3 links, valid {@code
 * SPENDGATE_REPORT_LINK_TTL_HOURS}. The stack accepts 1 to 9999 hours at synth (SpendgateStackProps), while a SigV4
 * presigned URL is valid for at most 7 days (168 h): the SDK refuses to sign beyond it.
 */
class ReportRunnerLinkTtlReviewIT {
    @RegisterExtension
    static GreenMailExtension mail = new GreenMailExtension(ServerSetupTest.SMTP);

    LocalS3 s3;
    String bucket;
    S3ObjectStore store;

    @BeforeEach
    void writeUsage() throws Exception {
        // the function's role credentials, as Lambda gives them (the SDK's default chain reads these too)
        System.setProperty("aws.accessKeyId", "test");
        System.setProperty("aws.secretAccessKey", "test");
        s3 = LocalS3.shared();
        bucket = s3.createUniqueBucket("links");
        store = new S3ObjectStore(s3.client(), bucket);
        ModelPrice price =
                PricingCatalog.bundled().find("anthropic", "claude-sonnet-4-5").orElseThrow();
        Instant t = Instant.parse("2026-11-14T09:00:00Z");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
            TokenUsage tokens = TokenUsage.anthropic(500, 1000, 200, 0, 80);
            UsageRecordCodec.write(
                    UsageRecord.builder()
                            .requestId("r-1")
                            .tsStart(t)
                            .tsEnd(t.plusSeconds(1))
                            .attribution(new Attribution("assistant", "sales", null, "prod", null, null, null))
                            .provider("anthropic")
                            .modelServed("claude-sonnet-4-5-20250929")
                            .statusCode(200)
                            .tokens(tokens)
                            .costUsd(price.cost(tokens))
                            .pricingStatus(UsageRecord.PricingStatus.PRICED)
                            .usageSource(UsageRecord.UsageSource.PROVIDER)
                            .build(),
                    gz);
        }
        store.put(UsageLayout.hourPrefix(t) + "part-1.ndjson.gz", bytes.toByteArray());
    }

    @AfterEach
    void clearCredentials() {
        System.clearProperty("aws.accessKeyId");
        System.clearProperty("aws.secretAccessKey");
    }

    /** The links the deployed function signs ({@code ReportRunnerHandler.presignedLinks}), for {@code config}. */
    @SuppressWarnings("unchecked")
    Function<String, String> deployedLinks(ReportRunnerConfig config) throws Exception {
        Method m = ReportRunnerHandler.class.getDeclaredMethod(
                "presignedLinks", ReportRunnerConfig.class, AwsClients.class);
        m.setAccessible(true);
        return (Function<String, String>)
                m.invoke(null, config, AwsClients.create(Region.US_EAST_1, s3.endpoint(), null));
    }

    Map<String, Object> run(String ttlHours) throws Exception {
        ReportRunnerConfig config = ReportRunnerConfig.fromEnv(Map.of(
                "SPENDGATE_USAGE_BUCKET", bucket,
                "SPENDGATE_REPORT_EMAIL_TO", "cfo@example.test",
                "SPENDGATE_REPORT_EMAIL_FROM", "reports@spendgate.test",
                // a big month, in small: any file set is above this, so the email carries links
                "SPENDGATE_REPORT_ATTACH_MAX_BYTES", "1000",
                "SPENDGATE_REPORT_LINK_TTL_HOURS", ttlHours));
        ReportRunnerHandler handler = new ReportRunnerHandler(
                store,
                config,
                null,
                List::of,
                SmtpMailTransport.create(
                        new SmtpMailTransport.Settings("127.0.0.1", ServerSetupTest.SMTP.getPort(), null, null, false)),
                deployedLinks(config),
                Clock.fixed(Instant.parse("2026-12-02T06:00:00Z"), ZoneOffset.UTC));
        return handler.handleRequest(new HashMap<>(), null);
    }

    /** The default, 168 h: the links are signed and the email goes (the control for the test below). */
    @Test
    void defaultTtl_bigMonthGoesAsLinks() throws Exception {
        Map<String, Object> out = run("168");

        assertThat(out).containsEntry("email", "sent");
        assertThat(mail.getReceivedMessages()).hasSize(1);
    }

    /**
     * An operator gives the monthly report's links a month, {@code SPENDGATE_REPORT_LINK_TTL_HOURS=720}: synth takes
     * it, the function starts, and the first month too large to attach fails at signing its first link ("pre-signed
     * by SigV4 algorithm are valid for at most 7 days"), after the files are written, in the run and both of Lambda's
     * retries: no email, every big month, until someone reads the dead-letter queue. The value should be refused at
     * synth and start (naming the 168-hour limit), or the links signed for at most 7 days.
     */
    @Test
    void linkTtlOverSevenDays_refusedAtStartOrTheEmailStillGoes() throws Exception {
        Map<String, Object> out;
        try {
            out = run("720");
        } catch (RuntimeException refusedAtStart) {
            if (String.valueOf(refusedAtStart.getMessage()).contains("SPENDGATE_REPORT_LINK_TTL_HOURS")) {
                return; // refused naming the setting: the operator learns at deploy, not from a missing email
            }
            throw new AssertionError(
                    "the month's run failed (" + refusedAtStart + "); email claim left: "
                            + store.get("reports/2026-11/email-claim-complete.json")
                                    .isPresent()
                            + ", emails received: " + mail.getReceivedMessages().length,
                    refusedAtStart);
        }
        assertThat(out).containsEntry("email", "sent");
        assertThat(mail.getReceivedMessages()).hasSize(1);
    }
}
