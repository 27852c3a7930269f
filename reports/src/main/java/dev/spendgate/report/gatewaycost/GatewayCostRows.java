package dev.spendgate.report.gatewaycost;

import dev.spendgate.domain.gatewaycost.AwsService;
import dev.spendgate.domain.gatewaycost.CallProfile;
import dev.spendgate.domain.gatewaycost.GatewayCostModel;
import dev.spendgate.domain.gatewaycost.GatewayWork;
import dev.spendgate.domain.gatewaycost.ManagedInstancesModel;
import dev.spendgate.domain.gatewaycost.ManagedInstancesPrices;
import dev.spendgate.domain.report.FocusCharge;
import dev.spendgate.domain.report.Money;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The gateway's own AWS cost in the monthly outputs, so the board sees the total cost of AI: per day and AWS service,
 * one FOCUS row estimated from the day's calls and the operations a call is counted to cause ({@link CallProfile}),
 * at list price ({@link GatewayCostModel}). The rows say they are estimates: {@code x_CostSource}
 * {@value #COST_SOURCE} in Tags, {@code x_Estimated} true, the description names the price list and the compute
 * priced; ProviderName is Amazon Web Services and ServiceName the AWS service, never an LLM provider.
 *
 * <p>On standard Lambda the proxy's compute is Lambda duration (GB-seconds of each call). With {@link #managed} (the
 * proxy on Lambda Managed Instances) it is the fleet instead ({@link ManagedInstancesModel}): its instances for the
 * whole day whatever the traffic, Lambda's management fee on them and Lambda's request charge, on every day from the
 * month's first day with calls to its last (the fleet runs on quiet days between them too), and once the month has
 * ended to its last day ({@link #focusChargesFor(YearMonth, Instant, Map)}).
 *
 * @param profile what one call costs in operations (deployment's memory, architecture, budgets per call, duration)
 * @param model the prices
 * @param managed the managed-instances fleet the proxy runs on, or null for standard Lambda
 * @param secrets Secrets Manager's monthly fee for the secrets the stack creates ({@link SecretsFee})
 * @param keys AWS KMS's monthly fee for the customer managed keys the stack creates ({@link KmsKeyFee})
 */
public record GatewayCostRows(
        CallProfile profile, GatewayCostModel model, ManagedFleet managed, SecretsFee secrets, KmsKeyFee keys) {
    /** Tags' {@code x_CostSource} (and the description's prefix) of these rows. */
    public static final String COST_SOURCE = "gateway_aws_estimate";
    /** Provider ids of these rows start with this; {@code FocusCharges} names them Amazon Web Services. */
    public static final String PROVIDER_PREFIX = dev.spendgate.domain.report.FocusCharges.AWS_SERVICE_PREFIX;
    /** What AWS bills managed instances' EC2 hours under (FOCUS ServiceName of the instance rows). */
    public static final String EC2_SERVICE = "Amazon Elastic Compute Cloud";

    private static final int SCALE = 10;
    private static final BigDecimal HOURS_PER_DAY = BigDecimal.valueOf(24);

    public GatewayCostRows {
        Objects.requireNonNull(profile, "profile");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(secrets, "secrets");
        Objects.requireNonNull(keys, "keys");
    }

    /** The stack's KMS key ({@link KmsKeyFee#STACK_KEYS}). */
    public GatewayCostRows(CallProfile profile, GatewayCostModel model, ManagedFleet managed, SecretsFee secrets) {
        this(profile, model, managed, secrets, new KmsKeyFee(KmsKeyFee.STACK_KEYS));
    }

    /** Standard Lambda: the proxy's compute priced as Lambda duration; the stack's default secrets. */
    public GatewayCostRows(CallProfile profile, GatewayCostModel model) {
        this(profile, model, null);
    }

    /** The stack's default secrets ({@link SecretsFee#STACK_SECRETS}). */
    public GatewayCostRows(CallProfile profile, GatewayCostModel model, ManagedFleet managed) {
        this(profile, model, managed, new SecretsFee(SecretsFee.STACK_SECRETS));
    }

    /**
     * The proxy on Lambda Managed Instances, as the stack deployed it.
     *
     * @param model the fleet and its prices
     * @param maxInstances the most instances the capacity provider's vCPU ceiling allows
     * @param pricedAs why these instance prices: the deployment's instance type, or the basis used when Lambda chooses
     */
    public record ManagedFleet(ManagedInstancesModel model, int maxInstances, String pricedAs) {
        public ManagedFleet {
            Objects.requireNonNull(model, "model");
            Objects.requireNonNull(pricedAs, "pricedAs");
            if (maxInstances < 1) {
                throw new IllegalArgumentException("maxInstances must be at least 1, was " + maxInstances);
            }
        }
    }

    /** {@code lambda} or {@code managed-instances}: the proxy compute these rows price (the stack's context value). */
    public String computeMode() {
        return managed == null ? "lambda" : "managed-instances";
    }

    /** How the proxy's compute is priced, in words shown in the rows, the board line and {@code data-quality.json}. */
    public String basis() {
        return compute() + "; Secrets Manager storage of " + secrets.basis(model.prices()) + "; AWS KMS storage of "
                + keys.basis(model.prices()) + "; "
                + DataTransferOut.basis(model.prices()) + "; assumed: "
                + assumptions().all();
    }

    /** What the estimate assumes rather than reads from the records (budgets a call, reads, cold starts). */
    public GatewayCostAssumptions assumptions() {
        return new GatewayCostAssumptions(profile);
    }

    private String compute() {
        if (managed == null) {
            return "standard Lambda: " + profile.memoryMb() + " MB " + (profile.arm64() ? "arm64" : "x86_64")
                    + ", each call billed for its recorded latency_ms plus the gateway's own "
                    + CallProfile.gatewayMillis(profile.memoryMb()) + " ms (" + profile.billedMillis()
                    + " ms for a call without a recorded length), per GB-second, plus $"
                    + model.prices().lambdaRequestsPerMillion().toPlainString() + " per million requests";
        }
        ManagedInstancesPrices p = managed.model().prices();
        return "Lambda Managed Instances: at least " + managed.model().fleet().minInstances() + " and at most "
                + managed.maxInstances() + " " + p.instanceType() + " instances ($"
                + p.instancePerHour().toPlainString() + " an hour on-demand; " + managed.pricedAs() + ") for every day"
                + " from the month's first day with calls to its last, or to the month's end once it has ended (every"
                + " day of an ended month without calls), plus Lambda's "
                + p.managementFeeRate().movePointRight(2).stripTrailingZeros().toPlainString()
                + " % management fee and $" + p.requestsPerMillion().toPlainString()
                + " per million requests; no duration charge; NAT gateways are the VPC's and not counted";
    }

    /**
     * One row per day and AWS service with a cost: on standard Lambda the days with calls; on managed instances every
     * day from the first day with calls to the last. The calls are each day's proxied calls, of which nothing but their
     * number is known (each priced at the profile's duration).
     */
    public List<FocusCharge> focusCharges(Map<LocalDate, Long> callsPerDay) {
        Map<LocalDate, GatewayWork> work = new TreeMap<>();
        callsPerDay.forEach((day, calls) -> work.put(day, GatewayWork.ofCalls(calls)));
        return focusChargesFor(work);
    }

    /**
     * As {@link #focusCharges}, from what each day's records say the gateway did ({@link GatewayWork}): each call at
     * its recorded length plus the gateway's own time, the profile's duration only where no length is recorded.
     */
    public List<FocusCharge> focusChargesFor(Map<LocalDate, GatewayWork> workPerDay) {
        TreeMap<LocalDate, GatewayWork> days = daysWithCalls(workPerDay);
        return days.isEmpty() ? List.of() : focusChargesFor(days, days.firstKey(), days.lastKey());
    }

    /**
     * As {@link #focusChargesFor(Map)}, for {@code month} as a report run at {@code now} sees it. Once the month has
     * ended, the managed-instances fleet and the stack's fixed fees ({@link SecretsFee}, {@link KmsKeyFee}) run on
     * through its last day, calls or not (the stack ran on: its report runner runs this report), and a month without a
     * call has them on every day; a month still running has them through its last day with calls.
     */
    public List<FocusCharge> focusChargesFor(YearMonth month, Instant now, Map<LocalDate, GatewayWork> workPerDay) {
        Objects.requireNonNull(month, "month");
        Objects.requireNonNull(now, "now");
        TreeMap<LocalDate, GatewayWork> days = daysWithCalls(workPerDay);
        boolean ended = !now.atZone(ZoneOffset.UTC)
                .toLocalDate()
                .isBefore(month.plusMonths(1).atDay(1));
        if (!ended) {
            return days.isEmpty() ? List.of() : focusChargesFor(days, days.firstKey(), days.lastKey());
        }
        return focusChargesFor(days, days.isEmpty() ? month.atDay(1) : days.firstKey(), month.atEndOfMonth());
    }

    private static TreeMap<LocalDate, GatewayWork> daysWithCalls(Map<LocalDate, GatewayWork> workPerDay) {
        TreeMap<LocalDate, GatewayWork> days = new TreeMap<>();
        workPerDay.forEach((day, work) -> {
            if (work.records() > 0) {
                days.put(day, work);
            }
        });
        return days;
    }

    /** The rows of the days with calls, and the fleet's and fixed fees' of every day from {@code first} to {@code last}. */
    private List<FocusCharge> focusChargesFor(TreeMap<LocalDate, GatewayWork> days, LocalDate first, LocalDate last) {
        List<FocusCharge> rows = new ArrayList<>();
        String priced =
                "list price " + model.prices().region() + " " + model.prices().asOf();
        if (managed != null) {
            for (LocalDate d = first; !d.isAfter(last); d = d.plusDays(1)) {
                days.putIfAbsent(d, GatewayWork.ofCalls(0));
            }
        }
        for (Map.Entry<LocalDate, GatewayWork> day : days.entrySet()) {
            Map<String, BigDecimal> cost = new LinkedHashMap<>();
            String lambdaNote;
            GatewayWork work = day.getValue();
            if (managed == null) {
                GatewayCostModel.Breakdown b = model.cost(profile, work);
                for (AwsService service : AwsService.values()) {
                    cost.put(service.billedName(), b.of(service));
                }
                lambdaNote = "";
            } else {
                ManagedInstancesModel.Monthly m =
                        managed.model().period(profile, work, HOURS_PER_DAY, managed.maxInstances());
                ManagedInstancesPrices p = managed.model().prices();
                cost.put(EC2_SERVICE, m.ec2Instances());
                for (AwsService service : AwsService.values()) {
                    cost.put(
                            service.billedName(),
                            service == AwsService.LAMBDA
                                    ? m.managementFee().add(m.lambdaRequests())
                                    : m.otherServices().getOrDefault(service, BigDecimal.ZERO));
                }
                lambdaNote = " on Lambda Managed Instances (" + m.instances() + " x " + p.instanceType() + " at $"
                        + p.instancePerHour().toPlainString() + "/h for 24 h, " + managed.pricedAs() + "; Lambda: "
                        + p.managementFeeRate()
                                .movePointRight(2)
                                .stripTrailingZeros()
                                .toPlainString()
                        + " % management fee on them and $"
                        + p.requestsPerMillion().toPlainString()
                        + "/M requests; NAT not counted)";
            }
            for (Map.Entry<String, BigDecimal> service : cost.entrySet()) {
                BigDecimal usd = service.getValue().setScale(SCALE, RoundingMode.HALF_UP);
                if (usd.signum() == 0) {
                    continue;
                }
                rows.add(row(
                        day.getKey(),
                        service.getKey(),
                        usd,
                        COST_SOURCE + ": estimated, not billed: Spendgate's own " + service.getKey() + " for "
                                + work.records() + " calls" + batchNote(work) + lambdaNote
                                + (managed == null && service.getKey().equals(AwsService.LAMBDA.billedName())
                                        ? durationNote(work)
                                        : "")
                                + assumptions().of(service.getKey())
                                + ", from counted operations at " + priced));
            }
        }
        rows.addAll(secrets.rows(first, last, model.prices()));
        rows.addAll(keys.rows(first, last, model.prices()));
        return rows;
    }

    /** The batch result lines among the day's records, when there are any. */
    private static String batchNote(GatewayWork work) {
        return work.batchLines() == 0
                ? ""
                : " (" + work.batchLines() + " of them batch result lines: their usage records' delivery only, no API"
                        + " Gateway request, Lambda invocation or budget write)";
    }

    /** How the Lambda row's duration was found: the calls' recorded lengths, and how many were assumed. */
    private String durationNote(GatewayWork work) {
        return " (" + work.timedInvocations() + " at their recorded length plus the gateway's "
                + CallProfile.gatewayMillis(profile.memoryMb()) + " ms, " + work.untimedInvocations()
                + " without one at " + profile.billedMillis() + " ms)";
    }

    /**
     * The data transfer out to the internet, one {@value DataTransferOut#SERVICE} row a day with bytes out: the
     * prompts the proxy sends the providers and the answers API Gateway sends the clients, estimated from the day's
     * tokens ({@link DataTransferOut}), the same on standard Lambda and managed instances.
     */
    public List<FocusCharge> dataTransferCharges(Map<LocalDate, DataTransferOut.Day> tokensPerDay) {
        return DataTransferOut.rows(tokensPerDay, model.prices());
    }

    /** One estimate row: a day's cost of an AWS service (its billed name), with its description. */
    static FocusCharge row(LocalDate day, String service, BigDecimal usd, String note) {
        BigDecimal amount = usd.setScale(SCALE, RoundingMode.HALF_UP);
        Map<String, String> tags = new LinkedHashMap<>();
        tags.put("x_CostSource", COST_SOURCE);
        tags.put("x_Estimated", "true");
        return new FocusCharge(
                day,
                FocusCharge.Category.ADJUSTMENT,
                PROVIDER_PREFIX + service,
                "Amazon Web Services",
                null,
                null,
                tags,
                0,
                null,
                null,
                amount,
                amount,
                0,
                note);
    }

    /** The rows' total (what the board line shows). */
    public static BigDecimal total(List<FocusCharge> rows) {
        return rows.stream().map(FocusCharge::billedCost).reduce(BigDecimal.ZERO, BigDecimal::add);
    }

    /**
     * The board report's line: the estimate, per million calls, and AI spend plus the estimate as the total cost of
     * AI. The total is the exact sum rounded to the cent once, as the FOCUS file, {@code manifest.json} and
     * {@code chargeback.csv} total it; the parts are shown so that they add up to it ({@link BoardAmounts}).
     */
    public String boardLine(List<FocusCharge> rows, long calls, BigDecimal aiSpendUsd) {
        return boardLine(rows, calls, aiSpendUsd, null);
    }

    /**
     * The board report's line when the FOCUS file also carries what the providers billed beyond the metering: the
     * total cost of AI is then the file's whole {@code BilledCost} total, the metered AI spend, the provider bills
     * beyond it and the estimate, each named.
     *
     * @param meteredUsd the AI spend the gateway metered
     * @param billedBeyondUsd what the providers billed beyond the metering (the {@code provider_bill} rows), or null
     *     when the report has no provider bills
     */
    public String boardLine(List<FocusCharge> rows, long calls, BigDecimal meteredUsd, BigDecimal billedBeyondUsd) {
        BigDecimal exact = total(rows);
        BoardAmounts shown = BoardAmounts.of(
                billedBeyondUsd == null ? List.of(meteredUsd, exact) : List.of(meteredUsd, exact, billedBeyondUsd));
        BigDecimal ai = shown.parts().get(0);
        BigDecimal own = shown.parts().get(1);
        String perMillion = calls == 0
                ? ""
                : " ("
                        + Money.usd(exact.multiply(BigDecimal.valueOf(1_000_000))
                                .divide(BigDecimal.valueOf(calls), 2, RoundingMode.HALF_UP))
                        + " per million calls)";
        String compute = managed == null
                ? ""
                : " The proxy runs on Lambda Managed Instances, priced as its fleet: at least "
                        + managed.model().fleet().minInstances() + " "
                        + managed.model().prices().instanceType()
                        + " instances ($"
                        + managed.model().prices().instancePerHour().toPlainString()
                        + " an hour; " + managed.pricedAs() + ") with the "
                        + managed.model()
                                .prices()
                                .managementFeeRate()
                                .movePointRight(2)
                                .stripTrailingZeros()
                                .toPlainString()
                        + " % management fee and $"
                        + managed.model().prices().requestsPerMillion().toPlainString()
                        + " per million requests, not Lambda duration.";
        return "Spendgate's own AWS cost, estimated from the operations a call is counted to cause at "
                + model.prices().region() + " list prices of " + model.prices().asOf() + " (not from the AWS bill): "
                + Money.usd(own) + " for " + calls + " calls" + perMillion + ", assuming "
                + assumptions().all() + "."
                + compute
                + (billedBeyondUsd == null
                        ? " With the " + Money.usd(ai) + " of AI spend, the total cost of AI is "
                                + Money.usd(shown.total()) + "."
                        : " With the " + Money.usd(ai) + " of AI spend metered by the gateway and "
                                + Money.usd(shown.parts().get(2))
                                + " billed by the providers beyond the metering, the total cost of AI is "
                                + Money.usd(shown.total())
                                + " (the FOCUS file's BilledCost total: metered spend, provider bills beyond it and"
                                + " this estimate).");
    }
}
