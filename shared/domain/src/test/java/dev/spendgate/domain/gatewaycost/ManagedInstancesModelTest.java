package dev.spendgate.domain.gatewaycost;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spendgate.domain.gatewaycost.CallProfile.Delivery;
import java.math.BigDecimal;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class ManagedInstancesModelTest {
    private static final GatewayCostModel SERVICES = GatewayCostModel.create(AwsPrices.US_EAST_1);
    private static final ManagedInstancesPrices PRICES = ManagedInstancesPrices.US_EAST_1_M7G_LARGE;
    /** 3 instances, 2 ms CPU a call at a 50 % target, 32 calls per vCPU of 4 s, 3 NAT gateways, 16 KiB a call. */
    private static final ManagedInstancesModel.Fleet FLEET =
            new ManagedInstancesModel.Fleet(3, new BigDecimal("2"), new BigDecimal("0.5"), 32, 4_000, 3, 16_384);

    private static final ManagedInstancesModel MODEL = ManagedInstancesModel.create(SERVICES, PRICES, FLEET);
    private static final CallProfile ONE_BUDGET = CallProfile.measured(1, 4_053, 2048, true, Delivery.FIREHOSE);

    @Test
    void monthly_withinTheMinimumFleet_instancesFeeRequestsAndNatAtListPrices() {
        ManagedInstancesModel.Monthly month = MODEL.monthly(ONE_BUDGET, 10_000_000);

        assertThat(month.instances()).isEqualTo(3);
        // 3 x $0.0816 x 730 h, and 15 % of it
        assertThat(month.ec2Instances()).isEqualByComparingTo("178.704");
        assertThat(month.managementFee()).isEqualByComparingTo("26.8056");
        assertThat(month.lambdaRequests()).isEqualByComparingTo("2.00");
        // 3 gateways x $0.045 x 730 h, plus 10M x 16 KiB = 152.587890625 GiB at $0.045
        assertThat(month.natGateway())
                .isEqualByComparingTo(new BigDecimal("98.55").add(new BigDecimal("6.866455078125")));
        assertThat(month.otherServices())
                .doesNotContainKey(AwsService.LAMBDA)
                .containsEntry(
                        AwsService.API_GATEWAY,
                        SERVICES.cost(ONE_BUDGET, 10_000_000).of(AwsService.API_GATEWAY));
        BigDecimal others = month.otherServices().values().stream().reduce(BigDecimal.ZERO, BigDecimal::add);
        assertThat(month.total())
                .isEqualByComparingTo(new BigDecimal("178.704")
                        .add(new BigDecimal("26.8056"))
                        .add(new BigDecimal("2.00"))
                        .add(month.natGateway())
                        .add(others));
    }

    @Test
    void period_aDayAtAMonthsRate_billsTheFleetFor24HoursAndItsCalls() {
        // 42,048,000 calls per instance a month is 1,382,400 a day: 3 instances serve up to 4,147,200
        ManagedInstancesModel.Monthly day = MODEL.period(ONE_BUDGET, 1_000_000, BigDecimal.valueOf(24), 100);

        assertThat(day.instances()).isEqualTo(3);
        // 3 x $0.0816 x 24 h, 15 % of it, 1M requests at $0.20/M
        assertThat(day.ec2Instances()).isEqualByComparingTo("5.8752");
        assertThat(day.managementFee()).isEqualByComparingTo("0.88128");
        assertThat(day.lambdaRequests()).isEqualByComparingTo("0.20");
        assertThat(day.natGateway())
                .isEqualByComparingTo(new BigDecimal("3.24").add(new BigDecimal("0.6866455078125")));
        assertThat(MODEL.period(ONE_BUDGET, 4_147_201, BigDecimal.valueOf(24), 100)
                        .instances())
                .isEqualTo(4);
    }

    @Test
    void period_overAMonthsHoursUncapped_isTheMonthly() {
        for (long calls : new long[] {0, 10_000_000, 200_000_001}) {
            ManagedInstancesModel.Monthly month = MODEL.monthly(ONE_BUDGET, calls);
            ManagedInstancesModel.Monthly period =
                    MODEL.period(ONE_BUDGET, calls, ManagedInstancesModel.HOURS_PER_MONTH, Integer.MAX_VALUE);

            assertThat(period.instances()).isEqualTo(month.instances());
            assertThat(period.total()).isEqualByComparingTo(month.total());
        }
    }

    @Test
    void period_pastTheVCpuCeiling_capsTheInstances() {
        ManagedInstancesModel.Monthly day = MODEL.period(ONE_BUDGET, 100_000_000, BigDecimal.valueOf(24), 12);

        assertThat(day.instances()).isEqualTo(12);
        assertThat(day.ec2Instances()).isEqualByComparingTo("23.5008");
        assertThatThrownBy(() -> MODEL.period(ONE_BUDGET, 1, BigDecimal.ZERO, 12))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("hours");
    }

    @Test
    void perMillionCalls_moreCallsOnTheSameFleet_costLessPerCall() {
        BigDecimal at10m = MODEL.monthly(ONE_BUDGET, 10_000_000).perMillionCalls();
        BigDecimal at100m = MODEL.monthly(ONE_BUDGET, 100_000_000).perMillionCalls();

        assertThat(at100m).isLessThan(at10m);
    }

    @Test
    void instances_pastTheFleetsCapacity_oneMorePerInstancesWorthOfCalls() {
        long perInstance = MODEL.callsPerInstanceMonth();
        // slots bind here: 2 vCPU x 32 calls, each held 4 s, over 730 h = 42,048,000 calls
        assertThat(perInstance).isEqualTo(42_048_000L);

        assertThat(MODEL.instances(0)).isEqualTo(3);
        assertThat(MODEL.instances(3 * perInstance)).isEqualTo(3);
        assertThat(MODEL.instances(3 * perInstance + 1)).isEqualTo(4);
    }

    @Test
    void callsPerInstanceMonth_cpuHeavierThanTheSlots_cpuBinds() {
        ManagedInstancesModel cpuBound = ManagedInstancesModel.create(
                SERVICES,
                PRICES,
                new ManagedInstancesModel.Fleet(3, new BigDecimal("100"), new BigDecimal("0.5"), 32, 4_000, 3, 0));

        // 2 vCPU x 0.5 x 2,628,000 s / 0.1 s
        assertThat(cpuBound.callsPerInstanceMonth()).isEqualTo(26_280_000L);
    }

    @Test
    void smallestMonthlyCallsWithin_target_isTheFirstVolumeAtOrBelowIt() {
        BigDecimal target = new BigDecimal("25");

        long calls = MODEL.smallestMonthlyCallsWithin(ONE_BUDGET, target).orElseThrow();

        assertThat(MODEL.monthly(ONE_BUDGET, calls).perMillionCalls()).isLessThanOrEqualTo(target);
        assertThat(MODEL.monthly(ONE_BUDGET, calls - 1).perMillionCalls()).isGreaterThan(target);
    }

    @Test
    void smallestMonthlyCallsWithin_belowWhatEachCallCostsAnyway_noVolume() {
        // API Gateway alone is $3.50 per million calls
        assertThat(MODEL.smallestMonthlyCallsWithin(ONE_BUDGET, new BigDecimal("3.00")))
                .isEqualTo(OptionalLong.empty());
    }

    @Test
    void fleet_impossibleSizing_refusedNamingTheField() {
        assertThatThrownBy(() ->
                        new ManagedInstancesModel.Fleet(3, new BigDecimal("2"), new BigDecimal("1.5"), 32, 4_000, 3, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cpuTarget");
        assertThatThrownBy(() -> new ManagedInstancesModel.Fleet(3, BigDecimal.ZERO, BigDecimal.ONE, 32, 4_000, 3, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cpuMillisPerCall");
    }
}
