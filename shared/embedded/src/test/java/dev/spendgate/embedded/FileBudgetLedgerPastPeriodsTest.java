package dev.spendgate.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random attribution values under a {@code run:*} budget each get an item per period: the ledger file drops the items
 * of periods long over (nothing reserved on them) instead of rewriting them every second for ever.
 */
class FileBudgetLedgerPastPeriodsTest {
    @TempDir
    Path dir;

    @Test
    void flush_itemsOfPeriodsLongOver_areDroppedAndCurrentOnesKept() {
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        String oldDay = "budget#run:r-1#daily#" + today.minusDays(10);
        String oldMonth = "budget#run:r-1#monthly#" + YearMonth.from(today).minusMonths(3);
        String oldShard = "budget#global:*#monthly#" + YearMonth.from(today).minusMonths(3) + "#shard-2";
        String oldButReserved = "budget#run:r-2#daily#" + today.minusDays(10);
        String yesterday = "budget#run:r-3#daily#" + today.minusDays(1);
        String lastMonth = "budget#run:r-3#monthly#" + YearMonth.from(today).minusMonths(1);
        String lifetime = "budget#run:r-4#lifetime#lifetime";
        Path file = dir.resolve("ledger.json");
        try (FileBudgetLedger ledger = new FileBudgetLedger(file)) {
            for (String key : new String[] {oldDay, oldMonth, oldShard, yesterday, lastMonth, lifetime}) {
                ledger.settle(key, BigDecimal.ZERO, new BigDecimal("0.25"));
            }
            ledger.reserve(oldButReserved, BigDecimal.TEN, new BigDecimal("0.5")); // a call still open on it

            ledger.flush();

            assertThat(FileBudgetLedger.readSnapshot(file))
                    .containsOnlyKeys(oldButReserved, yesterday, lastMonth, lifetime);
            assertThat(ledger.state(oldDay)).isEmpty();
        }
    }

    @Test
    void isPast_keysOfOtherShapes_areKept() {
        LocalDate today = LocalDate.parse("2026-12-05");
        assertThat(PastPeriodItems.isPast("budget#feature:a#b#daily#2026-12-01", today))
                .as("a value holding '#'")
                .isTrue();
        assertThat(PastPeriodItems.isPast("budget#feature:a#daily#2026-12-03", today))
                .as("two days ago: a zone far ahead of UTC may still settle on it")
                .isFalse();
        assertThat(PastPeriodItems.isPast("budget#feature:a#daily#not-a-date", today))
                .isFalse();
        assertThat(PastPeriodItems.isPast("rate#key_1#2020-01-01", today)).isFalse();
        assertThat(PastPeriodItems.isPast("budget#feature:a#daily#2026-12-01@Z#shard-2", today))
                .as("a new zone's day named apart from the old zone's")
                .isTrue();
        assertThat(PastPeriodItems.isPast("budget#feature:a#monthly#2026-12@America/New_York", today))
                .isFalse();
    }
}
