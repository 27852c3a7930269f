package dev.spendgate.function.proxy.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * A budget first set within its period (the admin API's {@code counting_from}) is paced over the part of the period it
 * counts, and its forecast says since when: before the 20th of December its ledger holds nothing.
 */
class BudgetsViewCountingSinceTest {
    private static final Instant DEC_22 = Instant.parse("2026-12-22T00:00:00Z");

    private static JsonNode budget(String json) throws Exception {
        return AdminCall.JSON.readTree(json);
    }

    @Test
    void pace_budgetSetOnThe20th_isTheShareOfItsOwnPartOfTheMonthGoneBy() throws Exception {
        JsonNode b = budget("{\"period\":\"monthly\",\"time_zone\":\"Z\",\"time_zone_in_force\":\"Z\","
                + "\"counting_from\":\"2026-12-20T00:00:00Z\"}");

        // 2 of the 12 days from the 20th to the month's end; 20 % used ($100 of $500) is ahead of that pace
        assertThat(BudgetsView.pace(b, DEC_22)).isEqualByComparingTo("16.7");
        assertThat(BudgetsView.countingSince(b)).isEqualTo(" (counting since 2026-12-20T00:00:00Z)");
    }

    @Test
    void pace_budgetOlderThanItsPeriod_isTheShareOfTheMonthGoneBy() throws Exception {
        JsonNode b = budget("{\"period\":\"monthly\",\"time_zone\":\"Z\",\"time_zone_in_force\":\"Z\"}");

        assertThat(BudgetsView.pace(b, DEC_22)).isEqualByComparingTo("67.7");
        assertThat(BudgetsView.countingSince(b)).isEmpty();
    }
}
