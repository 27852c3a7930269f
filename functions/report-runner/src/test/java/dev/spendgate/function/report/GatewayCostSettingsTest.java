package dev.spendgate.function.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spendgate.domain.report.FocusCharge;
import dev.spendgate.report.gatewaycost.GatewayCostRows;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The report runner reads the compute the stack deployed and prices that, naming any bad setting. */
class GatewayCostSettingsTest {
    private static final Map<LocalDate, Long> ONE_DAY = Map.of(LocalDate.of(2026, 11, 1), 1_000L);

    @Test
    void fromEnv_managedInstancesAsTheStackSetsThem_pricesTheFleetCappedByTheVCpus() {
        GatewayCostSettings settings = GatewayCostSettings.fromEnv(Map.of(
                "SPENDGATE_PROXY_MEMORY_MB", "2048",
                "SPENDGATE_PROXY_ARCHITECTURE", "arm64",
                "SPENDGATE_PROXY_COMPUTE", "managed-instances",
                "SPENDGATE_PROXY_INSTANCE_TYPE", "m7g.large",
                "SPENDGATE_PROXY_MAX_VCPUS", "24"));

        GatewayCostRows rows = settings.rows();

        assertThat(rows.computeMode()).isEqualTo("managed-instances");
        // 24 vCPUs of two-vCPU m7g.large: at most 12 instances
        assertThat(rows.managed().maxInstances()).isEqualTo(12);
        assertThat(rows.managed().pricedAs()).isEqualTo("the deployment's instance type");
        List<FocusCharge> charges = rows.focusCharges(ONE_DAY);
        assertThat(charges)
                .filteredOn(c -> c.provider().endsWith(GatewayCostRows.EC2_SERVICE))
                .singleElement()
                .satisfies(c -> assertThat(c.billedCost()).isEqualByComparingTo("5.8752"));
    }

    @Test
    void fromEnv_managedInstancesChosenByLambdaOrUnpricedType_saysWhatItPricedInstead() {
        GatewayCostSettings chosen = GatewayCostSettings.fromEnv(Map.of(
                "SPENDGATE_PROXY_MEMORY_MB", "2048",
                "SPENDGATE_PROXY_COMPUTE", "managed-instances",
                "SPENDGATE_PROXY_MAX_VCPUS", "24"));
        GatewayCostSettings other = GatewayCostSettings.fromEnv(Map.of(
                "SPENDGATE_PROXY_MEMORY_MB", "2048",
                "SPENDGATE_PROXY_COMPUTE", "managed-instances",
                "SPENDGATE_PROXY_INSTANCE_TYPE", "c7g.xlarge",
                "SPENDGATE_PROXY_MAX_VCPUS", "24"));

        assertThat(chosen.rows().basis()).contains("instance type chosen by Lambda, priced as m7g.large");
        assertThat(other.rows().basis()).contains("allows c7g.xlarge, which has no list price in Spendgate");
    }

    @Test
    void fromEnv_standardLambdaOrNoComputeSetting_pricesLambdaDuration() {
        for (Map<String, String> env : List.of(
                Map.of("SPENDGATE_PROXY_MEMORY_MB", "1024"),
                Map.of("SPENDGATE_PROXY_MEMORY_MB", "1024", "SPENDGATE_PROXY_COMPUTE", "lambda"))) {
            GatewayCostRows rows = GatewayCostSettings.fromEnv(env).rows();

            assertThat(rows.managed()).isNull();
            assertThat(rows.focusCharges(ONE_DAY)).noneMatch(c -> c.provider().endsWith(GatewayCostRows.EC2_SERVICE));
        }
    }

    @Test
    void fromEnv_badComputeSettings_failNamingTheVariable() {
        assertThatThrownBy(() -> GatewayCostSettings.fromEnv(
                        Map.of("SPENDGATE_PROXY_MEMORY_MB", "2048", "SPENDGATE_PROXY_COMPUTE", "ec2")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("SPENDGATE_PROXY_COMPUTE");
        assertThatThrownBy(() -> GatewayCostSettings.fromEnv(
                        Map.of("SPENDGATE_PROXY_MEMORY_MB", "2048", "SPENDGATE_PROXY_COMPUTE", "managed-instances")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("SPENDGATE_PROXY_MAX_VCPUS");
        assertThatThrownBy(() -> GatewayCostSettings.fromEnv(Map.of(
                        "SPENDGATE_PROXY_MEMORY_MB", "2048",
                        "SPENDGATE_PROXY_COMPUTE", "managed-instances",
                        "SPENDGATE_PROXY_MAX_VCPUS", "lots")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("SPENDGATE_PROXY_MAX_VCPUS");
    }
}
