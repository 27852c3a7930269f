package dev.spendgate.domain.usage;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class UsageLayoutTest {
    @Test
    void hourPrefix_singleDigitFields_zeroPaddedForAthenaPartitions() {
        assertThat(UsageLayout.hourPrefix(Instant.parse("2027-01-05T03:59:59.999Z")))
                .isEqualTo("usage/v1/year=2027/month=01/day=05/hour=03/");
        assertThat(UsageLayout.hourPrefix(Instant.parse("2026-12-31T23:00:00Z")))
                .isEqualTo("usage/v1/year=2026/month=12/day=31/hour=23/");
    }
}
