package dev.spendgate.function.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** SPENDGATE_REPORT_LINK_TTL_HOURS at the function's start: SigV4 signs links for at most 7 days. */
class ReportRunnerConfigLinkTtlTest {
    static ReportRunnerConfig config(String ttlHours) {
        return ReportRunnerConfig.fromEnv(
                ttlHours == null
                        ? Map.of("SPENDGATE_USAGE_BUCKET", "b")
                        : Map.of("SPENDGATE_USAGE_BUCKET", "b", "SPENDGATE_REPORT_LINK_TTL_HOURS", ttlHours));
    }

    @Test
    void unset_sevenDays() {
        assertThat(config(null).linkTtl()).isEqualTo(Duration.ofDays(7));
    }

    @Test
    void withinSevenDays_taken() {
        assertThat(config("1").linkTtl()).isEqualTo(Duration.ofHours(1));
        assertThat(config(" 168 ").linkTtl()).isEqualTo(Duration.ofHours(168));
    }

    @Test
    void overSevenDaysOrNoWholeHours_refusedNamingTheSettingAndLimit() {
        for (String hours : List.of("169", "720", "0", "-1", "a week", "24.5")) {
            assertThatThrownBy(() -> config(hours))
                    .as(hours)
                    .hasMessageContaining("SPENDGATE_REPORT_LINK_TTL_HOURS")
                    .hasMessageContaining("1 to 168")
                    .hasMessageContaining(hours);
        }
    }
}
