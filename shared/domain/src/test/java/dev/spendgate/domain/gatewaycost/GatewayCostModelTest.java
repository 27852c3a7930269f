package dev.spendgate.domain.gatewaycost;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spendgate.domain.gatewaycost.CallProfile.Delivery;
import dev.spendgate.domain.gatewaycost.GatewayCostModel.Breakdown;
import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

class GatewayCostModelTest {
    private final GatewayCostModel model = GatewayCostModel.create(AwsPrices.US_EAST_1);

    @Test
    void perMillionCalls_fourSecondsOneBudgetAsDeployedToday_eachServiceAtItsListPrice() {
        // 1024 MB x86_64, 4 s billed, one budget, one S3 object per call: the stack's defaults
        Breakdown b = model.perMillionCalls(CallProfile.measured(1, 4_000, 1024, false, Delivery.S3_OBJECT_PER_CALL));

        assertThat(b.of(AwsService.API_GATEWAY)).isEqualByComparingTo("3.50");
        // 1,000,000 x 4 s x 1 GB = 4,000,000 GB-s x $0.0000166667 = $66.6668, plus $0.20 of requests
        assertThat(b.of(AwsService.LAMBDA)).isEqualByComparingTo("66.8668");
        // 8 write units (2 of them the journal entry's index writes) x $0.625 + 0.5 read units x $0.125
        assertThat(b.of(AwsService.DYNAMODB)).isEqualByComparingTo("5.0625");
        assertThat(b.of(AwsService.S3)).isEqualByComparingTo("5.00");
        assertThat(b.of(AwsService.FIREHOSE)).isZero();
        // 0.0001 GetSecretValue per call: 100 calls x $0.05 / 10,000
        assertThat(b.of(AwsService.SECRETS_MANAGER)).isEqualByComparingTo("0.0005");
        // 815 bytes x 1,000,000 / 2^30 x $0.50
        assertThat(Breakdown.cents(b.of(AwsService.CLOUDWATCH_LOGS))).isEqualByComparingTo("0.38");
        assertThat(Breakdown.cents(b.total())).isEqualByComparingTo("80.81");
    }

    @Test
    void perMillionCalls_budgets_addTwoWritesEachAfterTheJournal() {
        BigDecimal none = dynamo(0);
        BigDecimal one = dynamo(1);
        BigDecimal three = dynamo(3);

        assertThat(none).isEqualByComparingTo("0.0625");
        // journal put, confirmation, settled mark and delete, the entry's put into and delete from the expiry index,
        // reserve, settle
        assertThat(one.subtract(none)).isEqualByComparingTo("5.00");
        assertThat(three.subtract(one)).isEqualByComparingTo("2.50"); // two more budgets, two writes each
    }

    @Test
    void perMillionCalls_firehoseRecord_billedAsFiveKilobytes() {
        Breakdown b = model.perMillionCalls(CallProfile.measured(1, 4_000, 1024, false, Delivery.FIREHOSE));

        // ingestion: 1,000,000 records x 5,120 bytes / 2^30 x $0.029 = $0.138283; dynamic partitioning: 1,150 bytes
        // delivered each / 2^30 x $0.02 = $0.021420, and 1 ms of JQ each (assumed) = 1,000 s x $0.07 / 3,600 s =
        // $0.019444
        assertThat(b.of(AwsService.FIREHOSE).setScale(6, java.math.RoundingMode.HALF_UP))
                .isEqualByComparingTo("0.179148");
        assertThat(b.of(AwsService.S3)).isZero();
    }

    @Test
    void firehoseObjectsMonthly_fifteenMinuteBuffer_fiveObjectsAnHourAtTheObjectPrice() {
        // 4 buffers an hour plus the next hour's partition once an hour: 5 x 730 hours = 3,650 objects x $0.005 / 1,000
        assertThat(model.firehoseObjectsMonthly(900)).isEqualByComparingTo("0.01825");
        // 60 s: 61 x 730 = 44,530 objects
        assertThat(model.firehoseObjectsMonthly(60)).isEqualByComparingTo("0.22265");
    }

    @Test
    void perMillionCalls_arm64_durationAtTheArmPrice() {
        CallProfile x86 = CallProfile.measured(1, 4_000, 512, false, Delivery.FIREHOSE);

        BigDecimal armLambda = model.perMillionCalls(x86.resized(512, true)).of(AwsService.LAMBDA);

        // 2,000,000 GB-s x $0.0000133334 + $0.20
        assertThat(armLambda).isEqualByComparingTo("26.8668");
    }

    @Test
    void cost_calls_scalesLinearlyAndSumsToTheTotal() {
        CallProfile p = CallProfile.measured(3, 2_500, 1024, false, Delivery.S3_OBJECT_PER_CALL);

        Breakdown month = model.cost(p, 2_000_000);

        // exact but for the bytes-to-GB and ms-to-s divisions, carried to 20 digits
        assertThat(month.total().setScale(10, java.math.RoundingMode.HALF_UP))
                .isEqualByComparingTo(model.perMillionCalls(p)
                        .total()
                        .multiply(BigDecimal.valueOf(2))
                        .setScale(10, java.math.RoundingMode.HALF_UP));
        assertThat(month.usd().values().stream().reduce(BigDecimal.ZERO, BigDecimal::add))
                .isEqualByComparingTo(month.total());
    }

    @Test
    void measured_negativeBudgets_refusedNamingTheField() {
        assertThatThrownBy(() -> CallProfile.measured(-1, 4_000, 1024, false, Delivery.FIREHOSE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("budgets");
    }

    private BigDecimal dynamo(int budgets) {
        return model.perMillionCalls(CallProfile.measured(budgets, 4_000, 1024, false, Delivery.S3_OBJECT_PER_CALL))
                .of(AwsService.DYNAMODB);
    }
}
