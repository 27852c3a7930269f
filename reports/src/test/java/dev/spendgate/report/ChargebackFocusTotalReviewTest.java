package dev.spendgate.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.domain.gatewaycost.AwsPrices;
import dev.spendgate.domain.gatewaycost.CallProfile;
import dev.spendgate.domain.gatewaycost.GatewayCostModel;
import dev.spendgate.domain.report.ChargebackRules;
import dev.spendgate.domain.report.MonthlyUsageSource;
import dev.spendgate.report.focus.FocusCsvWriter;
import dev.spendgate.report.gatewaycost.GatewayCostRows;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Clock;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.List;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.Test;

/**
 * The report function in AWS adds the gateway's own AWS cost to the FOCUS file (README "The gateway's own AWS cost":
 * "Their amount is in BilledCost, so the file's total is the total cost of AI"). README "Chargeback rules file": spend
 * the rules cannot place "goes to the suspense account, one listed line each with the reason", and amounts "sum to the
 * month's total rounded to the cent"; with provider bills the extra FOCUS amounts get suspense lines "so the file sums
 * to the FOCUS file's BilledCost total". With the gateway's cost rows, finance's two files disagree: chargeback.csv
 * allocates only the AI spend, and the AWS estimate that FOCUS (and manifest.json's billed_cost_usd) bill is in no
 * chargeback line, not even suspense.
 */
class ChargebackFocusTotalReviewTest {
    static final YearMonth MONTH = YearMonth.of(2026, 11);

    @Test
    void report_withGatewayCostRows_chargebackSumsToTheFocusTotalToTheCent() throws Exception {
        MapObjectStore data = new MapObjectStore();
        TestMonth.generate(MONTH, 3000, 10, 7).writeTo(data);
        MapObjectStore out = new MapObjectStore();
        MonthlyReport.create(
                        new MonthlyReport.Settings(
                                TestMonth.CATALOG,
                                TestMonth.CATALOG,
                                ChargebackRules.NONE,
                                List.of(),
                                FocusCsvWriter.Settings.DEFAULT),
                        Clock.fixed(Instant.parse("2026-12-01T06:00:00Z"), ZoneOffset.UTC))
                .withGatewayCost(new GatewayCostRows(
                        CallProfile.measured(1, 4_000, 2048, true, CallProfile.Delivery.FIREHOSE),
                        GatewayCostModel.create(AwsPrices.US_EAST_1)))
                .run(MONTH, MonthlyUsageSource.fromLog(data), data, out, "", null, false);

        BigDecimal focus = sum(MonthlyReportTest.csv(out, MonthlyReport.FOCUS), "BilledCost");
        BigDecimal manifest = new BigDecimal(new ObjectMapper()
                .readTree(out.get(MonthManifest.FILE).orElseThrow())
                .path("billed_cost_usd")
                .asText());
        BigDecimal chargeback = sum(MonthlyReportTest.csv(out, MonthlyReport.CHARGEBACK), "amount_usd");

        assertThat(manifest).as("manifest billed_cost_usd vs the FOCUS file").isEqualByComparingTo(focus);
        assertThat(chargeback)
                .as("chargeback.csv amount_usd total vs the FOCUS BilledCost total %s", focus)
                .isEqualByComparingTo(focus.setScale(2, RoundingMode.HALF_UP));
    }

    static BigDecimal sum(List<CSVRecord> rows, String column) {
        return rows.stream().map(r -> new BigDecimal(r.get(column))).reduce(BigDecimal.ZERO, BigDecimal::add);
    }
}
