package dev.spendgate.function.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.report.FocusCharge;
import dev.spendgate.report.gatewaycost.GatewayCostRows;
import java.time.LocalDate;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * README "On Lambda Managed Instances", Cost: "32 calls in flight per vCPU (Lambda's Java default) each held 4,053 ms,
 * so an m7g.large serves 41.5 million calls a month"; and the report prices the fleet "at least three, more when the
 * day's calls need them at the table's sizing". A call holds its slot for the LLM call's 4,000 ms plus the gateway's
 * own 53 ms (GatewayCostTable: {@code callMs + ADDED_MS_1024}). The report runner sizes the fleet with the LLM call's
 * 4,000 ms alone (GatewayCostSettings#rows: {@code Math.max(1, meanCallMillis)}), i.e. 42.0 million calls an instance
 * a month, so on a busy day it prices one instance fewer than the README's sizing needs.
 */
class ManagedFleetHoldTimeReviewTest {

    @Test
    void rows_busyDayOnManagedInstances_sizesTheFleetAtTheTablesHoldTime() {
        GatewayCostSettings settings = GatewayCostSettings.fromEnv(Map.of(
                "SPENDGATE_PROXY_MEMORY_MB", "2048",
                "SPENDGATE_PROXY_ARCHITECTURE", "arm64",
                "SPENDGATE_PROXY_COMPUTE", "managed-instances",
                "SPENDGATE_PROXY_INSTANCE_TYPE", "m7g.large",
                "SPENDGATE_PROXY_MAX_VCPUS", "24"));
        // 4.1 million calls in a day: at 41,498,149 calls an instance a month (2 vCPU x 32 slots x 730 h / 4,053 ms)
        // a day's instance serves 1,364,323, so the day needs 4 instances (3 serve 4,092,969)
        Map<LocalDate, Long> day = Map.of(LocalDate.of(2026, 11, 2), 4_100_000L);

        var charges = settings.rows().focusCharges(day);

        FocusCharge ec2 = charges.stream()
                .filter(c -> c.provider().endsWith(GatewayCostRows.EC2_SERVICE))
                .findFirst()
                .orElseThrow();
        // 4 x $0.0816 x 24 h
        assertThat(ec2.billedCost()).isEqualByComparingTo("7.8336");
    }

    /** A deployment set to 16 calls an environment (2048 MB: one vCPU) needs twice the slots: 7 instances, not 4. */
    @Test
    void rows_deploymentsConcurrencyPerEnvironment_sizesTheFleet() {
        GatewayCostSettings settings = GatewayCostSettings.fromEnv(Map.of(
                "SPENDGATE_PROXY_MEMORY_MB", "2048",
                "SPENDGATE_PROXY_ARCHITECTURE", "arm64",
                "SPENDGATE_PROXY_COMPUTE", "managed-instances",
                "SPENDGATE_PROXY_INSTANCE_TYPE", "m7g.large",
                "SPENDGATE_PROXY_MAX_VCPUS", "24",
                "SPENDGATE_PROXY_CONCURRENCY_PER_ENVIRONMENT", "16"));
        // 2 vCPU x 16 slots x 86,400 s / 4.053 s = 682,161 calls an instance a day: 4.1 million need 7
        var charges = settings.rows().focusCharges(Map.of(LocalDate.of(2026, 11, 2), 4_100_000L));

        FocusCharge ec2 = charges.stream()
                .filter(c -> c.provider().endsWith(GatewayCostRows.EC2_SERVICE))
                .findFirst()
                .orElseThrow();
        // 7 x $0.0816 x 24 h
        assertThat(ec2.billedCost()).isEqualByComparingTo("13.7088");
    }
}
