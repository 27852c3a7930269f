package dev.spendgate.function.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.report.FocusCharge;
import dev.spendgate.report.gatewaycost.GatewayCostRows;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Brief: "Figures shown to finance say where they come from and what data quality they rest on". README "The gateway's
 * own AWS cost": the rows are estimates, `data-quality.json` "says what the rows rest on" (`basis`), and the report
 * runner takes `SPENDGATE_GATEWAY_COST_BUDGETS_PER_CALL` (default 1) as an assumption: the records do not say how many
 * budgets each call touched. That assumption decides the DynamoDB rows (README table: $0.06 per million calls with no
 * budget, $3.81 with one, $6.31 with three), yet neither the basis (data-quality.json, rows), nor the FOCUS rows'
 * description, nor the board line names it: with 3 budgets a call assumed, 1M calls show DynamoDB $6.31 and nothing
 * tells finance that figure assumes 3 budgets on every call (nor that 0.5 read units a call were assumed).
 */
class GatewayCostBasisAssumptionsReviewTest {
    @Test
    void rows_budgetsPerCallAssumed_basisAndRowsSaySo() {
        GatewayCostRows rows = GatewayCostSettings.fromEnv(Map.of(
                        "SPENDGATE_PROXY_MEMORY_MB", "1024",
                        "SPENDGATE_GATEWAY_COST_BUDGETS_PER_CALL", "3"))
                .rows();
        List<FocusCharge> charges = rows.focusCharges(Map.of(LocalDate.of(2026, 11, 2), 1_000_000L));
        FocusCharge dynamoDb = charges.stream()
                .filter(c -> c.provider().endsWith("Amazon DynamoDB"))
                .findFirst()
                .orElseThrow();
        // 12 writes, 2 of them the journal entry's index writes ($7.50), and 0.5 reads ($0.0625) a call with three
        // budgets
        assertThat(dynamoDb.billedCost()).isEqualByComparingTo(new BigDecimal("7.5625"));

        assertThat(rows.basis()).as("data-quality.json basis").containsIgnoringCase("3 budgets");
        assertThat(dynamoDb.note()).as("the DynamoDB row's description").containsIgnoringCase("3 budgets");
    }
}
