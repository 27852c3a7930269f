package dev.spendgate.report.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.budget.AlertSink;
import dev.spendgate.domain.pricing.ModelPrice;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.reconcile.BillSource;
import dev.spendgate.domain.reconcile.Reconciliation;
import dev.spendgate.domain.report.MonthlyUsageSource;
import dev.spendgate.domain.store.ObjectStore;
import dev.spendgate.domain.usage.CostCheck;
import dev.spendgate.domain.usage.UsageLayout;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageRecordCodec;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

/**
 * The AWS daily reconcile job ({@code ReconcileRunnerHandler}, {@link ReconcileRun}) on a stack without Athena reads
 * the usage log with no cost check. A corrupt record (100 input tokens claiming $1,000,000) that the monthly report
 * quarantines, and that {@code spendgate reconcile} leaves out since R23C-8 ("Left out: ..., as the monthly report
 * quarantines them"), is metered by the job: its {@code reconciliation/YYYY-MM.csv}, its CloudWatch metric and its SNS
 * notice say $1,000,000 unexplained and alarm, for a month whose bill matches the metering to the cent.
 */
class ReconcileJobQuarantineReviewTest {
    static final String MODEL = "anthropic.claude-sonnet-4-5-20250929-v1:0";

    static UsageRecord call(String id, Instant t, TokenUsage tokens, BigDecimal cost) {
        return UsageRecord.builder()
                .requestId(id)
                .tsStart(t)
                .tsEnd(t.plusSeconds(2))
                .keyId("k")
                .provider("bedrock")
                .endpoint("converse")
                .modelRequested(MODEL)
                .modelServed(MODEL)
                .statusCode(200)
                .tokens(tokens)
                .costUsd(cost)
                .pricingStatus(UsageRecord.PricingStatus.PRICED)
                .usageSource(UsageRecord.UsageSource.PROVIDER)
                .build();
    }

    @Test
    void job_recordTheReportQuarantines_isLeftOutOfTheMeteredSide() throws Exception {
        ModelPrice sonnet = BillImportTest.CATALOG.find("bedrock", MODEL).orElseThrow();
        TokenUsage tokens = new TokenUsage(100_000, 0, 0, 0, 10_000, 0);
        Instant t = Instant.parse("2026-11-01T10:00:00Z");
        UsageRecord corrupt =
                call("corrupt", t.plusSeconds(60), new TokenUsage(100, 0, 0, 0, 0, 0), new BigDecimal("1000000"));
        assertThat(CostCheck.against(BillImportTest.CATALOG).check(corrupt))
                .as("the monthly report quarantines it")
                .isNotEmpty();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
            UsageRecordCodec.write(call("a", t, tokens, sonnet.cost(tokens)), gz);
            UsageRecordCodec.write(call("b", t.plusSeconds(1), tokens, sonnet.cost(tokens)), gz);
            UsageRecordCodec.write(corrupt, gz);
        }
        Store data = new Store();
        data.put(UsageLayout.hourPrefix(t) + "part-1.ndjson.gz", bytes.toByteArray());

        // AWS's FOCUS export: both good calls' tokens, at the catalog's price
        BigDecimal in = sonnet.cost(new TokenUsage(200_000, 0, 0, 0, 0, 0));
        BigDecimal out = sonnet.cost(new TokenUsage(0, 0, 0, 0, 20_000, 0));
        String nov = "111122223333,USD,2026-11-01T00:00:00Z,2026-12-01T00:00:00Z,Usage,";
        String csv = "BilledCost,BillingAccountId,BillingCurrency,BillingPeriodStart,BillingPeriodEnd,ChargeCategory,"
                + "ChargeClass,ChargeDescription,ChargePeriodStart,ChargePeriodEnd,ConsumedQuantity,ConsumedUnit,"
                + "ServiceName,ResourceId,Tags,x_UsageType\n"
                + in.toPlainString() + "," + nov
                + ",Claude Sonnet 4.5 input tokens,2026-11-01T00:00:00Z,2026-11-02T00:00:00Z,"
                + "200000,Tokens,Amazon Bedrock,,{},USE1-ClaudeSonnet4.5-input-tokens\n"
                + out.toPlainString() + "," + nov
                + ",Claude Sonnet 4.5 output tokens,2026-11-01T00:00:00Z,2026-11-02T00:00:00Z,"
                + "20000,Tokens,Amazon Bedrock,,{},USE1-ClaudeSonnet4.5-output-tokens\n";
        Store exports = new Store();
        exports.put("focus/spendgate-focus-2026-11.csv", csv.getBytes(StandardCharsets.UTF_8));

        List<String> notices = new ArrayList<>();
        ReconcileRun.Result result = new ReconcileRun(
                        MonthlyUsageSource.fromLog(data),
                        data,
                        exports,
                        "focus/",
                        s -> Optional.empty(),
                        AdminApiClient.create(Duration.ofSeconds(5)),
                        ReconcileRun.Endpoints.PUBLIC,
                        new AlertSink() {
                            @Override
                            public void send(dev.spendgate.domain.budget.BudgetAlert alert) {}

                            @Override
                            public void send(Notice notice) {
                                notices.add(notice.subject());
                            }
                        },
                        BillImportTest.CATALOG,
                        BigDecimal.valueOf(2))
                .run(YearMonth.of(2026, 11), BillImportTest.NOV1);

        Reconciliation.Totals aws = result.reconciliation().totals().get(BillSource.AWS);
        assertThat(aws.meteredUsd())
                .as(
                        "metered as the monthly report and spendgate reconcile meter it (quarantined record left"
                                + " out); unexplained %s, notices %s",
                        aws.unexplainedUsd(), notices)
                .isEqualByComparingTo(sonnet.cost(tokens).multiply(BigDecimal.valueOf(2)));
        assertThat(result.alarmed())
                .as("the bill matches the good calls to the cent")
                .isFalse();
    }

    static final class Store implements ObjectStore {
        final Map<String, byte[]> objects = new TreeMap<>();

        @Override
        public void put(String key, byte[] content) {
            objects.put(key, content);
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
