package dev.spendgate.domain.report;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * README "Chargeback rules file": shared spend is spread "by percentages summing to 100 (fixed)", and a bad rules file
 * is refused naming what is wrong (the parser already refuses shares that do not sum to 100). A share of -50 % with
 * another of 150 % sums to 100 and is accepted: chargeback.csv then credits CC-210 with half of the intranet search
 * spend and charges CC-100 one and a half times it, a negative cost-centre charge no percentage split can produce.
 */
class ChargebackNegativeShareReviewTest {
    @Test
    void parse_fixedSharesWithANegativePercentage_isRefused() {
        String rules = """
                {"suspense": {"gl_account": "6999", "cost_centre": "CC-SUSPENSE"},
                 "shared": [{"feature": "intranet-search", "allocation": "fixed", "gl_account": "6300",
                             "shares": {"CC-100": "150", "CC-210": "-50"}}]}
                """;

        assertThatThrownBy(() -> ChargebackRules.parse(rules.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("shared[0]");
    }
}
