package dev.spendgate.domain.budget;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BudgetPeriodTest {
    private static final List<ZoneId> ZONES = List.of(
            ZoneOffset.UTC,
            ZoneOffset.ofHours(14),
            ZoneOffset.ofHoursMinutes(-9, -30),
            ZoneId.of("Europe/Berlin"),
            ZoneId.of("America/Los_Angeles"),
            ZoneId.of("Australia/Lord_Howe"));

    @Test
    void key_randomInstantsAndZones_isTheCalendarDayAndMonthThere() {
        Random random = new Random(13);
        for (int i = 0; i < 20_000; i++) {
            // years 0 to 10,500: the hand-formatted range and past it
            Instant now = Instant.ofEpochSecond(random.nextLong(-62_167_219_200L, 269_078_400_000L));
            ZoneId zone = ZONES.get(random.nextInt(ZONES.size()));
            LocalDate day = now.atZone(zone).toLocalDate();

            assertThat(BudgetPeriod.DAILY.key(now, zone))
                    .as("%s in %s", now, zone)
                    .isEqualTo(day.toString());
            assertThat(BudgetPeriod.MONTHLY.key(now, zone))
                    .as("%s in %s", now, zone)
                    .isEqualTo(String.format(Locale.ROOT, "%04d-%02d", day.getYear(), day.getMonthValue()));
        }
    }

    @Test
    void key_dailyAtMidnightInTheBudgetsZone_startsTheNextDay() {
        ZoneId berlin = ZoneId.of("Europe/Berlin");
        Instant midnight = Instant.parse("2026-11-30T23:00:00Z"); // 00:00 on 1 December in Berlin

        assertThat(BudgetPeriod.DAILY.key(midnight.minusNanos(1), berlin)).isEqualTo("2026-11-30");
        assertThat(BudgetPeriod.DAILY.key(midnight, berlin)).isEqualTo("2026-12-01");
        assertThat(BudgetPeriod.MONTHLY.key(midnight, berlin)).isEqualTo("2026-12");
        assertThat(BudgetPeriod.LIFETIME.key(midnight, berlin)).isEqualTo("lifetime");
    }
}
