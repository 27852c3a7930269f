package dev.spendgate.domain.report;

import static dev.spendgate.domain.report.ChargebackTest.MONTH;
import static dev.spendgate.domain.report.ChargebackTest.rules;
import static dev.spendgate.domain.report.ChargebackTest.spend;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import org.junit.jupiter.api.Test;

/**
 * Chargeback rules files whose values are of the wrong JSON type.
 *
 * <p>README "Chargeback rules file": a rule matches {@code department}, {@code team} and {@code feature}; a key a rule
 * or the suspense account does not have "is refused, naming the file and the entry", because a rule that silently
 * matches other spend than the file says posts it to the wrong cost centre. Standard: bad input gets a clear error
 * naming the field and loses nothing. Finance maps two departments to one cost centre the way JSON suggests, with a
 * list, and writes the suspense account as its account code.
 */
class ChargebackRulesValueTypeReviewTest {

    /**
     * {@code "department": ["support", "care"]} is read as the department named "" (the list's text): the rule matches
     * no spend, and support's $40 falls through to the catch-all rule below it, posted directly to CC-999 with no word
     * in the note or the suspense account.
     */
    @Test
    void parse_departmentGivenAsAList_isRefusedNamingTheRule() {
        String file = """
                {"suspense": {"gl_account": "6999", "cost_centre": "CC-SUSPENSE"},
                 "rules": [
                   {"department": ["support", "care"], "gl_account": "6100", "cost_centre": "CC-100"},
                   {"department": "*", "gl_account": "6900", "cost_centre": "CC-999"}
                 ]}""";

        Throwable refused = catchThrowable(() -> rules(file));

        if (refused == null) {
            MonthlyUsage usage = MonthlyUsage.of(MONTH);
            spend(usage, "support", null, "chat", "40");
            Chargeback c = Chargeback.of(usage, rules(file));
            // what finance gets instead of an error: support's spend on the general cost centre, as a direct line
            assertThat(c.lines())
                    .as("support's $40 under a rules file whose first rule names support")
                    .singleElement()
                    .satisfies(l -> assertThat(l.costCentre()).isEqualTo("CC-100"));
        } else {
            assertThat(refused)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("rules[0]")
                    .hasMessageContaining("department");
        }
    }

    /**
     * {@code "suspense": "6999"} (the account code, not an object) is ignored without a word: unattributed spend is
     * posted to GL account {@code SUSPENSE}, cost centre {@code SUSPENSE}, which no ledger has.
     */
    @Test
    void parse_suspenseGivenAsACode_isRefusedNamingIt() {
        String file = """
                {"suspense": "6999",
                 "rules": [{"department": "support", "gl_account": "6100", "cost_centre": "CC-100"}]}""";

        Throwable refused = catchThrowable(() -> rules(file));

        if (refused == null) {
            MonthlyUsage usage = MonthlyUsage.of(MONTH);
            spend(usage, null, null, "chat", "12");
            Chargeback c = Chargeback.of(usage, rules(file));
            assertThat(c.suspense())
                    .as("the suspense line of $12 unattributed spend, with the file's suspense account 6999")
                    .singleElement()
                    .satisfies(l -> assertThat(l.glAccount()).isEqualTo("6999"));
        } else {
            assertThat(refused).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("suspense");
        }
    }

    /**
     * A fixed share for a blank cost centre ({@code "shares": {"CC-100": "60", " ": "40"}}, a cost centre left out
     * of a spreadsheet export) loads; the report then fails on the first month with matching spend, with "gl_account and
     * cost_centre must not be blank", naming neither the file nor the rule.
     */
    @Test
    void parse_fixedShareForABlankCostCentre_isRefusedNamingTheRule() {
        String file = """
                {"shared": [{"feature": "intranet-search", "allocation": "fixed", "gl_account": "6300",
                             "shares": {"CC-100": "60", " ": "40"}}]}""";

        Throwable refused = catchThrowable(() -> rules(file));

        if (refused == null) {
            MonthlyUsage usage = MonthlyUsage.of(MONTH);
            spend(usage, "eng", null, "intranet-search", "10");
            Throwable atReport = catchThrowable(() -> Chargeback.of(usage, rules(file)));
            assertThat(atReport)
                    .as("the month's chargeback under a rules file that loaded")
                    .isNull();
        } else {
            assertThat(refused)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("shared[0]")
                    .hasMessageContaining("cost");
        }
    }
}
