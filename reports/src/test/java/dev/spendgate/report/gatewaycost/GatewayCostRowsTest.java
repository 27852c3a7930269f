package dev.spendgate.report.gatewaycost;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.gatewaycost.AwsPrices;
import dev.spendgate.domain.gatewaycost.CallProfile;
import dev.spendgate.domain.gatewaycost.GatewayCostModel;
import dev.spendgate.domain.gatewaycost.ManagedInstancesModel;
import dev.spendgate.domain.gatewaycost.ManagedInstancesPrices;
import dev.spendgate.domain.report.FocusCharge;
import dev.spendgate.report.focus.FocusCsvWriter;
import java.math.BigDecimal;
import java.math.RoundingMode;
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
    /** The calls' rows alone: a stack given existing secrets (no Secrets Manager monthly fee). */
    private final GatewayCostRows rows = new GatewayCostRows(profile, model, null, new SecretsFee(0), new KmsKeyFee(0));

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
                .contains("80.81 for 1000000 calls")
                .contains("80.81 per million calls")
                .contains("1,280.81")
                .contains("us-east-1 list prices of 2026-12-03")
                .contains("assuming 1 budget a call (the records do not say how many), 0.5 DynamoDB read units a"
                        + " call, one cold start per 10,000 calls");
        assertThat(rows.basis()).contains("assumed: 1 budget a call");
        assertThat(charges)
                .filteredOn(c -> c.provider().endsWith("Amazon DynamoDB"))
                .singleElement()
                .satisfies(c -> assertThat(c.note()).contains("assuming 1 budget a call and 0.5 DynamoDB read units"));
    }

    /**
     * The line's total is the exact sum rounded once (as the FOCUS file totals it), and the amounts it names are shown
     * so that they add up to it (largest remainder).
     */
    @Test
    void boardLine_amountsEndingInHalfACent_totalIsTheExactSumAndThePartsAddUp() {
        List<FocusCharge> charges = rows.focusCharges(Map.of(LocalDate.of(2026, 11, 1), 1_000_000L));
        BigDecimal own = GatewayCostRows.total(charges);
        // AI spend whose part of a cent makes the rounded parts and the rounded exact sum differ by a cent
        BigDecimal fraction = own.remainder(new BigDecimal("0.01"));
        BigDecimal half = new BigDecimal("0.005");
        BigDecimal ai = new BigDecimal("1234.56").add(fraction.compareTo(half) >= 0 ? half : half.subtract(fraction));
        BigDecimal total = ai.add(own).setScale(2, java.math.RoundingMode.HALF_UP);
        assertThat(total)
                .as("the case: the exact sum rounds to another cent than the sum of the rounded parts")
                .isNotEqualByComparingTo(ai.setScale(2, java.math.RoundingMode.HALF_UP)
                        .add(own.setScale(2, java.math.RoundingMode.HALF_UP)));

        String line = rows.boardLine(charges, 1_000_000, ai);

        java.util.regex.Matcher shown = java.util.regex.Pattern.compile(
                        "\\$([0-9,.]+) for 1000000 calls.* With the \\$([0-9,.]+) of AI spend, the total cost of AI is"
                                + " \\$([0-9,.]+)\\.")
                .matcher(line);
        assertThat(shown.find()).as(line).isTrue();
        BigDecimal ownShown = new BigDecimal(shown.group(1).replace(",", ""));
        BigDecimal aiShown = new BigDecimal(shown.group(2).replace(",", ""));
        assertThat(new BigDecimal(shown.group(3).replace(",", ""))).isEqualByComparingTo(total);
        assertThat(ownShown.add(aiShown)).isEqualByComparingTo(total);
        assertThat(ownShown.subtract(own).abs()).isLessThan(new BigDecimal("0.01"));
        assertThat(aiShown.subtract(ai).abs()).isLessThan(new BigDecimal("0.01"));
    }

    /** With provider bills the line's total is the FOCUS total: metered, billed beyond it and the estimate, named. */
    @Test
    void boardLine_withProviderBills_totalNamesMeteredBilledBeyondAndEstimate() {
        List<FocusCharge> charges = rows.focusCharges(Map.of(LocalDate.of(2026, 11, 1), 1_000L));
        BigDecimal own = GatewayCostRows.total(charges);
        BigDecimal metered = new BigDecimal("119.544");
        BigDecimal beyond = new BigDecimal("13.725");

        String line = rows.boardLine(charges, 1_000, metered, beyond);

        BigDecimal total = metered.add(beyond).add(own).setScale(2, RoundingMode.HALF_UP);
        assertThat(line)
                .contains("of AI spend metered by the gateway")
                .contains("billed by the providers beyond the metering")
                .contains("the total cost of AI is " + dev.spendgate.domain.report.Money.usd(total))
                .contains("BilledCost total");
        java.util.regex.Matcher parts = java.util.regex.Pattern.compile(
                        "\\$([0-9,.]+) for 1000 calls.* With the \\$([0-9,.]+) of AI spend metered by the gateway and"
                                + " \\$([0-9,.]+) billed")
                .matcher(line);
        assertThat(parts.find()).as(line).isTrue();
        assertThat(new BigDecimal(parts.group(1))
                        .add(new BigDecimal(parts.group(2)))
                        .add(new BigDecimal(parts.group(3))))
                .isEqualByComparingTo(total);
    }

    /**
     * Secrets Manager bills each secret by the month ($0.40), whatever the calls: the stack's two secrets on every day
     * from the first day with calls to the last, a whole month $0.80, a day 1/30 of that in November, 1/28 in February.
     */
    @Test
    void focusCharges_stacksSecrets_monthlyFeeOnEveryDayOfTheSpan() {
        GatewayCostRows stack = new GatewayCostRows(profile, model);
        Map<LocalDate, Long> ends = Map.of(LocalDate.of(2026, 11, 1), 10L, LocalDate.of(2026, 11, 30), 10L);

        List<FocusCharge> fee = stack.focusCharges(ends).stream()
                .filter(c -> c.note().contains("secrets the stack creates"))
                .toList();

        assertThat(fee).hasSize(30).allSatisfy(c -> {
            assertThat(c.provider()).isEqualTo("aws:AWS Secrets Manager");
            assertThat(c.tags()).containsEntry("x_Estimated", "true");
            assertThat(c.note())
                    .startsWith("gateway_aws_estimate: estimated, not billed")
                    .contains("$0.40");
        });
        assertThat(GatewayCostRows.total(fee).setScale(2, RoundingMode.HALF_UP)).isEqualByComparingTo("0.80");
        assertThat(stack.basis()).contains("2 secrets the stack creates at $0.40 a month each");

        List<FocusCharge> february = stack.focusCharges(Map.of(LocalDate.of(2027, 2, 10), 10L)).stream()
                .filter(c -> c.note().contains("secrets the stack creates"))
                .toList();
        assertThat(february).singleElement().satisfies(c -> assertThat(c.billedCost())
                .isEqualByComparingTo(new BigDecimal("0.80").divide(BigDecimal.valueOf(28), 10, RoundingMode.HALF_UP)));
        assertThat(new GatewayCostRows(profile, model, null, new SecretsFee(0), new KmsKeyFee(0)).focusCharges(ends))
                .noneMatch(c -> c.note().contains("secrets the stack creates"));
    }

    /** The proxy on managed instances as the report runner prices it: 3 m7g.large at least, no NAT counted. */
    private final CallProfile lmiCall = CallProfile.measured(1, 4_000, 2048, true, CallProfile.Delivery.FIREHOSE);

    private final ManagedInstancesModel lmi = ManagedInstancesModel.create(
            model,
            ManagedInstancesPrices.US_EAST_1_M7G_LARGE,
            new ManagedInstancesModel.Fleet(3, new BigDecimal("13.6"), new BigDecimal("0.5"), 32, 4_000, 0, 0));
    private final GatewayCostRows managed = new GatewayCostRows(
            lmiCall,
            model,
            new GatewayCostRows.ManagedFleet(lmi, 12, "the deployment's instance type"),
            new SecretsFee(0),
            new KmsKeyFee(0));

    @Test
    void focusCharges_managedInstances_fleetEveryDayOfTheSpanFeeAndRequestsToTheCent() {
        // calls on the 1st and the 30th only: the fleet still runs the 28 days between
        Map<LocalDate, Long> calls =
                Map.of(LocalDate.of(2026, 11, 1), 1_000_000L, LocalDate.of(2026, 11, 30), 1_000_000L);

        List<FocusCharge> charges = managed.focusCharges(calls);

        // 30 days x 3 instances x $0.0816 x 24 h = $176.256, plus the 15 % fee ($26.4384); 2M requests at $0.20/M;
        // per 1M calls the other services: API Gateway $3.50, DynamoDB 8 writes (2 to the index) + 0.5 reads $5.0625,
        // Firehose
        // 5 KB a record $0.1382827758789... plus dynamic partitioning (1,100 bytes delivered a record at $0.02/GB and
        // 1 ms of JQ a record at $0.07/h), Secrets Manager $0.0005, logs 815 bytes $0.3795139491558...
        BigDecimal fleet = new BigDecimal("176.256").add(new BigDecimal("26.4384"));
        BigDecimal others = new BigDecimal("3.50")
                .add(new BigDecimal("5.0625"))
                .add(new BigDecimal("5120000000")
                        .divide(BigDecimal.valueOf(1L << 30))
                        .multiply(new BigDecimal("0.029")))
                .add(new BigDecimal("1100000000")
                        .divide(BigDecimal.valueOf(1L << 30), java.math.MathContext.DECIMAL128)
                        .multiply(new BigDecimal("0.02")))
                .add(new BigDecimal("1000000")
                        .divide(new BigDecimal("3600000"), java.math.MathContext.DECIMAL128)
                        .multiply(new BigDecimal("0.07")))
                .add(new BigDecimal("0.0005"))
                .add(new BigDecimal("815000000")
                        .divide(BigDecimal.valueOf(1L << 30))
                        .multiply(new BigDecimal("0.50")))
                .multiply(BigDecimal.valueOf(2));
        BigDecimal expected = fleet.add(new BigDecimal("0.40")).add(others);
        assertThat(expected.setScale(2, RoundingMode.HALF_UP)).isEqualByComparingTo("221.34");
        assertThat(GatewayCostRows.total(charges).setScale(2, RoundingMode.HALF_UP))
                .isEqualByComparingTo(expected.setScale(2, RoundingMode.HALF_UP));
        // and the same as the model, day by day
        BigDecimal byModel = BigDecimal.ZERO;
        for (LocalDate d = LocalDate.of(2026, 11, 1); !d.isAfter(LocalDate.of(2026, 11, 30)); d = d.plusDays(1)) {
            byModel = byModel.add(lmi.period(lmiCall, calls.getOrDefault(d, 0L), BigDecimal.valueOf(24), 12)
                    .total());
        }
        assertThat(GatewayCostRows.total(charges).setScale(6, RoundingMode.HALF_UP))
                .isEqualByComparingTo(byModel.setScale(6, RoundingMode.HALF_UP));
        // no Lambda duration: 30 days of EC2 and Lambda (fee) rows, five other services on the two days with calls
        assertThat(charges).hasSize(30 * 2 + 2 * 5);
        assertThat(charges)
                .filteredOn(c -> c.provider().equals("aws:" + GatewayCostRows.EC2_SERVICE))
                .hasSize(30)
                .allSatisfy(c -> assertThat(c.billedCost()).isEqualByComparingTo("5.8752"));
        assertThat(charges).allSatisfy(c -> {
            assertThat(c.tags()).containsEntry("x_Estimated", "true");
            assertThat(c.note())
                    .startsWith("gateway_aws_estimate: estimated, not billed")
                    .contains("on Lambda Managed Instances (3 x m7g.large at $0.0816/h for 24 h");
        });
        assertThat(managed.computeMode()).isEqualTo("managed-instances");
        assertThat(managed.basis())
                .contains("m7g.large")
                .contains("15 % management fee")
                .contains("$0.20");
    }

    @Test
    void focusCharges_managedInstancesPastTheVCpuCeiling_instancesCapped() {
        // 10M calls in a day would need 8 instances; the ceiling allows 4
        GatewayCostRows capped = new GatewayCostRows(
                lmiCall, model, new GatewayCostRows.ManagedFleet(lmi, 4, "the deployment's instance type"));

        List<FocusCharge> charges = capped.focusCharges(Map.of(LocalDate.of(2026, 11, 1), 10_000_000L));

        assertThat(charges)
                .filteredOn(c -> c.provider().equals("aws:" + GatewayCostRows.EC2_SERVICE))
                .singleElement()
                .satisfies(c -> assertThat(c.billedCost()).isEqualByComparingTo("7.8336"));
    }

    @Test
    void focusCharges_standardLambda_unchangedByTheManagedMode() {
        Map<LocalDate, Long> calls = Map.of(LocalDate.of(2026, 11, 1), 1_000_000L, LocalDate.of(2026, 11, 30), 5L);

        List<FocusCharge> charges =
                new GatewayCostRows(lmiCall, model, null, new SecretsFee(0), new KmsKeyFee(0)).focusCharges(calls);

        // only the two days with calls, Lambda duration priced, no EC2 row, the description as before
        assertThat(charges)
                .extracting(FocusCharge::day)
                .containsOnly(LocalDate.of(2026, 11, 1), LocalDate.of(2026, 11, 30));
        assertThat(charges).noneMatch(c -> c.provider().contains(GatewayCostRows.EC2_SERVICE));
        assertThat(GatewayCostRows.total(charges).setScale(6, RoundingMode.HALF_UP))
                .isEqualByComparingTo(model.cost(lmiCall, 1_000_000)
                        .total()
                        .add(model.cost(lmiCall, 5).total())
                        .setScale(6, RoundingMode.HALF_UP));
        assertThat(charges.get(0).note())
                .isEqualTo("gateway_aws_estimate: estimated, not billed: Spendgate's own Amazon API Gateway for 1000000"
                        + " calls, from counted operations at list price us-east-1 2026-12-03");
    }
}
