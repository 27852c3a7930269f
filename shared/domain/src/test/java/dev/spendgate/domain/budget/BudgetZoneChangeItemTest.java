package dev.spendgate.domain.budget;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/**
 * The items of a budget whose time zone changed: a new zone's period whose date the old zone's periods used is named
 * with its zone; every other item keeps its name, and a budget set again while that period runs keeps it so.
 */
class BudgetZoneChangeItemTest {
    private static final ZoneId TOKYO = ZoneId.of("Asia/Tokyo");

    private static BudgetPolicy daily(ZoneId zone, String limit) {
        return new BudgetPolicy(
                BudgetScope.parse("feature:chatbot"),
                BudgetPeriod.DAILY,
                new BigDecimal(limit),
                BudgetPolicy.Mode.BLOCK,
                null,
                null,
                zone);
    }

    private static String key(BudgetPolicy stored, String at) {
        Instant now = Instant.parse(at);
        return stored.inForceAt(now).itemKey("chatbot", now);
    }

    @Test
    void westward_onlyTheNewZonesDaysTheOldZoneUsed_areNamedApart_andSettingAgainKeepsThem() {
        BudgetPolicy tokyo = daily(TOKYO, "1.00");
        BudgetPolicy utc = daily(ZoneOffset.UTC, "1.00").replacing(tokyo, Instant.parse("2026-12-05T17:00:00Z"));

        assertThat(key(utc, "2026-12-06T14:00:00Z"))
                .as("the Tokyo day still in force")
                .isEqualTo("budget#feature:chatbot#daily#2026-12-06");
        assertThat(key(utc, "2026-12-06T15:30:00Z")).isEqualTo("budget#feature:chatbot#daily#2026-12-06@Z");
        assertThat(key(utc, "2026-12-07T00:30:00Z"))
                .as("a UTC day Tokyo never counted on keeps the usual name")
                .isEqualTo("budget#feature:chatbot#daily#2026-12-07");

        // the limit raised at 20:00 UTC, within the UTC day named apart: the day keeps its item, and no warning
        Instant raised = Instant.parse("2026-12-06T20:00:00Z");
        BudgetPolicy again = daily(ZoneOffset.UTC, "2.00").replacing(utc, raised);
        assertThat(key(again, "2026-12-06T21:00:00Z")).isEqualTo("budget#feature:chatbot#daily#2026-12-06@Z");
        assertThat(again.reshardWarning(utc, raised)).isEmpty();
        BudgetLedger ledger = InMemoryBudgetLedger.create();
        ledger.settle("budget#feature:chatbot#daily#2026-12-06@Z", BigDecimal.ZERO, new BigDecimal("0.25"));
        assertThat(BudgetStatus.ofPolicy(again, ledger, Instant.parse("2026-12-06T21:00:00Z"))
                        .spentUsd())
                .as("status reads the item the enforcer counts on")
                .isEqualByComparingTo("0.25");
    }

    @Test
    void eastward_noItemIsRenamed() {
        BudgetPolicy utc = daily(ZoneOffset.UTC, "1.00");
        BudgetPolicy tokyo = daily(TOKYO, "1.00").replacing(utc, Instant.parse("2026-12-05T20:00:00Z"));

        assertThat(key(tokyo, "2026-12-05T23:00:00Z")).isEqualTo("budget#feature:chatbot#daily#2026-12-05");
        assertThat(key(tokyo, "2026-12-06T01:00:00Z")).isEqualTo("budget#feature:chatbot#daily#2026-12-06");
    }
}
