package dev.spendgate.function.waste;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.usage.UsageLogReader.ReadStats;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LeftOutInputTest {
    @Test
    void nothingLeftOut_noLine() {
        assertThat(LeftOutInput.line(new ReadStats(40, 1_200, 3, 0, 0, List.of())))
                .isEmpty();
    }

    @Test
    void damagedObjectUnreadableRecordsAndQuarantined_eachCounted() {
        ReadStats input = new ReadStats(40, 1_200, 0, 3, 1, List.of(), Map.of(), Map.of("negative_cost", 2L));

        assertThat(LeftOutInput.line(input))
                .isEqualTo("Left out of these figures: 1 damaged usage log objects (not readable), 3 unreadable"
                        + " records, 2 records with a negative cost (quarantined). Their calls count in no finding"
                        + " and in no dollar amount here.");
    }

    @Test
    void onlyQuarantined_saysSoAlone() {
        ReadStats input = new ReadStats(40, 1_200, 0, 0, 0, List.of(), Map.of(), Map.of("implausible_cost", 1L));

        assertThat(LeftOutInput.line(input))
                .startsWith("Left out of these figures: 1 records with a cost above the model's maximum for its"
                        + " tokens (quarantined).");
    }
}
