package dev.spendgate.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.domain.gatewaycost.AwsPrices;
import dev.spendgate.domain.gatewaycost.CallProfile;
import dev.spendgate.domain.gatewaycost.GatewayCostModel;
import dev.spendgate.domain.gatewaycost.ManagedInstancesModel;
import dev.spendgate.domain.gatewaycost.ManagedInstancesPrices;
import dev.spendgate.domain.report.ChargebackRules;
import dev.spendgate.domain.report.Money;
import dev.spendgate.domain.report.MonthlyUsageSource;
import dev.spendgate.report.focus.FocusCsvWriter;
import dev.spendgate.report.gatewaycost.DataTransferOut;
import dev.spendgate.report.gatewaycost.GatewayCostRows;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.commons.csv.CSVRecord;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.text.PDFTextStripper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The gateway's own AWS cost in a whole month's report, with the proxy on standard Lambda and on Lambda Managed
 * Instances: the FOCUS rows, the board PDF's line and {@code data-quality.json} price the compute the stack deployed,
 * and every total still sums.
 */
class GatewayCostReportTest {
    static final YearMonth MONTH = YearMonth.of(2026, 11);
    static final ObjectMapper JSON = new ObjectMapper();
    static final GatewayCostModel SERVICES = GatewayCostModel.create(AwsPrices.US_EAST_1);
    static final CallProfile CALL = CallProfile.measured(1, 4_000, 2048, true, CallProfile.Delivery.FIREHOSE);
    static final ManagedInstancesModel LMI = ManagedInstancesModel.create(
            SERVICES,
            ManagedInstancesPrices.US_EAST_1_M7G_LARGE,
            new ManagedInstancesModel.Fleet(3, new BigDecimal("13.6"), new BigDecimal("0.5"), 32, 4_000, 0, 0));
    static final BigDecimal DAY = BigDecimal.valueOf(24);

    static MapObjectStore data;
    static TestMonth month;
    static MapObjectStore standardOut = new MapObjectStore();
    static MapObjectStore managedOut = new MapObjectStore();
    static MonthlyReport.Result standard;
    static MonthlyReport.Result managed;
    static Map<LocalDate, Long> callsPerDay;

    @BeforeAll
    static void runBoth() {
        data = new MapObjectStore();
        month = TestMonth.generate(MONTH, 3000, 10, 7).writeTo(data);
        callsPerDay = month.records.stream()
                .collect(Collectors.groupingBy(
                        r -> r.tsStart().atZone(ZoneOffset.UTC).toLocalDate(), TreeMap::new, Collectors.counting()));
        standard = report().withGatewayCost(new GatewayCostRows(CALL, SERVICES))
                .run(MONTH, MonthlyUsageSource.fromLog(data), data, standardOut, "", null, false);
        managed = report().withGatewayCost(new GatewayCostRows(
                        CALL, SERVICES, new GatewayCostRows.ManagedFleet(LMI, 12, "the deployment's instance type")))
                .run(MONTH, MonthlyUsageSource.fromLog(data), data, managedOut, "", null, false);
    }

    @Test
    void focus_managedInstances_gatewayRowsAreTheFleetModelToTheCent() throws IOException {
        List<CSVRecord> rows = perCallAndFixedRows(managedOut);

        LocalDate first = callsPerDay.keySet().iterator().next();
        // the report runs on 1 December: November has ended, so the fleet runs to its last day, calls or not
        LocalDate last = MONTH.atEndOfMonth();
        BigDecimal expected = BigDecimal.ZERO;
        int days = 0;
        for (LocalDate d = first; !d.isAfter(last); d = d.plusDays(1), days++) {
            expected = expected.add(
                    LMI.period(CALL, callsPerDay.getOrDefault(d, 0L), DAY, 12).total());
        }
        // and the two secrets the stack creates, $0.40 a month each, and its KMS key, $1 a month, on every day of the
        // span
        expected = expected.add(fixedFees(days));
        assertThat(cents(sum(rows))).isEqualByComparingTo(cents(expected));
        // the fleet: 3 m7g.large at $0.0816 an hour, 24 hours a day, on every day of the span; no Lambda duration
        assertThat(sum(rows.stream()
                        .filter(r -> r.get("ServiceName").equals(GatewayCostRows.EC2_SERVICE))
                        .toList()))
                .isEqualByComparingTo(new BigDecimal("5.8752").multiply(BigDecimal.valueOf(days)));
        BigDecimal lambda = sum(rows.stream()
                .filter(r -> r.get("ServiceName").equals("AWS Lambda"))
                .toList());
        long calls = callsPerDay.values().stream().mapToLong(Long::longValue).sum();
        // Lambda on managed instances: 15 % of the instances plus $0.20 per million requests
        assertThat(cents(lambda))
                .isEqualByComparingTo(cents(new BigDecimal("0.88128")
                        .multiply(BigDecimal.valueOf(days))
                        .add(BigDecimal.valueOf(calls)
                                .multiply(new BigDecimal("0.20"))
                                .divide(BigDecimal.valueOf(1_000_000)))));
        assertThat(rows).allSatisfy(r -> {
            assertThat(r.get("Tags")).contains("\"x_Estimated\":\"true\"");
            assertThat(r.get("ChargeDescription"))
                    .containsAnyOf("Lambda Managed Instances", "secrets the stack creates", "key the stack creates");
        });
    }

    @Test
    void focus_standardLambda_gatewayRowsPriceLambdaDurationAsBefore() throws IOException {
        List<CSVRecord> rows = perCallAndFixedRows(standardOut);

        BigDecimal expected = BigDecimal.ZERO;
        for (long calls : callsPerDay.values()) {
            expected = expected.add(SERVICES.cost(CALL, calls).total());
        }
        LocalDate first = callsPerDay.keySet().iterator().next();
        // November has ended when the report runs: the stack's fixed fees run to its last day
        LocalDate last = MONTH.atEndOfMonth();
        expected = expected.add(fixedFees((int) java.time.temporal.ChronoUnit.DAYS.between(first, last) + 1));
        assertThat(cents(sum(rows))).isEqualByComparingTo(cents(expected));
        assertThat(rows).noneMatch(r -> r.get("ServiceName").equals(GatewayCostRows.EC2_SERVICE));
        assertThat(rows).noneMatch(r -> r.get("ChargeDescription").contains("Managed Instances"));
    }

    /**
     * Every call ran the proxy, priced or not: the day of the month's unpriced call prices it in the gateway's own
     * cost, as the board line counts it among the month's calls.
     */
    @Test
    void focus_gatewayRows_countEveryCallOfTheDayNotOnlyThePricedOnes() throws IOException {
        LocalDate unpricedDay = month.records.stream()
                .filter(r -> r.requestId().startsWith("req-unpriced-"))
                .findFirst()
                .orElseThrow()
                .tsStart()
                .atZone(ZoneOffset.UTC)
                .toLocalDate();
        long calls = callsPerDay.get(unpricedDay);

        assertThat(gatewayRows(standardOut))
                .filteredOn(r -> r.get("ChargePeriodStart").startsWith(unpricedDay.toString()))
                .filteredOn(r -> !r.get("ChargeDescription").contains(" the stack creates"))
                .isNotEmpty()
                .allSatisfy(r -> assertThat(r.get("ChargeDescription")).contains(" for " + calls + " calls"));
    }

    /** The estimate sits in BilledCost so the file totals the cost of AI; its metadata says how to leave it out. */
    @Test
    void focusMetadata_withGatewayRows_saysTheyAreAnEstimateToLeaveOutBesideAwsCostData() {
        String metadata = new String(
                standardOut.get(dev.spendgate.report.focus.FocusMetadata.FILE).orElseThrow(),
                java.nio.charset.StandardCharsets.UTF_8);

        assertThat(metadata)
                .contains("x_CostSource=" + GatewayCostRows.COST_SOURCE)
                .contains("not read from a bill")
                .contains("leave these rows out when combining this file with AWS's cost data");
    }

    @Test
    void focus_eitherMode_totalsSumAndTheAiSpendIsUnchanged() throws IOException {
        for (var run : List.of(Map.entry(standard, standardOut), Map.entry(managed, managedOut))) {
            List<CSVRecord> all = MonthlyReportTest.csv(run.getValue(), MonthlyReport.FOCUS);
            BigDecimal gateway = sum(gatewayRows(run.getValue()));
            assertThat(sum(all)).isEqualByComparingTo(run.getKey().focusBilledTotalUsd());
            assertThat(sum(all).subtract(gateway)).isEqualByComparingTo(month.totalCost());
        }
    }

    @Test
    void boardPdfAndDataQuality_managedInstances_stateTheBasisAndTheEstimate() throws IOException {
        BigDecimal gateway = sum(gatewayRows(managedOut));
        String text;
        try (PDDocument doc = Loader.loadPDF(managedOut.get(MonthlyReport.PDF).orElseThrow())) {
            text = new PDFTextStripper().getText(doc).replaceAll("\\s+", " ");
        }
        // the estimate as shown: to the cent, so that the line's parts add up to its total (largest remainder)
        assertThat(text)
                .contains("Spendgate's own AWS cost, estimated")
                .containsAnyOf(
                        Money.usd(gateway) + " for ",
                        Money.usd(gateway.subtract(new BigDecimal("0.01"))) + " for ",
                        Money.usd(gateway.add(new BigDecimal("0.01"))) + " for ")
                .contains("Lambda Managed Instances")
                .contains("m7g.large");

        JsonNode quality =
                JSON.readTree(managedOut.get(MonthlyReport.DATA_QUALITY).orElseThrow());
        JsonNode estimate = quality.path("gateway_cost_estimate");
        assertThat(estimate.path("estimated").asBoolean()).isTrue();
        assertThat(estimate.path("compute").asText()).isEqualTo("managed-instances");
        assertThat(estimate.path("basis").asText()).contains("m7g.large").contains("15 % management fee");
        assertThat(new BigDecimal(estimate.path("usd").asText())).isEqualByComparingTo(gateway);

        JsonNode standardQuality =
                JSON.readTree(standardOut.get(MonthlyReport.DATA_QUALITY).orElseThrow());
        assertThat(standardQuality.path("gateway_cost_estimate").path("compute").asText())
                .isEqualTo("lambda");
        assertThat(standardQuality.path("gateway_cost_estimate").path("basis").asText())
                .contains("standard Lambda: 2048 MB arm64");
        // the generated month records no call lengths: every call priced at the assumed duration, and it says so
        long calls = callsPerDay.values().stream().mapToLong(Long::longValue).sum();
        JsonNode records = standardQuality.path("gateway_cost_estimate").path("records");
        assertThat(records.path("invocations").asLong()).isEqualTo(calls);
        assertThat(records.path("at_assumed_duration").asLong()).isEqualTo(calls);
        assertThat(records.path("with_recorded_length").asLong()).isZero();
    }

    /**
     * The data transfer out, in either mode: one row a day priced from the day's tokens at 4 bytes a token (prompts
     * to the providers, answers less reasoning to the clients) at $0.09 per GB, named as AWS bills it.
     */
    @Test
    void focus_eitherMode_dataTransferOutFromTheDaysTokens() throws IOException {
        long bytes = month.records.stream()
                .filter(r -> r.tokens() != null)
                .mapToLong(r -> (r.tokens().inputTokens()
                                + r.tokens().outputTokens()
                                - r.tokens().reasoningTokens())
                        * 4)
                .sum();
        BigDecimal expected = BigDecimal.valueOf(bytes)
                .divide(BigDecimal.valueOf(1L << 30), java.math.MathContext.DECIMAL128)
                .multiply(new BigDecimal("0.09"));
        assertThat(expected).isPositive();
        for (MapObjectStore out : List.of(standardOut, managedOut)) {
            List<CSVRecord> transfer = gatewayRows(out).stream()
                    .filter(r -> r.get("ServiceName").equals(DataTransferOut.SERVICE))
                    .toList();
            assertThat(transfer).hasSize(callsPerDay.size()).allSatisfy(r -> {
                assertThat(r.get("ServiceCategory")).isEqualTo("Networking");
                assertThat(r.get("ProviderName")).isEqualTo("Amazon Web Services");
                assertThat(r.get("Tags")).contains("\"x_Estimated\":\"true\"");
                assertThat(r.get("ChargeDescription"))
                        .contains("4 bytes a token")
                        .contains("$0.09 per GB");
            });
            assertThat(sum(transfer).setScale(6, java.math.RoundingMode.HALF_UP))
                    .isEqualByComparingTo(expected.setScale(6, java.math.RoundingMode.HALF_UP));
        }
    }

    /** The rows priced per call and the fixed fees: all but the data transfer, which follows the tokens. */
    static List<CSVRecord> perCallAndFixedRows(MapObjectStore out) throws IOException {
        return gatewayRows(out).stream()
                .filter(r -> !r.get("ServiceName").equals(DataTransferOut.SERVICE))
                .toList();
    }

    /**
     * The stack's fixed fees over {@code days} days of November (30 days): Secrets Manager's for its two secrets
     * ($0.80 a month) and KMS's for its key ($1.00 a month).
     */
    static BigDecimal fixedFees(int days) {
        return new BigDecimal("1.80")
                .multiply(BigDecimal.valueOf(days))
                .divide(BigDecimal.valueOf(MONTH.lengthOfMonth()), 10, java.math.RoundingMode.HALF_UP);
    }

    static List<CSVRecord> gatewayRows(MapObjectStore out) throws IOException {
        return MonthlyReportTest.csv(out, MonthlyReport.FOCUS).stream()
                .filter(r -> r.get("ChargeDescription").startsWith(GatewayCostRows.COST_SOURCE))
                .toList();
    }

    static BigDecimal sum(List<CSVRecord> rows) {
        return rows.stream().map(r -> new BigDecimal(r.get("BilledCost"))).reduce(BigDecimal.ZERO, BigDecimal::add);
    }

    static BigDecimal cents(BigDecimal usd) {
        return usd.setScale(2, RoundingMode.HALF_UP);
    }

    static MonthlyReport report() {
        return MonthlyReport.create(
                new MonthlyReport.Settings(
                        TestMonth.CATALOG,
                        TestMonth.CATALOG,
                        ChargebackRules.NONE,
                        List.of(),
                        FocusCsvWriter.Settings.DEFAULT),
                Clock.fixed(Instant.parse("2026-12-01T06:00:00Z"), ZoneOffset.UTC));
    }
}
