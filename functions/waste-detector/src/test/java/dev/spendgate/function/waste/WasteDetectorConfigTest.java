package dev.spendgate.function.waste;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spendgate.domain.waste.WasteAnalyzer;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WasteDetectorConfigTest {

    @Test
    void fromEnvironment_noMergeBounds_keepsTheDefaults() {
        WasteDetectorConfig config = WasteDetectorConfig.fromEnvironment(Map.of("SPENDGATE_USAGE_BUCKET", "b"));

        assertThat(config.mergeBounds()).isEqualTo(new WasteAnalyzer.Bounds(200_000, 400_000, 100_000, 10_000));
    }

    @Test
    void fromEnvironment_mergeBounds_eachReachesItsOwnBound() {
        WasteDetectorConfig config = WasteDetectorConfig.fromEnvironment(Map.of(
                "SPENDGATE_USAGE_BUCKET", "b",
                "SPENDGATE_WASTE_MERGE_MAX_RETRY_SCOPES", "1000",
                "SPENDGATE_WASTE_MERGE_MAX_PROMPTS", " 2000 ",
                "SPENDGATE_WASTE_MERGE_MAX_JOBS", "3000",
                "SPENDGATE_WASTE_MERGE_MAX_RETRY_FINDINGS", "4000"));

        assertThat(config.mergeBounds()).isEqualTo(new WasteAnalyzer.Bounds(1_000, 2_000, 3_000, 4_000));
    }

    @Test
    void fromEnvironment_mergeBoundNotAPositiveWholeNumber_isRefusedByName() {
        for (String name : new String[] {
            "SPENDGATE_WASTE_MERGE_MAX_RETRY_SCOPES",
            "SPENDGATE_WASTE_MERGE_MAX_PROMPTS",
            "SPENDGATE_WASTE_MERGE_MAX_JOBS"
        }) {
            for (String value : new String[] {"0", "-5", "1e6", "lots"}) {
                Map<String, String> env = new HashMap<>(Map.of("SPENDGATE_USAGE_BUCKET", "b"));
                env.put(name, value);

                assertThatThrownBy(() -> WasteDetectorConfig.fromEnvironment(env))
                        .isInstanceOf(IllegalStateException.class)
                        .hasMessageStartingWith(name + " must be")
                        .hasMessageContaining(value);
            }
        }
    }
}
