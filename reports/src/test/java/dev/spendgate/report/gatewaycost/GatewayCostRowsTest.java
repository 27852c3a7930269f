package dev.spendgate.report.gatewaycost;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.gatewaycost.AwsPrices;
import dev.spendgate.domain.gatewaycost.CallProfile;
import dev.spendgate.domain.gatewaycost.GatewayCostModel;
import dev.spendgate.domain.report.FocusCharge;
import dev.spendgate.report.focus.FocusCsvWriter;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.YearMonth;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GatewayCostRowsTest {
    private final GatewayCostModel model = GatewayCostModel.create(AwsPrices.US_EAST_1);
    private final CallProfile profile =
            CallProfile.measured(1, 4_000, 1024, false, CallProfile.Delivery.S3_OBJECT_PER_CALL);
    private final GatewayCostRows rows = new GatewayCostRows(profile, model);

    @Test
    void focusCharges_twoDays_onePerDayAndServiceSummingToTheModel() {
        List<FocusCharge> charges = rows.focusCharges(Map.of(
                LocalDate.of(2026, 11, 2),
                600_000L,
                LocalDate.of(2026, 11, 1),
                400_000L,
                LocalDate.of(2026, 11, 3),
                0L));

        // six services have a cost (Firehose has none with S3 delivery), on the two days with calls
        assertThat(charges).hasSize(12);
        assertThat(charges.get(0).day()).isEqualTo(LocalDate.of(2026, 11, 1));
        assertThat(GatewayCostRows.total(charges).setScale(6, java.math.RoundingMode.HALF_UP))
                .isEqualByComparingTo(
                        model.perMillionCalls(profile).total().setScale(6, java.math.RoundingMode.HALF_UP));
        assertThat(charges).allSatisfy(c -> {
            assertThat(c.tags())
                    .containsEntry("x_CostSource", GatewayCostRows.COST_SOURCE)
                    .containsEntry("x_Estimated", "true");
            assertThat(c.note()).startsWith("gateway_aws_estimate: estimated, not billed");
            assertThat(c.billedCost()).isPositive();
        });
    }

    @Test
    void focusCsv_gatewayRows_namedAsAwsServicesNotAsAnLlmProvider() {
        List<FocusCharge> charges = rows.focusCharges(Map.of(LocalDate.of(2026, 11, 1), 1_000L));

        String csv = new String(
                FocusCsvWriter.create(FocusCsvWriter.Settings.DEFAULT).write(YearMonth.of(2026, 11), charges),
                StandardCharsets.UTF_8);

        assertThat(csv)
                .contains(",Amazon Web Services,")
                .contains(",AWS Lambda,")
                .contains(",Amazon DynamoDB,");
        assertThat(csv).doesNotContain("Aws:").doesNotContain("aws:AWS");
    }

    @Test
    void boardLine_oneMillionCalls_showsPerMillionAndTheTotalCostOfAi() {
        List<FocusCharge> charges = rows.focusCharges(Map.of(LocalDate.of(2026, 11, 1), 1_000_000L));

        String line = rows.boardLine(charges, 1_000_000, new BigDecimal("1200.00"));

        assertThat(line)
                .contains("estimated")
                .contains("78.93 for 1000000 calls")
                .contains("78.93 per million calls")
                .contains("1,278.93")
                .contains("us-east-1 list prices of 2026-12-03");
    }
}
