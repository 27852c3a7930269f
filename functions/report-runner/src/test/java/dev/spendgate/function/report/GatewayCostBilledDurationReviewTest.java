package dev.spendgate.function.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.report.FocusCharge;
import dev.spendgate.report.gatewaycost.GatewayCostRows;
import dev.spendgate.report.gatewaycost.KmsKeyFee;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * README "The gateway's own AWS cost": "Per million calls at a 4 s mean LLM call plus what the gateway adds to the
 * billed duration (... 53 ms on unthrottled cores ...)", table row "as deployed: 1024 MB x86_64, Firehose | 1 |
 * $3.50 | $67.75 | $3.81 | $0.00 | $0.18 | $0.00 | $0.38 | $75.62", and "The monthly report shows this cost too ...
 * optional SPENDGATE_GATEWAY_COST_MEAN_CALL_MS, default 4000". Lambda bills the whole invocation: the LLM call's
 * 4,000 ms plus the gateway's own 53 ms, so at $0.0000166667 per GB-s (x86_64, lambda/pricing) a million calls at
 * 1 GB are 4,053,000 GB-s = $67.55 + $0.20 of requests = $67.75. The report runner prices the mean LLM call alone as
 * the billed duration (4,000 ms): $66.87, so the board's per-million figure for the default deployment is $74.74
 * against the README's $75.62 for the same set-up and prices.
 */
class GatewayCostBilledDurationReviewTest {
    private static final LocalDate DAY = LocalDate.of(2026, 11, 2);

    @Test
    void rows_defaultDeployment_millionCallsCostWhatTheReadmeTableSays() {
        // the stack's defaults: 1024 MB, x86_64, standard Lambda, 1 budget a call, a 4 s mean LLM call; the README
        // table prices calls only, so without the secrets' monthly fee (a fixed $0.80 a month, not per call)
        GatewayCostRows rows = GatewayCostSettings.fromEnv(
                        Map.of("SPENDGATE_PROXY_MEMORY_MB", "1024", "SPENDGATE_GATEWAY_COST_SECRETS", "0"))
                .rows();

        // nor the stack's KMS key's (a fixed $1 a month, KmsKeyFee)
        List<FocusCharge> charges = rows.focusCharges(Map.of(DAY, 1_000_000L)).stream()
                .filter(c -> !c.provider().endsWith(KmsKeyFee.SERVICE))
                .toList();

        BigDecimal lambda = charges.stream()
                .filter(c -> c.provider().endsWith("AWS Lambda"))
                .map(FocusCharge::billedCost)
                .reduce(BigDecimal.ZERO, BigDecimal::add);
        assertThat(lambda.setScale(2, RoundingMode.HALF_UP))
                .as("Lambda for 1M calls of 4,000 + 53 ms at 1 GB x86_64 (README table: $67.75)")
                .isEqualByComparingTo("67.75");
        assertThat(GatewayCostRows.total(charges).setScale(2, RoundingMode.HALF_UP))
                .as("the default deployment per million calls, one budget (README table: $76.87)")
                .isEqualByComparingTo("76.87");
    }
}
