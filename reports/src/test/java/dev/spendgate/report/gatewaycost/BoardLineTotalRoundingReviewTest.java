package dev.spendgate.report.gatewaycost;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.gatewaycost.AwsPrices;
import dev.spendgate.domain.gatewaycost.CallProfile;
import dev.spendgate.domain.gatewaycost.GatewayCostModel;
import dev.spendgate.domain.report.FocusCharge;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * README "The gateway's own AWS cost": the estimate's "amount is in BilledCost, so the file's total is the total cost of
 * AI (and chargeback.csv carries it as suspense lines, so it sums to the same total)"; README "Chargeback rules file":
 * amount_usd "sums to the month's total rounded to the cent" (largest remainder). The board line rounds the AI spend
 * and the estimate to cents each and adds the rounded figures. 1,000 calls at 1024 MB x86_64, 4 s, one budget cost
 * $0.074738 (API Gateway $0.0035, Lambda $0.066867, DynamoDB $0.0038125, Firehose $0.000179, Secrets Manager
 * $0.0000005, CloudWatch Logs $0.000380); with $100.004 of AI spend the FOCUS file, manifest.json and chargeback.csv
 * total $100.078738 = $100.08, but the board reads "the total cost of AI is $100.07". (Since the journal entry's
 * two index writes are priced, DynamoDB $0.0050625 and the estimate $0.075988: $100.079988, still $100.08.)
 */
class BoardLineTotalRoundingReviewTest {
    @Test
    void boardLine_totalCostOfAi_isTheExactTotalRoundedToTheCent() {
        // a stack given existing secrets: the day's per-call figures alone, without Secrets Manager's monthly fee
        GatewayCostRows rows = new GatewayCostRows(
                CallProfile.measured(1, 4_000, 1024, false, CallProfile.Delivery.FIREHOSE),
                GatewayCostModel.create(AwsPrices.US_EAST_1),
                null,
                new SecretsFee(0),
                new KmsKeyFee(0));
        List<FocusCharge> charges = rows.focusCharges(Map.of(LocalDate.of(2026, 11, 3), 1_000L));
        BigDecimal estimate = GatewayCostRows.total(charges);
        BigDecimal aiSpend = new BigDecimal("100.004");
        assertThat(estimate.setScale(4, RoundingMode.HALF_UP)).isEqualByComparingTo("0.0760");

        String line = rows.boardLine(charges, 1_000, aiSpend);

        BigDecimal focusTotal = aiSpend.add(estimate).setScale(2, RoundingMode.HALF_UP);
        assertThat(focusTotal).isEqualByComparingTo("100.08");
        assertThat(line).contains("the total cost of AI is $100.08");
    }
}
