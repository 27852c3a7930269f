package dev.spendgate.domain.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.pricing.TokenUsage;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.YearMonth;
import java.util.List;
import org.junit.jupiter.api.Test;

class FactSheetTest {
    static FactSheet facts() {
        MonthlyUsage usage = MonthlyUsage.of(YearMonth.of(2026, 11));
        usage.add(
                new CellKey(LocalDate.of(2026, 11, 2), "openai", "gpt-4o", "k", "chat-v2", "support", null, null),
                CellTotals.of(1234, 1234, 0, TokenUsage.openAi(10, 0, 1, 0), new BigDecimal("8953.544")));
        return FactSheet.of(MonthlyFigures.of(usage, new BigDecimal("8000"), List.of(), null, List.of()));
    }

    @Test
    void unverifiedNumbers_faithfulText_isEmptyEvenWithDigitsInsideNames() {
        assertThat(facts().unverifiedNumbers("In November 2026 spend reached $8,953.54 over 1,234 calls, up 11.9%"
                        + " from $8,000.00 in October 2026; chat-v2 on gpt-4o led with 100.0% of spend."))
                .isEmpty();
    }

    @Test
    void unverifiedNumbers_inventedOrRoundedFigures_areEachReported() {
        assertThat(facts().unverifiedNumbers("Spend was about $9,000 (12% more), and should reach $10,000.50 soon."))
                .containsExactly("$9,000", "12%", "$10,000.50");
    }
}
