package dev.spendgate.function.proxy.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

/**
 * The Budgets page names the zone each budget's period is counted in (the admin API's {@code time_zone_in_force}), so a
 * Los Angeles "2026-12" does not read as the UTC month the Spend page and the reports count.
 */
class BudgetsViewZoneTest {
    private static JsonNode budget(String json) throws Exception {
        return AdminCall.JSON.readTree(json);
    }

    @Test
    void zone_defaultUtc_readsUtcNotTheOffsetId() throws Exception {
        assertThat(BudgetsView.zone(
                        budget("{\"period\":\"monthly\",\"time_zone\":\"Z\",\"time_zone_in_force\":\"Z\"}")))
                .isEqualTo(" (UTC)");
    }

    @Test
    void zone_changeWaitingForThePeriodsEnd_namesTheZoneInForceAndTheNextOne() throws Exception {
        assertThat(BudgetsView.zone(budget("{\"period\":\"monthly\",\"time_zone\":\"America/Los_Angeles\","
                        + "\"time_zone_in_force\":\"Z\"}")))
                .isEqualTo(" (UTC; America/Los_Angeles from the next period)");
    }

    @Test
    void zone_lifetimeBudget_hasNoPeriodToName() throws Exception {
        assertThat(
                        BudgetsView.zone(
                                budget(
                                        "{\"period\":\"lifetime\",\"time_zone\":\"Europe/Berlin\",\"time_zone_in_force\":\"Europe/Berlin\"}")))
                .isEmpty();
    }
}
