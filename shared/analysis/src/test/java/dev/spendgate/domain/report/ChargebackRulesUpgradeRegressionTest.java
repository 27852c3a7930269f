package dev.spendgate.domain.report;

import static dev.spendgate.domain.report.ChargebackTest.MONTH;
import static dev.spendgate.domain.report.ChargebackTest.rules;
import static dev.spendgate.domain.report.ChargebackTest.spend;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * A chargeback rules file that the previous version read and posted correctly must still load after an upgrade.
 *
 * <p>GL accounts and cost centres are often numeric codes, and JSON lets finance write them as numbers: {@code
 * "gl_account": 6100}. Up to 3cba3e6f such a file loaded and posted support's spend to GL 6100 / cost centre 100.
 * The type checks added for match fields (a list for {@code department} matches no spend) now refuse every non-string
 * value, account codes included, so the same file fails the chargeback (and the monthly report) after the upgrade.
 */
class ChargebackRulesUpgradeRegressionTest {

    @Test
    void parse_numericAccountCodesAPreviousVersionRead_stillPostTheSpend() {
        String file = """
                {"suspense": {"gl_account": 6999, "cost_centre": "CC-SUSPENSE"},
                 "rules": [{"department": "support", "gl_account": 6100, "cost_centre": 100}]}""";
        MonthlyUsage usage = MonthlyUsage.of(MONTH);
        spend(usage, "support", null, "chat", "40");

        Chargeback c = Chargeback.of(usage, rules(file));

        assertThat(c.lines())
                .as("support's $40 under the rule the file has had since before the upgrade")
                .singleElement()
                .satisfies(l -> {
                    assertThat(l.glAccount()).isEqualTo("6100");
                    assertThat(l.costCentre()).isEqualTo("100");
                });
    }
}
