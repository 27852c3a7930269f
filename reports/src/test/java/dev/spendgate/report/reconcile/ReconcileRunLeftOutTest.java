package dev.spendgate.report.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.report.MonthlyUsageSource;
import dev.spendgate.domain.usage.UsageLayout;
import dev.spendgate.domain.usage.UsageRecordCodec;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.util.Optional;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

/** The reconcile job states the records it left out of the metered side, as the monthly report quarantines them. */
class ReconcileRunLeftOutTest {

    @Test
    void run_quarantinedRecord_isNamedInTheCsvAndTheResult() throws Exception {
        Instant t = Instant.parse("2026-11-01T10:00:00Z");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
            UsageRecordCodec.write(
                    ReconcileJobQuarantineReviewTest.call(
                            "corrupt", t, new TokenUsage(100, 0, 0, 0, 0, 0), new BigDecimal("1000000")),
                    gz);
        }
        ReconcileJobQuarantineReviewTest.Store data = new ReconcileJobQuarantineReviewTest.Store();
        data.put(UsageLayout.hourPrefix(t) + "part-1.ndjson.gz", bytes.toByteArray());

        ReconcileRun.Result result = new ReconcileRun(
                        MonthlyUsageSource.fromLog(data),
                        data,
                        null,
                        null,
                        s -> Optional.empty(),
                        AdminApiClient.create(Duration.ofSeconds(5)),
                        ReconcileRun.Endpoints.PUBLIC,
                        null,
                        BillImportTest.CATALOG,
                        BigDecimal.valueOf(2))
                .run(YearMonth.of(2026, 11), BillImportTest.NOV1);

        assertThat(result.leftOut()).isEqualTo("1 records with a cost above the model's maximum for its tokens");
        String csv = new String(data.get(result.csvKey()).orElseThrow(), StandardCharsets.UTF_8);
        assertThat(csv.lines().filter(l -> l.startsWith(ReconciliationCsv.SCHEMA_VERSION + ",total,")))
                .singleElement()
                .satisfies(l -> assertThat(l)
                        .contains("2026-11 through 2026-11-01; Left out: 1 records with a cost above the model's"
                                + " maximum for its tokens, in no metered figure, as the monthly report quarantines"
                                + " them."));
    }
}
